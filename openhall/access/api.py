"""Access in the API: my credentials, unlocking, grants and the event log (staff), and the
simulator's keypad."""

from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from openhall.access import selectors
from openhall.access.door_members import door_member_add, door_member_remove, require_door_sharer
from openhall.access.grants import grant_create, grant_revoke
from openhall.access.lock_events import keypad, remote_unlock
from openhall.access.models import AccessEvent, Door, Grant
from openhall.accounts.models import User
from openhall.bookings.selectors import local_day_bounds
from openhall.core import permissions
from openhall.core.api_schemas import BodyIn, refusals
from openhall.core.dates import ApiDate, ApiDateTime
from openhall.core.pagination import Paged
from openhall.core.params import ApiId
from openhall.core.permissions import Perm
from openhall.core.refusals import NotFound

router = Router(tags=["access"])


class CredentialOut(Schema):
    door_id: int
    door_name: str
    kind: str
    secret: str = Field(description="the PIN (only ever shown to its holder)")
    valid_from: datetime
    valid_until: datetime
    status: str


class UnlockIn(BodyIn):
    reason: str = Field("", max_length=200)


class EventOut(Schema):
    id: int
    door_id: int
    at: datetime
    method: str
    opened: bool
    booking_id: int | None
    detail: str


class EventFilter(Schema):
    center: ApiId
    door: ApiId | None = None
    from_: ApiDate | None = Field(None, alias="from")
    to: ApiDate | None = None


class GrantIn(BodyIn):
    center_id: int
    user_id: int
    door_ids: list[int] = Field(min_length=1, max_length=50)
    starts_at: ApiDateTime
    ends_at: ApiDateTime
    reason: str = Field(max_length=200)


class GrantOut(Schema):
    id: int
    user_id: int
    door_ids: list[int]
    starts_at: datetime
    ends_at: datetime
    source: str
    booking_id: int | None

    @staticmethod
    def resolve_door_ids(obj: Grant) -> list[int]:
        return [d.pk for d in obj.doors.all()]


class DoorMemberIn(BodyIn):
    user_id: int = Field(description="a current member of the booking's team")


class DoorMemberOut(Schema):
    user_id: int
    name: str
    added_at: datetime
    has_access: bool = Field(description="their own PIN opens the doors in the booking's window")


class KeypadIn(BodyIn):
    pin: str = Field(max_length=12)


class KeypadOut(Schema):
    opened: bool
    reason: str


@router.get(
    "/me/credentials", response={200: list[CredentialOut], **refusals(401)}, summary="My door codes"
)
def my_credentials(request: HttpRequest):
    return selectors.my_credentials(request.user)


@router.post(
    "/doors/{door_id}/unlock",
    response={200: EventOut, **refusals(400, 401, 403, 404, 413, 422)},
    summary="Open a door (grantee in the window, or staff with a reason)",
)
def unlock(request: HttpRequest, door_id: int, payload: UnlockIn):
    door = get_object_or_404(Door, pk=door_id)
    if not permissions.has_center_perm(request.user, door.center, Perm.VIEW_CENTER) and not (
        Grant.objects.filter(doors=door, user=request.user).exists()
    ):
        raise get_object_or_404(Door.objects.none(), pk=door_id)
    return remote_unlock(door=door, by=request.user, reason=payload.reason)


class DoorStateOut(Schema):
    door_id: int
    state: str = Field(description="locked | unlocked | unknown, as the lock reports it now")


@router.get(
    "/doors/{door_id}/state",
    response={200: DoorStateOut, **refusals(401, 403, 404, 422)},
    summary="Ask the lock (staff)",
)
def door_state(request: HttpRequest, door_id: int):
    from openhall.access.drivers import LockError, driver_for

    door = permissions.object_or_404(request.user, Door.objects.all(), Perm.OPERATE, pk=door_id)
    try:
        state = driver_for(door.lock).open_state(door.lock)
    except LockError:
        state = "unknown"
    return {"door_id": door.pk, "state": state}


