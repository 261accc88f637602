"""Registration: a place without overselling, the waitlist and its offers, staff moving
someone on or off the list, and fees recorded by hand."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from openhall.accounts.models import User
from openhall.activities.models import Activity, Registration
from openhall.activities.notices import tell_registrant
from openhall.activities.rules import CODE_ALPHABET, OFFER_HOURS, conflict, refuse
from openhall.core import permissions
from openhall.core.audit import audit_record
from openhall.core.events import publish_on_commit
from openhall.core.permissions import Perm
from openhall.core.refusals import Forbidden


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
        raise refuse("not_open", "该活动目前不接受报名。")
    if activity.registration_opens_at and now < activity.registration_opens_at:
        opens = timezone.localtime(activity.registration_opens_at)
        raise refuse("not_open_yet", f"报名将于 {opens:%m月%d日 %H:%M} 开始。")
    first = activity.sessions.order_by("start").values_list("start", flat=True).first()
    closes = activity.registration_closes_at or first
    if closes and now >= closes:
        raise refuse("closed", "报名已截止。")


def _check_attendee(activity: Activity, attendee: str, age: int | None, lives_here: bool) -> None:
    if activity.audience == Activity.Audience.STREET and not lives_here:
        raise refuse(
            "street_residents_only",
            f"本活动面向{activity.center.street.name}居民，请确认您居住在本街道。",
        )
    if activity.audience != Activity.Audience.CHILDREN:
        return
    if not attendee:
        raise refuse("attendee_required", "这是亲子/儿童活动，请填写孩子的姓名。")
    if age is None:
        raise refuse("age_required", "请填写孩子的年龄。")
    if (activity.min_age and age < activity.min_age) or (
        activity.max_age and age > activity.max_age
    ):
        raise refuse(
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
        raise refuse("answers_required", "请回答：" + "；".join(missing))
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
            tell_registrant(registration, "confirmed" if took else "waitlisted")
    except IntegrityError:
        raise conflict("already_registered", "您（或这位孩子）已经报名了这个活动。") from None
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
        raise Forbidden()
    if registration.status not in Registration.ACTIVE:
        raise conflict("not_active", "这个报名已经取消或失效。")
    first = activity.sessions.order_by("start").values_list("start", flat=True).first()
    if not staff and first and now > first - timedelta(hours=activity.cancel_hours):
        raise refuse(
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
    tell_registrant(nxt, "offered")


def offer_new_places(activity: Activity, *, now: datetime) -> int:
    """Capacity raised: each new place goes to the next in line (offered and held for them,
    as a freed place is); returns how many were offered."""
    offered = 0
    while Activity.objects.filter(pk=activity.pk, places_taken__lt=F("capacity")).update(
        places_taken=F("places_taken") + 1
    ):
        nxt = (
            Registration.objects.select_for_update()
            .filter(activity=activity, status=Registration.Status.WAITLISTED)
            .order_by("pk")
            .first()
        )
        if nxt is None:  # nobody waits: give the place back to the pool
            Activity.objects.filter(pk=activity.pk).update(places_taken=F("places_taken") - 1)
            break
        nxt.status = Registration.Status.OFFERED
        nxt.offer_expires_at = now + timedelta(hours=OFFER_HOURS)
        nxt.save(update_fields=["status", "offer_expires_at", "updated_at"])
        tell_registrant(nxt, "offered")
        offered += 1
    return offered


@transaction.atomic
def offer_accept(*, registration: Registration, by: User, now: datetime | None = None) -> None:
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.user_id != by.pk:
        raise Forbidden()
    if registration.status != Registration.Status.OFFERED or (
        registration.offer_expires_at and registration.offer_expires_at <= now
    ):
        raise conflict("offer_gone", "这个名额的保留时间已过。")
    registration.status = Registration.Status.CONFIRMED
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
    tell_registrant(registration, "confirmed")


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
    permissions.require_center_perm(by, activity.center, Perm.OPERATE)
    if not (reason or "").strip():
        raise refuse("reason_required", "请写明调整的理由。")
    before = registration.status
    if to == Registration.Status.CONFIRMED and before == Registration.Status.WAITLISTED:
        took = Activity.objects.filter(pk=activity.pk, places_taken__lt=F("capacity")).update(
            places_taken=F("places_taken") + 1
        )
        if not took:
            raise conflict("full", "名额已满：请先增加名额或取消一位已确认的报名。")
    elif to == Registration.Status.WAITLISTED and before in Registration.HOLDS_PLACE:
        registration.status = to
        registration.save(update_fields=["status", "updated_at"])
        _pass_place_on(activity, now=timezone.now())
    else:
        raise refuse("invalid_move", "不能这样调整。")
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
    tell_registrant(
        registration, "confirmed" if to == Registration.Status.CONFIRMED else "waitlisted_moved"
    )


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
    permissions.require_center_perm(by, registration.activity.center, Perm.OPERATE)
    if status not in Registration.Payment.values or not status:
        raise refuse("invalid_payment", "请选择付款状态。")
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
