"""The space tree of a center: rooms and the zones they split into.

The booking issue grows this app (opening hours, closures, rules); the foundation needs the
tree so a center can be described and shown.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from openhall.core.models import Center


class Space(models.Model):
    class Kind(models.TextChoices):
        ROOM = "room", _("Room")
        ZONE = "zone", _("Zone")
        AREA = "area", _("Open area")

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="spaces", verbose_name=_("center")
    )
    parent = models.ForeignKey(
        "self",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ROOM)
    name = models.CharField(_("name"), max_length=100)
    capacity = models.PositiveIntegerField(_("capacity (people)"), default=0)
    area_m2 = models.PositiveIntegerField(_("area (m²)"), null=True, blank=True)
    location = models.CharField(_("floor / location"), max_length=100, blank=True)
    equipment = models.TextField(_("equipment"), blank=True)
    description = models.TextField(_("description"), blank=True)
    is_bookable = models.BooleanField(_("bookable"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Raised to revoke every calendar-feed link of this space.
    feed_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        ordering = ["center", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "parent", "name"], name="space_name_unique_in_parent"
            ),
            models.UniqueConstraint(
                fields=["center", "name"],
                condition=models.Q(parent__isnull=True),
                name="space_room_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} · {self.name}" if self.parent_id else self.name


def space_photo_path(photo: "SpacePhoto", filename: str) -> str:
    # A random name: the uploader's file name can carry personal data and collide.
    return f"spaces/{photo.space.center_id}/{uuid.uuid4().hex}.jpg"


class SpacePhoto(models.Model):
    """A photo residents see before booking. Stored re-encoded (venues.services.space_photo_add):
    at most 1600 px, JPEG, without EXIF (no phone model, no GPS position of whoever took it)."""

    space = models.ForeignKey(Space, models.CASCADE, related_name="photos", verbose_name=_("space"))
    image = models.ImageField(
        _("photo"), upload_to=space_photo_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("space photo")
        verbose_name_plural = _("space photos")
        ordering = ["space", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.caption or str(self.space)


class Purpose(models.TextChoices):
    """What a booking is for. Paid courses count against the weekly paid-use cap."""

    PUBLIC_BENEFIT = "public_benefit", _("Public-benefit activity")
    PARTY = "party", _("Party and community activity")
    TEAM = "team", _("Team activity")
    PAID_COURSE = "paid_course", _("Paid course")
    ENTERPRISE = "enterprise", _("Enterprise activity")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class BookerKind(models.TextChoices):
    RESIDENT = "resident", _("Residents")
    TEAM = "team", _("Teams")
    ENTERPRISE = "enterprise", _("Enterprises")
    STAFF = "staff", _("Staff")


class OpeningHours(models.Model):
    """When a center may be used on a weekday, and the part of it when staff are present.

    No row for a weekday means the center is closed that day. Hours outside the staffed part
    are "unstaffed" (evenings, weekends): bookable only where the rules allow it.
    """

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="opening_hours", verbose_name=_("center")
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    staffed_from = models.TimeField(_("staff present from"), null=True, blank=True)
    staffed_until = models.TimeField(_("staff present until"), null=True, blank=True)

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["center", "weekday"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "weekday"], name="opening_hours_one_per_weekday"
            ),
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")),
                name="opening_hours_opens_before_closes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.center} {self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Closure(models.Model):
    """A holiday or maintenance period: the whole center (space empty) or one space and its zones."""

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="closures", verbose_name=_("center")
    )
    space = models.ForeignKey(
        Space,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        verbose_name=_("space"),
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["start"]
        indexes = [models.Index(fields=["center", "start"], name="closure_center_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="closure_start_before_end"
            )
        ]

    def __str__(self) -> str:
        return f"{self.space or self.center} {self.start:%Y-%m-%d} {self.reason}"


class BookingRule(models.Model):
    """Booking rules of a center (space empty) or of one space. Empty fields inherit from the
    parent space, then from the center's rule, then from DEFAULT_RULES in venues/rules.py."""

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="booking_rules", verbose_name=_("center")
    )
    space = models.OneToOneField(
        Space,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="booking_rule",
        verbose_name=_("space"),
    )
    booker_kinds = models.JSONField(_("who may book"), null=True, blank=True)
    purposes = models.JSONField(_("allowed purposes"), null=True, blank=True)
    min_duration_minutes = models.PositiveIntegerField(
        _("shortest booking (minutes)"), null=True, blank=True
    )
    max_duration_minutes = models.PositiveIntegerField(
        _("longest booking (minutes)"), null=True, blank=True
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("book at least (minutes) ahead"), null=True, blank=True
    )
    max_days_ahead = models.PositiveIntegerField(
        _("book at most (days) ahead"), null=True, blank=True
    )
    buffer_minutes = models.PositiveIntegerField(
        _("gap after each booking (minutes)"), null=True, blank=True
    )
    max_active_per_booker = models.PositiveIntegerField(
        _("active bookings per person or team"), null=True, blank=True
    )
    requires_approval = models.BooleanField(_("needs staff approval"), null=True, blank=True)
    allow_unstaffed = models.BooleanField(
        _("bookable when no staff are present"), null=True, blank=True
    )
    cancel_deadline_minutes = models.PositiveIntegerField(
        _("cancel at least (minutes) before start"), null=True, blank=True
    )
    paid_hours_per_week = models.PositiveIntegerField(
        _("paid-course hours per week"), null=True, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("booking rule")
        verbose_name_plural = _("booking rules")
        constraints = [
            models.UniqueConstraint(
                fields=["center"],
                condition=models.Q(space__isnull=True),
                name="booking_rule_one_default_per_center",
            )
        ]

    def __str__(self) -> str:
        return f"{self.space or self.center}"
