"""Parties of the portal: users, companies, DUNS numbers and TDSPs (SPEC §1, §2)."""

import hashlib
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .validators import validate_duns_number, validate_user_id

# ACC-12: the questions a user picks one of (seed 003 §6.2).
SECURITY_QUESTIONS = (
    _("What was the name of your first pet?"),
    _("In what city were you born?"),
    _("What is your mother's maiden name?"),
    _("What was the name of your elementary school?"),
    _("What was the make of your first car?"),
    _("What is the name of the street you grew up on?"),
)


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Español"


class Company(models.Model):
    """A REP, 3rd-party or TDSP company (ACC-1, ACC-8)."""

    class Kind(models.TextChoices):
        REP = "rep", _("Retail Electric Provider")
        THIRD_PARTY = "third_party", _("3rd Party")
        TDSP = "tdsp", _("TDSP")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    address1 = models.CharField(_("address 1"), max_length=120)
    address2 = models.CharField(_("address 2"), max_length=120, blank=True)
    city = models.CharField(max_length=80)
    state = models.CharField(max_length=2, default="TX")
    zip_code = models.CharField(_("ZIP code"), max_length=10)
    country = models.CharField(max_length=60, default="United States")
    phone = models.CharField(max_length=20)
    email = models.EmailField(_("account email"))
    url = models.URLField(_("company URL"), blank=True)
    privacy_policy_url = models.URLField(_("privacy policy URL"), blank=True)
    logo = models.ImageField(upload_to="company-logos/", blank=True)
    has_privacy_seal = models.BooleanField(_("privacy seal"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # ACC-21: set when an inactive 3rd party is purged; purged companies leave every list.
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "kind", name="company_name_kind_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.status == self.Status.REVOKED

    @property
    def logo_url(self) -> str:
        """ACC-1, NTF-1: the public address of the logo (`accounts:company_logo`), "" without
        one; the version follows the stored file, so a new logo is a new address."""
        if not self.logo:
            return ""
        version = hashlib.sha256(self.logo.name.encode()).hexdigest()[:12]
        return f"{reverse('accounts:company_logo', args=[self.pk])}?v={version}"


class Tdsp(models.Model):
    """A utility that owns meters: Oncor, CenterPoint, AEP Texas Central/North, TNMP."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=80, unique=True)
    company = models.OneToOneField(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="tdsp"
    )

    class Meta:
        verbose_name = "TDSP"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Duns(models.Model):
    """A company's DUNS number (ACC-9). REPs are the ROR of meters by DUNS."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    number = models.CharField(max_length=13, unique=True, validators=[validate_duns_number])
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="duns_numbers")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "DUNS"
        verbose_name_plural = "DUNS numbers"
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class SmtUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        # ACC-4: user IDs are not case sensitive.
        return self.get(username__iexact=username)


class User(AbstractUser):
    """Every person who signs in: customers, REP/3rd-party/TDSP staff and SMT staff."""

    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential customer")
        BUSINESS = "business", _("Business customer")
        REP = "rep", _("REP")
        THIRD_PARTY = "third_party", _("3rd Party")
        TDSP = "tdsp", _("TDSP")
        SMT_STAFF = "smt_staff", _("SMT staff")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        ACTIVE = "active", _("Active")
        LOCKED = "locked", _("Locked")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    username = models.CharField(
        _("user ID"),
        max_length=100,
        unique=True,
        validators=[validate_user_id],
        help_text=_(
            "5 to 100 characters, no slashes (/), single (') or double (\") quote marks. "
            "Not case sensitive; it can never be changed."
        ),
        error_messages={"unique": _("That user ID is already taken.")},
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    is_company_admin = models.BooleanField(_("administrator"), default=False)
    middle_initial = models.CharField(max_length=1, blank=True)
    suffix = models.CharField(max_length=10, blank=True)
    title = models.CharField(max_length=60, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    business_name = models.CharField(max_length=120, blank=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    security_question = models.CharField(max_length=120, blank=True)
    security_answer_hash = models.CharField(max_length=128, blank=True)
    # ACC-19: the two 3rd-party permissions an admin grants to users.
    can_energy_data = models.BooleanField(_("Energy Data"), default=False)
    can_in_home_devices = models.BooleanField(_("In-Home Device Services"), default=False)
    duns_grants: "models.ManyToManyField[Duns, DunsGrant]" = models.ManyToManyField(
        Duns, through="DunsGrant", related_name="granted_users", blank=True
    )
    failed_login_count = models.PositiveSmallIntegerField(default=0)
    must_change_password = models.BooleanField(default=False)
    temporary_password_expires_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[SmtUserManager] = SmtUserManager()

    REQUIRED_FIELDS = ["email", "kind"]

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_id_case_insensitive_unique"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def is_customer(self) -> bool:
        return self.kind in {self.Kind.RESIDENTIAL, self.Kind.BUSINESS}

    @property
    def works_by_duns(self) -> bool:
        """REP and 3rd-party people act through granted DUNS numbers (ACC-10, ACC-16)."""
        return self.kind in {self.Kind.REP, self.Kind.THIRD_PARTY}

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.LOCKED

    @property
    def is_revoked(self) -> bool:
        return self.status == self.Status.REVOKED

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class DunsGrant(models.Model):
    """A user's access to one of their company's DUNS numbers (ACC-16, ACC-17)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    duns = models.ForeignKey(Duns, on_delete=models.CASCADE)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "duns"], name="duns_grant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.duns}"


class StatusChange(models.Model):
    """Audit row for every status change of an account, company or DUNS (SEC-7, AGR-18 style).

    `actor` is the person who caused it; `actor_label` says who when it was no person
    ("system: 14-day rule", "TDSP").
    """

    subject_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_label = models.CharField(max_length=150)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="status_change_subject_idx")
        ]

    def __str__(self) -> str:
        return f"{self.subject_label}: {self.from_status or '—'} → {self.to_status}"


class PersonalApiToken(models.Model):
    """API-2: a named token of the 3rd-party API, made by its user under My Profile. It acts
    with exactly its user's permissions (ACC-19). Only the SHA-256 of the secret is kept; the
    secret is shown once. A sandbox token (BEY-5) says so in its prefix."""

    LIVE_PREFIX = "smt_live_"
    SANDBOX_PREFIX = "smt_test_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="personal_api_tokens")
    name = models.CharField(_("token name"), max_length=60)
    sandbox = models.BooleanField(default=False)
    # The secret's first characters, shown in lists so a user tells their tokens apart.
    shown_prefix = models.CharField(max_length=20)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("personal API token")
        verbose_name_plural = _("personal API tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="personal_api_token_name_unique_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.shown_prefix}…) of {self.user}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiToken(models.Model):
    """A bearer token of the SMT-compatible API (API-1). Only its SHA-256 is stored; it
    expires after a quiet spell, like SMT's."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="api_token_expires_idx")]

    def __str__(self) -> str:
        return f"API token of {self.user}"
