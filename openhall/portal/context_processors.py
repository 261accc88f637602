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


def wechat_page(request):
    """Inside WeChat's browser (with an Official Account configured) pages load the JS-SDK for
    share cards and subscribe buttons; everywhere else they stay without it."""

    def in_wechat() -> bool:
        from openhall.wechat.client import is_configured

        agent = request.META.get("HTTP_USER_AGENT", "")
        return "MicroMessenger" in agent and is_configured()

    return {"in_wechat": SimpleLazyObject(in_wechat)}
