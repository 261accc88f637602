"""Writes for people: users, real-name data, teams, enterprises, API tokens."""

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openhall.accounts import throttle
from openhall.accounts.models import (
    ApiToken,
    Consent,
    Enterprise,
    EnterpriseMembership,
    SmsCode,
    SmsCodeFailure,
    Team,
    TeamMembership,
    User,
)
from openhall.accounts.validators import (
    normalize_mobile,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)
from openhall.core import permissions
from openhall.core.audit import audit_record, snapshot
from openhall.core.crypto import blind_index
from openhall.core.events import publish_on_commit
from openhall.core.models import Center
from openhall.core.permissions import Perm

logger = logging.getLogger(__name__)


@transaction.atomic
def user_create(
    *, mobile: str, password: str | None, real_name: str = "", id_number: str = ""
) -> User:
    mobile = normalize_mobile(mobile)
    validate_mobile(mobile)
    if User.objects.filter(mobile=mobile).exists():
        raise ValidationError({"mobile": "此手机号已注册。"}, code="mobile_taken")
    user = User.objects.create_user(mobile, password, real_name=real_name.strip())
    if id_number:
        user_set_id_number(user=user, id_number=id_number)
    return user


def user_set_id_number(*, user: User, id_number: str) -> User:
    id_number = id_number.strip().upper()
    validate_id_number(id_number)
    user.id_number = id_number
    user.id_number_index = blind_index(id_number)
    user.save(update_fields=["id_number", "id_number_index"])
    return user


@transaction.atomic
def team_create(
    *, center: Center, name: str, leader: User, by: User, description: str = ""
) -> Team:
    permissions.require_center_perm(by, center, Perm.OPERATE)
    team = Team.objects.create(center=center, name=name.strip(), description=description)
    TeamMembership.objects.create(team=team, user=leader, role=TeamMembership.Role.LEADER)
    audit_record(
        actor=by,
        action="team.create",
        center=center,
        obj=team,
        after={"name": team.name, "leader": leader.pk},
    )
    return team


@transaction.atomic
def team_member_add(
    *, team: Team, user: User, by: User, role: str = TeamMembership.Role.MEMBER
) -> TeamMembership:
    permissions.require_center_perm(by, team.center, Perm.OPERATE)
    membership, _ = TeamMembership.objects.update_or_create(
        team=team, user=user, defaults={"role": role}
    )
    audit_record(
        actor=by,
        action="team.member_add",
        center=team.center,
        obj=team,
        after={"user": user.pk, "role": role},
    )
    return membership


@transaction.atomic
def team_member_remove(*, team: Team, user: User, by: User) -> None:
    """A member leaves (or is taken off) the team: staff of the center, the team's leader, or
    the member themselves. What the membership gave (door codes) is withdrawn on the event."""
    is_leader = TeamMembership.objects.filter(
        team=team, user=by, role=TeamMembership.Role.LEADER
    ).exists()
    if by.pk != user.pk and not is_leader:
        permissions.require_center_perm(by, team.center, Perm.OPERATE)
    deleted, _ = TeamMembership.objects.filter(team=team, user=user).delete()
    if not deleted:
        return
    audit_record(
        actor=by,
        action="team.member_remove",
        center=team.center,
        obj=team,
        after={"user": user.pk},
    )
    publish_on_commit("team.member_left", team_id=team.pk, user_id=user.pk)


@transaction.atomic
def enterprise_create(
    *, center: Center, name: str, uscc: str, admin: User, by: User, contact_phone: str = ""
) -> Enterprise:
    permissions.require_center_perm(by, center, Perm.OPERATE)
    uscc = uscc.strip().upper()
    validate_uscc(uscc)
    if Enterprise.objects.filter(uscc=uscc).exists():
        raise ValidationError({"uscc": "该统一社会信用代码已登记。"}, code="uscc_taken")
    enterprise = Enterprise.objects.create(
        center=center, name=name.strip(), uscc=uscc, contact_phone=contact_phone
    )
    EnterpriseMembership.objects.create(
        enterprise=enterprise, user=admin, role=EnterpriseMembership.Role.ADMIN
    )
    audit_record(
        actor=by,
        action="enterprise.create",
        center=center,
        obj=enterprise,
        after={"name": enterprise.name, "uscc": uscc},
    )
    return enterprise


