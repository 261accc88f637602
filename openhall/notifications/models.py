"""The site inbox (消息). WeChat and SMS channels join this outbox with the portal issue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Message(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="messages", verbose_name=_("user")
    )
    # Invariant 7: one event produces one message, however often it is retried.
    idempotency_key = models.CharField(max_length=120, unique=True)
    # The center the notice is about, so its staff see whether it arrived (the outbox page).
    center = models.ForeignKey(
        "core.Center",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("center"),
    )
    title = models.CharField(pgettext_lazy("message", "title"), max_length=100)
    body = models.TextField(_("body"))
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="message_user_created"),
            models.Index(fields=["center", "-created_at"], name="message_center_created"),
        ]

    def __str__(self) -> str:
        return self.title


class ConsoleSms(models.Model):
    """An SMS the `console` backend 'sent': printed and kept here so staff can read it in dev."""

    mobile = models.CharField(_("mobile number"), max_length=20)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SMS (console)")
        verbose_name_plural = _("SMS (console)")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.mobile}: {self.text[:30]}"


class NotificationPreference(models.Model):
    """How a person wants to be told. The site inbox always receives everything."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_preference"
    )
    wechat = models.BooleanField(_("WeChat messages"), default=True)
    sms = models.BooleanField(_("SMS for important changes"), default=False)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)


class Delivery(models.Model):
    """One message on one channel. Its key makes the send happen at most once (invariant 7)."""

    class Channel(models.TextChoices):
        INBOX = "inbox", _("Site inbox")
        WECHAT_TEMPLATE = "wechat_template", _("WeChat template message")
        WECHAT_SUBSCRIBE = "wechat_subscribe", _("WeChat subscribe message")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    message = models.ForeignKey(Message, models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    idempotency_key = models.CharField(max_length=160, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    payload = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # when the last attempt began
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.idempotency_key


class Broadcast(models.Model):
    """A notice staff send to many people at once: all linked WeChat followers or one team."""

    class Audience(models.TextChoices):
        FOLLOWERS = "followers", _("Everyone who linked WeChat")
        TEAM = "team", _("Members of a team")
        ACTIVITY = "activity", _("People registered for an activity")

    center = models.ForeignKey(
        "core.Center", models.CASCADE, related_name="broadcasts", verbose_name=_("center")
    )
    title = models.CharField(pgettext_lazy("message", "title"), max_length=20)
    body = models.TextField(_("body"), max_length=500)
    url = models.CharField(_("link"), max_length=200, blank=True)
    audience = models.CharField(
        pgettext_lazy("broadcast", "audience"), max_length=10, choices=Audience.choices
    )
    team = models.ForeignKey(
        "accounts.Team", models.SET_NULL, null=True, blank=True, verbose_name=_("team")
    )
    # The segment of an audience another app defines (the activity's id): see register_audience.
    segment_id = models.PositiveBigIntegerField(_("segment"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
