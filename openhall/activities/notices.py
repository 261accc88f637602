"""What activities tell people, through the outbox (notifications delivers): registrants hear
of their place, the waitlist, changes and reminders; a proposer hears how the review went.
Each notice is recorded with the change and sent by a worker after commit."""

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from openhall.activities.models import Activity, Registration, Session
from openhall.activities.rules import may_review
from openhall.core import permissions
from openhall.core.events import durable_task
from openhall.core.permissions import Perm

TEXTS = {
    "confirmed": ("报名成功", "您已报名“{title}”（{when}），凭电子票入场，票号 {code}。"),
    "waitlisted": ("已进入候补", "“{title}”名额已满，您已进入候补名单，有空位时会通知您。"),
    "offered": ("候补到位", "“{title}”有空位了，为您保留到 {until}，请尽快在“我的活动”中确认。"),
    "cancelled": ("活动取消", "很抱歉，“{title}”（{when}）已取消：{reason}"),
    "reminder_day": ("活动提醒", "您报名的“{title}”将于明天 {when} 开始，地点：{place}。"),
    "reminder_hour": ("活动即将开始", "您报名的“{title}”将于 {when} 开始，地点：{place}。"),
    "waitlisted_moved": ("报名调整", "工作人员已将您在“{title}”的报名调整为候补。"),
    "changed": ("活动时间地点变更", "您报名的“{title}”已调整为 {when}，地点：{place}。"),
    "edited": ("活动信息变更", "您报名的“{title}”有变更（{reason}），现为 {when}，地点：{place}。"),
}


def tell_registrant(
    registration: Registration, what: str, *, reason: str = "", key: str = ""
) -> None:
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
                tell_registrant(
                    registration, label, key=f"activity:{label}:{session.pk}:{registration.pk}"
                )
                sent += 1
    return sent


def tell_organizer(activity: Activity, title: str, body: str, *, staff_too: bool = False) -> None:
    """A proposer who is not the center's staff hears how the review went (staff who wrote it
    hear that it is published, `staff_too`)."""
    from openhall.notifications.services import notify

    if not staff_too and permissions.has_center_perm(
        activity.created_by, activity.center, Perm.OPERATE
    ):
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


def tell_reviewers(activity: Activity, *, street: bool = False) -> None:
    """Those who may review it in its center hear that something waits for them (one notice
    each per submission)."""
    from openhall.core.models import StaffMembership
    from openhall.notifications.services import notify

    roles = set(
        permissions.roles_with(Perm.REVIEW_CONTENT) + permissions.roles_with(Perm.MANAGE_CENTER)
    )
    candidates = {
        m.user
        for m in StaffMembership.objects.filter(
            Q(center=activity.center_id)
            | Q(street=activity.center.street_id)
            | Q(district=activity.center.street.district_id),
            role__in=roles,
        ).select_related("user")
    }
    stamp = timezone.now().isoformat()
    for user in sorted(candidates, key=lambda u: u.pk):
        if user.pk == activity.created_by_id or not may_review(
            user, activity.center, street=street
        ):
            continue
        notify.defer(
            user_id=user.pk,
            key=f"activity:to_review:{activity.pk}:{stamp}:{user.pk}",
            kind="notice",
            title="活动待审核",
            body=f"“{activity.title}”已提交，等待您审核。",
            url=f"/console/c/{activity.center_id}/activities/{activity.pk}/",
            center_id=activity.center_id,
        )
