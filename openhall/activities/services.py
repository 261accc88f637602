"""The rules of activities, in one place: writing and review, publishing (each session holds a
room booking), registration without overselling, the waitlist, tickets and check-in, and the
count into the service ledger when an activity is done. Every staff decision is audited."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from openhall.accounts.models import User
from openhall.activities.models import Activity, CheckIn, Registration, Session
from openhall.core import permissions
from openhall.core.audit import audit_record, snapshot
from openhall.core.events import durable_task, publish_on_commit
from openhall.core.html import clean_html
from openhall.core.models import Center
from openhall.core.permissions import Perm

AUDITED = ["status", "title", "type", "capacity", "fee", "price", "review_note"]
OFFER_HOURS = 12  # a freed place waits this long for the next in line, then passes on
TICKET_SALT = "openhall.activities.ticket"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at the door

# Words that make a reviewer look twice (flags, never silent blocks): financial products,
# health-product selling, pyramid schemes — what residents are warned about.
SCREEN_WORDS = [
    "理财",
    "投资",
    "收益",
    "回报率",
    "保本",
    "高息",
    "P2P",
    "借贷",
    "贷款",
    "信用卡",
    "办卡",
    "股票",
    "基金",
    "期货",
    "虚拟货币",
    "比特币",
    "养老项目",
    "保健品",
    "包治",
    "根治",
    "神药",
    "特效",
    "偏方",
    "免费体检",
    "返利",
    "拉人头",
    "会员卡",
    "预存",
]
CHECKLIST = {
    "speaker_checked": "主讲人身份和资质已核实",
    "no_product_sales": "不推销任何商品（含保健品、医疗器械）",
    "no_financial_pitch": "不推介理财、投资、贷款、信用卡、P2P 等金融产品",
    "fees_declared": "收费情况已如实公示",
}


class ActivityRefused(ValidationError):
    """A refusal a resident or staff member can act on; `code` is stable for the API."""


def _refuse(code: str, message: str):
    return ActivityRefused(message, code=code)


def screen_text(activity: Activity) -> list[dict]:
    """Where the text mentions something a reviewer should look at."""
    found = []
    for field in ("title", "description", "speaker"):
        text = str(getattr(activity, field) or "").upper()
        found += [{"field": field, "word": w} for w in SCREEN_WORDS if w.upper() in text]
    return found


def _require(user: User, center: Center, perm: Perm) -> None:
    permissions.require_center_perm(user, center, perm)


def _record(activity: Activity, *, by: User | None, action: str, before=None, **extra) -> None:
    after = {**snapshot(activity, AUDITED), **extra}
    audit_record(
        actor=by, action=action, center=activity.center, obj=activity, before=before, after=after
    )


def _locked(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().select_related("center").get(pk=activity.pk)


# --- writing -----------------------------------------------------------------------------------
EDITABLE = [
    "type",
    "title",
    "description",
    "speaker",
    "capacity",
    "audience",
    "min_age",
    "max_age",
    "registration_opens_at",
    "registration_closes_at",
    "cancel_hours",
    "fee",
    "price",
    "questions",
    "organizer_team",
    "organizer_enterprise",
]


def _clean_values(values: dict) -> dict:
    values = {k: v for k, v in values.items() if k in EDITABLE}
    if "title" in values:
        values["title"] = (values["title"] or "").strip()
        if not values["title"]:
            raise _refuse("title_required", "请填写活动名称。")
    if "capacity" in values and (values["capacity"] is None or values["capacity"] < 1):
        raise _refuse("invalid_capacity", "名额至少为 1。")
    if "description" in values:
        values["description"] = clean_html(values["description"] or "")
    if "questions" in values:
        questions = [str(q).strip()[:60] for q in (values["questions"] or []) if str(q).strip()]
        values["questions"] = questions[:10]
    opens, closes = values.get("registration_opens_at"), values.get("registration_closes_at")
    if opens and closes and closes <= opens:
        raise _refuse("invalid_window", "报名截止时间应晚于开始时间。")
    return values


@transaction.atomic
def activity_create(
    *, center: Center, by: User, values: dict, sessions: Sequence[tuple] = (), cover=None
) -> Activity:
    """A draft. `sessions`: (space, start, end) — rooms are held only when it is published.
    A cover picture is re-encoded (camera data removed, at most 1200 px)."""
    from openhall.core.images import reencoded_jpeg

    _require(by, center, Perm.OPERATE)
    activity = Activity(center=center, created_by=by, **_clean_values(values))
    if not activity.type:
        raise _refuse("type_required", "请选择活动类型。")
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
        raise PermissionDenied
    clean = _clean_values({**values, "organizer_team": team, "organizer_enterprise": enterprise})
    activity = Activity.objects.create(center=center, created_by=by, **clean)
    for space, start, end in sessions:
        if space.center_id != center.pk or end <= start:
            raise _refuse("invalid_session", "请为每一场选择本中心的场地和正确的时间。")
        Session.objects.create(activity=activity, space=space, start=start, end=end)
    if not sessions:
        raise _refuse("no_sessions", "请至少安排一个场次（时间和场地）。")
    activity.status = Activity.Status.SUBMITTED
    activity.flags = screen_text(activity)
    activity.save(update_fields=["status", "flags"])
    _record(activity, by=by, action="activity.propose")
    publish_on_commit("activity.changed", center_id=center.pk, activity_id=activity.pk)
    return activity


def session_add(*, activity: Activity, by: User, space, start: datetime, end: datetime) -> Session:
    _require(by, activity.center, Perm.OPERATE)
    if space.center_id != activity.center_id:
        raise _refuse("other_center", "场地不属于该中心。")
    if end <= start:
        raise _refuse("invalid_time", "结束时间必须晚于开始时间。")
    if activity.status not in (Activity.Status.DRAFT, Activity.Status.RETURNED):
        raise _refuse("not_editable", "活动已提交审核，不能再修改场次。")
    return Session.objects.create(activity=activity, space=space, start=start, end=end)


@transaction.atomic
def activity_update(*, activity: Activity, by: User, values: dict) -> Activity:
    _require(by, activity.center, Perm.OPERATE)
    activity = _locked(activity)
    if activity.status not in (Activity.Status.DRAFT, Activity.Status.RETURNED):
        raise _refuse("not_editable", "活动已提交审核或已发布，不能再修改内容。")
    before = snapshot(activity, AUDITED)
    for field, value in _clean_values(values).items():
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
        raise _refuse(
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
    _require(by, activity.center, Perm.OPERATE)
    if not activity.sessions.exists():
        raise _refuse("no_sessions", "请至少安排一个场次（时间和场地）。")
    return _transition(
        activity,
        by=by,
        action="activity.submit",
        to=Activity.Status.SUBMITTED,
        allowed=(Activity.Status.DRAFT, Activity.Status.RETURNED),
        flags=screen_text(activity),
    )


def _may_review(user: User, center: Center, *, street: bool) -> bool:
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
    if not _may_review(by, activity.center, street=street_step):
        raise PermissionDenied
    missing = [text for key, text in CHECKLIST.items() if not checklist.get(key)]
    if missing:
        raise _refuse("checklist_incomplete", "请逐项确认审核要点：" + "；".join(missing))
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
        _tell_organizer(activity, "活动已发布", f"您发起的“{activity.title}”已通过审核并发布。")
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


def _tell_organizer(activity: Activity, title: str, body: str) -> None:
    """A proposer who is not the center's staff hears how the review went."""
    from openhall.notifications.services import notify

    if permissions.has_center_perm(activity.created_by, activity.center, Perm.OPERATE):
        return
    pk = activity.pk
    notify.defer(
        user_id=activity.created_by_id,
        key=f"activity:review:{pk}:{title}",
        kind="notice",
        title=title,
        body=body,
        url=f"/activities/{pk}/",
        center_id=activity.center_id,
    )