@router.get(
    "/access-events",
    response={200: list[EventOut], **refusals(401, 403, 404, 422)},
    summary="The access log (staff)",
)
@paginate(Paged)
def access_events(request: HttpRequest, filters: Query[EventFilter]):
    center = permissions.center_or_404(request.user, filters.center, Perm.OPERATE)
    events = AccessEvent.objects.filter(center=center)
    if filters.door:
        events = events.filter(door_id=filters.door)
    if filters.from_:
        events = events.filter(at__gte=local_day_bounds(filters.from_)[0])
    if filters.to:
        events = events.filter(at__lt=local_day_bounds(filters.to)[1])
    return events.order_by("-at", "-pk")


@router.get(
    "/grants",
    response={200: list[GrantOut], **refusals(401, 403, 404, 422)},
    summary="Current and coming grants (staff)",
)
@paginate(Paged)
def list_grants(request: HttpRequest, center: int):
    place = permissions.center_or_404(request.user, center, Perm.OPERATE)
    return Grant.objects.filter(center=place, revoked_at__isnull=True).prefetch_related("doors")


@router.post(
    "/grants",
    response={201: GrantOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Give someone access (staff)",
)
def create_grant(request: HttpRequest, payload: GrantIn):
    center = permissions.center_or_404(request.user, payload.center_id, Perm.OPERATE)
    person = get_object_or_404(User, pk=payload.user_id, is_active=True)
    doors = list(Door.objects.filter(center=center, pk__in=payload.door_ids))
    grant = grant_create(
        center=center,
        by=request.user,
        user=person,
        doors=doors,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
    )
    return Status(201, grant)


@router.delete(
    "/grants/{grant_id}",
    response={204: None, **refusals(401, 403, 404, 409, 422)},
    summary="Withdraw a grant (staff)",
)
def delete_grant(request: HttpRequest, grant_id: int):
    grant = permissions.object_or_404(request.user, Grant.objects.all(), Perm.OPERATE, pk=grant_id)
    grant_revoke(grant=grant, by=request.user)
    return Status(204, None)


def _booking(booking_id: int):
    from openhall.bookings.models import Booking

    booking = Booking.objects.select_related("center", "team").filter(pk=booking_id).first()
    if booking is None:
        raise NotFound
    return booking


@router.get(
    "/bookings/{booking_id}/door-members",
    response={200: list[DoorMemberOut], **refusals(401, 403, 404, 422)},
    summary="Team members who share a booking's doors (the booker or staff)",
)
def list_door_members(request: HttpRequest, booking_id: int):
    booking = _booking(booking_id)
    require_door_sharer(booking, request.user)
    return selectors.booking_door_members(booking)


@router.post(
    "/bookings/{booking_id}/door-members",
    response={201: DoorMemberOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Give a member of the booking's team their own door code (the booker or staff)",
)
def add_door_member(request: HttpRequest, booking_id: int, payload: DoorMemberIn):
    booking = _booking(booking_id)
    member = door_member_add(booking=booking, user_id=payload.user_id, by=request.user)
    return Status(
        201,
        next(m for m in selectors.booking_door_members(booking) if m["user_id"] == member.user_id),
    )


@router.delete(
    "/bookings/{booking_id}/door-members/{user_id}",
    response={204: None, **refusals(401, 403, 404, 422)},
    summary="Take a member's door code away (the booker or staff)",
)
def remove_door_member(request: HttpRequest, booking_id: int, user_id: int):
    door_member_remove(booking=_booking(booking_id), user_id=user_id, by=request.user)
    return Status(204, None)


@router.post(
    "/simulator/doors/{door_id}/keypad",
    response={200: KeypadOut, **refusals(400, 401, 403, 404, 413, 422)},
    summary="Type a PIN on a simulated lock (simulator doors only)",
)
def simulator_keypad(request: HttpRequest, door_id: int, payload: KeypadIn):
    from django.http import Http404

    from openhall.access.drivers import simulator

    if not simulator.enabled():
        raise Http404
    door = get_object_or_404(Door, pk=door_id, driver=Door.Driver.SIMULATOR)
    if not permissions.has_center_perm(request.user, door.center, Perm.VIEW_CENTER):
        raise get_object_or_404(Door.objects.none(), pk=door_id)
    answer = keypad(door=door, code=payload.pin)
    return {"opened": answer.opened, "reason": answer.reason}
