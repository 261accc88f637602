"""Writes for people: users, real-name data, teams, enterprises, API tokens."""

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from openhall.accounts.models import (
    ApiToken,
    Enterprise,
    EnterpriseMembership,
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
from openhall.core.models import Center
from openhall.core.permissions import Perm


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
    token = ApiToken.objects.select_related("user").filter(token_hash=_token_hash(raw)).first()
    now = timezone.now()
    if (
        token is None
        or token.revoked_at
        or (token.expires_at and token.expires_at <= now)
        or not token.user.is_active
    ):
        return None
    # Touch at most once a minute: a busy API client must not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# Sign-in throttling: counts failures per number and per IP in the shared cache, so it holds
# across web processes when REDIS_URL is set.
LOGIN_MAX_FAILURES = 10
LOGIN_WINDOW_SECONDS = 15 * 60


def _login_keys(mobile: str, ip: str) -> list[str]:
    return [f"login-fail:m:{mobile}", f"login-fail:ip:{ip}"]


def login_allowed(*, mobile: str, ip: str) -> bool:
    counts = cache.get_many(_login_keys(mobile, ip))
    return all(count < LOGIN_MAX_FAILURES for count in counts.values())


def login_failed(*, mobile: str, ip: str) -> None:
    for key in _login_keys(mobile, ip):
        if cache.add(key, 1, LOGIN_WINDOW_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, LOGIN_WINDOW_SECONDS)