@transaction.atomic
def activity_return(*, activity: Activity, by: User, reason: str) -> Activity:
    street_step = activity.status == Activity.Status.CENTER_APPROVED
    if not _may_review(by, activity.center, street=street_step):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("reason_required", "请写明退回的理由。")
    activity = _transition(
        activity,
        by=by,
        action="activity.return",
        to=Activity.Status.RETURNED,
        allowed=(Activity.Status.SUBMITTED, Activity.Status.CENTER_APPROVED),
        review_note=reason[:300],
    )
    _tell_organizer(activity, "活动被退回", f"您发起的“{activity.title}”需要修改：{reason[:200]}")
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
        raise _refuse("no_staff", "该中心没有工作人员，无法占用场地。")
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
    _require(by, activity.center, Perm.OPERATE)
    if end <= start:
        raise _refuse("invalid_time", "结束时间必须晚于开始时间。")
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
        _tell(
            registration,
            "changed",
            key=f"activity:changed:{session.pk}:{start.isoformat()}:{registration.pk}",
        )
    return session


@transaction.atomic
def activity_cancel(*, activity: Activity, by: User, reason: str) -> Activity:
    """Cancelled by staff: rooms freed, every registrant told."""
    from openhall.bookings.services import booking_cancel

    _require(by, activity.center, Perm.OPERATE)
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("reason_required", "请写明取消的理由。")
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
        _tell(registration, "cancelled", reason=reason)
    return activity


