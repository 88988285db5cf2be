"""Customer agreements between a 3rd party and a customer about one meter (SPEC §5).

One-Time Energy Data, Ongoing Energy Data and Ongoing HAN Services agreements share one table
(AGR-4: one agreement per meter); `kind` picks the status machine in `workflow.py`. HAN Device
(provision) agreements live in the `han` app.
"""

from datetime import date, datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from smt.lib.esiid import esiid_mask

MIN_DURATION_MONTHS = 1  # AGR-14 decision
MAX_DURATION_MONTHS = 12  # AGR-14 decision: the PUC caps ongoing consent at 12 months


class Agreement(models.Model):
    """One customer agreement about one meter (AGR-1, AGR-3, AGR-4, AGR-14, AGR-17)."""

    class Kind(models.TextChoices):
        ONE_TIME = "one_time", _("One-Time Energy Data")
        ONGOING = "ongoing", _("Ongoing Energy Data")
        ONGOING_HAN = "ongoing_han", _("Ongoing HAN Services")
        HAN_DEVICE = "han_device", _("HAN Provision")  # HAN-1, seed 001's list label

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        COMPLETE = "complete", _("Complete")
        REJECTED = "rejected", _("Rejected")
        NOT_ACCEPTED = "not_accepted", _("Not Accepted")
        ACTIVE = "active", _("Active")
        EXTENSION_PENDING = "extension_pending", _("Extension Pending")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")
        # HAN-3 (seeds 001 and 004): a HAN Device (provision) agreement's statuses …
        ADD_ACKNOWLEDGED = "add_acknowledged", _("Add Acknowledged")
        REQUEST_EMAIL_SENT = "request_email_sent", _("Provision Request Email Sent to Customer")
        PAIRING_INITIATED = "pairing_initiated", _("Customer Initiated Pairing Window")
        PAIRING_NOT_INITIATED = "not_initiated", _("Customer Did NOT Initiate Pairing Window")
        CUSTOMER_REJECTED = "customer_rejected", _("Customer Rejected Provision Request")
        ADD_PENDING = "add_pending", _("Add Pending")
        ADD_REJECTED = "add_rejected", _("Add Rejected")
        METER_READY = "meter_ready", _("Meter Ready")
        ADD_FAILED = "add_failed", _("Add Failed")
        DEVICE_ADDED = "device_added", _("Device Added")
        # … and the de-provision ones (HAN-8 decision, docs/decisions.md).
        REMOVE_REQUESTED = "remove_requested", _("Remove Requested")
        REMOVE_PENDING = "remove_pending", _("Remove Pending")
        REMOVED = "removed", _("Removed")
        REMOVE_FAILED = "remove_failed", _("Remove Failed")

    class CustomerKind(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential")
        BUSINESS = "business", _("Business")

    class ReportType(models.TextChoices):  # AGR-3
        INTERVAL_CSV = "interval_csv", _("Interval csv")
        INTERVAL_XML = "interval_xml", _("Interval xml")
        DAILY_CSV = "daily_csv", _("Daily csv")
        MONTHLY_CSV = "monthly_csv", _("Monthly csv")

    class ReportDuration(models.TextChoices):  # AGR-3
        ONE_DAY = "1d", _("1 day")
        ONE_MONTH = "1m", _("1 month")
        THREE_MONTHS = "3m", _("3 months")
        SIX_MONTHS = "6m", _("6 months")
        ONE_YEAR = "1y", _("1 year")

    agreement_number = models.CharField(_("agreement #"), max_length=12, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="agreements"
    )
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agreements_initiated"
    )
    premise = models.ForeignKey(
        "usage.Premise", on_delete=models.PROTECT, related_name="agreements"
    )
    meter_number = models.CharField(max_length=30)

    # AGR-3: the customer as the 3rd party typed them, or as their account says (registered).
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customer_agreements",
    )
    customer_kind = models.CharField(max_length=20, choices=CustomerKind.choices)
    customer_first_name = models.CharField(max_length=60)
    customer_middle_initial = models.CharField(max_length=1, blank=True)
    customer_last_name = models.CharField(max_length=60)
    customer_title = models.CharField(max_length=60, blank=True)
    customer_language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    customer_company_name = models.CharField(max_length=120, blank=True)
    customer_street = models.CharField(max_length=120)
    customer_city = models.CharField(max_length=60)
    customer_state = models.CharField(max_length=2, default="TX")
    customer_zip_code = models.CharField(max_length=10)
    customer_phone = models.CharField(max_length=20, blank=True)
    customer_email = models.EmailField()

    # One-time (AGR-3) …
    report_type = models.CharField(max_length=20, choices=ReportType.choices, blank=True)
    report_duration = models.CharField(max_length=2, choices=ReportDuration.choices, blank=True)
    report_request = models.ForeignKey(
        "usage.ReportRequest",
        on_delete=models.SET_NULL,  # report requests are purged after retention (USG-9)
        null=True,
        blank=True,
        # usage reads this link by its name (USG-9 customer name, one email per report)
        # without importing agreements: usage.services.report_requests.AGREEMENTS_RELATION.
        related_name="agreements",
    )
    report_notified_at = models.DateTimeField(null=True, blank=True)  # EM204 sent
    # … and ongoing (AGR-14).
    duration_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_DURATION_MONTHS), MaxValueValidator(MAX_DURATION_MONTHS)],
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    requested_end_date = models.DateField(null=True, blank=True)
    extension_expires_at = models.DateTimeField(null=True, blank=True)

    # AGR-3 page 2: the 3rd party's contact for this agreement.
    contact_name = models.CharField(max_length=120)
    contact_phone = models.CharField(max_length=20, blank=True)
    contact_email = models.EmailField()
    comments = models.TextField(blank=True)

    created_at = models.DateTimeField()
    invited_at = models.DateTimeField()
    expires_at = models.DateTimeField()  # AGR-9: invited_at + 30 days
    responded_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    termination_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agreement_number__regex=r"^\d{12}$"),
                name="agreement_number_12_digits",
            ),
            models.CheckConstraint(
                condition=~Q(kind="one_time") | (~Q(report_type="") & ~Q(report_duration="")),
                name="agreement_one_time_has_report",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["one_time", "han_device"])
                | Q(
                    duration_months__gte=MIN_DURATION_MONTHS,
                    duration_months__lte=MAX_DURATION_MONTHS,
                ),
                name="agreement_ongoing_duration_1_12",
            ),
            # One open ongoing agreement of a kind per company and ESIID.
            models.UniqueConstraint(
                fields=["company", "premise", "kind"],
                condition=~Q(kind="one_time")
                & Q(status__in=["pending", "active", "extension_pending"]),
                name="agreement_one_open_ongoing",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="agreement_status_expires_idx"),
            models.Index(fields=["company", "status"], name="agreement_company_status_idx"),
            models.Index(fields=["customer_last_name"], name="agreement_last_name_idx"),
        ]

    def __str__(self) -> str:
        return self.agreement_number

    def opens_usage_on(self, day: date) -> bool:
        """AGR-14, USG-12: whether this agreement shows its meter's usage to the 3rd party on
        `day`. The rule, with `selectors.agreement_opens_usage_q` its form for queries."""
        return (
            self.kind == USAGE_KIND
            and self.status in IN_FORCE_STATUSES
            and self.start_date is not None
            and self.end_date is not None
            and self.start_date <= day <= self.end_date
        )

    def allows_han_messages_on(self, day: date) -> bool:
        """AGR-17, HAN-9: an Ongoing HAN Services agreement in force and inside its period
        on `day`: its 3rd party may message the devices it paired on the meter."""
        return (
            self.kind == self.Kind.ONGOING_HAN
            and self.status in IN_FORCE_STATUSES
            and self.start_date is not None
            and self.end_date is not None
            and self.start_date <= day <= self.end_date
        )

    @property
    def opens_usage(self) -> bool:
        """AGR-14, USG-12: the meter's usage is open to the 3rd party today (Central time)."""
        return self.opens_usage_on(timezone.localdate())

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    def invitation_is_open(self, now: datetime | None = None) -> bool:
        """AGR-9, AGR-13: Pending and its 30 days not over: the customer may still answer and
        the 3rd party resend the invitation. (The AGR-9 job sweeps the others.)"""
        return self.is_pending and self.expires_at > (now or timezone.now())

    def extension_request_is_open(self, now: datetime | None = None) -> bool:
        """AGR-14: Extension Pending and the request's 30 days not over: the customer may
        still answer it."""
        return self.status == self.Status.EXTENSION_PENDING and (
            self.extension_expires_at is None or self.extension_expires_at > (now or timezone.now())
        )

    @property
    def esiid(self) -> str:
        return self.premise.esiid

    @property
    def masked_esiid(self) -> str:
        """AGR-2: the first seven digits and an ellipsis, as on the seed's lists."""
        return esiid_mask(self.premise.esiid)

    @property
    def is_ongoing(self) -> bool:
        return self.kind in (self.Kind.ONGOING, self.Kind.ONGOING_HAN)

    @property
    def is_han_services(self) -> bool:
        """AGR-17: an Ongoing HAN Services agreement: messages to the customer's HAN devices,
        no access to usage data (its own wording on the emails and pages)."""
        return self.kind == self.Kind.ONGOING_HAN

    @property
    def is_han_device(self) -> bool:
        """HAN-1: a HAN Device (provision) agreement, shown by the `han` pages."""
        return self.kind == self.Kind.HAN_DEVICE

    @property
    def is_residential(self) -> bool:
        return self.customer_kind == self.CustomerKind.RESIDENTIAL

    @property
    def customer_name(self) -> str:
        return " ".join(
            p
            for p in (
                self.customer_first_name,
                self.customer_middle_initial,
                self.customer_last_name,
            )
            if p
        )


