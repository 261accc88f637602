"""Tenancy (District → Street → Center), staff memberships and the audit log."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    district = models.ForeignKey(
        District, models.PROTECT, related_name="streets", verbose_name=_("district")
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"], name="street_name_unique_in_district"
            )
        ]

    def __str__(self) -> str:
        return f"{self.district.name} {self.name}"


def new_setup_token() -> str:
    return uuid.uuid4().hex


class Center(models.Model):
    street = models.ForeignKey(
        Street, models.PROTECT, related_name="centers", verbose_name=_("street")
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("service phone"), max_length=30, blank=True)
    area_m2 = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    staffed_hours = models.CharField(_("staffed hours"), max_length=100, blank=True)
    introduction = models.TextField(_("introduction"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Replaced by every change to the center's spaces, rules, hours or closures, so each process
    # can keep them in memory (venues.rules.center_setup). Random, not a counter: a rolled-back
    # change must never hand its number to a different later change.
    setup_token = models.CharField(max_length=32, default=new_setup_token, editable=False)

    class Meta:
        verbose_name = _("center")
        verbose_name_plural = _("centers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffRole(models.TextChoices):
    OPERATOR = "operator", _("Operator")
    CENTER_ADMIN = "center_admin", _("Center admin")
    STREET_REVIEWER = "street_reviewer", _("Street reviewer")
    DISTRICT_VIEWER = "district_viewer", _("District viewer")


# Which scope column each role is attached to; the check constraint below enforces it.
ROLE_SCOPE = {
    StaffRole.OPERATOR: "center",
    StaffRole.CENTER_ADMIN: "center",
    StaffRole.STREET_REVIEWER: "street",
    StaffRole.DISTRICT_VIEWER: "district",
}


class StaffMembership(models.Model):
    """A person's staff role at one center, street or district."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="staff_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)
    center = models.ForeignKey(
        Center,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("center"),
    )
    street = models.ForeignKey(
        Street,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("street"),
    )
    district = models.ForeignKey(
        District,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("district"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.CheckConstraint(
                name="staff_membership_scope_matches_role",
                condition=(
                    Q(
                        role__in=["operator", "center_admin"],
                        center__isnull=False,
                        street__isnull=True,
                        district__isnull=True,
                    )
                    | Q(
                        role="street_reviewer",
                        center__isnull=True,
                        street__isnull=False,
                        district__isnull=True,
                    )
                    | Q(
                        role="district_viewer",
                        center__isnull=True,
                        street__isnull=True,
                        district__isnull=False,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "center"], name="staff_membership_unique_center"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "street"], name="staff_membership_unique_street"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "district"], name="staff_membership_unique_district"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.center or self.street or self.district}"


class AuditEntry(models.Model):
    """One privileged action. Append-only: the database refuses UPDATE and DELETE (migration 0002)."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # PROTECT: people and centers are anonymised or deactivated, never deleted from under the log.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # Kept as text too, so the entry still names the actor after an account is closed.
    actor_label = models.CharField(_("actor"), max_length=100, blank=True)
    center = models.ForeignKey(
        Center,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("center"),
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["center", "-at"], name="audit_center_at")]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("audit entries are append-only")


class OutboxMessage(models.Model):
    """One follow-up of a change, for one subscriber: written in the same transaction as the
    change, delivered at least once after commit by a worker (openhall/core/outbox.py)."""

    event = models.CharField(max_length=64)
    handler = models.CharField(max_length=200)  # the subscriber's dotted name
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker that claims a message holds it until then; one killed mid-delivery lets it go.
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)  # gave up: staff see it
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due",
                condition=Q(delivered_at__isnull=True, failed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.handler} #{self.pk}"
