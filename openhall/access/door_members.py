"""A team booking's doors shared with named members of the team: the booker (or the center's
staff) lets a current member in, and the member gets a grant and a PIN of their own, which
follows the booking exactly as the booker's does (grants.grant_sync: withdrawn on cancel,
reject or a move back to 待审批, restored on approval, ended with the window, withdrawn when the
member leaves the team). Every addition and removal is audited."""

from django.db import transaction
from django.utils import timezone

from openhall.access.grants import doors_for_space, grant_revoke, grant_sync
from openhall.access.models import BookingDoorMember
from openhall.access.refusals import AccessRefused
from openhall.accounts.models import User
from openhall.core import permissions
from openhall.core.audit import audit_record
from openhall.core.params import MAX_ID
from openhall.core.permissions import Perm
from openhall.core.refusals import Conflict, Forbidden, NotFound

# However many people a booking is for, one booking lets at most this many members in.
MAX_DOOR_MEMBERS = 20


def door_members_cap(booking) -> int:
    """The booker counts among the booking's attendees; the rest may be let in by name."""
    return max(0, min(booking.attendees - 1, MAX_DOOR_MEMBERS))


def require_door_sharer(booking, by: User) -> None:
    """Only the booker, or the booking's center's staff, decide who shares its doors. Anyone
    else is told there is no such booking (a resident may not learn of others' bookings)."""
    if by.pk == booking.booker_id or permissions.has_center_perm(by, booking.center, Perm.OPERATE):
        return
    if permissions.has_center_perm(by, booking.center, Perm.VIEW_STATS):
        raise Forbidden
    raise NotFound


def _locked(booking):
    from openhall.bookings.models import Booking

    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("center", "space", "team")
        .get(pk=booking.pk)
    )


@transaction.atomic
def door_member_add(*, booking, user_id: int, by: User) -> BookingDoorMember:
    """Let a member of the booking's team in with the booking: their own PIN, its window."""
    require_door_sharer(booking, by)
    # The booking's row is locked: two additions at once both counting below the cap must not
    # both get in.
    booking = _locked(booking)
    if booking.team_id is None:
        raise AccessRefused("只有团体预约可以与团体成员共享门禁。", code="not_team_booking")
    if booking.status not in booking.LIVE or booking.end <= timezone.now():
        raise AccessRefused("这个预约已结束或已取消，不能再添加成员。", code="booking_closed")
    if user_id == booking.booker_id:
        raise AccessRefused("预约人本人已有门禁。", code="already_booker")
    user = (
        None
        if not 1 <= user_id <= MAX_ID
        else User.objects.filter(
            pk=user_id, is_active=True, team_memberships__team_id=booking.team_id
        ).first()
    )
    if user is None:  # no such person, or not (or no longer) in the team: read the same
        raise AccessRefused("只能添加本团体的现有成员。", code="not_team_member")
    if not doors_for_space(booking.space):
        raise AccessRefused("这个场地没有智能门锁。", code="no_doors")
    if booking.door_members.filter(user=user).exists():
        raise Conflict("这位成员已经可以开门了。", code="already_added")
    cap = door_members_cap(booking)
    if booking.door_members.count() >= cap:
        raise AccessRefused(
            f"这个预约最多可以为 {cap} 位成员开通门禁（按参加人数）。", code="too_many_members"
        )
    member = BookingDoorMember.objects.create(booking=booking, user=user, added_by=by)
    audit_record(
        actor=by,
        action="booking.door_member_add",
        center=booking.center,
        obj=booking,
        after={"member": user.pk},
    )
    grant_sync(booking.pk)  # the member's grant, if the booking opens its doors now
    _tell_member(booking, member)
    return member


@transaction.atomic
def door_member_remove(*, booking, user_id: int, by: User) -> None:
    """The member's PIN stops opening the doors (the reconciler takes it off the locks)."""
    require_door_sharer(booking, by)
    booking = _locked(booking)
    member = (
        booking.door_members.select_related("grant").filter(user_id=user_id).first()
        if 1 <= user_id <= MAX_ID  # a larger number would overflow the database's integer
        else None
    )
    if member is None:
        raise NotFound("这位成员不在共享门禁的名单中。", code="not_a_door_member")
    if member.grant is not None:
        grant_revoke(grant=member.grant, by=None, reason=f"预约 #{booking.pk}：已移出共享门禁名单")
    member.delete()
    audit_record(
        actor=by,
        action="booking.door_member_remove",
        center=booking.center,
        obj=booking,
        before={"member": user_id},
    )


def _tell_member(booking, member: BookingDoorMember) -> None:
    from django.urls import reverse

    from openhall.notifications.services import notify

    start = timezone.localtime(booking.start)
    notify.defer(
        user_id=member.user_id,
        key=f"access.door_member:{member.pk}",  # once per addition: added again, told again
        kind="notice",
        title="已为您开通门禁",
        body=(
            f"“{booking.team}”在“{booking.space}”"
            f"（{start:%m月%d日 %H:%M}–{timezone.localtime(booking.end):%H:%M}）的预约"
            "已为您开通门禁。您的开门密码和手机开门请在“我的门禁”中查看。"
        ),
        url=reverse("access:mine"),
        center_id=booking.center_id,
    )