@transaction.atomic
def activity_complete(*, activity: Activity, by: User, summary: str = "") -> Activity:
    """Done: the summary kept, and its attendance counted into the service ledger."""
    _require(by, activity.center, Perm.OPERATE)
    last_end = max((s.end for s in activity.sessions.all()), default=None)
    if last_end is None or last_end > timezone.now():
        raise _refuse("not_over", "活动结束后才能登记总结。")
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

    _require(by, activity.center, Perm.OPERATE)
    if activity.status != Activity.Status.COMPLETED:
        raise _refuse("not_over", "活动结束并登记总结后才能上传照片。")
    if activity.photos.count() >= MAX_PHOTOS:
        raise _refuse("too_many_photos", f"每个活动最多 {MAX_PHOTOS} 张照片。")
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


def attendance(activity: Activity) -> int:
    """People who came: registrations checked in at one session at least."""
    return (
        CheckIn.objects.filter(session__activity=activity).values("registration").distinct().count()
    )


# --- registration --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ticket:
    registration: Registration
    position: int | None  # on the waitlist


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != Registration.Status.WAITLISTED:
        return None
    return Registration.objects.filter(
        activity_id=registration.activity_id,
        status=Registration.Status.WAITLISTED,
        pk__lte=registration.pk,
    ).count()


def _check_open(activity: Activity, now: datetime) -> None:
    if activity.status != Activity.Status.PUBLISHED:
        raise _refuse("not_open", "该活动目前不接受报名。")
    if activity.registration_opens_at and now < activity.registration_opens_at:
        opens = timezone.localtime(activity.registration_opens_at)
        raise _refuse("not_open_yet", f"报名将于 {opens:%m月%d日 %H:%M} 开始。")
    first = activity.sessions.order_by("start").values_list("start", flat=True).first()
    closes = activity.registration_closes_at or first
    if closes and now >= closes:
        raise _refuse("closed", "报名已截止。")


def _check_attendee(activity: Activity, attendee: str, age: int | None, lives_here: bool) -> None:
    if activity.audience == Activity.Audience.STREET and not lives_here:
        raise _refuse(
            "street_residents_only",
            f"本活动面向{activity.center.street.name}居民，请确认您居住在本街道。",
        )
    if activity.audience != Activity.Audience.CHILDREN:
        return
    if not attendee:
        raise _refuse("attendee_required", "这是亲子/儿童活动，请填写孩子的姓名。")
    if age is None:
        raise _refuse("age_required", "请填写孩子的年龄。")
    if (activity.min_age and age < activity.min_age) or (
        activity.max_age and age > activity.max_age
    ):
        raise _refuse(
            "age_not_allowed",
            f"本活动适合 {activity.min_age or 0}–{activity.max_age or 99} 岁的孩子。",
        )


