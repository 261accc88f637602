"""Doors with smart locks, time-limited grants, the credentials they issue, the state of each
credential on each lock (desired vs actual, reconciled), and every unlock and refusal.

Desired state lives in Grant/Credential; `LockCredential.status` says how far the lock agrees:
pending → set, removing → removed, or failed (with the last error). The reconciler moves them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openhall.access.drivers.base import Lock
from openhall.core.crypto import EncryptedTextField
from openhall.core.models import Center


class AccessSettings(models.Model):
    center = models.OneToOneField(Center, models.CASCADE, related_name="access_settings")
    early_minutes = models.PositiveSmallIntegerField(_("doors open … minutes early"), default=15)
    late_minutes = models.PositiveSmallIntegerField(_("… and stay open minutes after"), default=15)

    class Meta:
        verbose_name = _("access settings")
        verbose_name_plural = _("access settings")

    def __str__(self) -> str:
        return f"{self.center} ±{self.early_minutes}/{self.late_minutes}"


class Door(models.Model):
    class Driver(models.TextChoices):
        SIMULATOR = "simulator", _("Simulator (web keypad)")
        TTLOCK = "ttlock", _("TTLock cloud")
        MQTT = "mqtt", _("Zigbee2MQTT lock")

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="doors", verbose_name=_("center")
    )
    name = models.CharField(_("name"), max_length=50)
    driver = models.CharField(
        _("lock type"), max_length=20, choices=Driver.choices, default=Driver.SIMULATOR
    )
    device_id = models.CharField(_("lock id"), max_length=64, blank=True)
    spaces = models.ManyToManyField(
        "venues.Space",
        blank=True,
        related_name="doors",
        verbose_name=_("rooms behind it"),
        help_text=_("Booking one of these rooms (or a zone of it) opens this door."),
    )
    is_entrance = models.BooleanField(
        _("entrance"), default=False, help_text=_("Every booking's grant opens it on the way in.")
    )
    online = models.BooleanField(_("online"), default=True)
    battery = models.PositiveSmallIntegerField(_("battery %"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last heard from"), null=True, blank=True)

    class Meta:
        verbose_name = _("door")
        verbose_name_plural = _("doors")
        ordering = ["center", "-is_entrance", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def lock(self) -> Lock:
        """The door as its lock's driver knows it: plain values, not this row."""
        return Lock(door_id=self.pk, device_id=self.device_id, driver=self.driver)


class Grant(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("Given by staff")
        BOOKING = "booking", _("From a booking")

    center = models.ForeignKey(Center, models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="grants", verbose_name=_("person")
    )
    doors = models.ManyToManyField(Door, related_name="grants", verbose_name=_("doors"))
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    # Grants made together (every weekday 07:00–08:00 for a term) share it, and one PIN.
    series = models.UUIDField(null=True, blank=True, db_index=True, editable=False)
    booking = models.OneToOneField(
        "bookings.Booking", models.SET_NULL, null=True, blank=True, related_name="grant"
    )
    # Given because the person is in this team (a team grant, a team's booking): leaving the
    # team withdraws it.
    team = models.ForeignKey(
        "accounts.Team",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["center", "ends_at"], name="grant_center_ends")]

    def __str__(self) -> str:
        return f"{self.user} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class BookingDoorMember(models.Model):
    """A member of a team booking's team whom the booker lets in too, with a grant (and a PIN)
    of their own that follows the booking as the booker's does (grants.grant_sync)."""

    booking = models.ForeignKey(
        "bookings.Booking", models.CASCADE, related_name="door_members", verbose_name=_("booking")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("person")
    )
    # Made when the booking wants doors; kept through a withdrawal, so a booking approved
    # again gives the member the same grant back.
    grant = models.OneToOneField(
        Grant, models.SET_NULL, null=True, blank=True, related_name="door_member"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("member sharing a booking's doors")
        verbose_name_plural = _("members sharing a booking's doors")
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "user"], name="one_door_share_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.user}"


class Credential(models.Model):
    class Kind(models.TextChoices):
        PIN = "pin", _("PIN code")
        CARD = "card", _("IC card")
        FINGERPRINT = "fingerprint", _("Fingerprint")
        REMOTE = "remote", _("Remote unlock")

    # Written to each lock (remote unlock lives on our side only).
    ON_LOCKS = (Kind.PIN, Kind.CARD, Kind.FINGERPRINT)

    grant = models.ForeignKey(Grant, models.CASCADE, related_name="credentials")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    secret = EncryptedTextField(_("PIN or card number"), blank=True, default="")
    secret_index = models.CharField(max_length=64, blank=True, db_index=True)  # blind index

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class LockCredential(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Being set")
        SET = "set", _("On the lock")
        REMOVING = "removing", _("Being removed")
        REMOVED = "removed", _("Removed")
        FAILED = "failed", _("Failed")

    credential = models.ForeignKey(Credential, models.CASCADE, related_name="on_locks")
    door = models.ForeignKey(Door, models.CASCADE, related_name="lock_credentials")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    external_id = models.CharField(max_length=64, blank=True)  # the lock's own id for it
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker calling the lock holds the row until then (openhall/access/reconcile.py).
    claimed_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["credential", "door"], name="one_state_per_lock")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="lock_credential_due")]

    def __str__(self) -> str:
        return f"{self.credential} @ {self.door}: {self.status}"


class AccessEvent(models.Model):
    class Method(models.TextChoices):
        PIN = "pin", _("PIN code")
        CARD = "card", _("IC card")
        FINGERPRINT = "fingerprint", _("Fingerprint")
        REMOTE = "remote", _("Remote")

    center = models.ForeignKey(Center, models.CASCADE, related_name="access_events")
    door = models.ForeignKey(Door, models.CASCADE, related_name="events", verbose_name=_("door"))
    at = models.DateTimeField(_("time"))
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    opened = models.BooleanField(_("opened"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    grant = models.ForeignKey(Grant, models.SET_NULL, null=True, blank=True, related_name="events")
    booking = models.ForeignKey(
        "bookings.Booking", models.SET_NULL, null=True, blank=True, related_name="access_events"
    )
    external_id = models.CharField(max_length=80, null=True, blank=True, unique=True)  # de-dup
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["center", "-at"], name="access_event_center_at")]

    def __str__(self) -> str:
        return f"{self.door} {timezone.localtime(self.at):%Y-%m-%d %H:%M} {'✓' if self.opened else '✗'}"


class SimulatedCode(models.Model):
    """The simulator's virtual lock memory: what a real lock would hold (the window enforced by
    the lock itself, so a code expires even when the server is gone)."""

    door = models.ForeignKey(Door, models.CASCADE, related_name="simulated_codes")
    kind = models.CharField(max_length=12, default="pin")  # pin | card | fingerprint
    code = EncryptedTextField()
    code_index = models.CharField(max_length=64, db_index=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    def __str__(self) -> str:
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.door} {start:%m-%d %H:%M}–{end:%H:%M}"


class SimulatedKeypad(models.Model):
    """The simulator's keypad memory, as a real lock keeps it (igloohome, eufy): wrong codes in a
    row and, after too many, until when it refuses everything. In the database, not in a process
    or the cache, so every web process and a restart see one count."""

    door = models.OneToOneField(Door, models.CASCADE, related_name="simulated_keypad")
    wrong_in_a_row = models.PositiveSmallIntegerField(default=0)
    frozen_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.door}: {self.wrong_in_a_row} wrong, frozen until {self.frozen_until}"
