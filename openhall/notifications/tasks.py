from huey.contrib.djhuey import db_task

from openhall.notifications.subscribers import deliver_booking_message


@db_task(retries=3, retry_delay=10)
def booking_message_task(event: str, booking_id: int) -> None:
    """Takes ids, and is idempotent: the message's key makes a retry change nothing."""
    deliver_booking_message(event=event, booking_id=booking_id)
