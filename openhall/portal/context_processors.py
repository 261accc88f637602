from django.utils.functional import SimpleLazyObject


def unread_messages(request):
    """How many inbox messages wait, for the 消息 tab; counted only when a page shows it."""

    def count() -> int:
        from openhall.notifications.models import Message

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return Message.objects.filter(user=user, read_at__isnull=True).count()

    return {"unread_messages": SimpleLazyObject(count)}
