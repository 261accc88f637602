"""The site inbox (消息). WeChat and SMS channels join this outbox with the portal issue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="messages", verbose_name=_("user")
    )
    # Invariant 7: one event produces one message, however often it is retried.
    idempotency_key = models.CharField(max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("body"))
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="message_user_created")]

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
