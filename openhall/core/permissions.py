"""Who may see and do what, in which center. Every view and API endpoint goes through here.

Rule of thumb: an object in a center you cannot see does not exist for you (404); an object you
can see but may not change answers 403. Staff of center A therefore learn nothing about center B.
Both are refusals (`NotFound`, `Forbidden`, core/refusals.py), never HTTP types, so a service may
call these checks and the API's one Refused handler or the pages' RefusalMiddleware answers them.
"""

from enum import StrEnum

from django.db.models import Model, Q, QuerySet

from openhall.core.models import Center, StaffMembership, StaffRole
from openhall.core.refusals import Forbidden, NotFound


class Perm(StrEnum):
    VIEW_STATS = "view_stats"  # figures and reports
    VIEW_CENTER = "view_center"  # the center's console pages
    OPERATE = "operate"  # day-to-day work: approve, grant access, log services
    MANAGE_CENTER = "manage_center"  # spaces, rules, locks, screens, staff
    VIEW_AUDIT = "view_audit"
    REVIEW_CONTENT = "review_content"  # activity content and articles


ROLE_PERMS: dict[str, frozenset[Perm]] = {
    StaffRole.OPERATOR: frozenset({Perm.VIEW_STATS, Perm.VIEW_CENTER, Perm.OPERATE}),
    StaffRole.CENTER_ADMIN: frozenset(
        {Perm.VIEW_STATS, Perm.VIEW_CENTER, Perm.OPERATE, Perm.MANAGE_CENTER, Perm.VIEW_AUDIT}
    ),
    StaffRole.STREET_REVIEWER: frozenset({Perm.VIEW_STATS, Perm.VIEW_CENTER, Perm.REVIEW_CONTENT}),
    StaffRole.DISTRICT_VIEWER: frozenset({Perm.VIEW_STATS}),
}


def roles_with(perm: Perm) -> list[str]:
    return [role for role, perms in ROLE_PERMS.items() if perm in perms]


def is_staff_user(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or StaffMembership.objects.filter(user=user).exists()


def centers_for(user, perm: Perm) -> QuerySet[Center]:
    """The active centers in which `user` holds `perm`."""
    centers = Center.objects.filter(is_active=True)
    if not getattr(user, "is_authenticated", False):
        return centers.none()
    if user.is_superuser:
        return centers
    memberships = StaffMembership.objects.filter(user=user, role__in=roles_with(perm))
    return centers.filter(
        Q(id__in=memberships.filter(center__isnull=False).values("center"))
        | Q(street__in=memberships.filter(street__isnull=False).values("street"))
        | Q(street__district__in=memberships.filter(district__isnull=False).values("district"))
    )


def staff_memberships(user) -> list[StaffMembership]:
    """The user's staff roles, read once per user object (a request asks many questions)."""
    cached = getattr(user, "_openhall_staff_memberships", None)
    if cached is None:
        cached = list(
            StaffMembership.objects.filter(user=user).only(
                "role", "center_id", "street_id", "district_id"
            )
        )
        user._openhall_staff_memberships = cached
    return cached


def has_center_perm(user, center: Center, perm: Perm) -> bool:
    """The same answer as `centers_for(user, perm).contains(center)`, without a query per call."""
    if not getattr(user, "is_authenticated", False) or not center.is_active:
        return False
    if user.is_superuser:
        return True
    roles = roles_with(perm)
    for membership in staff_memberships(user):
        if membership.role not in roles:
            continue
        if membership.center_id == center.pk or membership.street_id == center.street_id:
            return True
        if (
            membership.district_id is not None
            and membership.district_id == center.street.district_id
        ):
            return True
    return False


def require_center_perm(user, center: Center, perm: Perm) -> None:
    """For services: `NotFound` when the center is invisible to the user, `Forbidden` when only
    `perm` is missing."""
    if has_center_perm(user, center, perm):
        return
    if has_center_perm(user, center, Perm.VIEW_STATS):
        raise Forbidden
    raise NotFound


def center_or_404(user, center_id, perm: Perm) -> Center:
    center = (
        centers_for(user, Perm.VIEW_STATS).filter(pk=center_id).first()
        if _is_int(center_id)
        else None
    )
    if center is None:
        raise NotFound
    require_center_perm(user, center, perm)
    return center


def scoped(user, queryset: QuerySet, perm: Perm, *, center_field: str = "center") -> QuerySet:
    """Restrict any queryset of center-owned rows to the centers where `user` holds `perm`."""
    return queryset.filter(**{f"{center_field}__in": centers_for(user, perm)})


def object_or_404(
    user, queryset: QuerySet, perm: Perm, *, center_field: str = "center", **lookup
) -> Model:
    """Fetch a center-owned object the user may act on with `perm`, or `NotFound`/`Forbidden`."""
    visible = scoped(user, queryset, Perm.VIEW_STATS, center_field=center_field)
    try:
        obj = visible.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound from exc
    center = obj
    for part in center_field.split("__"):
        center = getattr(center, part)
    require_center_perm(user, center, perm)
    return obj


def _is_int(value) -> bool:
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True
