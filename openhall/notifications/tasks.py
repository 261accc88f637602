from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task
from huey.exceptions import RetryTask

from openhall.notifications import services
from openhall.notifications.models import Delivery
from openhall.notifications.subscribers import deliver_booking_message


@db_task(retries=3, retry_delay=10)
def booking_message_task(event: str, booking_id: int) -> None:
    """Takes ids, and is idempotent: the message's key makes a retry change nothing."""
    deliver_booking_message(event=event, booking_id=booking_id)


@db_task()
def delivery_task(delivery_id: int) -> None:
    """Send one delivery; a transient failure comes back later, each time waiting longer."""
    delivery = services.delivery_attempt(delivery_id=delivery_id)
    if delivery.status != Delivery.Status.PENDING:
        return
    if delivery.not_before and delivery.not_before > timezone.now():
        raise RetryTask(eta=delivery.not_before)
    raise RetryTask(delay=services.retry_delay(delivery.attempts))


@db_periodic_task(crontab(minute="*/10"))
def deliveries_flag_stuck_task() -> None:
    services.deliveries_flag_stuck()


@db_task(retries=3, retry_delay=30)
def broadcast_deliver_task(broadcast_id: int, user_ids: list[int]) -> None:
    """Idempotent: each recipient's notice has its own key."""
    services.broadcast_deliver(broadcast_id=broadcast_id, user_ids=user_ids)