@transaction.atomic
def enterprise_verify(*, enterprise: Enterprise, by: User) -> Enterprise:
    permissions.require_center_perm(by, enterprise.center, Perm.OPERATE)
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.is_verified:
        return enterprise
    before = snapshot(enterprise, ["verified_at", "verified_by"])
    enterprise.verified_at = timezone.now()
    enterprise.verified_by = by
    enterprise.save(update_fields=["verified_at", "verified_by"])
    audit_record(
        actor=by,
        action="enterprise.verify",
        center=enterprise.center,
        obj=enterprise,
        before=before,
        after=snapshot(enterprise, ["verified_at", "verified_by"]),
    )
    return enterprise


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# Every API request authenticates, so a token and its person (with their staff roles) are kept
# in the cache this long: a busy client reads them from the database once per window, not once
# per request. Revoking through api_token_revoke (the `openhall token revoke` command) drops the
# entry, so the token stops at once wherever the cache is shared (Redis, REDIS_URL); a process
# with its own memory cache, and changes made elsewhere (the admin, a person deactivated, a
# staff role removed), reach token clients within these seconds.
API_TOKEN_CACHE_SECONDS = 10
API_TOKEN_TOUCH_SECONDS = 60  # last_used_at is written at most this often


def _token_cache_key(token_hash: str) -> str:
    return f"api-token:{token_hash}"


def _token_cache(operation: str, *args: Any) -> Any:
    """The cache only saves queries: if it is down (Redis outage), tokens are read from the
    database as before instead of every API request failing."""
    try:
        return getattr(cache, operation)(*args)
    except Exception as exc:  # any backend's connection error
        logger.warning("API token cache unavailable (%s): %s", operation, type(exc).__name__)
        return None


@transaction.atomic
def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Returns the token row and the plaintext token, which is never stored and cannot be shown again."""
    raw = settings.OPENHALL_API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:10], token_hash=_token_hash(raw), expires_at=expires_at
    )
    audit_record(
        actor=user,
        action="api_token.create",
        obj=token,
        after={"name": name, "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    if token.user_id != by.pk and not by.is_superuser:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        # Dropped now for this process and again after commit, in case a request re-read the
        # token in between.
        key = _token_cache_key(token.token_hash)
        _token_cache("delete", key)
        transaction.on_commit(lambda: _token_cache("delete", key))
        audit_record(
            actor=by,
            action="api_token.revoke",
            obj=token,
            after={"revoked_at": str(token.revoked_at)},
        )
    return token


def api_token_authenticate(raw: str) -> User | None:
    if not raw or not raw.startswith(settings.OPENHALL_API_TOKEN_PREFIX):
        return None
    key = _token_cache_key(_token_hash(raw))
    now = timezone.now()
    entry = _token_cache("get", key)
    if entry is None:
        token = (
            ApiToken.objects.select_related("user")
            .defer("user__password")  # the cache never holds a password hash
            .filter(token_hash=_token_hash(raw))
            .first()
        )
        if token is None:
            return None
        # Read the staff roles now, so they travel with the person for the cache's lifetime.
        permissions.staff_memberships(token.user)
        entry = {"revoked": token.revoked_at is not None, "expires_at": token.expires_at}
        entry["user"] = token.user
        _token_cache("set", key, entry, API_TOKEN_CACHE_SECONDS)
        # Touched only when read from the database: a busy API client must not turn every read
        # into a write, and last_used_at stays within a minute.
        last_used = token.last_used_at
        stale = last_used is None or (now - last_used).total_seconds() > API_TOKEN_TOUCH_SECONDS
        if stale and _token_entry_valid(entry, now):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return entry["user"] if _token_entry_valid(entry, now) else None


def _token_entry_valid(entry: dict, now: datetime) -> bool:
    expired = entry["expires_at"] is not None and entry["expires_at"] <= now
    return not entry["revoked"] and not expired and entry["user"].is_active


# --- Sign-in by SMS code -------------------------------------------------------------------
# Every limit is counted from rows in the database (the codes sent, the wrong guesses), so it
# holds across web processes, restarts and a Redis outage alike.
SMS_CODE_TTL = timedelta(minutes=5)
SMS_CODE_MAX_ATTEMPTS = 5  # wrong guesses before a code is void, wherever they come from
SMS_RESEND_SECONDS = 60  # one code per number per minute …
SMS_PER_NUMBER_PER_HOUR = 5  # … and at most this many an hour …
SMS_PER_IP_PER_HOUR = 20  # … and from one IP address at most this many an hour
# Wrong guesses from one address: at one number an hour (a victim elsewhere is not locked out),
# and across all numbers per quarter hour (high enough for a center's shared Wi-Fi).
SMS_GUESSES_PER_NUMBER_AND_IP = 10
SMS_GUESS_NUMBER_WINDOW = timedelta(hours=1)
SMS_GUESSES_PER_IP = 100
SMS_GUESS_IP_WINDOW = timedelta(minutes=15)


class SmsThrottled(ValidationError):
    pass


def _code_hash(mobile: str, code: str) -> str:
    # Keyed with the data key: a leaked table does not give away codes by brute force.
    return hmac.new(
        blind_index("sms-code:" + mobile).encode(), code.encode(), hashlib.sha256
    ).hexdigest()


def _lock_number(index: str) -> None:
    """Serialize the sends to one number, so two requests in the same instant cannot both pass
    the per-minute limit. SQLite's IMMEDIATE transactions are serialized already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The one-bigint key space is separate from the (int, int) keys bookings use.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(index[:15], 16)])


