"""The life of an activity: writing and proposing, review, publishing (each session holds a
room booking), moving a session, cancelling, and the count into the service ledger when it is
done. Every staff decision is audited. Registration lives in `registration`, tickets and
check-in in `checkin`, what people are told in `notices`, the rules and refusals in `rules`."""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openhall.accounts.models import User
from openhall.activities import notices
from openhall.activities.checkin import attendance
from openhall.activities.models import Activity, Registration, Session
from openhall.activities.notices import tell_organizer, tell_registrant, tell_reviewers
from openhall.activities.rules import (
    CHECKLIST,
    clean_values,
    conflict,
    may_review,
    refuse,
    screen_text,
)
from openhall.activities.signup import offer_new_places
from openhall.bookings.services import BookingConflict, BookingRefused, InvalidTransition
from openhall.core import permissions
from openhall.core.audit import audit_record, snapshot
from openhall.core.events import durable_task, publish_on_commit
from openhall.core.models import Center
from openhall.core.permissions import Perm
from openhall.core.refusals import Forbidden

# The booking rules' refusals (bookings raises its own types); activities turn them into a
# refusal that names the session.
ROOM_REFUSALS = (BookingRefused, BookingConflict, InvalidTransition)

AUDITED = ["status", "title", "type", "capacity", "fee", "price", "review_note"]


@durable_task
def tell(**payload) -> None:
    """Outbox rows recorded before the split name this task; they still run (notices.tell)."""
    notices.tell(**payload)


def _record(activity: Activity, *, by: User | None, action: str, before=None, **extra) -> None:
    after = {**snapshot(activity, AUDITED), **extra}
    audit_record(
        actor=by, action=action, center=activity.center, obj=activity, before=before, after=after
    )


