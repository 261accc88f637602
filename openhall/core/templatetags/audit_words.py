"""{% load audit_words %}: an audit entry as a person reads it (see core/audit_display.py)."""

from django import template

from openhall.core import audit_display

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return audit_display.action_label(action)


@register.filter
def actor_label(entry) -> str:
    return audit_display.actor_label(entry)


@register.filter
def changes(entry) -> list[audit_display.Change]:
    return audit_display.readable_changes(entry)