def sms_code_send(*, mobile: str, ip: str = "") -> SmsCode:
    """Send a fresh sign-in code to `mobile`, within the per-number and per-IP limits."""
    from openhall.core.sms import SmsError, new_code, sms_send

    mobile = normalize_mobile(mobile)
    validate_mobile(mobile)
    index = blind_index(mobile)
    code = new_code()
    now = timezone.now()
    with transaction.atomic():
        _lock_number(index)
        sent = SmsCode.objects.filter(created_at__gt=now - timedelta(hours=1))
        if sent.filter(
            mobile_index=index, created_at__gt=now - timedelta(seconds=SMS_RESEND_SECONDS)
        ).exists():
            raise SmsThrottled(_("A code was sent less than a minute ago."), code="sms_throttled")
        if sent.filter(mobile_index=index).count() >= SMS_PER_NUMBER_PER_HOUR or (
            ip and sent.filter(ip=ip).count() >= SMS_PER_IP_PER_HOUR
        ):
            raise SmsThrottled(
                _("Too many codes requested. Please try again in an hour."), code="sms_throttled"
            )
        # A new code voids the earlier ones.
        SmsCode.objects.filter(mobile_index=index, used_at__isnull=True).update(used_at=now)
        row = SmsCode.objects.create(
            mobile_index=index,
            code_hash=_code_hash(mobile, code),
            ip=ip or None,
            created_at=now,
            expires_at=now + SMS_CODE_TTL,
        )
    try:
        sms_send(
            mobile=mobile,
            template="login_code",
            params={"code": code, "minutes": str(SMS_CODE_TTL.seconds // 60)},
        )
    except SmsError as exc:
        row.delete()  # not sent: it neither counts against the limits nor can be guessed
        raise ValidationError(
            _("The SMS could not be sent. Please try again later."), code="sms_failed"
        ) from exc
    return row


def _sms_guess_retry_at(*, number_key: str, ip: str, now: datetime) -> datetime | None:
    """When this address may guess at this number again, or None if it may now."""
    if not ip:
        return None
    failures = SmsCodeFailure.objects.filter(ip=ip)
    at_number = failures.filter(number_key=number_key, at__gt=now - SMS_GUESS_NUMBER_WINDOW)
    anywhere = failures.filter(at__gt=now - SMS_GUESS_IP_WINDOW)
    moments = [
        throttle.retry_at_after(
            ((at, 1) for at in at_number.values_list("at", flat=True)),
            limit=SMS_GUESSES_PER_NUMBER_AND_IP,
            window=SMS_GUESS_NUMBER_WINDOW,
        ),
        throttle.retry_at_after(
            ((at, 1) for at in anywhere.values_list("at", flat=True)),
            limit=SMS_GUESSES_PER_IP,
            window=SMS_GUESS_IP_WINDOW,
        ),
    ]
    moments = [moment for moment in moments if moment is not None]
    return max(moments) if moments else None


def sms_code_check(*, mobile: str, code: str, ip: str = "") -> bool:
    """True once for the right, unexpired code; every wrong guess counts against the caps.

    Commits on its own: call it outside any transaction that a refusal rolls back, or the
    count of wrong guesses is rolled back with it (that let 2,000 guesses through).
    Raises SmsThrottled while `ip` has used up its guesses, naming the time to try again.
    """
    mobile = normalize_mobile(mobile)
    code = (code or "").strip()
    now = timezone.now()
    number_key = throttle.number_key(mobile)
    with transaction.atomic():
        retry_at = _sms_guess_retry_at(number_key=number_key, ip=ip, now=now)
        if retry_at is not None:
            raise SmsThrottled(
                throttle.try_again_message(retry_at, what="sms"), code="sms_guess_throttled"
            )
        row = (
            SmsCode.objects.select_for_update()
            .filter(mobile_index=blind_index(mobile), used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if (
            row is not None
            and row.attempts < SMS_CODE_MAX_ATTEMPTS
            and hmac.compare_digest(row.code_hash, _code_hash(mobile, code))
        ):
            row.used_at = now
            row.save(update_fields=["used_at"])
            return True
        if row is not None:
            row.attempts += 1
            if row.attempts >= SMS_CODE_MAX_ATTEMPTS:
                row.used_at = now  # void: the next sign-in needs a new code
            row.save(update_fields=["attempts", "used_at"])
        SmsCodeFailure.objects.filter(at__lt=now - SMS_GUESS_NUMBER_WINDOW).delete()
        SmsCodeFailure.objects.create(number_key=number_key, ip=ip or None, at=now)
        return False


def consent_record(*, user: User, kind: str, version: str = "", ip: str = "") -> Consent:
    return Consent.objects.create(
        user=user,
        kind=kind,
        version=version or settings.OPENHALL_PRIVACY_POLICY_VERSION,
        ip=ip or None,
    )


def privacy_consent_current(user: User) -> bool:
    return user.consents.filter(
        kind=Consent.Kind.PRIVACY,
        version=settings.OPENHALL_PRIVACY_POLICY_VERSION,
        withdrawn_at__isnull=True,
    ).exists()


def is_privileged(user: User) -> bool:
    """Staff of any kind and superusers: accounts that must sign in with their password."""
    return user.is_superuser or user.is_staff or permissions.is_staff_user(user)


def user_sign_in_by_sms(
    *,
    mobile: str,
    code: str,
    real_name: str = "",
    consents: frozenset[str] | set[str] = frozenset(),
    ip: str = "",
) -> User:
    """Sign in, or sign up when the number is new: code right, name declared, policy agreed.

    For residents only: staff and superusers sign in with their password at the console.
    """
    mobile = normalize_mobile(mobile)
    validate_mobile(mobile)
    user = User.objects.filter(mobile=mobile).first()
    if user is not None and not user.is_active:
        raise ValidationError(_("This account is disabled."), code="account_disabled")
    needs_consent = user is None or not privacy_consent_current(user)
    if needs_consent and Consent.Kind.PRIVACY not in consents:
        raise ValidationError(
            {"agree_privacy": _("Please read and agree to the privacy policy.")},
            code="consent_required",
        )
    real_name = real_name.strip()
    if user is None and not real_name:
        raise ValidationError(
            {"real_name": _("Please enter your real name.")}, code="name_required"
        )
    # Outside the transaction below, so a wrong guess stays counted when we refuse.
    if not sms_code_check(mobile=mobile, code=code, ip=ip):
        raise ValidationError(
            {"code": _("The code is wrong or has expired. Request a new one.")},
            code="invalid_code",
        )
    # Checked only after the code, so the refusal tells nobody but the holder of the phone
    # that this number belongs to staff.
    if user is not None and is_privileged(user):
        audit_record(
            actor=user, action="user.sms_sign_in_refused", obj=user, after={"reason": "staff"}
        )
        raise ValidationError(
            _(
                "Staff accounts cannot sign in with an SMS code alone. Please sign in with "
                "your password at the console: /console/login/"
            ),
            code="password_required",
        )
    return _user_signed_in_by_sms(
        mobile=mobile, real_name=real_name, consents=consents, needs_consent=needs_consent, ip=ip
    )


@transaction.atomic
def _user_signed_in_by_sms(
    *,
    mobile: str,
    real_name: str,
    consents: frozenset[str] | set[str],
    needs_consent: bool,
    ip: str,
) -> User:
    now = timezone.now()
    user = User.objects.select_for_update().filter(mobile=mobile).first()
    if user is None:
        user = User.objects.create_user(mobile, None, real_name=real_name, phone_verified_at=now)
        audit_record(actor=user, action="user.sign_up", obj=user, after={"via": "sms"})
    elif user.phone_verified_at is None or (real_name and not user.real_name):
        user.phone_verified_at = user.phone_verified_at or now
        user.real_name = user.real_name or real_name
        user.save(update_fields=["phone_verified_at", "real_name"])
    for kind in consents & {Consent.Kind.PRIVACY, Consent.Kind.SMS_NOTICES}:
        if kind == Consent.Kind.PRIVACY and not needs_consent:
            continue
        consent_record(user=user, kind=kind, ip=ip)
    if Consent.Kind.SMS_NOTICES in consents:
        publish_on_commit("user.sms_notices_agreed", user_id=user.pk)
    return user


@transaction.atomic
def user_verify_identity(
    *, user: User, real_name: str, id_number: str, consent: bool, ip: str = ""
) -> User:
    """Level 2. Keeps the verifier's answer and an HMAC of the number, never the number."""
    from openhall.accounts.identity import get_verifier

    if not consent:
        raise ValidationError(
            {"agree_id": _("Please agree separately to the processing of your ID card number.")},
            code="consent_required",
        )
    id_number = id_number.strip().upper()
    validate_id_number(id_number)
    index = blind_index(id_number)
    if User.objects.filter(id_number_index=index).exclude(pk=user.pk).exists():
        raise ValidationError(
            {"id_number": _("This ID card number belongs to another account.")},
            code="id_number_taken",
        )
    result = get_verifier().verify(real_name=real_name.strip(), id_number=id_number)
    consent_record(user=user, kind=Consent.Kind.ID_NUMBER, ip=ip)
    if not result.matched:
        audit_record(
            actor=user, action="user.identity_failed", obj=user, after={"reason": result.reason}
        )
        raise ValidationError(
            _("The name and ID card number do not match."), code="identity_mismatch"
        )
    user.real_name = real_name.strip()
    user.id_number = ""
    user.id_number_index = index
    user.identity_verified_at = timezone.now()
    user.save(update_fields=["real_name", "id_number", "id_number_index", "identity_verified_at"])
    audit_record(actor=user, action="user.identity_verified", obj=user, after={"level": 2})
    return user


@transaction.atomic
def user_close(*, user: User, by: User | None = None) -> User:
    """注销: erase what identifies the person; bookings stay, anonymous, for the statistics."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.closed_at:
        return user
    by = by or user
    user.api_tokens.all().delete()
    for team_id in user.team_memberships.values_list("team_id", flat=True):
        publish_on_commit("team.member_left", team_id=team_id, user_id=user.pk)
    user.team_memberships.all().delete()
    user.enterprise_memberships.all().delete()
    user.consents.update(ip=None, withdrawn_at=timezone.now())
    # The number is freed so it can sign up again; the placeholder is 11 characters and not a
    # valid mobile number, so it never collides with a real one.
    user.mobile = f"x{user.pk:010d}"
    user.real_name = ""
    user.id_number = ""
    user.id_number_index = ""
    user.phone_verified_at = None
    user.identity_verified_at = None
    user.is_active = False
    user.closed_at = timezone.now()
    user.set_unusable_password()
    user.save()
    # Recorded after the erasure, so the log names the closed account, not the person.
    audit_record(actor=by, action="user.close", obj=user, after={"closed": True})
    # Apps holding more of the person's data (inbox, WeChat binding) erase it on this event.
    publish_on_commit("user.closed", user_id=user.pk)
    return user
