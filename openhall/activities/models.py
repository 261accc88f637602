"""Activities (salons, lectures, classes, contests …), their sessions — each holding a room
booking, so an activity never clashes with a booking — and registrations with a waitlist.

Places: `Activity.places_taken` counts confirmed and offered registrations. It only grows through
one conditional UPDATE (`places_taken < capacity`), so no concurrency can oversell.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openhall.core.models import Center


class ActivityType(models.TextChoices):
    PARTY = "party", _("Party activity")
    SALON = "salon", _("Salon")
    LECTURE = "lecture", _("Lecture")
    COURSE = "course", _("Course or training")
    CONTEST = "contest", _("Contest")
    SCREENING = "screening", _("Film screening")
    FAMILY = "family", _("Parent and child")
    VOLUNTEER = "volunteer", _("Volunteering")


def cover_path(activity: "Activity", filename: str) -> str:
    import uuid

    return f"activities/{activity.center_id}/{uuid.uuid4().hex}.jpg"


class Activity(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting review")
        CENTER_APPROVED = "center_approved", _("Awaiting the street's review")
        RETURNED = "returned", _("Returned for changes")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    class Audience(models.TextChoices):
        ALL = "all", _("Everyone")
        STREET = "street", _("Residents of the street")
        CHILDREN = "children", _("Children with a guardian")

    class Fee(models.TextChoices):
        FREE = "free", pgettext_lazy("fee", "Free")
        COST = "cost", _("Cost price")
        PAID = "paid", _("Paid class")

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="activities", verbose_name=_("center")
    )
    type = models.CharField(_("type"), max_length=20, choices=ActivityType.choices)
    title = models.CharField(pgettext_lazy("activity", "title"), max_length=60)
    description = models.TextField(_("description"), blank=True)  # sanitised HTML
    speaker = models.CharField(_("speaker or teacher"), max_length=100, blank=True)
    cover = models.ImageField(_("cover picture"), upload_to=cover_path, blank=True)
    organizer_team = models.ForeignKey(
        "accounts.Team",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("organised by team"),
    )
    organizer_enterprise = models.ForeignKey(
        "accounts.Enterprise",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("organised by enterprise"),
    )
    capacity = models.PositiveIntegerField(_("places"))
    places_taken = models.PositiveIntegerField(default=0, editable=False)
    audience = models.CharField(
        pgettext_lazy("activity", "audience"),
        max_length=10,
        choices=Audience.choices,
        default=Audience.ALL,
    )
    # For street residents: the registrant declares it (staff may check at the door).
    min_age = models.PositiveSmallIntegerField(_("youngest age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("oldest age"), null=True, blank=True)
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    cancel_hours = models.PositiveSmallIntegerField(_("cancel up to … hours before"), default=2)
    fee = models.CharField(_("fee"), max_length=10, choices=Fee.choices, default=Fee.FREE)
    price = models.DecimalField(_("price (yuan)"), max_digits=8, decimal_places=2, default=0)
    questions = models.JSONField(_("registration questions"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    flags = models.JSONField(_("screening flags"), default=list, blank=True, editable=False)
    checklist = models.JSONField(_("review checklist"), default=dict, blank=True, editable=False)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    summary = models.TextField(_("summary afterwards"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(places_taken__lte=models.F("capacity")),
                name="activity_never_oversold",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.places_taken)


class Session(models.Model):
    activity = models.ForeignKey(
        Activity, models.CASCADE, related_name="sessions", verbose_name=_("activity")
    )
    space = models.ForeignKey(
        "venues.Space", models.PROTECT, related_name="+", verbose_name=_("room")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    booking = models.OneToOneField(
        "bookings.Booking", models.SET_NULL, null=True, blank=True, related_name="session"
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return f"{self.activity} {timezone.localtime(self.start):%Y-%m-%d %H:%M}"


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waitlist")
        OFFERED = "offered", _("A place is offered")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Offer expired")

    HOLDS_PLACE = (Status.CONFIRMED, Status.OFFERED)
    ACTIVE = (Status.CONFIRMED, Status.OFFERED, Status.WAITLISTED)

    class Payment(models.TextChoices):
        NONE = "", _("No fee")
        UNPAID = "unpaid", _("Not paid yet")
        PAID = "paid", _("Paid")
        WAIVED = "waived", _("Waived")
        REFUNDED = "refunded", _("Refunded")

    activity = models.ForeignKey(
        Activity, models.CASCADE, related_name="registrations", verbose_name=_("activity")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="registrations",
        verbose_name=_("registered by"),
    )
    attendee = models.CharField(_("child's name"), max_length=30, blank=True)
    attendee_age = models.PositiveSmallIntegerField(_("child's age"), null=True, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    code = models.CharField(_("ticket code"), max_length=8, unique=True)
    offer_expires_at = models.DateTimeField(_("offer open until"), null=True, blank=True)
    payment = models.CharField(
        _("payment"), max_length=10, choices=Payment.choices, default=Payment.NONE, blank=True
    )
    payment_method = models.CharField(_("paid by"), max_length=20, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user", "attendee"],
                condition=models.Q(status__in=["confirmed", "offered", "waitlisted"]),
                name="registration_once_per_person",
            )
        ]
        indexes = [models.Index(fields=["activity", "status", "id"], name="registration_queue")]

    def __str__(self) -> str:
        return self.code


class CheckIn(models.Model):
    """Attendance: one row per registration per session, however often the ticket is scanned."""

    registration = models.ForeignKey(Registration, models.CASCADE, related_name="check_ins")
    session = models.ForeignKey(Session, models.CASCADE, related_name="check_ins")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registration", "session"], name="check_in_once")
        ]

    def __str__(self) -> str:
        return f"{self.registration} @ {self.session}"


def photo_path(photo: "ActivityPhoto", filename: str) -> str:
    import uuid

    return f"activities/{photo.activity.center_id}/photos/{uuid.uuid4().hex}.jpg"


class ActivityPhoto(models.Model):
    """Pictures of the activity afterwards, for the summary (re-encoded, no camera data)."""

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=photo_path)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.activity} #{self.pk}"