def register(
    *,
    activity: Activity,
    user: User,
    answers: dict | None = None,
    attendee: str = "",
    attendee_age: int | None = None,
    now: datetime | None = None,
    lives_here: bool = False,
) -> Ticket:
    """A place if one is left — taken by one conditional UPDATE, so the rush is first come,
    first served by commit order and never oversold — else the waitlist."""
    now = now or timezone.now()
    attendee = (attendee or "").strip()[:30]
    _check_open(activity, now)
    _check_attendee(activity, attendee, attendee_age, lives_here)
    answers = {q: str((answers or {}).get(q, "")).strip()[:200] for q in activity.questions}
    missing = [q for q, a in answers.items() if not a]
    if missing:
        raise _refuse("answers_required", "请回答：" + "；".join(missing))
    try:
        with transaction.atomic():
            took = Activity.objects.filter(
                pk=activity.pk,
                status=Activity.Status.PUBLISHED,
                places_taken__lt=F("capacity"),
            ).update(places_taken=F("places_taken") + 1)
            registration = Registration.objects.create(
                activity=activity,
                user=user,
                attendee=attendee,
                attendee_age=attendee_age,
                answers=answers,
                code=_new_code(),
                status=Registration.Status.CONFIRMED if took else Registration.Status.WAITLISTED,
                payment=Registration.Payment.UNPAID if activity.fee != Activity.Fee.FREE else "",
            )
            # In the registration's own transaction: after it, a lost connection (bench/faults.py)
            # left a registration whose notice was never recorded.
            publish_on_commit(
                "activity.registered", center_id=activity.center_id, activity_id=activity.pk
            )
            _tell(registration, "confirmed" if took else "waitlisted")
    except IntegrityError:
        raise _refuse("already_registered", "您（或这位孩子）已经报名了这个活动。") from None
    return Ticket(registration, waitlist_position(registration))


@transaction.atomic
def registration_cancel(
    *, registration: Registration, by: User, now: datetime | None = None
) -> None:
    """The resident, before the deadline (staff any time): the place goes to the next in line."""
    now = now or timezone.now()
    registration = (
        Registration.objects.select_for_update()
        .select_related("activity", "activity__center")
        .get(pk=registration.pk)
    )
    activity = registration.activity
    staff = permissions.has_center_perm(by, activity.center, Perm.OPERATE)
    if registration.user_id != by.pk and not staff:
        raise PermissionDenied
    if registration.status not in Registration.ACTIVE:
        raise _refuse("not_active", "这个报名已经取消或失效。")
    first = activity.sessions.order_by("start").values_list("start", flat=True).first()
    if not staff and first and now > first - timedelta(hours=activity.cancel_hours):
        raise _refuse(
            "too_late", f"活动开始前 {activity.cancel_hours} 小时内不能在线取消，请联系工作人员。"
        )
    held = registration.status in Registration.HOLDS_PLACE
    registration.status = Registration.Status.CANCELLED
    registration.save(update_fields=["status", "updated_at"])
    if staff and registration.user_id != by.pk:
        audit_record(
            actor=by,
            action="registration.cancel",
            center=activity.center,
            obj=registration,
            after={"code": registration.code},
        )
    if held:
        _pass_place_on(activity, now=now)


def _pass_place_on(activity: Activity, *, now: datetime) -> None:
    """A place came free: offer it to the first on the waitlist (the place stays held for
    them), or give it back to the pool."""
    nxt = (
        Registration.objects.select_for_update(skip_locked=True)
        .filter(activity=activity, status=Registration.Status.WAITLISTED)
        .order_by("pk")
        .first()
    )
    if nxt is None:
        Activity.objects.filter(pk=activity.pk, places_taken__gt=0).update(
            places_taken=F("places_taken") - 1
        )
        return
    nxt.status = Registration.Status.OFFERED
    nxt.offer_expires_at = now + timedelta(hours=OFFER_HOURS)
    nxt.save(update_fields=["status", "offer_expires_at", "updated_at"])
    _tell(nxt, "offered")


@transaction.atomic
def offer_accept(*, registration: Registration, by: User, now: datetime | None = None) -> None:
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.user_id != by.pk:
        raise PermissionDenied
    if registration.status != Registration.Status.OFFERED or (
        registration.offer_expires_at and registration.offer_expires_at <= now
    ):
        raise _refuse("offer_gone", "这个名额的保留时间已过。")
    registration.status = Registration.Status.CONFIRMED
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
    _tell(registration, "confirmed")


