"""`{{ article.body|rich_text }}`: stored rich text, cleaned again as it is shown. It was cleaned
when saved; this second pass covers rows saved under an older, looser rule, or written around the
services (the admin, a data import)."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from openhall.core.html import clean_html, show_pictures

register = template.Library()


@register.filter
def rich_text(value: str) -> SafeString:
    return mark_safe(show_pictures(clean_html(value)))  # noqa: S308 — clean_html sanitises
