"""The outbox: one event → one inbox Message → one Delivery per channel, each sent at most once.

Channels: the site inbox (always), WeChat (template message, or a subscribe message when the
person opted in) when the person follows and allows it, SMS for a few critical notices when
the person asked for it. Sends run in tasks, with retries and backoff; a Delivery's status is
moved to `sending` in its own transaction before the provider is called, so a retry after a
crash never sends a second time.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from openhall.core.events import durable_task
from openhall.core.outbox import enqueue_quietly, retry_delay
from openhall.notifications.models import Delivery, Message, NotificationPreference

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
KEYWORD_MAX = 20  # WeChat since 2023-05: each keyword field ≤ 20 characters, no line breaks


def message_send(
    *, user_id: int, key: str, title: str, body: str, url: str = "", center_id: int | None = None
) -> Message:
    """Put a message in a person's inbox once per `key`; a repeat returns the first one."""
    try:
        with transaction.atomic():
            return Message.objects.create(
                user_id=user_id,
                idempotency_key=key,
                title=title,
                body=body,
                url=url,
                center_id=center_id,
            )
    except IntegrityError:
        return Message.objects.get(idempotency_key=key)


def messages_mark_read(*, user) -> int:
    return Message.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def keyword_value(text: str) -> str:
    """A template keyword value as WeChat accepts it: one line, at most 20 characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= KEYWORD_MAX else text[: KEYWORD_MAX - 1] + "…"


def preference_for(user_id: int) -> NotificationPreference:
    pref = NotificationPreference.objects.filter(user_id=user_id).first()
    return pref or NotificationPreference(user_id=user_id)


@transaction.atomic
def preference_set(
    *,
    user,
    wechat: bool,
    sms: bool,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
) -> NotificationPreference:
    pref, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    pref.wechat, pref.sms = wechat, sms
    pref.quiet_start, pref.quiet_end = quiet_start, quiet_end
    pref.save()
    return pref


def quiet_until(pref: NotificationPreference, now: datetime) -> datetime | None:
    """The end of the person's quiet hours if `now` falls inside them (they may span midnight)."""
    if not (pref.quiet_start and pref.quiet_end) or pref.quiet_start == pref.quiet_end:
        return None
    local = timezone.localtime(now)
    t = local.time()
    start, end = pref.quiet_start, pref.quiet_end
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if until <= local:
        until += timedelta(days=1)
    return until


def _channels(*, user_id: int, kind: str, critical: bool) -> list[str]:
    from openhall.wechat.services import openid_for, subscribe_opt_in_available

    pref = preference_for(user_id)
    channels: list[str] = []
    openid = openid_for(user_id) if pref.wechat else ""
    if openid:
        if settings.WECHAT_TEMPLATES.get(kind):
            channels.append(Delivery.Channel.WECHAT_TEMPLATE)
        elif (tpl := settings.WECHAT_TEMPLATES.get(f"{kind}_subscribe")) and (
            subscribe_opt_in_available(openid=openid, template_id=tpl)
        ):
            channels.append(Delivery.Channel.WECHAT_SUBSCRIBE)
    if critical and pref.sms:
        channels.append(Delivery.Channel.SMS)
    return channels


@durable_task
def notify(
    *,
    user_id: int,
    key: str,
    kind: str,
    title: str,
    body: str,
    url: str = "",
    fields: dict[str, str] | None = None,
    critical: bool = False,
    center_id: int | None = None,
) -> Message:
    """Tell a person once per `key`: inbox now, other channels by task after commit. With
    `center_id` the center's staff see the notice and its deliveries on their outbox page."""
    from openhall.notifications.tasks import delivery_task

    with transaction.atomic():
        message = message_send(
            user_id=user_id, key=key, title=title, body=body, url=url, center_id=center_id
        )
        Delivery.objects.get_or_create(
            idempotency_key=f"{key}:inbox",
            defaults={
                "message": message,
                "channel": Delivery.Channel.INBOX,
                "status": Delivery.Status.SENT,
                "sent_at": timezone.now(),
            },
        )
        payload = {
            "kind": kind,
            "fields": {k: keyword_value(v) for k, v in (fields or {}).items()},
            "url": url,
        }
        pref = preference_for(user_id)
        not_before = quiet_until(pref, timezone.now())
        for channel in _channels(user_id=user_id, kind=kind, critical=critical):
            delivery, created = Delivery.objects.get_or_create(
                idempotency_key=f"{key}:{channel}",
                defaults={
                    "message": message,
                    "channel": channel,
                    "payload": payload,
                    "not_before": not_before,
                },
            )
            if created:  # on record: if the queue is down, deliveries_retry_due sends it
                transaction.on_commit(
                    lambda pk=delivery.pk, eta=not_before: (  # type: ignore[misc]
                        enqueue_quietly(delivery_task, pk, eta=eta)
                        if eta
                        else enqueue_quietly(delivery_task, pk)
                    )
                )
    return message


