from datetime import date, datetime, time
from typing import Literal

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator

from openhall.accounts.models import Enterprise, Team, User
from openhall.bookings import availability, selectors, services
from openhall.bookings.models import Booking, BookingSeries
from openhall.core import permissions
from openhall.core.api_schemas import BodyIn, refusals
from openhall.core.dates import ApiDate, ApiDateTime
from openhall.core.models import Center
from openhall.core.pagination import Paged
from openhall.core.params import ApiId
from openhall.core.permissions import Perm
from openhall.venues.models import Purpose, Space

router = Router(tags=["bookings"])
PUBLIC = {"x-openhall-public": True}  # public facts of a center: no personal data
# The days a center's calendar can be asked about. Before 1901 Shanghai kept local mean time
# (+08:05:43), an offset RFC 3339 cannot write, and no one books a room for the year 256.


class IntervalOut(Schema):
    start: datetime
    end: datetime


class UnavailableOut(Schema):
    start: datetime
    end: datetime
    reason: Literal[
        "past",
        "closed",
        "unstaffed",
        "taken",
        "buffer",
        "too_short",
        "notice",
        "horizon",
        "refused",
    ] = Field(description="why no booking may start here; see docs/bookings.md")
    message: str = Field(description="the rule in words a resident reads (Chinese)")


class AvailabilityOut(Schema):
    space_id: int
    date: date
    open: IntervalOut | None
    taken: list[IntervalOut]
    free: list[IntervalOut] = Field(description="intervals the caller can book as they stand")
    unavailable: list[UnavailableOut] = Field(
        description="the rest of the opening hours (the whole day when closed), with the reason"
    )


class BookingIn(BodyIn):
    space_id: int
    start: ApiDateTime = Field(description="ISO-8601 with offset, e.g. 2026-12-01T19:00:00+08:00")
    end: ApiDateTime
    title: str = Field(max_length=100)
    purpose: Purpose
    attendees: int = Field(ge=1, le=10000)
    note: str = Field("", max_length=2000)
    team_id: int | None = None
    enterprise_id: int | None = None
    booker_id: int | None = Field(None, description="staff only: book on behalf of this person")


class SeriesIn(BookingIn):
    rrule: str = Field(
        max_length=200, description="RRULE subset, e.g. FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270301"
    )
    skip_conflicts: bool = False


class BookingOut(Schema):
    id: int
    center_id: int
    space_id: int
    space: str
    series_id: int | None
    title: str
    purpose: Purpose
    attendees: int
    start: datetime
    end: datetime
    status: str
    decision_reason: str
    team_id: int | None
    booker: str

    @staticmethod
    def resolve_space(obj: Booking) -> str:
        return str(obj.space)

    @staticmethod
    def resolve_booker(obj: Booking) -> str:
        return str(obj.booker)


class OccurrenceOut(Schema):
    start: datetime
    end: datetime
    problem: str


class SeriesOut(Schema):
    series_id: int
    created: list[BookingOut]
    skipped: list[OccurrenceOut]


class ReasonIn(BodyIn):
    reason: str = Field("", max_length=200)


class BookingFilter(Schema):
    center: ApiId | None = None
    space: ApiId | None = None
    from_: ApiDateTime | None = Field(None, alias="from")
    to: ApiDateTime | None = None
    status: str = ""


def visible_booking(user: User, booking_id: int) -> Booking:
    """The booker sees their own booking; staff see their centers' bookings; others get 404."""
    visible = Booking.objects.filter(
        Q(booker=user) | Q(center__in=permissions.centers_for(user, Perm.VIEW_CENTER))
    )
    return get_object_or_404(visible.select_related("space", "center", "booker"), pk=booking_id)


def _space(space_id: int) -> Space:
    return get_object_or_404(
        Space.objects.select_related("center", "parent"), pk=space_id, center__is_active=True
    )


