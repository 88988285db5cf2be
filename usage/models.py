"""Premises, meters, who serves them, and their usage data (SPEC §3, §4).

Interval data is stored one row per ESIID, day, channel and version, with the day's 92/96/100
values together (USG-1, see docs/decisions.md): a meter-year is ~365 rows, not ~35,000.
"""

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

validate_esiid = RegexValidator(r"^\d{17,22}$", _("An ESIID has 17 to 22 digits."), "esiid")


class Premise(models.Model):
    """A service point, identified by its ESIID (MTR-1, seed 003 fig. 29)."""

    class Status(models.TextChoices):
        ACTIVE = "A", _("Active")
        INACTIVE = "I", _("Inactive")

    esiid = models.CharField("ESIID", max_length=22, unique=True, validators=[validate_esiid])
    tdsp = models.ForeignKey(
        "accounts.Tdsp", on_delete=models.PROTECT, related_name="premises", verbose_name="TDSP"
    )
    service_voltage = models.CharField(max_length=20, blank=True)
    premise_status = models.CharField(max_length=1, choices=Status.choices, default=Status.ACTIVE)
    time_zone = models.CharField(max_length=40, default="America/Chicago")
    house_number = models.CharField(max_length=20, blank=True)
    fractional_address = models.CharField(max_length=10, blank=True)
    leading_directional = models.CharField(max_length=2, blank=True)
    street_name = models.CharField(max_length=80)
    street_type = models.CharField(max_length=10, blank=True)
    trailing_directional = models.CharField(max_length=2, blank=True)
    unit = models.CharField(_("unit designation"), max_length=20, blank=True)
    city = models.CharField(max_length=60)
    state = models.CharField(max_length=2, default="TX")
    zip_code = models.CharField(max_length=5)
    zip_plus4 = models.CharField(max_length=4, blank=True)
    meter_read_cycle = models.CharField(max_length=4, blank=True)
    load_profile = models.CharField(max_length=40, blank=True)
    rate_class = models.CharField(_("rate class/code"), max_length=40, blank=True)
    ams_profile_effective_date = models.DateField(null=True, blank=True)
    # BEY-5: a test meter of a company's sandbox (smt.lib.sandbox): seen by test tokens only.
    is_sandbox = models.BooleanField(default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["esiid"]

    def __str__(self) -> str:
        return self.esiid

    @property
    def street_address(self) -> str:
        parts = (
            self.house_number,
            self.fractional_address,
            self.leading_directional,
            self.street_name,
            self.street_type,
            self.trailing_directional,
            self.unit,
        )
        return " ".join(part for part in parts if part)

    @property
    def address(self) -> str:
        return f"{self.street_address}, {self.city}, {self.state} {self.zip_code}"


class Meter(models.Model):
    """A meter installed at a premise (MTR-1, seed 003 fig. 30).

    A meter exchange (MTR-3) closes this row (removed_on) and opens a new one for the same
    premise, so history stays with the ESIID.
    """

    class Status(models.TextChoices):
        ENERGIZED = "E", _("Energized")
        DE_ENERGIZED = "D", _("De-energized")

    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="meters")
    meter_number = models.CharField(max_length=30)
    utility_meter_number = models.CharField(max_length=30, blank=True)
    is_smart = models.BooleanField(default=True)
    kwh_multiplier = models.DecimalField(max_digits=8, decimal_places=3, default=Decimal("1"))
    channels = models.PositiveSmallIntegerField(default=1)
    manufacturer = models.CharField(max_length=60, blank=True)
    last_test_date = models.DateField(null=True, blank=True)
    meter_class = models.CharField(_("meter class (ampacity)"), max_length=20, blank=True)
    installed_on = models.DateField()
    activated_on = models.DateField(null=True, blank=True)
    removed_on = models.DateField(null=True, blank=True)
    communication_technology = models.CharField(max_length=40, blank=True)
    instrument_rated = models.BooleanField(default=False)
    ct_ratio = models.CharField(_("CT ratio"), max_length=20, blank=True)
    pt_ratio = models.CharField(_("PT ratio"), max_length=20, blank=True)
    esi_firmware_version = models.CharField(max_length=40, blank=True)
    han_protocol = models.CharField(max_length=20, blank=True)
    smart_energy_profile = models.CharField(max_length=20, blank=True)
    interval_minutes = models.PositiveSmallIntegerField(default=15)
    dg_capable = models.BooleanField(_("in flow / out flow (DG) capable"), default=False)
    dg_channel = models.PositiveSmallIntegerField(null=True, blank=True)
    remote_disconnect_capable = models.BooleanField(default=False)
    meter_status = models.CharField(max_length=1, choices=Status.choices, default=Status.ENERGIZED)
    phases = models.PositiveSmallIntegerField(null=True, blank=True)
    model = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["premise", "-installed_on"]
        constraints = [
            # One meter in service per premise at a time.
            models.UniqueConstraint(
                fields=["premise"],
                condition=models.Q(removed_on__isnull=True),
                name="meter_one_current_per_premise",
            ),
        ]
        indexes = [models.Index(fields=["meter_number"], name="meter_number_idx")]

    def __str__(self) -> str:
        return f"{self.meter_number} @ {self.premise.esiid}"


