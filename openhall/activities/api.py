"""Activities in the API: published ones are public; writing and reviewing are staff's;
residents register and cancel; staff check tickets in."""

from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from openhall.activities import checkin, services, signup
from openhall.activities.models import Activity, ActivityType, Registration
from openhall.bookings.selectors import local_day_bounds
from openhall.core import permissions
from openhall.core.api_schemas import BodyIn, refusals
from openhall.core.dates import ApiDate, ApiDateTime
from openhall.core.params import ApiId
from openhall.core.permissions import Perm
from openhall.core.refusals import Forbidden, NotFound
from openhall.venues.models import Space

router = Router(tags=["activities"])
PUBLIC = {"x-openhall-public": True}  # published activities: public, no personal data
# Any signed-in resident may register for any center's published activity (staff too, as
# residents): not a staff action on another center's data.
ANY_RESIDENT = {"x-openhall-any-resident": True}


class SessionIn(BodyIn):
    space_id: int
    start: ApiDateTime
    end: ApiDateTime


class ActivityIn(BodyIn):
    center_id: int
    title: str = Field(max_length=60)
    type: ActivityType
    description: str = Field("", max_length=20000)
    speaker: str = Field("", max_length=100)
    capacity: int = Field(ge=1, le=100000)
    sessions: list[SessionIn] = Field(min_length=1, max_length=60)
    fee: Activity.Fee = Activity.Fee.FREE
    price: float = Field(0, ge=0, le=100000)
    audience: Activity.Audience = Activity.Audience.ALL
    min_age: int | None = Field(None, ge=0, le=120)
    max_age: int | None = Field(None, ge=0, le=120)
    questions: list[str] = Field(default_factory=list, max_length=10)
    registration_opens_at: ApiDateTime | None = None
    registration_closes_at: ApiDateTime | None = None


class ActivityPatch(BodyIn):
    """Only the fields sent change. `sessions`, when sent, replaces them all (a published
    activity keeps its number of sessions: each one may move to another time or room)."""

    title: str | None = Field(None, max_length=60)
    type: ActivityType | None = None
    description: str | None = Field(None, max_length=20000)
    speaker: str | None = Field(None, max_length=100)
    capacity: int | None = Field(None, ge=1, le=100000)
    sessions: list[SessionIn] | None = Field(None, min_length=1, max_length=60)
    fee: Activity.Fee | None = None
    price: float | None = Field(None, ge=0, le=100000)
    audience: Activity.Audience | None = None
    min_age: int | None = Field(None, ge=0, le=120)
    max_age: int | None = Field(None, ge=0, le=120)
    questions: list[str] | None = Field(None, max_length=10)
    registration_opens_at: ApiDateTime | None = None
    registration_closes_at: ApiDateTime | None = None


class SessionOut(Schema):
    space_id: int
    space: str = Field(alias="space.name")
    start: datetime
    end: datetime


class ActivityOut(Schema):
    id: int
    center_id: int
    type: str
    title: str
    description: str
    speaker: str
    status: str
    capacity: int
    places_left: int
    fee: str
    audience: str
    questions: list[str]
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    sessions: list[SessionOut]

    @staticmethod
    def resolve_sessions(obj: Activity):
        return list(obj.sessions.select_related("space"))


class ReviewIn(BodyIn):
    checklist: dict[str, bool] = Field(
        default_factory=dict, description=f"every item ticked: {', '.join(services.CHECKLIST)}"
    )


class ReturnReasonIn(BodyIn):
    reason: str = Field(max_length=300)


class RegistrationIn(BodyIn):
    answers: dict[str, str] = Field(default_factory=dict)
    attendee: str = Field(
        "", max_length=30, description="a child's name, for children's activities"
    )
    attendee_age: int | None = Field(None, ge=0, le=18)
    lives_here: bool = Field(False, description="declares living in the street (street activities)")


class RegistrationOut(Schema):
    id: int
    activity_id: int
    status: str
    position: int | None = None
    code: str


class CheckInIn(BodyIn):
    code: str = Field("", max_length=400, description="the scanned QR text or the typed code")


class CheckInOut(Schema):
    outcome: str = Field(
        description="ok | again | wrong_activity | unknown | not_confirmed | outside_window"
    )
    registration_id: int | None
    message: str = Field("", description="outside_window: when check-in is open")


class ActivityFilter(Schema):
    center: ApiId | None = None
    from_: ApiDate | None = Field(None, alias="from")
    to: ApiDate | None = None
    type: ActivityType | None = None


def _staff_activity(user, activity_id: int) -> Activity:
    return permissions.object_or_404(
        user, Activity.objects.select_related("center"), Perm.VIEW_CENTER, pk=activity_id
    )


@router.get(
    "/activities",
    response={200: list[ActivityOut], **refusals(422)},
    summary="Published activities",
    auth=None,
    openapi_extra=PUBLIC,
)
def list_activities(request: HttpRequest, filters: Query[ActivityFilter]):
    activities = Activity.objects.filter(status="published", center__is_active=True)
    if filters.center:
        activities = activities.filter(center_id=filters.center)
    if filters.type:
        activities = activities.filter(type=filters.type)
    if filters.from_:
        activities = activities.filter(sessions__end__gte=local_day_bounds(filters.from_)[0])
    if filters.to:
        activities = activities.filter(sessions__start__lt=local_day_bounds(filters.to)[1])
    return activities.distinct().order_by("pk")[:200]