def _locked(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().select_related("center").get(pk=activity.pk)


@transaction.atomic
def activity_create(
    *, center: Center, by: User, values: dict, sessions: Sequence[tuple] = (), cover=None
) -> Activity:
    """A draft. `sessions`: (space, start, end) — rooms are held only when it is published.
    A cover picture is re-encoded (camera data removed, at most 1200 px)."""
    from openhall.core.images import reencoded_jpeg

    permissions.require_center_perm(by, center, Perm.OPERATE)
    activity = Activity(center=center, created_by=by, **clean_values(values))
    if not activity.type:
        raise refuse("type_required", "请选择活动类型。")
    if cover is not None:
        image = reencoded_jpeg(cover, max_side=1200)
        activity.cover.save(image.name, image, save=False)
    activity.save()
    for space, start, end in sessions:
        session_add(activity=activity, by=by, space=space, start=start, end=end)
    _record(activity, by=by, action="activity.create")
    return activity


def organizer_choices(user: User, center: Center) -> dict:
    """The teams a person leads and the verified enterprises they belong to, in this center:
    the organisers they may propose activities for."""
    from openhall.accounts.models import Enterprise, Team

    teams = Team.objects.filter(
        center=center, is_active=True, memberships__user=user, memberships__role="leader"
    )
    enterprises = [
        e for e in Enterprise.objects.filter(center=center, memberships__user=user) if e.is_verified
    ]
    return {"teams": list(teams), "enterprises": enterprises}


@transaction.atomic
def activity_propose(
    *, center: Center, by: User, values: dict, sessions: list[tuple], team=None, enterprise=None
) -> Activity:
    """A team leader or a verified enterprise's member proposes an activity: it goes straight to
    the center's review (content screened, checklist, then published or returned)."""
    allowed = organizer_choices(by, center)
    if not (
        (team and team in allowed["teams"]) or (enterprise and enterprise in allowed["enterprises"])
    ):
        raise Forbidden()
    clean = clean_values({**values, "organizer_team": team, "organizer_enterprise": enterprise})
    activity = Activity.objects.create(center=center, created_by=by, **clean)
    for space, start, end in sessions:
        if space.center_id != center.pk or end <= start:
            raise refuse("invalid_session", "请为每一场选择本中心的场地和正确的时间。")
        Session.objects.create(activity=activity, space=space, start=start, end=end)
    if not sessions:
        raise refuse("no_sessions", "请至少安排一个场次（时间和场地）。")
    _refuse_room_problems(activity, by=by)
    activity.status = Activity.Status.SUBMITTED
    activity.flags = screen_text(activity)
    activity.save(update_fields=["status", "flags"])
    _record(activity, by=by, action="activity.propose")
    publish_on_commit("activity.changed", center_id=center.pk, activity_id=activity.pk)
    tell_reviewers(activity)
    return activity


def session_add(*, activity: Activity, by: User, space, start: datetime, end: datetime) -> Session:
    permissions.require_center_perm(by, activity.center, Perm.OPERATE)
    if space.center_id != activity.center_id:
        raise refuse("other_center", "场地不属于该中心。")
    if end <= start:
        raise refuse("invalid_time", "结束时间必须晚于开始时间。")
    if activity.status not in (Activity.Status.DRAFT, Activity.Status.RETURNED):
        raise refuse("not_editable", "活动已提交审核，不能再修改场次。")
    return Session.objects.create(activity=activity, space=space, start=start, end=end)


# What registrants of a published activity are told changed (the rest is the staff's business).
TOLD_FIELDS = {
    "title": "名称",
    "speaker": "主讲人",
    "description": "介绍",
    "fee": "费用",
    "price": "费用",
}


def _may_edit(by: User, activity: Activity) -> bool:
    """Staff edit drafts, returned and published activities; a proposer edits their own draft or
    returned proposal (to resubmit it)."""
    if permissions.has_center_perm(by, activity.center, Perm.OPERATE):
        return True
    return by.pk == activity.created_by_id and activity.status in EDITABLE_BY_PROPOSER


EDITABLE_BY_PROPOSER = (Activity.Status.DRAFT, Activity.Status.RETURNED)
EDITABLE_BY_STAFF = (*EDITABLE_BY_PROPOSER, Activity.Status.PUBLISHED)


def _check_sessions(activity: Activity, sessions: list[tuple]) -> None:
    if not sessions:
        raise refuse("no_sessions", "请至少安排一个场次（时间和场地）。")
    for space, start, end in sessions:
        if space.center_id != activity.center_id or end <= start:
            raise refuse("invalid_session", "请为每一场选择本中心的场地和正确的时间。")


@transaction.atomic
def activity_update(
    *, activity: Activity, by: User, values: dict, sessions: list[tuple] | None = None, cover=None
) -> Activity:
    """Edit an activity, with the same cleaning as writing it. A draft or a returned one changes
    freely (then it is submitted again). A published one keeps its number of sessions: each
    session whose time or room changes moves its booking under the booking rules (a refusal
    says which session and why), the capacity never drops below the places taken, and every
    registrant is told once what changed. Under review it cannot change."""
    from openhall.core.images import reencoded_jpeg

    if not _may_edit(by, activity):
        permissions.require_center_perm(by, activity.center, Perm.OPERATE)
    activity = _locked(activity)
    if activity.status not in EDITABLE_BY_STAFF:
        raise conflict(
            "not_editable",
            f"活动当前为“{activity.get_status_display()}”，不能修改（审核中的活动请先退回）。",
        )
    published = activity.status == Activity.Status.PUBLISHED
    clean = clean_values(values)
    if published:
        clean.pop("organizer_team", None)
        clean.pop("organizer_enterprise", None)
        taken = activity.places_taken
        if "capacity" in clean and clean["capacity"] < taken:
            raise refuse(
                "capacity_below_registrations",
                f"已有 {taken} 人报名，名额不能少于 {taken} 人；如需减少，请先取消部分报名。",
            )
        _check_rooms_hold(activity, clean.get("capacity", activity.capacity), sessions)
    before = snapshot(activity, AUDITED)
    told = sorted(
        {
            label
            for f, label in TOLD_FIELDS.items()
            if f in clean and clean[f] != getattr(activity, f)
        }
    )
    for field, value in clean.items():
        setattr(activity, field, value)
    if cover is not None:
        image = reencoded_jpeg(cover, max_side=1200)
        activity.cover.save(image.name, image, save=False)
    activity.save()
    if sessions is not None:
        _check_sessions(activity, sessions)
        if published:
            told += _move_sessions(activity, by=by, sessions=sessions)
        else:
            activity.sessions.all().delete()
            for space, start, end in sessions:
                Session.objects.create(activity=activity, space=space, start=start, end=end)
    _record(activity, by=by, action="activity.update", before=before)
    if published:
        offer_new_places(activity, now=timezone.now())  # more places: the waitlist moves up
        publish_on_commit("activity.changed", center_id=activity.center_id, activity_id=activity.pk)
        if told:
            _tell_changes(activity, "、".join(dict.fromkeys(told)))
    return activity


def _check_rooms_hold(activity: Activity, capacity: int, sessions: list[tuple] | None) -> None:
    """More places on a published activity: every room it will use must hold them (the booking
    rules' room capacity; the rest of the rules were checked when the rooms were booked)."""
    rooms = (
        [s[0] for s in sessions]
        if sessions is not None
        else [s.space for s in activity.sessions.select_related("space")]
    )
    for room in rooms:
        if room.capacity and capacity > room.capacity:
            raise refuse(
                "over_capacity",
                f"名额超过“{room.name}”的容量（最多 {room.capacity} 人）。",
            )


def _move_sessions(activity: Activity, *, by: User, sessions: list[tuple]) -> list[str]:
    """Pair the published sessions with the new ones in time order and move those that changed;
    returns what changed ("时间", "地点") for the registrants."""
    current = list(activity.sessions.order_by("start"))
    if len(current) != len(sessions):
        raise refuse(
            "sessions_count_changed",
            f"已发布的活动有 {len(current)} 个场次，修改时场次数不能变（可改时间和地点）。",
        )
    changed = []
    for session, (space, start, end) in zip(
        current, sorted(sessions, key=lambda s: s[1]), strict=True
    ):
        if (session.space_id, session.start, session.end) == (space.pk, start, end):
            continue
        if (session.start, session.end) != (start, end):
            changed.append("时间")
        if session.space_id != space.pk:
            changed.append("地点")
        try:
            _move_session(session, by=by, start=start, end=end, space=space)
        except ROOM_REFUSALS as exc:
            raise refuse(
                "room_unavailable", f"{_session_label(start, space)}：{exc}", details=str(exc)
            ) from exc
    return changed


def _tell_changes(activity: Activity, what: str) -> None:
    stamp = timezone.now().isoformat()
    for registration in activity.registrations.filter(status__in=Registration.ACTIVE):
        tell_registrant(
            registration,
            "edited",
            reason=what,
            key=f"activity:edited:{activity.pk}:{stamp}:{registration.pk}",
        )


# --- review --------------------------------------------------------------------------------------
def _street_review() -> bool:
    return settings.OPENHALL_ACTIVITY_STREET_REVIEW


def _transition(activity, *, by, action, to, allowed, **changes) -> Activity:
    activity = _locked(activity)
    if activity.status not in allowed:
        raise conflict(
            "invalid_transition", f"活动当前为“{activity.get_status_display()}”，不能这样操作。"
        )
    before = snapshot(activity, AUDITED)
    activity.status = to
    for field, value in changes.items():
        setattr(activity, field, value)
    activity.save()
    _record(activity, by=by, action=action, before=before)
    publish_on_commit("activity.changed", center_id=activity.center_id, activity_id=activity.pk)
    return activity


@transaction.atomic
def activity_submit(*, activity: Activity, by: User) -> Activity:
    """Sent for review after the checks approval will run (the rooms under the booking rules),
    so a proposer fixes a problem now rather than the reviewer finding it later."""
    if not _may_edit(by, activity):
        permissions.require_center_perm(by, activity.center, Perm.OPERATE)
    activity = _locked(activity)
    if not activity.sessions.exists():
        raise refuse("no_sessions", "请至少安排一个场次（时间和场地）。")
    _refuse_room_problems(activity, by=by)
    activity = _transition(
        activity,
        by=by,
        action="activity.submit",
        to=Activity.Status.SUBMITTED,
        allowed=(Activity.Status.DRAFT, Activity.Status.RETURNED),
        flags=screen_text(activity),
    )
    tell_reviewers(activity)
    return activity


@transaction.atomic
def activity_approve(*, activity: Activity, by: User, checklist: dict) -> Activity:
    """The center's review (and, where required, the street's). Every checklist item must be
    ticked; with the street's review on, the center's approval waits for the street."""
    street_step = activity.status == Activity.Status.CENTER_APPROVED
    if not may_review(by, activity.center, street=street_step):
        raise Forbidden()
    missing = [text for key, text in CHECKLIST.items() if not checklist.get(key)]
    if missing:
        raise refuse("checklist_incomplete", "请逐项确认审核要点：" + "；".join(missing))
    if street_step or not _street_review():
        activity = _transition(
            activity,
            by=by,
            action="activity.approve",
            to=Activity.Status.PUBLISHED,
            allowed=(Activity.Status.SUBMITTED, Activity.Status.CENTER_APPROVED),
            checklist={k: True for k in CHECKLIST},
        )
        _hold_rooms(activity, reviewer=by)
        rooms = activity.sessions.count()
        tell_organizer(
            activity,
            "活动已发布",
            f"您发起的“{activity.title}”已通过审核并发布，{rooms} 个场次的场地已预约。",
            staff_too=True,  # one message for the whole activity, not one per room booking
        )
        publish_on_commit(
            "activity.published", center_id=activity.center_id, activity_id=activity.pk
        )
        return activity
    activity = _transition(
        activity,
        by=by,
        action="activity.approve_center",
        to=Activity.Status.CENTER_APPROVED,
        allowed=(Activity.Status.SUBMITTED,),
        checklist={k: True for k in CHECKLIST},
    )
    tell_reviewers(activity, street=True)  # now the street's reviewers decide
    return activity


@transaction.atomic
def activity_return(*, activity: Activity, by: User, reason: str) -> Activity:
    street_step = activity.status == Activity.Status.CENTER_APPROVED
    if not may_review(by, activity.center, street=street_step):
        raise Forbidden()
    reason = (reason or "").strip()
    if not reason:
        raise refuse("reason_required", "请写明退回的理由。")
    activity = _transition(
        activity,
        by=by,
        action="activity.return",
        to=Activity.Status.RETURNED,
        allowed=(Activity.Status.SUBMITTED, Activity.Status.CENTER_APPROVED),
        review_note=reason[:300],
    )
    tell_organizer(activity, "活动被退回", f"您发起的“{activity.title}”需要修改：{reason[:200]}")
    return activity


def _session_label(start: datetime, space) -> str:
    return f"{timezone.localtime(start):%m月%d日 %H:%M} {space.name}"


class _DryRun(Exception):
    """Rolls back the rooms held only to see whether they could be."""


def room_problems(activity: Activity, *, by: User) -> list[str]:
    """What approval would refuse, found now: each session's room held under the booking rules
    (the same call approval makes) inside a savepoint that is then rolled back."""
    problems: list[str] = []
    holder = _staff_to_hold_rooms(activity, by)
    if holder is None:  # no staff yet to hold a room: approval (by a staff member) decides
        return problems
    try:
        with transaction.atomic():
            for session in activity.sessions.select_related("space").order_by("start"):
                if session.booking_id:
                    continue
                try:
                    with transaction.atomic():
                        _hold_session(activity, session, holder=holder)
                except ROOM_REFUSALS as exc:
                    problems.append(f"{_session_label(session.start, session.space)}：{exc}")
            raise _DryRun
    except _DryRun:
        pass
    return problems


def _refuse_room_problems(activity: Activity, *, by: User) -> None:
    problems = room_problems(activity, by=by)
    if problems:
        raise refuse(
            "rooms_unavailable",
            "场地不满足预约规则，请修改后再提交：" + "；".join(problems),
            details={"problems": problems},
        )


def _room_holder(activity: Activity, reviewer: User) -> User:
    holder = _staff_to_hold_rooms(activity, reviewer)
    if holder is None:
        raise refuse("no_staff", "该中心没有工作人员，无法占用场地。")
    return holder


def _staff_to_hold_rooms(activity: Activity, reviewer: User) -> User | None:
    """Who books the rooms: whoever wrote it if they are the center's staff, else the reviewer
    if they are, else one of the center's staff (a street reviewer books no rooms)."""
    from openhall.core.models import StaffMembership

    for person in (activity.created_by, reviewer):
        if permissions.has_center_perm(person, activity.center, Perm.OPERATE):
            return person
    staff = StaffMembership.objects.filter(
        center=activity.center, role__in=permissions.roles_with(Perm.OPERATE)
    ).first()
    return staff.user if staff else None


def _hold_rooms(activity: Activity, *, reviewer: User) -> None:
    """Each session books its room (all or none): an activity never clashes with a booking.
    Proposed by a team or an enterprise, the booking carries their name."""
    holder = _room_holder(activity, reviewer)
    for session in activity.sessions.select_related("space").select_for_update():
        if not session.booking_id:
            _hold_session(activity, session, holder=holder)


def _hold_session(activity: Activity, session: Session, *, holder: User) -> None:
    from openhall.bookings.services import booking_request

    purpose = (
        "party"
        if activity.type == "party"
        else ("paid_course" if activity.fee == Activity.Fee.PAID else "public_benefit")
    )
    session.booking = booking_request(
        space=session.space,
        booker=activity.created_by,
        by=holder,
        start=session.start,
        end=session.end,
        team=activity.organizer_team,
        enterprise=activity.organizer_enterprise,
        title=activity.title,
        purpose=purpose,
        attendees=activity.capacity,
        for_activity=True,
    )
    session.save(update_fields=["booking"])


@transaction.atomic
def session_move(
    *, session: Session, by: User, start: datetime, end: datetime, space=None
) -> Session:
    """Staff move a published session to another time or room: its booking moves under the
    booking rules (a clash refuses it), and everyone registered is told."""
    activity = session.activity
    permissions.require_center_perm(by, activity.center, Perm.OPERATE)
    if end <= start:
        raise refuse("invalid_time", "结束时间必须晚于开始时间。")
    session = _move_session(session, by=by, start=start, end=end, space=space)
    publish_on_commit("activity.changed", center_id=activity.center_id, activity_id=activity.pk)
    for registration in activity.registrations.filter(status__in=Registration.ACTIVE):
        tell_registrant(
            registration,
            "changed",
            key=f"activity:changed:{session.pk}:{start.isoformat()}:{registration.pk}",
        )
    return session


def _move_session(session: Session, *, by: User, start: datetime, end: datetime, space=None):
    from openhall.bookings.services import booking_reschedule

    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("booking", "activity__center")
        .get(pk=session.pk)
    )
    if session.booking is not None:
        booking_reschedule(booking=session.booking, by=by, start=start, end=end, space=space)
    before = {"start": session.start.isoformat(), "space": session.space_id}
    session.start, session.end = start, end
    if space is not None:
        session.space = space
    session.save()
    audit_record(
        actor=by,
        action="activity.session_move",
        center=session.activity.center,
        obj=session.activity,
        before=before,
        after={"start": start.isoformat(), "space": session.space_id},
    )
    return session