class RorPeriod(models.Model):
    """Which DUNS was the REP of Record of an ESIID, from when to when (MTR-2).

    The DUNS is kept as the number the TDSP reported: a REP may serve meters before it
    registers with the portal.
    """

    class Reason(models.TextChoices):
        SWITCH = "switch", _("Switch")
        MOVE_IN = "move_in", _("Move-In")
        INITIAL = "initial", _("Initial load")

    class EndReason(models.TextChoices):
        SWITCH = "switch", _("Switch")
        MOVE_OUT = "move_out", _("Move-Out")
        MOVE_IN = "move_in", _("Move-In")

    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="ror_periods")
    ror_duns = models.CharField("ROR DUNS", max_length=13, db_index=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["premise", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["premise"],
                condition=models.Q(ended_on__isnull=True),
                name="ror_one_current_per_premise",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.premise.esiid}: {self.ror_duns} from {self.started_on}"


class CustomerPremise(models.Model):
    """A customer account's attachment to a meter (ACC-3, ACC-23: one account at a time)."""

    # A customer account is only ever deleted before its first log in (ACC-7's 14-day rule);
    # its attachments go with it.
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="premise_links"
    )
    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="customer_links")
    attached_at = models.DateTimeField()
    detached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["premise"],
                condition=models.Q(detached_at__isnull=True),
                name="customer_premise_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} ↔ {self.premise.esiid}"


class Channel(models.TextChoices):
    CONSUMPTION = "C", _("Consumption")
    GENERATION = "G", _("Surplus generation")


class Quality(models.TextChoices):
    ACTUAL = "A", _("Actual")
    ESTIMATED = "E", _("Estimated")
    MISSING = "-", _("Missing")


def day_total(readings: str) -> Decimal:
    """The sum of a day's stored readings (comma-separated, empty for a missing interval),
    to three decimals."""
    return sum((Decimal(item) for item in readings.split(",") if item), Decimal("0.000"))


