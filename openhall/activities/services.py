"""The life of an activity: writing and proposing, review, publishing (each session holds a
room booking), moving a session, cancelling, and the count into the service ledger when it is
done. Every staff decision is audited. Registration lives in `registration`, tickets and
check-in in `checkin`, what people are told in `notices`, the rules and refusals in `rules`."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openhall.accounts.models import User
from openhall.activities import notices
from openhall.activities.checkin import attendance
from openhall.activities.models import Activity, Registration, Session
from openhall.activities.notices import tell_organizer, tell_registrant
from openhall.activities.rules import (
    CHECKLIST,
    clean_values,
    conflict,
    refuse,
    require_perm,
    screen_text,
)
from openhall.core import permissions
from openhall.core.audit import audit_record, snapshot
from openhall.core.events import durable_task, publish_on_commit
from openhall.core.models import Center
from openhall.core.permissions import Perm
from openhall.core.refusals import Forbidden

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
    *, center: Center, by: User, values: dict, sessions: list[tuple] = (), cover=None
) -> Activity:
    """A draft. `sessions`: (space, start, end) — rooms are held only when it is published.
    A cover picture is re-encoded (camera data removed, at most 1200 px)."""
    from openhall.core.images import reencoded_jpeg

    require_perm(by, center, Perm.OPERATE)
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
    activity.status = Activity.Status.SUBMITTED
    activity.flags = screen_text(activity)
    activity.save(update_fields=["status", "flags"])
    _record(activity, by=by, action="activity.propose")
    publish_on_commit("activity.changed", center_id=center.pk, activity_id=activity.pk)
    return activity


def session_add(*, activity: Activity, by: User, space, start: datetime, end: datetime) -> Session:
    require_perm(by, activity.center, Perm.OPERATE)
    if space.center_id != activity.center_id:
        raise refuse("other_center", "场地不属于该中心。")
    if end <= start:
        raise refuse("invalid_time", "结束时间必须晚于开始时间。")
    if activity.status not in (Activity.Status.DRAFT, Activity.Status.RETURNED):
        raise refuse("not_editable", "活动已提交审核，不能再修改场次。")
    return Session.objects.create(activity=activity, space=space, start=start, end=end)


@transaction.atomic
def activity_update(*, activity: Activity, by: User, values: dict) -> Activity:
    require_perm(by, activity.center, Perm.OPERATE)
    activity = _locked(activity)
    if activity.status not in (Activity.Status.DRAFT, Activity.Status.RETURNED):
        raise refuse("not_editable", "活动已提交审核或已发布，不能再修改内容。")
    before = snapshot(activity, AUDITED)
    for field, value in clean_values(values).items():
        setattr(activity, field, value)
    activity.save()
    _record(activity, by=by, action="activity.update", before=before)
    return activity


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
    require_perm(by, activity.center, Perm.OPERATE)
    if not activity.sessions.exists():
        raise refuse("no_sessions", "请至少安排一个场次（时间和场地）。")
    return _transition(
        activity,
        by=by,
        action="activity.submit",
        to=Activity.Status.SUBMITTED,
        allowed=(Activity.Status.DRAFT, Activity.Status.RETURNED),
        flags=screen_text(activity),
    )


def may_review(user: User, center: Center, *, street: bool) -> bool:
    if street:
        return permissions.has_center_perm(user, center, Perm.REVIEW_CONTENT)
    return permissions.has_center_perm(
        user, center, Perm.MANAGE_CENTER
    ) or permissions.has_center_perm(user, center, Perm.REVIEW_CONTENT)


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
        tell_organizer(activity, "活动已发布", f"您发起的“{activity.title}”已通过审核并发布。")
        publish_on_commit(
            "activity.published", center_id=activity.center_id, activity_id=activity.pk
        )
        return activity
    return _transition(
        activity,
        by=by,
        action="activity.approve_center",
        to=Activity.Status.CENTER_APPROVED,
        allowed=(Activity.Status.SUBMITTED,),
        checklist={k: True for k in CHECKLIST},
    )


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


def _room_holder(activity: Activity, reviewer: User) -> User:
    """Who books the rooms: whoever wrote it if they are the center's staff, else the reviewer
    if they are, else one of the center's staff (a street reviewer books no rooms)."""
    from openhall.core.models import StaffMembership

    for person in (activity.created_by, reviewer):
        if permissions.has_center_perm(person, activity.center, Perm.OPERATE):
            return person
    staff = StaffMembership.objects.filter(
        center=activity.center, role__in=permissions.roles_with(Perm.OPERATE)
    ).first()
    if staff is None:
        raise refuse("no_staff", "该中心没有工作人员，无法占用场地。")
    return staff.user


def _hold_rooms(activity: Activity, *, reviewer: User) -> None:
    """Each session books its room (all or none): an activity never clashes with a booking.
    Proposed by a team or an enterprise, the booking carries their name."""
    from openhall.bookings.services import booking_request

    holder = _room_holder(activity, reviewer)
    purpose = (
        "party"
        if activity.type == "party"
        else ("paid_course" if activity.fee == Activity.Fee.PAID else "public_benefit")
    )
    for session in activity.sessions.select_related("space").select_for_update():
        if session.booking_id:
            continue
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
    from openhall.bookings.services import booking_reschedule

    activity = session.activity
    require_perm(by, activity.center, Perm.OPERATE)
    if end <= start:
        raise refuse("invalid_time", "结束时间必须晚于开始时间。")
    session = (
        Session.objects.select_for_update(of=("self",)).select_related("booking").get(pk=session.pk)
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
        center=activity.center,
        obj=activity,
        before=before,
        after={"start": start.isoformat(), "space": session.space_id},
    )
    publish_on_commit("activity.changed", center_id=activity.center_id, activity_id=activity.pk)
    for registration in activity.registrations.filter(status__in=Registration.ACTIVE):
        tell_registrant(
            registration,
            "changed",
            key=f"activity:changed:{session.pk}:{start.isoformat()}:{registration.pk}",
        )
    return session


@transaction.atomic
def activity_cancel(*, activity: Activity, by: User, reason: str) -> Activity:
    """Cancelled by staff: rooms freed, every registrant told."""
    from openhall.bookings.services import booking_cancel

    require_perm(by, activity.center, Perm.OPERATE)
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
        booking_cancel(booking=session.booking, by=by, reason=f"活动取消：{reason}")
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
    require_perm(by, activity.center, Perm.OPERATE)
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

    require_perm(by, activity.center, Perm.OPERATE)
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
