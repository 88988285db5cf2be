"""HAN device provisioning (SPEC §6): one row per HAN device a 3rd party (or REP) asks to pair
with a meter (HAN-1). Its status, customer, number and history are its HAN Device agreement
(`agreements.Agreement`, kind `han_device`); this row holds the device and the TDSP side."""

from datetime import datetime, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement

from .devices import mac_address_masked

S = Agreement.Status

# HAN-3, HAN-5: the statuses that end a request without a paired device. Such a request
# leaves the HAN lists and frees its slot 10 calendar days later (seed 004).
CLOSED_STATUSES = (S.PAIRING_NOT_INITIATED, S.CUSTOMER_REJECTED, S.ADD_REJECTED, S.ADD_FAILED)
# HAN-2: the statuses of a request still on its way to a paired device.
IN_PROGRESS_STATUSES = (
    S.ADD_ACKNOWLEDGED,
    S.REQUEST_EMAIL_SENT,
    S.PAIRING_INITIATED,
    S.ADD_PENDING,
    S.METER_READY,
)
# HAN-8: a paired device, also while its removal is asked for or has failed.
DEVICE_STATUSES = (S.DEVICE_ADDED, S.REMOVE_REQUESTED, S.REMOVE_PENDING, S.REMOVE_FAILED)
# HAN-3, HAN-8: every status a HAN request (or device) can be in.
HAN_STATUSES = (*IN_PROGRESS_STATUSES, *DEVICE_STATUSES, *CLOSED_STATUSES, S.REMOVED)
# HAN-7: the statuses in which the request is with the TDSP.
WITH_TDSP_STATUSES = (S.PAIRING_INITIATED, S.ADD_PENDING, S.METER_READY)