class IntervalDay(models.Model):
    """One day of 15-minute kWh for one ESIID and channel, one version (USG-1).

    `readings` holds the day's values as comma-separated decimals (92 on the spring DST day,
    96 normally, 100 on the fall DST day, local time from midnight), an empty item for a
    missing interval; `quality` holds one flag per interval (A, E, -). Every version a TDSP
    sends is kept; `is_current` marks the highest, which reports read by default.

    Laid out for loading (USG-2, docs/decisions.md "Scale"), like the other
    two day tables: the primary key is the row's identity, (premise, day, channel, version),
    and the only index; no surrogate key, no second unique index for the current version
    (`is_current` is kept by the writers, `usage.services.ingest` and
    `usage.services.intervals`, which decide versions under one lock) and no foreign-key
    trigger (rows are only written for premises the writer looked up; PROTECT still stops a
    premise with data from being deleted through Django). On PostgreSQL the table is
    partitioned by month of `day` (`usage.services.partitions`).
    """

    pk = models.CompositePrimaryKey("premise", "day", "channel", "version")
    premise = models.ForeignKey(
        Premise,
        on_delete=models.PROTECT,
        related_name="interval_days",
        db_index=False,  # the primary key starts with the premise
        db_constraint=False,  # see the class docstring
    )
    day = models.DateField()
    channel = models.CharField(max_length=1, choices=Channel.choices)
    version = models.PositiveSmallIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    readings = models.TextField()
    quality = models.CharField(max_length=100)
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.premise_id} {self.day} {self.channel} v{self.version}"

    @property
    def values(self) -> list[Decimal | None]:
        return [Decimal(item) if item else None for item in self.readings.split(",")]

    @property
    def interval_count(self) -> int:
        return len(self.quality)

    @property
    def total_kwh(self) -> Decimal:
        """The day's kWh, added up when read: a load does not spend its time on it (USG-2)."""
        return day_total(self.readings)


class DailyRead(models.Model):
    """A day's register reads and consumption (USG-1, USG-4)."""

    pk = models.CompositePrimaryKey("premise", "day", "version")
    premise = models.ForeignKey(
        Premise,
        on_delete=models.PROTECT,
        related_name="daily_reads",
        db_index=False,  # the primary key starts with the premise
        db_constraint=False,  # see the class docstring
    )
    day = models.DateField()
    version = models.PositiveSmallIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    start_read = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    end_read = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    consumption_kwh = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.premise_id} {self.day} v{self.version}"


class MonthlyUsage(models.Model):
    """Billing-period usage (USG-1, USG-5)."""

    pk = models.CompositePrimaryKey("premise", "start_date", "version")
    premise = models.ForeignKey(
        Premise,
        on_delete=models.PROTECT,
        related_name="monthly_usage",
        db_index=False,  # the primary key starts with the premise
        db_constraint=False,  # see the class docstring
    )
    start_date = models.DateField()
    end_date = models.DateField()
    version = models.PositiveSmallIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    actual_kwh = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    metered_kw = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.premise_id} {self.start_date}–{self.end_date} v{self.version}"


class MeterFreshness(models.Model):
    """How fresh a meter's data is (BEY-4): one summary row per premise, kept at ingest and
    recomputed nightly (the 90-day gap window moves every day), so a page never scans the
    day tables. Written only by `usage.services.freshness`."""

    premise = models.OneToOneField(
        Premise,
        on_delete=models.CASCADE,  # derived figures, recomputed from the day tables
        primary_key=True,
        related_name="freshness",
        verbose_name="ESIID",
    )
    # The newest day with a current consumption interval row, and when that row arrived.
    last_interval_day = models.DateField(_("last interval day"), null=True, blank=True)
    last_interval_received_at = models.DateTimeField(
        _("last interval received at"), null=True, blank=True
    )
    last_daily_day = models.DateField(_("last daily read day"), null=True, blank=True)
    last_monthly_end = models.DateField(_("last monthly period end"), null=True, blank=True)
    # Missing or estimated days of the gap window (freshness.GAP_WINDOW_DAYS), oldest first.
    gap_days = models.PositiveIntegerField(_("gap days"), default=0)
    gap_dates = models.JSONField(_("gap dates"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("meter data freshness")
        verbose_name_plural = _("meter data freshness")
        indexes = [models.Index(fields=["last_interval_day"], name="freshness_last_day_idx")]

    def __str__(self) -> str:
        return f"{self.premise_id} through {self.last_interval_day}"

    @property
    def stale_days(self) -> int | None:
        """BEY-4: days the data lags behind the latest day that should be available (0 when
        up to date); None when no interval data was ever received."""
        from usage.services.freshness import stale_days  # the rule lives with the service

        return stale_days(self.last_interval_day)

    @property
    def is_stale(self) -> bool:
        return bool(self.stale_days)

    @property
    def has_data(self) -> bool:
        return self.last_interval_day is not None

    @property
    def gap_day_list(self) -> list[date]:
        return [date.fromisoformat(text) for text in self.gap_dates or []]

    @property
    def gap_window_days(self) -> int:
        from usage.services.freshness import GAP_WINDOW_DAYS

        return GAP_WINDOW_DAYS

    @property
    def summary(self) -> str:
        """The line users read (BEY-4): "Data through 12/03/2025 · stale for 3 days"."""
        from usage.services.freshness import freshness_text

        return freshness_text(self)


class MeterShare(models.Model):
    """Friends and family (ACC-22): a customer shares read-only usage of one meter.

    The invitation link carries a random token; only its SHA-256 is stored.
    """

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        REVOKED = "revoked", _("Revoked")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meter_shares_given"
    )
    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="shares")
    friend_email = models.EmailField()
    friend = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meter_shares_received",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-invited_at"]

    def __str__(self) -> str:
        return f"{self.premise.esiid} shared with {self.friend_email} ({self.status})"