def offers_expire(*, now: datetime | None = None) -> int:
    """Periodic: offers not taken in time pass to the next in line."""
    now = now or timezone.now()
    expired = 0
    for pk in Registration.objects.filter(
        status=Registration.Status.OFFERED, offer_expires_at__lte=now
    ).values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            registration = (
                Registration.objects.select_for_update().select_related("activity").get(pk=pk)
            )
            if registration.status != Registration.Status.OFFERED:
                continue
            registration.status = Registration.Status.EXPIRED
            registration.save(update_fields=["status", "updated_at"])
            _pass_place_on(registration.activity, now=now)
            expired += 1
    return expired


@transaction.atomic
def registration_move(*, registration: Registration, by: User, to: str, reason: str) -> None:
    """Staff move someone onto or off the confirmed list, with a recorded reason (a place
    promised by phone, a duplicate). Capacity still holds."""
    registration = (
        Registration.objects.select_for_update()
        .select_related("activity", "activity__center")
        .get(pk=registration.pk)
    )
    activity = registration.activity
    _require(by, activity.center, Perm.OPERATE)
    if not (reason or "").strip():
        raise _refuse("reason_required", "请写明调整的理由。")
    before = registration.status
    if to == Registration.Status.CONFIRMED and before == Registration.Status.WAITLISTED:
        took = Activity.objects.filter(pk=activity.pk, places_taken__lt=F("capacity")).update(
            places_taken=F("places_taken") + 1
        )
        if not took:
            raise _refuse("full", "名额已满：请先增加名额或取消一位已确认的报名。")
    elif to == Registration.Status.WAITLISTED and before in Registration.HOLDS_PLACE:
        registration.status = to
        registration.save(update_fields=["status", "updated_at"])
        _pass_place_on(activity, now=timezone.now())
    else:
        raise _refuse("invalid_move", "不能这样调整。")
    registration.status = to
    registration.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=by,
        action="registration.move",
        center=activity.center,
        obj=registration,
        before={"status": before},
        after={"status": to, "reason": reason.strip()},
    )
    _tell(registration, "confirmed" if to == Registration.Status.CONFIRMED else "waitlisted_moved")


@transaction.atomic
def payment_record(
    *, registration: Registration, by: User, status: str, method: str = "", reference: str = ""
) -> Registration:
    """Staff record a fee as paid (cash, transfer, WeChat Pay reference), waived or refunded."""
    registration = (
        Registration.objects.select_for_update()
        .select_related("activity__center")
        .get(pk=registration.pk)
    )
    _require(by, registration.activity.center, Perm.OPERATE)
    if status not in Registration.Payment.values or not status:
        raise _refuse("invalid_payment", "请选择付款状态。")
    before = {"payment": registration.payment}
    registration.payment, registration.payment_method = status, method.strip()[:20]
    registration.payment_reference = reference.strip()[:64]
    registration.save(
        update_fields=["payment", "payment_method", "payment_reference", "updated_at"]
    )
    audit_record(
        actor=by,
        action="registration.payment",
        center=registration.activity.center,
        obj=registration,
        before=before,
        after={"payment": status, "method": registration.payment_method},
    )
    return registration


# --- tickets and check-in -----------------------------------------------------------------------
def ticket_token(registration: Registration) -> str:
    """What the QR code holds: signed, so it can be neither forged nor guessed."""
    return signing.dumps({"r": registration.pk, "c": registration.code}, salt=TICKET_SALT)


@dataclass(frozen=True)
class CheckInResult:
    outcome: str  # "ok" | "again" | "wrong_activity" | "unknown" | "not_confirmed"
    registration: Registration | None = None


def _registration_from(scanned: str) -> Registration | None:
    scanned = (scanned or "").strip()
    try:
        data = signing.loads(scanned, salt=TICKET_SALT)
        return Registration.objects.filter(pk=data.get("r"), code=data.get("c")).first()
    except signing.BadSignature:
        return Registration.objects.filter(code=scanned.upper().replace(" ", "")[:8]).first()


