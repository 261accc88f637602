"""Turn domain events into messages for the people concerned."""

from collections.abc import Callable

from django.utils import timezone

from openhall.core.events import subscribe
from openhall.notifications.services import notify

BOOKING_TEXT = {
    "booking.requested": ("预约已提交", "您预约的“{space}”{when}已提交，等待工作人员审批。"),
    "booking.approved": (
        "预约已通过",
        "您预约的“{space}”{when}已通过，请按时到场。智能门锁的开门密码和手机开门请点开本预约查看。",
    ),
    "booking.rejected": ("预约未通过", "您预约的“{space}”{when}未通过：{reason}"),
    "booking.cancelled": ("预约已取消", "您预约的“{space}”{when}已取消。{reason}"),
    "booking.expired": ("预约已自动取消", "您预约的“{space}”{when}在开始前未获审批，已自动取消。"),
    "booking.rescheduled": ("预约已改期", "您的预约已改为“{space}”{when}。"),
    "booking.no_show": (
        "预约未到场",
        "您预约的“{space}”{when}未按时签到，已记为未到场；多次未到场将暂停预约权限。",
    ),
}


# Changes a person must not miss also go by SMS when they asked for SMS.
CRITICAL = {"booking.rejected", "booking.cancelled", "booking.rescheduled"}


# Bookings whose people a higher app tells itself (an activity's rooms: its writer hears once
# that it is published, its registrants of any move), registered from that app's ready().
TOLD_ELSEWHERE: list[Callable[[int], bool]] = []


def register_told_elsewhere(is_told_elsewhere: Callable[[int], bool]) -> None:
    if is_told_elsewhere not in TOLD_ELSEWHERE:
        TOLD_ELSEWHERE.append(is_told_elsewhere)


def deliver_booking_message(*, event: str, booking_id: int) -> None:
    from openhall.bookings.models import Booking

    if any(told(booking_id) for told in TOLD_ELSEWHERE):
        return
    booking = Booking.objects.select_related("space").get(pk=booking_id)
    start = timezone.localtime(booking.start)
    when = f"（{start:%m月%d日 %H:%M}–{timezone.localtime(booking.end):%H:%M}）"
    title, body = BOOKING_TEXT[event]
    notify(
        user_id=booking.booker_id,
        key=f"{event}:{booking.pk}",
        kind="booking",
        title=title,
        body=body.format(space=booking.space, when=when, reason=booking.decision_reason),
        url=f"/bookings/{booking.pk}/",
        # Template keyword fields (≤ 20 characters each): place, time, status.
        fields={
            "thing1": str(booking.space),
            "time2": f"{start:%Y-%m-%d %H:%M}",
            "phrase3": title[:5],
        },
        critical=event in CRITICAL,
        center_id=booking.center_id,
    )


def booking_event(event: str):
    def handle(*, booking_id: int, **_) -> None:
        # Runs in a worker, from the outbox: the request that changed the booking never waits.
        deliver_booking_message(event=event, booking_id=booking_id)

    handle.__qualname__ = f"booking_event.{event}"  # one outbox name per event
    return handle


def erase_for_closed_user(*, user_id: int) -> None:
    """注销: the inbox (and its deliveries) and the preferences go with the person."""
    from openhall.notifications.models import Message, NotificationPreference

    Message.objects.filter(user_id=user_id).delete()
    NotificationPreference.objects.filter(user_id=user_id).delete()


def sms_notices_agreed(*, user_id: int) -> None:
    from openhall.notifications.models import NotificationPreference

    NotificationPreference.objects.update_or_create(user_id=user_id, defaults={"sms": True})


def connect() -> None:
    for event in BOOKING_TEXT:
        subscribe(event, booking_event(event))
    subscribe("user.closed", erase_for_closed_user)
    subscribe("user.sms_notices_agreed", sms_notices_agreed)
