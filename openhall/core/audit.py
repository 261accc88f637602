"""The one way to write the audit log. Services call `audit_record` inside their transaction."""

from typing import Any

from django.db import models

from openhall.core.models import AuditEntry, Center
from openhall.core.request_context import current_ip


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """A JSON-safe picture of some fields, for the before → after of an audit entry."""
    picture = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif value is not None and not isinstance(value, (str, int, float, bool, list, dict)):
            value = str(value)
        picture[name] = value
    return picture


def audit_record(
    *,
    actor: Any,  # a User, or None for the system
    action: str,
    center: Center | None = None,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=str(actor) if actor is not None else "system",
        center=center,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        ip=current_ip.get(),
    )
