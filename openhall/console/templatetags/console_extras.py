from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    """`{{ hours|get_item:weekday }}`: look up a dict entry by a variable key."""
    return mapping.get(key)