def _absolute(url: str) -> str:
    return settings.SITE_URL + url if url.startswith("/") else url


def _send(delivery: Delivery) -> str:
    """Call the provider for one delivery; returns its id, raises WechatError or SmsError."""
    from openhall.core.sms import sms_send
    from openhall.wechat.client import WechatError, get_client
    from openhall.wechat.services import openid_for, subscribe_opt_in_use

    message = delivery.message
    payload = delivery.payload
    if delivery.channel == Delivery.Channel.SMS:
        return sms_send(
            mobile=message.user.mobile,
            template="notice",
            params={"title": message.title, "body": keyword_value(message.body)},
        )
    openid = openid_for(message.user_id)
    if not openid:
        raise WechatError(40003, "no openid bound any more")
    kind = payload.get("kind", "")
    if delivery.channel == Delivery.Channel.WECHAT_TEMPLATE:
        return get_client().template_send(
            openid=openid,
            template_id=settings.WECHAT_TEMPLATES[kind],
            data=payload.get("fields", {}),
            url=_absolute(payload.get("url", "")),
        )
    template_id = settings.WECHAT_TEMPLATES[f"{kind}_subscribe"]
    if not subscribe_opt_in_use(openid=openid, template_id=template_id):
        raise WechatError(43101, "no subscription left")
    get_client().subscribe_send(
        openid=openid,
        template_id=template_id,
        data=payload.get("fields", {}),
        url=_absolute(payload.get("url", "")),
    )
    return ""


def delivery_attempt(*, delivery_id: int) -> Delivery:
    """Try one delivery once. Only a `pending` delivery is sent; anything else is left alone."""
    from openhall.core.sms import SmsError
    from openhall.wechat.client import WechatError

    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update().select_related("message__user").get(pk=delivery_id)
        )
        if delivery.status != Delivery.Status.PENDING:
            return delivery
        if delivery.not_before and delivery.not_before > timezone.now():
            return delivery  # quiet hours: the task comes back when they end
        delivery.status = Delivery.Status.SENDING
        delivery.attempts += 1
        delivery.claimed_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "claimed_at"])
    # Committed as `sending` before calling out: if we crash now, no retry sends it again.
    status, error, provider_id = Delivery.Status.SENT, "", ""
    try:
        provider_id = _send(delivery)
    except WechatError as exc:
        error = f"{exc.errcode} {exc.errmsg}"[:200]
        transient = exc.transient and delivery.attempts < MAX_ATTEMPTS
        status = Delivery.Status.PENDING if transient else Delivery.Status.FAILED
        if exc.errcode == 43101:
            status = Delivery.Status.SKIPPED
    except SmsError as exc:
        error = f"{exc.code} {exc}"[:200]
        status = (
            Delivery.Status.PENDING if delivery.attempts < MAX_ATTEMPTS else Delivery.Status.FAILED
        )
    delivery.status, delivery.last_error, delivery.provider_id = status, error, provider_id or ""
    delivery.sent_at = timezone.now() if status == Delivery.Status.SENT else None
    delivery.save(update_fields=["status", "last_error", "provider_id", "sent_at"])
    if error:
        log.warning("delivery %s: %s (%s)", delivery.idempotency_key, error, status)
    return delivery


def deliveries_retry_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """The relay of deliveries: each pending one whose next try is due (quiet hours over,
    backoff waited; never tried and over a minute old) is tried now, whether or not its queued
    task survived. Never twice: `delivery_attempt` takes only a `pending` row, marking it
    `sending` first."""
    now = now or timezone.now()
    pending = Delivery.objects.filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now),
        Q(claimed_at__isnull=False) | Q(created_at__lte=now - timedelta(minutes=1)),
        status=Delivery.Status.PENDING,
    ).order_by("pk")
    due = [
        pk
        for pk, attempts, claimed_at in pending.values_list("pk", "attempts", "claimed_at")[
            : limit * 4
        ]
        if claimed_at is None or claimed_at + retry_delay(attempts) <= now
    ][:limit]
    for pk in due:
        delivery_attempt(delivery_id=pk)
    return len(due)


STUCK_AFTER = timedelta(minutes=10)