def _booking_args(request: HttpRequest, payload: BookingIn) -> dict:
    space = _space(payload.space_id)
    booker = request.user
    if payload.booker_id is not None and payload.booker_id != request.user.pk:
        # Who may book on someone's behalf is the service's rule (rules.require_may_book_for).
        booker = get_object_or_404(User, pk=payload.booker_id, is_active=True)
    # A team or an enterprise books only the spaces of its own center.
    team = (
        get_object_or_404(Team, pk=payload.team_id, center=space.center)
        if payload.team_id
        else None
    )
    enterprise = (
        get_object_or_404(Enterprise, pk=payload.enterprise_id, center=space.center)
        if payload.enterprise_id
        else None
    )
    return {
        "space": space,
        "booker": booker,
        "by": request.user,
        "start": payload.start,
        "end": payload.end,
        "title": payload.title,
        "purpose": payload.purpose,
        "attendees": payload.attendees,
        "team": team,
        "enterprise": enterprise,
    }


@router.get(
    "/spaces/{space_id}/availability",
    response={200: AvailabilityOut, **refusals(401, 404, 422)},
    summary="What the caller can book in a space on a day, and why not the rest",
    openapi_extra=PUBLIC,
)
def space_availability(request: HttpRequest, space_id: int, date: ApiDate):
    space = _space(space_id)
    result = selectors.availability(space=space, day=date)
    bookable = availability.bookable_day(space=space, day=date, booker=request.user)
    return {
        "space_id": space_id,
        "date": date,
        "open": result["open"],
        "taken": result["taken"],
        "free": bookable.free,
        "unavailable": bookable.unavailable,
    }


@router.get(
    "/centers/{center_id}/free-spaces",
    response={200: list[dict], **refusals(401, 404, 422)},
    summary="Every space free over a time (time first)",
    openapi_extra=PUBLIC,
)
def center_free_spaces(
    request: HttpRequest, center_id: int, start: ApiDateTime, end: ApiDateTime, attendees: int = 0
):
    center = get_object_or_404(Center.objects.filter(is_active=True), pk=center_id)
    if start >= end:
        raise services.BookingRefused(
            [services.RuleViolation("invalid_time", "结束时间必须晚于开始时间。")]
        )
    spaces = selectors.free_spaces(center=center, start=start, end=end, attendees=attendees)
    return [
        {"id": s.pk, "name": str(s), "capacity": s.capacity, "parent_id": s.parent_id}
        for s in spaces
    ]