def check_in(
    *, activity: Activity, scanned: str, by: User, now: datetime | None = None
) -> CheckInResult:
    """A scanned QR or a typed code, at the door of today's session. Scanning twice (or two
    phones uploading the same scan) records one check-in."""
    _require(by, activity.center, Perm.OPERATE)
    now = now or timezone.now()
    registration = _registration_from(scanned)
    if registration is None:
        return CheckInResult("unknown")
    if registration.activity_id != activity.pk:
        return CheckInResult("wrong_activity", registration)
    if registration.status != Registration.Status.CONFIRMED:
        return CheckInResult("not_confirmed", registration)
    sessions = list(activity.sessions.all())
    session = min(sessions, key=lambda s: abs((s.start - now).total_seconds()), default=None)
    if session is None:
        return CheckInResult("unknown")
    _row, created = CheckIn.objects.get_or_create(
        registration=registration, session=session, defaults={"by": by}
    )
    if created:
        publish_on_commit(
            "activity.checked_in", center_id=activity.center_id, activity_id=activity.pk
        )
    return CheckInResult("ok" if created else "again", registration)


# --- messages ------------------------------------------------------------------------------------
TEXTS = {
    "confirmed": ("报名成功", "您已报名“{title}”（{when}），凭电子票入场，票号 {code}。"),
    "waitlisted": ("已进入候补", "“{title}”名额已满，您已进入候补名单，有空位时会通知您。"),
    "offered": ("候补到位", "“{title}”有空位了，为您保留到 {until}，请尽快在“我的活动”中确认。"),
    "cancelled": ("活动取消", "很抱歉，“{title}”（{when}）已取消：{reason}"),
    "reminder_day": ("活动提醒", "您报名的“{title}”将于明天 {when} 开始，地点：{place}。"),
    "reminder_hour": ("活动即将开始", "您报名的“{title}”将于 {when} 开始，地点：{place}。"),
    "waitlisted_moved": ("报名调整", "工作人员已将您在“{title}”的报名调整为候补。"),
    "changed": ("活动时间地点变更", "您报名的“{title}”已调整为 {when}，地点：{place}。"),
}


def _tell(registration: Registration, what: str, *, reason: str = "", key: str = "") -> None:
    """Recorded with the change; after commit a worker tells the person (the request does not
    wait for the message, and a failure after commit does not lose it)."""
    tell.defer(registration_id=registration.pk, what=what, reason=reason, key=key)


@durable_task
def tell(*, registration_id: int, what: str, reason: str = "", key: str = "") -> None:
    from openhall.notifications.services import notify

    registration = Registration.objects.select_related("activity").get(pk=registration_id)
    activity = registration.activity
    first = activity.sessions.select_related("space").order_by("start").first()
    when = f"{timezone.localtime(first.start):%m月%d日 %H:%M}" if first else ""
    place = first.space.name if first else ""
    until = (
        f"{timezone.localtime(registration.offer_expires_at):%m月%d日 %H:%M}"
        if registration.offer_expires_at
        else ""
    )
    title, body = TEXTS[what]
    notify(
        user_id=registration.user_id,
        key=key or f"activity:{what}:{registration.pk}",
        kind="activity",
        title=title,
        body=body.format(
            title=activity.title,
            when=when,
            code=registration.code,
            until=until,
            reason=reason,
            place=place,
        ),
        url="/activities/mine/",
        center_id=activity.center_id,
        fields={"thing1": activity.title, "time2": when, "phrase3": title[:5]},
    )


def send_reminders(*, now: datetime | None = None) -> int:
    """Periodic (every 10 min): a day and an hour before each session, once per person."""
    now = now or timezone.now()
    sent = 0
    for label, ahead in (
        ("reminder_day", timedelta(hours=24)),
        ("reminder_hour", timedelta(hours=1)),
    ):
        window = Session.objects.filter(
            activity__status=Activity.Status.PUBLISHED,
            start__gt=now + ahead - timedelta(minutes=10),
            start__lte=now + ahead,
        ).select_related("activity")
        for session in window:
            for registration in session.activity.registrations.filter(
                status=Registration.Status.CONFIRMED
            ):
                _tell(registration, label, key=f"activity:{label}:{session.pk}:{registration.pk}")
                sent += 1
    return sent
