"""Bookings of spaces, and the claims that keep two bookings off the same unit at the same time."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openhall.accounts.models import Enterprise, Team
from openhall.core.models import Center
from openhall.venues.models import Purpose, Space


class BookingSeries(models.Model):
    """A recurring booking: the rule it was made from; each date is a Booking of its own."""

    center = models.ForeignKey(Center, models.CASCADE, related_name="booking_series")
    space = models.ForeignKey(Space, models.PROTECT, related_name="booking_series")
    booker = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="booking_series"
    )
    rrule = models.CharField(_("repeat rule"), max_length=200)
    title = models.CharField(pgettext_lazy("booking", "title"), max_length=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking series")
        verbose_name_plural = _("booking series")

    def __str__(self) -> str:
        return f"{self.title} ({self.rrule})"


class Booking(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        CHECKED_IN = "checked_in", _("Checked in")
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("No-show")

    # These statuses hold the slot: their claims are live.
    LIVE = (Status.REQUESTED, Status.APPROVED, Status.CHECKED_IN)

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="bookings", verbose_name=_("center")
    )
    space = models.ForeignKey(
        Space, models.PROTECT, related_name="bookings", verbose_name=_("space")
    )
    series = models.ForeignKey(
        BookingSeries, models.CASCADE, null=True, blank=True, related_name="bookings"
    )
    booker = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="bookings", verbose_name=_("booker")
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    team = models.ForeignKey(
        Team,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("team"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("enterprise"),
    )
    title = models.CharField(pgettext_lazy("booking", "title"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    attendees = models.PositiveIntegerField(_("attendees"))
    note = models.TextField(_("note"), blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    decision_reason = models.CharField(_("reason"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_code = models.CharField(
        max_length=64, unique=True, default=secrets.token_urlsafe, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["center", "start"], name="booking_center_start"),
            models.Index(fields=["booker", "status"], name="booking_booker_status"),
            models.Index(fields=["status", "start"], name="booking_status_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="booking_start_before_end"
            )
        ]

    def __str__(self) -> str:
        return f"{self.space} {timezone.localtime(self.start):%Y-%m-%d %H:%M} {self.title}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE


class BookingClaim(models.Model):
    """One leaf unit held by one booking over [start, end + buffer).

    On PostgreSQL an exclusion constraint (migration 0002) refuses two live claims overlapping
    on one unit, whatever code path writes them.
    """

    booking = models.ForeignKey(Booking, models.CASCADE, related_name="claims")
    unit = models.ForeignKey(Space, models.PROTECT, related_name="claims")
    start = models.DateTimeField()
    end = models.DateTimeField()
    live = models.BooleanField(default=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["unit", "start"], name="claim_unit_start", condition=models.Q(live=True)
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="claim_start_before_end"
            )
        ]

    def __str__(self) -> str:
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        return f"{self.unit} {start:%Y-%m-%d %H:%M}–{end:%H:%M}"