@transaction.atomic
def activity_cancel(*, activity: Activity, by: User, reason: str) -> Activity:
    """Cancelled by staff: rooms freed, every registrant told."""
    from openhall.bookings.services import booking_cancel

    permissions.require_center_perm(by, activity.center, Perm.OPERATE)
    reason = (reason or "").strip()
    if not reason:
        raise refuse("reason_required", "请写明取消的理由。")
    activity = _transition(
        activity,
        by=by,
        action="activity.cancel",
        to=Activity.Status.CANCELLED,
        allowed=(
            Activity.Status.DRAFT,
            Activity.Status.SUBMITTED,
            Activity.Status.RETURNED,
            Activity.Status.CENTER_APPROVED,
            Activity.Status.PUBLISHED,
        ),
        review_note=reason[:300],
    )
    for session in activity.sessions.filter(booking__status__in=["requested", "approved"]):
        booking_cancel(booking=session.booking, by=by, reason=f"活动取消：{reason}")  # type: ignore[arg-type]  # filtered on the booking
    people = list(activity.registrations.filter(status__in=Registration.ACTIVE))
    activity.registrations.filter(status__in=Registration.ACTIVE).update(
        status=Registration.Status.CANCELLED
    )
    Activity.objects.filter(pk=activity.pk).update(places_taken=0)
    for registration in people:
        tell_registrant(registration, "cancelled", reason=reason)
    return activity


