"""The Official Account's followers, their binding to real-name accounts, and keyword replies."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WechatAccount(models.Model):
    """One openid of our Official Account; bound to a real-name user after OAuth + SMS sign-in."""

    openid = models.CharField(max_length=64, unique=True)
    unionid = models.CharField(max_length=64, blank=True, db_index=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="wechat_account",
        verbose_name=_("user"),
    )
    subscribed = models.BooleanField(_("following"), default=False)
    subscribed_at = models.DateTimeField(_("followed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unfollowed at"), null=True, blank=True)
    bound_at = models.DateTimeField(_("bound at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("WeChat follower")
        verbose_name_plural = _("WeChat followers")

    def __str__(self) -> str:
        return f"{self.openid[:8]}…"


class SubscribeOptIn(models.Model):
    """One tap on 'allow' in a subscribe-message popup lets us send that template once."""

    openid = models.CharField(max_length=64)
    template_id = models.CharField(max_length=64)
    remaining = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["openid", "template_id"], name="subscribe_optin_unique")
        ]

    def __str__(self) -> str:
        return f"{self.openid[:8]}… {self.template_id} ×{self.remaining}"


class KeywordReply(models.Model):
    """Staff-configured automatic replies: a follower sends 预约 and gets the booking link."""

    keyword = models.CharField(_("keyword"), max_length=30, unique=True)
    reply = models.TextField(_("reply"), max_length=600)
    exact = models.BooleanField(_("whole message only"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("keyword reply")
        verbose_name_plural = _("keyword replies")
        ordering = ["keyword"]

    def __str__(self) -> str:
        return self.keyword
