"""Lobby screens. A screen opens its page with a secret URL (no login); only a hash of the
token is stored, so the URL is shown once, when the screen is made or its token rotated."""

import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from openhall.core.models import Center


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


# What a screen may show beside the spaces and the schedule; staff pick per screen.
COUNTERS = {
    "today": _("Today's figures"),
    "ledger": _("Services delivered (month, year, since opening)"),
    "notices": _("Notices"),
    "chart": _("Last 30 days chart"),
}


def all_counters() -> list[str]:
    return list(COUNTERS)


class Screen(models.Model):
    class Layout(models.TextChoices):
        LANDSCAPE = "landscape", _("Landscape 1920×1080")
        PORTRAIT = "portrait", _("Portrait 1080×1920")

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="screens", verbose_name=_("center")
    )
    name = models.CharField(_("name"), max_length=50)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    layout = models.CharField(
        _("layout"), max_length=10, choices=Layout.choices, default=Layout.LANDSCAPE
    )
    counters = models.JSONField(_("shown"), default=all_counters, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("screen")
        verbose_name_plural = _("screens")
        ordering = ["center", "name", "pk"]

    def __str__(self) -> str:
        return self.name
