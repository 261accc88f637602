"""Screens: made, re-keyed and changed by a center admin (audited), found by their token."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openhall.accounts.models import User
from openhall.core import permissions
from openhall.core.audit import audit_record, snapshot
from openhall.core.models import Center
from openhall.core.permissions import Perm
from openhall.display.models import COUNTERS, Screen, new_token, token_hash

AUDITED = ["name", "layout", "counters", "is_active"]
SEEN_EVERY = 60  # seconds between last-seen writes of one screen


def screen_url(token: str) -> str:
    from django.conf import settings

    return f"{settings.SITE_URL}/display/{token}/"


def _clean(name: str, layout: str, counters: list[str]) -> tuple[str, str, list[str]]:
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写屏幕名称。", code="name_required")
    if layout not in Screen.Layout.values:
        raise ValidationError("请选择横屏或竖屏。", code="invalid_layout")
    return name[:50], layout, [c for c in COUNTERS if c in (counters or [])]


@transaction.atomic
def screen_create(
    *,
    center: Center,
    by: User | None,
    name: str,
    layout: str = "landscape",
    counters: list[str] | None = None,
) -> tuple[Screen, str]:
    """The screen and its token; the token is not stored, only shown now."""
    if by is not None:
        permissions.require_center_perm(by, center, Perm.MANAGE_CENTER)
    name, layout, counters = _clean(name, layout, list(COUNTERS) if counters is None else counters)
    token = new_token()
    screen = Screen.objects.create(
        center=center, name=name, layout=layout, counters=counters, token_hash=token_hash(token)
    )
    audit_record(
        actor=by, action="screen.create", center=center, obj=screen, after=snapshot(screen, AUDITED)
    )
    return screen, token


@transaction.atomic
def screen_rotate(*, screen: Screen, by: User) -> str:
    """A new URL; the old one stops working at once (its open stream ends at the next ping)."""
    permissions.require_center_perm(by, screen.center, Perm.MANAGE_CENTER)
    token = new_token()
    Screen.objects.filter(pk=screen.pk).update(token_hash=token_hash(token))
    audit_record(actor=by, action="screen.rotate", center=screen.center, obj=screen)
    return token


@transaction.atomic
def screen_update(
    *, screen: Screen, by: User, name: str, layout: str, counters: list[str], is_active: bool
) -> Screen:
    permissions.require_center_perm(by, screen.center, Perm.MANAGE_CENTER)
    before = snapshot(screen, AUDITED)
    screen.name, screen.layout, screen.counters = _clean(name, layout, counters)
    screen.is_active = is_active
    screen.save()
    audit_record(
        actor=by,
        action="screen.update",
        center=screen.center,
        obj=screen,
        before=before,
        after=snapshot(screen, AUDITED),
    )
    return screen


def screen_for_token(token: str) -> Screen | None:
    if not token or len(token) > 64:
        return None
    return (
        Screen.objects.select_related("center")
        .filter(token_hash=token_hash(token), is_active=True, center__is_active=True)
        .first()
    )


def screen_seen(screen: Screen) -> None:
    """Heartbeat: at most one write a minute per screen."""
    now = timezone.now()
    if screen.last_seen_at is None or (now - screen.last_seen_at).total_seconds() >= SEEN_EVERY:
        Screen.objects.filter(pk=screen.pk).update(last_seen_at=now)
        screen.last_seen_at = now


def is_online(screen: Screen) -> bool:
    return (
        screen.last_seen_at is not None
        and (timezone.now() - screen.last_seen_at).total_seconds() < 2 * SEEN_EVERY + 30
    )
