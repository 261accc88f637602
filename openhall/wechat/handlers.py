"""What the Official Account answers: welcome, menu clicks, keyword replies, popup opt-ins."""

from django.conf import settings
from django.utils.translation import gettext as _

from openhall.wechat import services
from openhall.wechat.callback import create_time


def welcome_text() -> str:
    site = settings.SITE_URL
    return _(
        "Welcome to the community service center! "
        '<a href="{site}/book/">Book a room</a> · '
        '<a href="{site}/services/">Services</a> · '
        '<a href="{site}/me/">Me</a>'
    ).format(site=site)


def handle(message) -> str:
    """Answer one message or event quickly; anything slow is queued as a task."""
    from openhall.wechat.tasks import follower_changed_task

    kind = message.type
    if kind == "event":
        event = message.event
        if event in {"subscribe", "subscribe_scan"}:
            follower_changed_task(message.source, True, create_time(message))
            return welcome_text()
        if event == "unsubscribe":
            follower_changed_task(message.source, False, create_time(message))
            return ""
        if event == "click":
            return services.keyword_reply(message.key, exact=True) or ""
        if event == "subscribe_msg_popup_event":
            for item in message.subscribes:
                if item.get("SubscribeStatusString") == "accept":
                    services.subscribe_opt_in(
                        openid=message.source, template_id=item.get("TemplateId", "")
                    )
            return ""
        return ""
    if kind == "text":
        return services.keyword_reply(message.content or "") or ""
    return ""