@dataclass(frozen=True)
class ReportPart:
    """One report of an Export Report(s) order (USG-8): its type, dates, View (versions) and
    file format, and once built how many rows it holds (None until then)."""

    report_type: str
    start_date: date | None = None
    end_date: date | None = None
    versions: bool = False
    file_format: str = "csv"
    rows: int | None = None

    @property
    def label(self) -> str:
        return str(ReportRequest.ReportType(self.report_type).label)

    def as_json(self) -> dict[str, Any]:
        values = asdict(self)
        for key in ("start_date", "end_date"):
            values[key] = values[key].isoformat() if values[key] else None
        return values

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> "ReportPart":
        dates = {
            key: date.fromisoformat(values[key]) if values.get(key) else None
            for key in ("start_date", "end_date")
        }
        return cls(
            report_type=values["report_type"],
            versions=bool(values.get("versions")),
            file_format=values.get("file_format") or "csv",
            rows=values.get("rows"),
            **dates,
        )


class ReportRequest(models.Model):
    """An offline report: one order number for one or many meters (USG-7, USG-8, USG-9).

    A worker builds the file; the request shows in Report Request Status until its file
    expires. `party` tells ROR requests from customers' and (later) 3rd parties' apart.
    """

    class Status(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        COMPLETE = "complete", _("Complete")
        UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")

    class ReportType(models.TextChoices):
        INTERVAL = "interval", _("Daily Usage (15 minutes)")
        DAILY = "daily", _("Daily Meter Reads")
        MONTHLY = "monthly", _("Monthly Usage")
        PREMISE = "premise", _("Premise Information")
        METER = "meter", _("Meter Information")

    class Party(models.TextChoices):
        ROR = "ror", _("REP of Record")
        CUSTOMER = "customer", _("Customer")
        THIRD_PARTY = "third_party", _("3rd Party")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="report_requests"
    )
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class FileFormat(models.TextChoices):
        CSV = "csv", _("CSV")
        GREEN_BUTTON = "xml", _("Green Button XML")

    party = models.CharField(max_length=20, choices=Party.choices)
    report_type = models.CharField(max_length=20, choices=ReportType.choices)
    # USG-10: usage reports come as CSV or Green Button XML; information reports as CSV.
    file_format = models.CharField(max_length=4, choices=FileFormat.choices, default=FileFormat.CSV)
    versions = models.BooleanField(default=False)
    # Usage reports only; Premise and Meter Information have no dates (MTR-7).
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    premises = models.ManyToManyField(Premise, related_name="report_requests")
    is_sandbox = models.BooleanField(default=False, editable=False)  # BEY-5: of test meters
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROCESSING)
    detail = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    rows = models.PositiveIntegerField(default=0)
    # SEC-6: tries of the part being built (a task run builds one part, then queues the next);
    # after MAX_ATTEMPTS tries of one part the request is Unsuccessful.
    attempts = models.PositiveSmallIntegerField(default=0)
    # The file is built in parts: how many meters (in ESIID order) and bytes it holds so far,
    # and (Green Button) the channels whose ReadingType entry the feed already has.
    premises_built = models.PositiveIntegerField(default=0)
    bytes_built = models.PositiveBigIntegerField(default=0)
    feed_reading_types = models.CharField(max_length=8, blank=True)
    # USG-8: an order of more than one report (Daily Usage, Daily Meter Reads, Monthly Usage,
    # each with its own dates and View) lists them all here (ReportPart.as_json), the fields
    # above being the first one's; the result is a ZIP of one file per report. Empty for an
    # order of one report, which makes the one file as before.
    parts = models.JSONField(default=list, blank=True)
    parts_built = models.PositiveSmallIntegerField(default=0)  # reports of `parts` in files
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "started_at"], name="report_request_status_idx"),
            models.Index(fields=["requested_by", "requested_at"], name="report_request_user_idx"),
        ]

    def __str__(self) -> str:
        return self.order_number

    @property
    def order_number(self) -> str:
        return f"{self.pk:08d}"

    @property
    def report_parts(self) -> list[ReportPart]:
        """USG-8: the reports of the order, in order (one for a single-report request)."""
        if self.parts:
            return [ReportPart.from_json(values) for values in self.parts]
        return [
            ReportPart(
                report_type=self.report_type,
                start_date=self.start_date,
                end_date=self.end_date,
                versions=self.versions,
                file_format=self.file_format,
            )
        ]

    @property
    def reports_label(self) -> str:
        """USG-8: the names of the order's reports, for a sentence ("Daily Usage, Monthly …")."""
        return ", ".join(part.label for part in self.report_parts)

    @property
    def is_multi_part(self) -> bool:
        """USG-8: the order holds several reports, delivered as one ZIP."""
        return len(self.parts) > 1

    @property
    def is_downloadable(self) -> bool:
        """USG-9: a Complete request's file can be downloaded (until it expires)."""
        return self.status == self.Status.COMPLETE and bool(self.file)