def deliveries_flag_stuck(*, now: datetime | None = None) -> int:
    """A delivery left `sending` (its worker died mid-send) may or may not have gone out.

    It is never sent again (that could send twice); it is marked failed with the reason, so
    staff see it in the outbox.
    """
    now = now or timezone.now()
    return Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - STUCK_AFTER
    ).update(status=Delivery.Status.FAILED, last_error="outcome unknown: worker stopped mid-send")


# --- Broadcasts --------------------------------------------------------------------------------
BROADCAST_PER_MINUTE = 600  # spread WeChat sends well under its per-minute limits


@dataclass(frozen=True)
class Segments:
    """An audience defined by a higher app (the registrants of an activity): who is in segment
    `segment_id` of `center`, and which segments staff may pick."""

    recipients: Callable[[object, int], list[int]]
    choices: Callable[[object], list[tuple[int, str]]]


AUDIENCES: dict[str, Segments] = {}


def register_audience(code: str, segments: Segments) -> None:
    AUDIENCES[code] = segments


def broadcast_recipients(*, center, audience: str, team=None, segment_id=None) -> list[int]:
    from openhall.notifications.models import Broadcast
    from openhall.wechat.models import WechatAccount

    if audience in AUDIENCES:
        return AUDIENCES[audience].recipients(center, segment_id) if segment_id else []
    if audience == Broadcast.Audience.TEAM:
        if team is None or team.center_id != center.pk:
            return []
        return list(team.memberships.filter(user__is_active=True).values_list("user_id", flat=True))
    return list(
        WechatAccount.objects.filter(user__isnull=False, user__is_active=True, subscribed=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


@transaction.atomic
def broadcast_send(
    *, center, by, title: str, body: str, audience: str, team=None, url: str = "", segment_id=None
):
    """Record the broadcast and queue one notice per recipient (each with its own key)."""
    from django.core.exceptions import ValidationError

    from openhall.core import permissions
    from openhall.core.audit import audit_record
    from openhall.core.permissions import Perm
    from openhall.notifications.models import Broadcast

    permissions.require_center_perm(by, center, Perm.OPERATE)
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise ValidationError("请填写标题和内容。", code="required")
    if len(title) > KEYWORD_MAX:
        raise ValidationError("标题不超过20个字（微信模板消息的限制）。", code="title_too_long")
    recipients = broadcast_recipients(
        center=center, audience=audience, team=team, segment_id=segment_id
    )
    if not recipients:
        raise ValidationError("没有可发送的对象。", code="no_recipients")
    broadcast = Broadcast.objects.create(
        center=center,
        title=title,
        body=body,
        url=url,
        audience=audience,
        team=team,
        segment_id=segment_id,
        created_by=by,
        recipients=len(recipients),
    )
    audit_record(
        actor=by,
        action="broadcast.send",
        center=center,
        obj=broadcast,
        after={"title": title, "audience": audience, "recipients": len(recipients)},
    )
    now = timezone.now()
    for start in range(0, len(recipients), BROADCAST_PER_MINUTE):
        chunk = recipients[start : start + BROADCAST_PER_MINUTE]
        delay = timedelta(minutes=start // BROADCAST_PER_MINUTE)
        broadcast_deliver.defer(
            broadcast_id=broadcast.pk, user_ids=chunk, not_before=now + delay if delay else None
        )
    return broadcast


@durable_task
def broadcast_deliver(*, broadcast_id: int, user_ids: list[int]) -> None:
    from openhall.notifications.models import Broadcast

    broadcast = Broadcast.objects.select_related("center").get(pk=broadcast_id)
    for user_id in user_ids:
        notify(
            user_id=user_id,
            key=f"broadcast:{broadcast.pk}:{user_id}",
            center_id=broadcast.center_id,
            kind="notice",
            title=broadcast.title,
            body=broadcast.body,
            url=broadcast.url,
            fields={
                "thing1": broadcast.title,
                "thing2": broadcast.center.name,
                "time3": f"{timezone.localtime(broadcast.created_at):%Y-%m-%d %H:%M}",
            },
        )


def broadcast_delivery_counts(*, broadcast) -> list[tuple[str, str, int]]:
    """(channel label, status label, count) for staff: how far a broadcast has gone out."""
    from django.db.models import Count

    rows = (
        Delivery.objects.filter(idempotency_key__startswith=f"broadcast:{broadcast.pk}:")
        .values("channel", "status")
        .annotate(n=Count("id"))
        .order_by("channel", "status")
    )
    return [
        (str(Delivery.Channel(r["channel"]).label), str(Delivery.Status(r["status"]).label), r["n"])
        for r in rows
    ]
