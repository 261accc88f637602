"""How many guesses anyone gets at signing in, and when they may try again (invariant 9).

Passwords, on every form that takes one (portal, console, Django admin), go through django-axes
with the database handler below: failures are keyed on the number *and* the client address
(`core.middleware.client_ip`), so nobody can lock a resident out from elsewhere, and one address
is also capped across all numbers, high enough for a center's shared Wi-Fi. SMS codes are
counted by `accounts.services.sms_code_check` under the same two keys. Everything is counted
in the database: the limits hold across web processes, restarts and a Redis outage.
"""

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

from openhall.accounts.validators import normalize_mobile
from openhall.core.crypto import blind_index


def number_key(mobile: str) -> str:
    """How a number is kept in throttle tables: a keyed hash, so they hold no phone numbers,
    and one key for every spelling of the number ("139 1234 5678", "+8613912345678")."""
    return blind_index("sign-in:" + normalize_mobile(mobile))


def sign_in_username(request, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE. Our forms and `login()` pass `mobile`; the Django admin's form
    passes `username` (its field name for USERNAME_FIELD) to the signal."""
    raw = None
    if credentials:
        raw = credentials.get("mobile") or credentials.get("username")
    if not raw and request is not None:
        data = getattr(request, "POST", None) or {}
        raw = data.get("mobile") or data.get("username")
    return number_key(str(raw)) if raw else None


def retry_at_after(times: Iterable[tuple[datetime, int]], *, limit: int, window: timedelta):
    """When a sliding-window count falls below `limit` again, or None if it already is.

    `times` are (moment, failures) inside the window; the oldest leave the window first.
    """
    events = sorted(times)
    total = sum(count for _, count in events)
    if total < limit:
        return None
    for moment, count in events:
        total -= count
        if total < limit:
            return moment + window
    return events[-1][0] + window


def try_again_message(retry_at: datetime, *, what: str = "password") -> str:
    """「请在 10:16 后再试」: the wall-clock time in the center's zone, rounded up to the minute,
    so a person who comes back at that minute is let in."""
    now = timezone.now()
    local = timezone.localtime(retry_at)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    minutes = max(1, math.ceil((retry_at - now).total_seconds() / 60))
    values = {"time": local.strftime("%H:%M"), "minutes": minutes}
    if what == "sms":
        return (
            ngettext(
                "Too many wrong codes. Please try again after %(time)s (in about %(minutes)d minute).",
                "Too many wrong codes. Please try again after %(time)s (in about %(minutes)d minutes).",
                minutes,
            )
            % values
        )
    return (
        ngettext(
            "Too many failed attempts. Please try again after %(time)s (in about %(minutes)d minute).",
            "Too many failed attempts. Please try again after %(time)s (in about %(minutes)d minutes).",
            minutes,
        )
        % values
    )


# --- Passwords: django-axes --------------------------------------------------------------------
def _cool_off() -> timedelta:
    return settings.AXES_COOLOFF_TIME


class SignInThrottleHandler(AxesDatabaseHandler):
    """axes' database handler plus a cap per client address across all numbers.

    The per number + address limit (AXES_FAILURE_LIMIT) stops guessing one account; this one
    stops one address spraying a common password over many numbers, and is set high enough
    that a center's shared Wi-Fi, where residents mistype now and then, is never locked.
    """

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_retry_at(request) is not None

    def address_retry_at(self, request) -> datetime | None:
        since = timezone.now() - _cool_off()
        rows = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=since
        ).values_list("attempt_time", "failures_since_start")
        return retry_at_after(
            rows, limit=settings.OPENHALL_SIGN_IN_IP_FAILURE_LIMIT, window=_cool_off()
        )

    def account_retry_at(self, request, credentials: dict | None) -> datetime | None:
        since = timezone.now() - _cool_off()
        rows = AccessAttempt.objects.filter(
            username=sign_in_username(request, credentials),
            ip_address=request.axes_ip_address,
            attempt_time__gte=since,
        ).values_list("attempt_time", "failures_since_start")
        # axes counts the failures of a row since its first; the lock lasts from the last one.
        rows = list(rows)
        if sum(count for _, count in rows) < settings.AXES_FAILURE_LIMIT:
            return None
        return max(moment for moment, _ in rows) + _cool_off()

    def retry_at(self, request, credentials: dict | None) -> datetime:
        moments = [self.account_retry_at(request, credentials), self.address_retry_at(request)]
        moments = [moment for moment in moments if moment is not None]
        return max(moments) if moments else timezone.now() + _cool_off()


def _handler() -> SignInThrottleHandler:
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.get_implementation()


def locked_out(request) -> bool:
    """True when axes refused (or has just locked) this sign-in attempt."""
    return bool(getattr(request, "axes_locked_out", False))


def lockout_message(request, credentials: dict | None = None) -> str:
    """The message for a refused sign-in; the page that shows it answers 429."""
    request.openhall_lockout_shown = True
    return try_again_message(_handler().retry_at(request, credentials))


def lockout_response(request, original_response=None, credentials: dict | None = None):
    """AXES_LOCKOUT_CALLABLE. Our sign-in pages already show the message beside the form and
    keep the number typed in; any other form (the Django admin's) gets a page of its own."""
    if original_response is not None and getattr(request, "openhall_lockout_shown", False):
        original_response.status_code = 429
        return original_response
    return render(
        request,
        "accounts/locked_out.html",
        {"message": lockout_message(request, credentials), "back": request.path},
        status=429,
    )
