"""People: real-name users, teams (活动团体), enterprises, API tokens."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openhall.accounts.validators import validate_mobile, validate_uscc
from openhall.core.crypto import EncryptedTextField, mask
from openhall.core.models import Center


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, mobile: str, password: str | None = None, **extra):
        user = self.model(mobile=mobile, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, mobile: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(mobile, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person, signed in by mainland mobile number. The real-name profile lives here too."""

    mobile = models.CharField(
        _("mobile number"), max_length=11, unique=True, validators=[validate_mobile]
    )
    real_name = models.CharField(_("real name"), max_length=50, blank=True)
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)
    # 居民身份证号码: encrypted at rest; the blind index finds duplicates without decrypting.
    id_number = EncryptedTextField(_("ID card number"), blank=True, default="")
    id_number_index = models.CharField(
        max_length=64, blank=True, default="", db_index=True, editable=False
    )
    # Level 2: an identity verifier confirmed name + ID number. Only the result and the blind
    # index (an HMAC) of the number are kept, never the number itself.
    identity_verified_at = models.DateTimeField(_("identity verified at"), null=True, blank=True)
    # 注销: personal data erased; the row stays so bookings keep counting in statistics.
    closed_at = models.DateTimeField(_("account closed at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Raised to revoke every calendar-feed link this person has shared.
    calendar_feed_version = models.PositiveIntegerField(default=1, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "mobile"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.real_name or self.masked_mobile

    @property
    def masked_name(self) -> str:
        """For staff lists where who it was matters less than that it was someone: 王**."""
        return mask(self.real_name, keep_start=1, keep_end=0) or self.masked_mobile

    @property
    def masked_mobile(self) -> str:
        return mask(self.mobile, keep_start=3, keep_end=4)

    @property
    def masked_id_number(self) -> str:
        return mask(self.id_number, keep_start=4, keep_end=4)

    @property
    def verification_level(self) -> int:
        """0 unverified, 1 phone + SMS code + declared name, 2 name + ID checked by a verifier."""
        if self.identity_verified_at:
            return 2
        return 1 if self.phone_verified_at else 0

    def get_full_name(self) -> str:
        return self.real_name

    def get_short_name(self) -> str:
        return self.real_name


class Team(models.Model):
    """活动团体: a dance team, table-tennis club, reading group … registered at one center."""

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="teams", verbose_name=_("center")
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams"
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="team_name_unique_in_center")
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Team leader")
        MEMBER = "member", _("Member")

    team = models.ForeignKey(Team, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.user} · {self.get_role_display()}"


class Enterprise(models.Model):
    center = models.ForeignKey(
        Center, models.CASCADE, related_name="enterprises", verbose_name=_("center")
    )
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="EnterpriseMembership", related_name="enterprises"
    )

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class EnterpriseMembership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Enterprise admin")
        MEMBER = "member", _("Member")

    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="enterprise_memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "user"], name="enterprise_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.user} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token itself is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SmsCode(models.Model):
    """A one-time sign-in code sent by SMS. Only a keyed hash of the code is stored."""

    mobile_index = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.mobile_index[:8]}… {self.created_at:%Y-%m-%d %H:%M}"


class SmsCodeFailure(models.Model):
    """One wrong SMS code, kept an hour so guesses can be counted per number + address and per
    address (accounts/services.py: sms_code_check). The number only as its keyed hash."""

    number_key = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["number_key", "ip", "at"], name="sms_failure_number_ip"),
            models.Index(fields=["ip", "at"], name="sms_failure_ip"),
            models.Index(fields=["at"], name="sms_failure_at"),
        ]

    def __str__(self) -> str:
        return f"{self.number_key[:8]}… {self.ip} {self.at:%Y-%m-%d %H:%M}"


class Consent(models.Model):
    """Consent log (PIPL Art. 14, 29): what a person agreed to, which version, when."""

    class Kind(models.TextChoices):
        PRIVACY = "privacy", _("Privacy policy")
        SMS_NOTICES = "sms_notices", _("SMS notices")
        ID_NUMBER = "id_number", _("Processing of the ID card number")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="consents")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    version = models.CharField(_("version"), max_length=20)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"