@router.post(
    "/bookings",
    response={201: BookingOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Request a booking",
)
def create_booking(request: HttpRequest, payload: BookingIn):
    args = _booking_args(request, payload)
    # The space's query has just read its center's setup token: the service need not read it again.
    setup_token = args["space"].center.setup_token
    return Status(201, services.booking_request(**args, note=payload.note, setup_token=setup_token))


@router.get(
    "/bookings",
    response={200: list[BookingOut], **refusals(401, 422)},
    summary="Bookings you may see",
)
@paginate(Paged)
def list_bookings(request: HttpRequest, filters: Query[BookingFilter]):
    staff_centers = permissions.centers_for(request.user, Perm.VIEW_CENTER)
    if filters.center is not None:
        staff_centers = staff_centers.filter(pk=filters.center)
    bookings = selectors.bookings_for(
        space_id=filters.space, since=filters.from_, until=filters.to, status=filters.status
    )
    mine = Q(booker=request.user)
    if filters.center is not None:
        mine &= Q(center_id=filters.center)
    return bookings.filter(Q(center__in=staff_centers) | mine)


@router.get(
    "/bookings/{booking_id}",
    response={200: BookingOut, **refusals(401, 404, 422)},
    summary="One booking",
)
def get_booking(request: HttpRequest, booking_id: int):
    return visible_booking(request.user, booking_id)


@router.post(
    "/bookings/{booking_id}/approve",
    response={200: BookingOut, **refusals(401, 403, 404, 409, 422)},
    summary="Approve a request",
)
def approve_booking(request: HttpRequest, booking_id: int):
    return services.booking_approve(
        booking=visible_booking(request.user, booking_id), by=request.user
    )


@router.post(
    "/bookings/{booking_id}/reject",
    response={200: BookingOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Reject a request, with a reason",
)
def reject_booking(request: HttpRequest, booking_id: int, payload: ReasonIn):
    return services.booking_reject(
        booking=visible_booking(request.user, booking_id), by=request.user, reason=payload.reason
    )


@router.post(
    "/bookings/{booking_id}/cancel",
    response={200: BookingOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Cancel a booking",
)
def cancel_booking(request: HttpRequest, booking_id: int, payload: ReasonIn | None = None):
    reason = payload.reason if payload else ""
    return services.booking_cancel(
        booking=visible_booking(request.user, booking_id), by=request.user, reason=reason
    )


@router.post(
    "/bookings/{booking_id}/check-in",
    response={200: BookingOut, **refusals(401, 403, 404, 409, 422)},
    summary="Check in",
)
def check_in_booking(request: HttpRequest, booking_id: int):
    return services.booking_check_in(
        booking=visible_booking(request.user, booking_id), by=request.user
    )


@router.post(
    "/booking-series/preview",
    response={200: list[OccurrenceOut], **refusals(400, 401, 403, 404, 413, 422)},
    summary="The dates of a series and which cannot be booked",
)
def preview_series(request: HttpRequest, payload: SeriesIn):
    args = _booking_args(request, payload)
    return services.series_preview(
        by=request.user,
        space=args["space"],
        booker=args["booker"],
        start=payload.start,
        end=payload.end,
        rrule=payload.rrule,
        purpose=payload.purpose,
        attendees=payload.attendees,
        team=args["team"],
        enterprise=args["enterprise"],
    )


@router.post(
    "/booking-series",
    response={201: SeriesOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Book a recurring series",
)
def create_series(request: HttpRequest, payload: SeriesIn):
    series, created, skipped = services.booking_series_create(
        **_booking_args(request, payload),
        rrule=payload.rrule,
        skip_conflicts=payload.skip_conflicts,
    )
    return Status(201, {"series_id": series.pk, "created": created, "skipped": skipped})


@router.post(
    "/booking-series/{series_id}/cancel",
    response={200: list[BookingOut], **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Cancel the rest of a series",
)
def cancel_series(request: HttpRequest, series_id: int, payload: ReasonIn | None = None):
    return services.booking_series_cancel(
        series=_visible_series(request.user, series_id),
        by=request.user,
        reason=payload.reason if payload else "",
    )


class SeriesRescheduleIn(BodyIn):
    start_time: time = Field(
        description="new local start time of every remaining date, HH:MM (no offset)"
    )
    end_time: time
    from_: ApiDateTime | None = Field(
        None, alias="from", description="move the dates from this one on (default: from now)"
    )

    @field_validator("start_time", "end_time")
    @classmethod
    def wall_clock_time(cls, value: time) -> time:
        # 19:30 on each date of the series, in the center's time; 19:30Z names no wall clock.
        if value.tzinfo is not None:
            raise ValueError(gettext("Give a local time such as 19:30, without a time zone."))
        return value


def _visible_series(user: User, series_id: int) -> BookingSeries:
    visible = BookingSeries.objects.filter(
        Q(booker=user) | Q(center__in=permissions.centers_for(user, Perm.VIEW_CENTER))
    )
    series = visible.filter(pk=series_id).first()
    if series is None:
        raise Http404
    return series


@router.post(
    "/booking-series/{series_id}/reschedule",
    response={200: list[BookingOut], **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Move the rest of a series to new times",
)
def reschedule_series(request: HttpRequest, series_id: int, payload: SeriesRescheduleIn):
    return services.booking_series_reschedule(
        series=_visible_series(request.user, series_id),
        by=request.user,
        start_time=payload.start_time,
        end_time=payload.end_time,
        from_start=payload.from_,
    )


class RescheduleIn(BodyIn):
    start: ApiDateTime
    end: ApiDateTime
    space_id: int | None = None


@router.post(
    "/bookings/{booking_id}/reschedule",
    response={200: BookingOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Move a booking to another time or space",
)
def reschedule_booking(request: HttpRequest, booking_id: int, payload: RescheduleIn):
    booking = visible_booking(request.user, booking_id)
    space = _space(payload.space_id) if payload.space_id else None
    return services.booking_reschedule(
        booking=booking, by=request.user, start=payload.start, end=payload.end, space=space
    )