class HanProvisionRequest(models.Model):
    """One HAN device on one meter (HAN-1) from the request to its removal (HAN-8)."""

    class DeviceType(models.TextChoices):  # HAN-1 decision: the kinds of ZigBee SE devices
        IN_HOME_DISPLAY = "in_home_display", _("In-home display")
        THERMOSTAT = "thermostat", _("Programmable communicating thermostat")
        LOAD_CONTROL = "load_control", _("Load control device")
        SMART_APPLIANCE = "smart_appliance", _("Smart appliance")
        OTHER = "other", _("Other")

    agreement = models.OneToOneField(
        Agreement, on_delete=models.PROTECT, related_name="han_request"
    )
    device_type = models.CharField(_("type of HAN device"), max_length=20, choices=DeviceType)
    # EUI-64: 16 upper-case hex digits, no separators (han.devices.mac_address_clean).
    mac_address = models.CharField(_("HAN device MAC address"), max_length=16)
    # ZigBee Smart Energy installation code with its CRC, upper-case hex.
    install_code = models.CharField(_("installation code"), max_length=36)

    # HAN-4 P2.5: the request SMT sends the TDSP; its answers name `tdsp_request_id`.
    tdsp_request_id = models.CharField(max_length=32, unique=True)
    sent_to_tdsp_at = models.DateTimeField(_("sent to TDSP at"), null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    # HAN-8: the current de-provision request, a new id each time Remove is asked.
    removal_request_id = models.CharField(max_length=32, blank=True, db_index=True)
    removal_sent_at = models.DateTimeField(null=True, blank=True)

    # HAN-5: the smallest "you have N days" reminder sent so far (14, then 3).
    reminded_days = models.PositiveSmallIntegerField(null=True, blank=True)
    meter_ready_at = models.DateTimeField(null=True, blank=True)
    pairing_window_ends_at = models.DateTimeField(null=True, blank=True)  # HAN-5 decision
    setup_issue_at = models.DateTimeField(null=True, blank=True)  # Add Failed after Meter Ready
    device_added_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # a CLOSED status, or Removed
    cleared_at = models.DateTimeField(null=True, blank=True)  # HAN-5: left the lists
    messaging_ended_at = models.DateTimeField(null=True, blank=True)  # HAN-8: Move-Out

    class Meta:
        verbose_name = _("HAN provision request")
        verbose_name_plural = _("HAN provision requests")
        ordering = ["-agreement__created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mac_address__regex=r"^[0-9A-F]{16}$"),
                name="han_mac_address_eui64",
            ),
        ]
        indexes = [
            models.Index(fields=["mac_address"], name="han_mac_address_idx"),
            models.Index(fields=["cleared_at", "closed_at"], name="han_cleared_closed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.agreement_number} {self.masked_mac}"

    @property
    def status(self) -> str:
        return self.agreement.status

    @property
    def masked_mac(self) -> str:
        """NTF-4: only the last six characters of a MAC address are shown."""
        return mac_address_masked(self.mac_address)

    @property
    def mac_display(self) -> str:
        """The EUI-64 as devices print it: 00:0D:6F:00:00:12:34:56."""
        return ":".join(self.mac_address[i : i + 2] for i in range(0, 16, 2))

    @property
    def is_waiting_for_customer(self) -> bool:
        """HAN-5: the customer has yet to start pairing (the page shows the deadline)."""
        return self.agreement.status in (S.ADD_ACKNOWLEDGED, S.REQUEST_EMAIL_SENT)

    @property
    def is_in_pairing_window(self) -> bool:
        """HAN-5: Meter Ready, with the days to pair running."""
        return self.agreement.status == S.METER_READY and self.pairing_window_ends_at is not None

    @property
    def may_be_removed(self) -> bool:
        """HAN-8: Remove is offered for a paired device, and again after a failed removal."""
        return self.agreement.status in (S.DEVICE_ADDED, S.REMOVE_FAILED)


class HanMessage(models.Model):
    """HAN-9: one text message from a 3rd party to one paired HAN device, sent to the TDSP
    as one request (its ZigBee Smart Energy Display Message), under the Ongoing HAN Services
    agreement (AGR-17) that allowed it. Messages composed together share `batch`."""

    class Priority(models.TextChoices):  # ZigBee SE Message Control "importance level"
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    # ZigBee SE Message Control bits 2-3: 0 Low, 1 Medium, 2 High, 3 Critical (HAN-9 decision).
    ZIGBEE_IMPORTANCE = {Priority.NORMAL: 1, Priority.HIGH: 2, Priority.CRITICAL: 3}

    class Status(models.TextChoices):  # HAN-9; moves in han.services.messages only
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent to TDSP")
        DELIVERED = "delivered", _("Delivered")
        CONFIRMED = "confirmed", _("Confirmed by customer")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    batch = models.UUIDField(db_index=True)
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="han_messages"
    )
    sent_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="han_messages_sent"
    )
    device = models.ForeignKey(
        HanProvisionRequest, on_delete=models.PROTECT, related_name="messages"
    )
    agreement = models.ForeignKey(  # the Ongoing HAN Services agreement (AGR-17)
        Agreement, on_delete=models.PROTECT, related_name="han_messages"
    )
    text = models.CharField(_("message"), max_length=80)  # han.message_text.MAX_CHARACTERS
    priority = models.CharField(_("priority"), max_length=10, choices=Priority)
    confirmation_required = models.BooleanField(_("confirmation required"), default=False)
    start_at = models.DateTimeField(_("start time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))

    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    status_changed_at = models.DateTimeField()
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField()
    # The id the TDSP's status messages name (HAN-9, API-3).
    tdsp_request_id = models.CharField(max_length=32, unique=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)  # a send task was queued
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_send_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("HAN message")
        verbose_name_plural = _("HAN messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1, duration_minutes__lte=1440),
                name="han_message_duration_1_1440",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "start_at"], name="han_message_status_start_idx"),
            models.Index(fields=["company", "created_at"], name="han_message_company_idx"),
            models.Index(fields=["device", "created_at"], name="han_message_device_idx"),
        ]

    def __str__(self) -> str:
        return f"HAN message {self.pk} to {self.device.masked_mac}"

    @property
    def ends_at(self) -> datetime:
        """The end of the display window (start time plus duration)."""
        return self.start_at + timedelta(minutes=self.duration_minutes)

    @property
    def zigbee_message_id(self) -> int:
        """The Display Message command's 32-bit Message ID: the row id, wrapped."""
        return self.pk & 0xFFFFFFFF

    @property
    def zigbee_importance(self) -> int:
        """The Message Control importance level a TDSP adapter puts in the command."""
        return self.ZIGBEE_IMPORTANCE[self.Priority(self.priority)]

    @property
    def may_be_cancelled(self) -> bool:
        """HAN-9: a message may be cancelled until it is handed to the TDSP."""
        return self.status == self.Status.QUEUED


class HanMessageEvent(models.Model):
    """HAN-9, SEC-7: a message's timeline: every status with its time, actor and reason."""

    message = models.ForeignKey(HanMessage, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField()
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)  # "system", "TDSP message …"
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.from_status or '—'} → {self.to_status}"
