"""The audit log as a person reads it: actions in Chinese, times in the center's time zone
(Asia/Shanghai), values by their labels — never `booking.request`, `requested` or `+00:00`.

Each app names its own actions in `<app>/audit_labels.py` (`ACTION_LABELS`; `FIELD_LABELS` for
what it records that is not a model field; `VALUE_LABELS` for codes a field without choices
holds, by field name); they are found by name when first needed, so
core imports no app above it (docs/architecture.md). The stored entries keep their stable codes:
the API and exports still answer `booking.request`.
"""

import ast
import contextlib
import importlib
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.module_loading import module_has_submodule
from django.utils.translation import pgettext

from openhall.core.models import AuditEntry

# str(aware datetime) as `snapshot` stores it, or an ISO 8601 timestamp: "2026-06-03 05:45:00+00:00".
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)$")
EMPTY = "—"


@dataclass(frozen=True)
class Change:
    field: str  # the field's label
    before: str | None  # None: the entry has no before (something was made)
    after: str


@cache
def _labels() -> tuple[dict[str, Any], dict[str, Any], dict[str, dict[str, Any]]]:
    actions: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    values: dict[str, dict[str, Any]] = {}
    for config in apps.get_app_configs():
        if config.name.startswith("openhall.") and module_has_submodule(
            config.module, "audit_labels"
        ):
            module = importlib.import_module(f"{config.name}.audit_labels")
            actions.update(getattr(module, "ACTION_LABELS", {}))
            fields.update(getattr(module, "FIELD_LABELS", {}))
            values.update(getattr(module, "VALUE_LABELS", {}))
    return actions, fields, values


def action_label(action: str) -> str:
    """`booking.request` → 提交预约; an action no app has named yet shows as its code."""
    label = _labels()[0].get(action)
    return str(label) if label is not None else action


def known_actions() -> set[str]:
    return set(_labels()[0])


def actor_label(entry: AuditEntry) -> str:
    if not entry.actor_label or entry.actor_label == "system":
        return pgettext("audit actor", "System")
    return entry.actor_label


def _model_of(entry: AuditEntry) -> type[models.Model] | None:
    try:
        return apps.get_model(entry.object_type) if entry.object_type else None
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def field_label(model: type[models.Model] | None, name: str) -> str:
    field = _field(model, name)
    if field is not None:
        return str(field.verbose_name)
    label = _labels()[1].get(name)
    return str(label) if label is not None else name


def readable_value(value: Any, field: models.Field | None = None, name: str = "") -> str:
    """One recorded value as words: a choice by its label, a related row by its name, a time in
    the current time zone, yes/no in Chinese."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return pgettext("audit value", "Yes") if value else pgettext("audit value", "No")
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        # A list recorded as its repr, before `snapshot` kept lists as they are.
        with contextlib.suppress(ValueError, SyntaxError):
            value = ast.literal_eval(value)
    if isinstance(value, list):
        return "、".join(readable_value(v, field, name) for v in value) or EMPTY
    if isinstance(value, dict):
        return "；".join(f"{k}：{readable_value(v)}" for k, v in value.items()) or EMPTY
    choices = _choices(field) or _labels()[2].get(name, {})
    if choices and str(value) in choices:
        return str(choices[str(value)])
    related_model = field.related_model if field is not None and field.is_relation else None
    if isinstance(related_model, type) and isinstance(value, int):
        related = related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if isinstance(value, str) and TIMESTAMP.match(value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return date_format(timezone.localtime(moment), "Y-m-d H:i")
    return str(value)


def _choices(field: models.Field | None) -> dict[str, Any]:
    if field is None:
        return {}
    return {str(k): v for k, v in (field.flatchoices or [])}


def readable_changes(entry: AuditEntry) -> list[Change]:
    """What the entry changed, field by field (unchanged fields left out when there is a before)."""
    model = _model_of(entry)
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    changes = []
    for name in list(before) + [k for k in after if k not in before]:
        if before and name in before and name in after and before[name] == after[name]:
            continue
        field = _field(model, name)
        changes.append(
            Change(
                field=field_label(model, name),
                before=readable_value(before.get(name), field, name) if entry.before else None,
                after=readable_value(after.get(name), field, name),
            )
        )
    return changes
