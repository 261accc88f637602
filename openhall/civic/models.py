"""The service ledger (服务台账): one record per service the center delivered. Every service
figure — on the lobby screen, in reports, in the weekly digest — is a query over these records.

Records come from staff (a legal consultation entered on the phone) or from a source record
(a completed activity, a completed booking, a resolved issue report). A sourced record is keyed
by (source, source_id), so editing its source updates it instead of counting it twice.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openhall.core.models import Center

# code, name, icon — the seed's list; each center may rename, hide or add types.
DEFAULT_SERVICE_TYPES = [
    ("party", _("Party activity"), "☆"),
    ("salon", _("Salon"), "☕"),
    ("lecture", _("Lecture"), "讲"),
    ("resident_info", _("Information service for residents"), "ℹ"),
    ("enterprise_info", _("Information service for enterprises"), "企"),
    ("legal", _("Legal consultation"), "⚖"),
    ("counselling", _("Psychological counselling"), "♡"),
    ("problem_solved", _("Problem solved"), "✓"),
    ("materials", _("Materials produced"), "✎"),
    ("venue", _("Room use"), "▦"),
]


class ServiceType(models.Model):
    center = models.ForeignKey(
        Center, models.CASCADE, related_name="service_types", verbose_name=_("center")
    )
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=30)
    icon = models.CharField(_("icon"), max_length=4, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["center", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="service_type_code_per_center")
        ]

    def __str__(self) -> str:
        return self.name


def evidence_path(record: "ServiceRecord", filename: str) -> str:
    return f"ledger/{record.center_id}/{uuid.uuid4().hex}.jpg"


class ServiceRecord(models.Model):
    class Source(models.TextChoices):
        STAFF = "", _("Entered by staff")
        ACTIVITY = "activity", _("Activity")
        BOOKING = "booking", _("Booking")
        REPORT = "report", _("Issue report")

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="service_records", verbose_name=_("center")
    )
    kind = models.ForeignKey(
        ServiceType, models.PROTECT, related_name="records", verbose_name=_("service")
    )
    date = models.DateField(_("date"))
    people = models.PositiveIntegerField(_("people served"), default=1)
    delivered_by = models.CharField(_("delivered by"), max_length=50, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    evidence = models.ImageField(_("photo"), upload_to=evidence_path, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.STAFF, blank=True
    )
    source_id = models.CharField(_("source id"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["center", "date"], name="service_record_center_date")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~models.Q(source=""),
                name="service_record_one_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} ×{self.people}"


# The seed's lobby-screen counters (name, activity types, ledger service types, resolved issue
# reports): each center starts with these and edits them in the console.
DEFAULT_SERVICE_COUNTERS = [
    (_("Party activities served"), ["party"], ["party"], False),
    (_("Salons held"), ["salon"], ["salon"], False),
    (
        _("Information services for residents and enterprises"),
        [],
        ["resident_info", "enterprise_info"],
        False,
    ),
    (_("Legal consultations"), [], ["legal"], False),
    (_("Problems of residents or enterprises solved"), [], ["problem_solved"], True),
]


class ServiceCounter(models.Model):
    """A cumulative figure shown by name on the lobby screen and in reports ("法律咨询 326 次"):
    the ledger's records since `since` that came from a completed activity of one of
    `activity_types`, or were recorded as one of `service_types`, or (when `resolved_reports`)
    came from a resolved issue report. Counted in civic.selectors.counter_figures, the one place
    both the screen and the reports read."""

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="service_counters", verbose_name=_("center")
    )
    name = models.CharField(_("name"), max_length=30)
    activity_types = models.JSONField(_("activity types"), default=list, blank=True)
    service_types = models.JSONField(_("ledger service types"), default=list, blank=True)
    resolved_reports = models.BooleanField(_("resolved issue reports"), default=False)
    since = models.DateField(
        _("counted since"),
        null=True,
        blank=True,
        help_text=_("Empty: since the operation began."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service counter")
        verbose_name_plural = _("service counters")
        ordering = ["center", "order", "pk"]

    def __str__(self) -> str:
        return self.name