@router.get(
    "/activities/{activity_id}",
    response={200: ActivityOut, **refusals(404, 422)},
    summary="A published activity",
    auth=None,
    openapi_extra=PUBLIC,
)
def get_activity(request: HttpRequest, activity_id: int):
    return get_object_or_404(Activity, pk=activity_id, status="published", center__is_active=True)


@router.post(
    "/activities",
    response={201: ActivityOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Write a draft (staff)",
)
def create_activity(request: HttpRequest, payload: ActivityIn):
    center = permissions.center_or_404(request.user, payload.center_id, Perm.OPERATE)
    sessions = []
    for s in payload.sessions:
        space = get_object_or_404(Space, pk=s.space_id, center=center)
        sessions.append((space, s.start, s.end))
    values = payload.dict(exclude={"center_id", "sessions"})
    activity = services.activity_create(
        center=center, by=request.user, values=values, sessions=sessions
    )
    return Status(201, activity)


@router.patch(
    "/activities/{activity_id}",
    response={200: ActivityOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Edit a draft, a returned or a published activity (staff)",
)
def edit_activity(request: HttpRequest, activity_id: int, payload: ActivityPatch):
    activity = _staff_activity(request.user, activity_id)
    sessions = None
    if payload.sessions is not None:
        sessions = [
            (get_object_or_404(Space, pk=s.space_id, center=activity.center), s.start, s.end)
            for s in payload.sessions
        ]
    values = payload.dict(exclude_unset=True, exclude={"sessions"})
    return services.activity_update(
        activity=activity, by=request.user, values=values, sessions=sessions
    )


@router.post(
    "/activities/{activity_id}/submit",
    response={200: ActivityOut, **refusals(401, 403, 404, 409, 422)},
    summary="Send for review",
)
def submit_activity(request: HttpRequest, activity_id: int):
    activity = _staff_activity(request.user, activity_id)
    return services.activity_submit(activity=activity, by=request.user)


@router.post(
    "/activities/{activity_id}/approve",
    response={200: ActivityOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Approve (publishes, or passes to the street's review)",
)
def approve_activity(request: HttpRequest, activity_id: int, payload: ReviewIn):
    activity = _staff_activity(request.user, activity_id)
    return services.activity_approve(
        activity=activity, by=request.user, checklist=payload.checklist
    )


@router.post(
    "/activities/{activity_id}/publish",
    response={200: ActivityOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="The last approval: publish (the street reviewer, where required)",
)
def publish_activity(request: HttpRequest, activity_id: int, payload: ReviewIn):
    activity = _staff_activity(request.user, activity_id)
    return services.activity_approve(
        activity=activity, by=request.user, checklist=payload.checklist
    )


@router.post(
    "/activities/{activity_id}/reject",
    response={200: ActivityOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Return for changes, with the reason",
)
def reject_activity(request: HttpRequest, activity_id: int, payload: ReturnReasonIn):
    activity = _staff_activity(request.user, activity_id)
    return services.activity_return(activity=activity, by=request.user, reason=payload.reason)


@router.post(
    "/activities/{activity_id}/registrations",
    response={201: RegistrationOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Register (a place, or the waitlist)",
    openapi_extra=ANY_RESIDENT,
)
def register(request: HttpRequest, activity_id: int, payload: RegistrationIn):
    activity = get_object_or_404(
        Activity, pk=activity_id, center__is_active=True, status="published"
    )
    ticket = signup.register(
        activity=activity,
        user=request.user,
        answers=payload.answers,
        attendee=payload.attendee,
        attendee_age=payload.attendee_age,
        lives_here=payload.lives_here,
    )
    r = ticket.registration
    return Status(
        201,
        {
            "id": r.pk,
            "activity_id": r.activity_id,
            "status": r.status,
            "position": ticket.position,
            "code": r.code,
        },
    )


def _registration(user, registration_id: int) -> Registration:
    """Yours, or one of your centers' as staff; otherwise it does not exist for you."""
    registration = get_object_or_404(
        Registration.objects.select_related("activity__center"), pk=registration_id
    )
    if registration.user_id != user.pk and not permissions.has_center_perm(
        user, registration.activity.center, Perm.VIEW_CENTER
    ):
        raise NotFound()
    return registration


@router.delete(
    "/registrations/{registration_id}",
    response={204: None, **refusals(401, 403, 404, 409, 422)},
    summary="Cancel a registration",
)
def cancel_registration(request: HttpRequest, registration_id: int):
    signup.registration_cancel(
        registration=_registration(request.user, registration_id), by=request.user
    )
    return Status(204, None)


@router.post(
    "/registrations/{registration_id}/check-in",
    response={200: CheckInOut, **refusals(400, 401, 403, 404, 409, 413, 422)},
    summary="Check a ticket in (staff)",
)
def check_in(request: HttpRequest, registration_id: int, payload: CheckInIn):
    registration = _registration(request.user, registration_id)
    if not permissions.has_center_perm(request.user, registration.activity.center, Perm.OPERATE):
        raise Forbidden()
    result = checkin.check_in(
        activity=registration.activity, by=request.user, scanned=payload.code or registration.code
    )
    return {
        "outcome": result.outcome,
        "registration_id": result.registration.pk if result.registration else None,
        "message": result.message,
    }