@transaction.atomic
def activity_complete(*, activity: Activity, by: User, summary: str = "") -> Activity:
    """Done: the summary kept, and its attendance counted into the service ledger."""
    permissions.require_center_perm(by, activity.center, Perm.OPERATE)
    last_end = max((s.end for s in activity.sessions.all()), default=None)
    if last_end is None or last_end > timezone.now():
        raise refuse("not_over", "活动结束后才能登记总结。")
    activity = _transition(
        activity,
        by=by,
        action="activity.complete",
        to=Activity.Status.COMPLETED,
        allowed=(Activity.Status.PUBLISHED,),
        summary=(summary or "").strip()[:2000],
    )
    publish_on_commit(
        "service.delivered",
        center_id=activity.center_id,
        source="activity",
        source_id=activity.pk,
        kind=activity.type,
        date=timezone.localtime(last_end).date(),
        people=attendance(activity),
        note=activity.title,
    )
    return activity


MAX_PHOTOS = 12


@transaction.atomic
def photo_add(*, activity: Activity, by: User, upload):
    """A picture for the summary, after the activity (re-encoded, at most 1600 px)."""
    from openhall.activities.models import ActivityPhoto
    from openhall.core.images import reencoded_jpeg

    permissions.require_center_perm(by, activity.center, Perm.OPERATE)
    if activity.status != Activity.Status.COMPLETED:
        raise refuse("not_over", "活动结束并登记总结后才能上传照片。")
    if activity.photos.count() >= MAX_PHOTOS:
        raise refuse("too_many_photos", f"每个活动最多 {MAX_PHOTOS} 张照片。")
    image = reencoded_jpeg(upload, max_side=1600)
    photo = ActivityPhoto(activity=activity)
    photo.image.save(image.name, image, save=False)
    photo.save()
    audit_record(
        actor=by,
        action="activity.photo_add",
        center=activity.center,
        obj=activity,
        after={"photo": photo.pk},
    )
    return photo