class TdspCredential(models.Model):
    """The one API credential of a TDSP (API-3); only the key's SHA-256 is stored."""

    tdsp = models.OneToOneField(
        "accounts.Tdsp",
        on_delete=models.CASCADE,
        related_name="api_credential",
        verbose_name="TDSP",
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "TDSP API credential"

    def __str__(self) -> str:
        return f"API credential of {self.tdsp}"


class TdspMessage(models.Model):
    """Every message a TDSP sent through its API (API-3). The message id makes a replay an
    acknowledgement without effect; the outcome is what the first delivery answered."""

    tdsp = models.ForeignKey(
        "accounts.Tdsp", on_delete=models.PROTECT, related_name="+", verbose_name="TDSP"
    )
    message_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=40)
    payload = models.JSONField()
    outcome = models.JSONField(default=dict)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("TDSP message")
        verbose_name_plural = _("TDSP messages")
        constraints = [
            models.UniqueConstraint(fields=["tdsp", "message_id"], name="tdsp_message_once")
        ]
        indexes = [models.Index(fields=["received_at"], name="tdsp_message_received_idx")]

    def __str__(self) -> str:
        return f"{self.tdsp} {self.kind} {self.message_id}"


class OnDemandRead(models.Model):
    """One On Demand Read of a meter's register (USG-11), sent to its TDSP through the TDSP
    adapter and answered later: Pending → Completed (with the read and its time) or Failed.

    `tdsp_request_id` is what the TDSP answers about (API-3 On Demand Read results).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="on_demand_reads")
    meter_number = models.CharField(max_length=30)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="on_demand_reads"
    )
    tdsp_request_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)  # handed to the TDSP adapter
    attempts = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    register_read = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)  # the meter's time of the read
    usage_kwh = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("On Demand Read")
        verbose_name_plural = _("On Demand Reads")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["premise", "requested_at"], name="odr_premise_requested_idx"),
            models.Index(fields=["status", "requested_at"], name="odr_status_requested_idx"),
        ]

    def __str__(self) -> str:
        return f"ODR {self.tdsp_request_id} {self.status}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED
