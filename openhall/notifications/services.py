from django.db import IntegrityError, transaction
from django.utils import timezone

from openhall.notifications.models import Message


def message_send(*, user_id: int, key: str, title: str, body: str, url: str = "") -> Message:
    """Put a message in a person's inbox once per `key`; a repeat returns the first one."""
    try:
        with transaction.atomic():
            return Message.objects.create(
                user_id=user_id, idempotency_key=key, title=title, body=body, url=url
            )
    except IntegrityError:
        return Message.objects.get(idempotency_key=key)


def messages_mark_read(*, user) -> int:
    return Message.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