# AGR-14: the statuses of an ongoing agreement in force (Extension Pending keeps the current
# end date until the customer answers).
IN_FORCE_STATUSES = (Agreement.Status.ACTIVE, Agreement.Status.EXTENSION_PENDING)
# USG-12, AGR-14: the one kind whose agreements open a meter's usage (not One-Time, not HAN).
USAGE_KIND = Agreement.Kind.ONGOING


class AgreementDaySequence(models.Model):
    """AGR-1: the last sequence number given out on one Central-time day; the row is locked
    while the next number is taken, so two agreements never share a number."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class AgreementInvitation(models.Model):
    """An emailed Accept/Reject link (AGR-8, SEC-2). Only the SHA-256 of the token is kept;
    the link works once, until `expires_at`, and only while the agreement is still in the
    status it was issued for."""

    class Purpose(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        EXTENSION = "extension", _("Extension request")
        PAIRING = "pairing", _("HAN pairing request")  # HAN-4: Start the Pairing Process

    class Answer(models.TextChoices):
        ACCEPT = "accept", _("Accepted")
        REJECT = "reject", _("Rejected")

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    issued_for_status = models.CharField(max_length=20, choices=Agreement.Status.choices)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for {self.agreement}"


class AgreementHistory(models.Model):
    """AGR-18, SEC-7: every status change with its time, actor and reason."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="history")
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who, when it was no signed-in person: "customer link", "system: 30-day rule", "TDSP".
    actor_label = models.CharField(max_length=100, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "agreement history"

    def __str__(self) -> str:
        return f"{self.agreement}: {self.from_status or '—'} → {self.to_status}"
