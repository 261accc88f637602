from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task
from huey.exceptions import RetryTask

from openhall.core.outbox import retry_delay
from openhall.notifications import services
from openhall.notifications.models import Delivery


@db_task()
def delivery_task(delivery_id: int) -> None:
    """Send one delivery; a transient failure comes back later, each time waiting longer."""
    delivery = services.delivery_attempt(delivery_id=delivery_id)
    if delivery.status != Delivery.Status.PENDING:
        return
    if delivery.not_before and delivery.not_before > timezone.now():
        raise RetryTask(eta=delivery.not_before)
    raise RetryTask(delay=int(retry_delay(delivery.attempts).total_seconds()))


@db_periodic_task(crontab(minute="*/10"))
def deliveries_flag_stuck_task() -> None:
    services.deliveries_flag_stuck()


@db_periodic_task(crontab(minute="*"))
def deliveries_retry_due_task() -> int:
    """Every minute: deliveries whose task was lost (queue down, worker killed) or is late."""
    return services.deliveries_retry_due()
