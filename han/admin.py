"""OPS-1, SEC-7: HAN provision requests and HAN device messages in Django admin, read-only
for everyone.

A request's status moves only through `han.services` (the customer's answer, the TDSP's
messages, the HAN-5 jobs); staff read here what happened to a device: every field (the
installation code masked), the history of its HAN Device agreement, the emails sent for it
(each links to the email log, where staff resend) and the TDSP messages that named it.

A HAN device message (HAN-9) moves only through `han.services.messages`; staff read its
fields, its timeline (every status with time, actor and reason) and the TDSP messages that
named it.
"""

import contextlib
from collections.abc import Iterable
from datetime import datetime

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from agreements.models import Agreement, AgreementHistory
from agreements.workflow import statuses
from notifications.models import OutboundEmail
from smt.lib.admin import ReadOnlyAdmin
from usage.models import TdspMessage

from .devices import DeviceIdInvalid, mac_address_clean
from .models import HanMessage, HanMessageEvent, HanProvisionRequest
from .selectors import han_request_history

INSTALL_CODE_SHOWN = 4  # SEC-7: staff see only the last digits of an installation code
NONE = "—"


class StatusFilter(admin.SimpleListFilter):
    """HAN-3: only the statuses a HAN Device agreement can have."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            (status, Agreement.Status(status).label)
            for status in statuses(Agreement.Kind.HAN_DEVICE)
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(agreement__status=self.value())
        return queryset


class ClearedFilter(admin.SimpleListFilter):
    """HAN-5: whether the request has left the HAN lists (and freed its slot)."""

    title = "cleared from the lists"
    parameter_name = "cleared"

    def lookups(self, request, model_admin):
        return [("yes", "Cleared"), ("no", "Still listed")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(cleared_at__isnull=self.value() == "no")
        return queryset


def _label(status: str) -> str:
    return str(Agreement.Status(status).label) if status else NONE


def _time(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z") if value else NONE


def _actor(row: AgreementHistory | HanMessageEvent) -> str:
    """AGR-18: the signed-in user, the label of who else acted, or both (a customer signed
    in while answering by the emailed link)."""
    names = [row.actor.username] if row.actor else []
    if row.actor_label and row.actor_label not in names:
        names.append(row.actor_label)
    return " / ".join(names) or NONE


def _tdsp_message_rows(request_ids: list[str]) -> list[tuple]:
    """The TDSP messages (API-3) that named one of these request ids, oldest first."""
    messages = (
        TdspMessage.objects.filter(payload__request_id__in=request_ids)
        .select_related("tdsp")
        .order_by("received_at", "pk")
    )
    return [
        (
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:usage_tdspmessage_change", args=[message.pk]),
                message.message_id,
            ),
            _time(message.received_at),
            message.tdsp.name,
            message.payload.get("status", NONE),
            message.outcome.get("result", NONE),
            message.outcome.get("note") or message.payload.get("reason") or NONE,
        )
        for message in messages
    ]


TDSP_MESSAGE_HEADERS = ["Message id", "Received", "TDSP", "Status", "Result", "Note"]


def _table(headers: Iterable[str], rows: list[tuple], empty: str) -> SafeString:
    """A small read-only table for the change page (the rows are already escaped)."""
    if not rows:
        return format_html("<p>{}</p>", empty)
    head = format_html_join("", "<th>{}</th>", ((header,) for header in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


class ReadOnlyHanAdmin(ReadOnlyAdmin):
    """OPS-1, SEC-7: read-only for everyone (statuses move only through han.services), and
    searchable by a MAC address pasted as the device prints it."""

    def get_search_results(self, request, queryset, search_term):
        # Staff paste a MAC address as the device prints it (00:0D:6F:…); it is stored bare.
        with contextlib.suppress(DeviceIdInvalid):
            search_term = mac_address_clean(search_term)
        return super().get_search_results(request, queryset, search_term)


@admin.register(HanProvisionRequest)
class HanProvisionRequestAdmin(ReadOnlyHanAdmin):
    list_display = [
        "agreement_number",
        "status_label",
        "company",
        "esiid",
        "device_type",
        "masked_mac",
        "requested_at",
        "sent_to_tdsp_at",
        "is_cleared",
    ]
    list_filter = [StatusFilter, "device_type", ClearedFilter]
    search_fields = [
        "agreement__agreement_number",
        "agreement__premise__esiid",
        "mac_address",
        "agreement__customer_last_name",
    ]
    list_select_related = ["agreement__company", "agreement__premise"]
    fieldsets = [
        (
            "Request",
            {
                "fields": [
                    "agreement_link",
                    "status_label",
                    "company",
                    "initiated_by",
                    "customer",
                    "esiid",
                    "meter_number",
                    "requested_at",
                    "device_type",
                    "mac_address",
                    "install_code_masked",
                ]
            },
        ),
        (
            "TDSP",
            {
                "fields": [
                    "tdsp_request_id",
                    "sent_to_tdsp_at",
                    "send_attempts",
                    "removal_request_id",
                    "removal_sent_at",
                ]
            },
        ),
        (
            "Timers and clean-up",
            {
                "fields": [
                    "reminded_days",
                    "meter_ready_at",
                    "pairing_window_ends_at",
                    "setup_issue_at",
                    "device_added_at",
                    "closed_at",
                    "cleared_at",
                    "messaging_ended_at",
                ]
            },
        ),
        ("History", {"fields": ["history"]}),
        ("Emails", {"fields": ["emails"]}),
        ("TDSP messages", {"fields": ["tdsp_messages"]}),
    ]
    readonly_fields = [
        "agreement_link",
        "status_label",
        "company",
        "initiated_by",
        "customer",
        "esiid",
        "meter_number",
        "requested_at",
        "install_code_masked",
        "history",
        "emails",
        "tdsp_messages",
        *(
            field.name
            for field in HanProvisionRequest._meta.fields
            if field.name not in ("id", "agreement", "install_code")
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "agreement__company",
                "agreement__premise",
                "agreement__initiated_by",
                "agreement__customer",
            )
        )

    # --- the list ------------------------------------------------------------------------

    @admin.display(description="Agreement #", ordering="agreement__agreement_number")
    def agreement_number(self, obj: HanProvisionRequest) -> str:
        return obj.agreement.agreement_number

    @admin.display(description="Status", ordering="agreement__status")
    def status_label(self, obj: HanProvisionRequest) -> str:
        return obj.agreement.get_status_display()

    @admin.display(description="Company", ordering="agreement__company__name")
    def company(self, obj: HanProvisionRequest) -> str:
        return obj.agreement.company.name

    @admin.display(description="ESIID", ordering="agreement__premise__esiid")
    def esiid(self, obj: HanProvisionRequest) -> str:
        return obj.agreement.premise.esiid

    @admin.display(description="MAC address", ordering="mac_address")
    def masked_mac(self, obj: HanProvisionRequest) -> str:
        return obj.masked_mac

    @admin.display(description="Requested", ordering="agreement__created_at")
    def requested_at(self, obj: HanProvisionRequest) -> str:
        return formats.localize(timezone.localtime(obj.agreement.created_at))

    @admin.display(description="Cleared", boolean=True, ordering="cleared_at")
    def is_cleared(self, obj: HanProvisionRequest) -> bool:
        return obj.cleared_at is not None

    # --- the change page -----------------------------------------------------------------

    @admin.display(description="HAN Device agreement")
    def agreement_link(self, obj: HanProvisionRequest) -> SafeString:
        url = reverse("admin:agreements_agreement_change", args=[obj.agreement_id])
        return format_html('<a href="{}">{}</a>', url, obj.agreement.agreement_number)

    @admin.display(description="Requested by")
    def initiated_by(self, obj: HanProvisionRequest) -> str:
        user = obj.agreement.initiated_by
        return f"{user.get_full_name()} ({user.username})"

    @admin.display(description="Customer")
    def customer(self, obj: HanProvisionRequest) -> str:
        agreement = obj.agreement
        registered = f", user {agreement.customer.username}" if agreement.customer else ""
        return f"{agreement.customer_name} <{agreement.customer_email}>{registered}"

    @admin.display(description="Meter #")
    def meter_number(self, obj: HanProvisionRequest) -> str:
        return obj.agreement.meter_number

    @admin.display(description="Installation code")
    def install_code_masked(self, obj: HanProvisionRequest) -> str:
        code = obj.install_code
        return "*" * (len(code) - INSTALL_CODE_SHOWN) + code[-INSTALL_CODE_SHOWN:]

    @admin.display(description="History (AGR-18, SEC-7)")
    def history(self, obj: HanProvisionRequest) -> SafeString:
        rows = [
            (
                _time(row.created_at),
                _actor(row),
                format_html("{} → {}", _label(row.from_status), _label(row.to_status)),
                row.reason or NONE,
            )
            for row in han_request_history(request=obj)
        ]
        return _table(["Time", "Actor", "Status", "Reason"], rows, "No history.")

    @admin.display(description="Emails sent (NTF-3)")
    def emails(self, obj: HanProvisionRequest) -> SafeString:
        emails = OutboundEmail.objects.filter(
            related_type=ContentType.objects.get_for_model(Agreement),
            related_id=str(obj.agreement_id),
        ).order_by("created_at", "pk")
        rows = [
            (
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:notifications_outboundemail_change", args=[email.pk]),
                    _time(email.created_at),
                ),
                email.recipient,
                email.template,
                email.language,
                email.get_status_display(),
                email.attempts,
            )
            for email in emails
        ]
        headers = ["Recorded", "Recipient", "Template", "Language", "Status", "Attempts"]
        return _table(headers, rows, "No emails.")

    @admin.display(description="TDSP messages (HAN-7)")
    def tdsp_messages(self, obj: HanProvisionRequest) -> SafeString:
        request_ids = [i for i in (obj.tdsp_request_id, obj.removal_request_id) if i]
        rows = _tdsp_message_rows(request_ids)
        return _table(TDSP_MESSAGE_HEADERS, rows, "No TDSP message names this request yet.")


# --- HAN device messages (HAN-9) ------------------------------------------------------------


def _message_status(status: str) -> str:
    return str(HanMessage.Status(status).label) if status else NONE


class HanMessageEventInline(admin.TabularInline):
    """HAN-9, SEC-7: the message's timeline, oldest first; nobody adds, edits or deletes."""

    model = HanMessageEvent
    extra = 0
    can_delete = False
    verbose_name = "timeline event"
    verbose_name_plural = "Timeline (HAN-9, SEC-7)"
    fields = ("created_at", "status_change", "actor_name", "reason")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Status")
    def status_change(self, obj: HanMessageEvent) -> str:
        return f"{_message_status(obj.from_status)} → {_message_status(obj.to_status)}"

    @admin.display(description="Actor")
    def actor_name(self, obj: HanMessageEvent) -> str:
        return _actor(obj)


@admin.register(HanMessage)
class HanMessageAdmin(ReadOnlyHanAdmin):
    """OPS-1: every HAN device message, read-only, with its timeline."""

    list_display = [
        "message_id",
        "company",
        "masked_mac",
        "esiid",
        "priority",
        "status",
        "start_at",
        "created_at",
    ]
    list_display_links = ["message_id"]
    list_filter = ["status", "priority", ("company", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "device__agreement__premise__esiid",
        "device__mac_address",
        "tdsp_request_id",
        "batch",
    ]
    list_select_related = ["company", "device__agreement__premise"]
    date_hierarchy = "created_at"
    inlines = [HanMessageEventInline]
    fieldsets = [
        (
            "Message",
            {
                "fields": [
                    "message_id",
                    "batch",
                    "company",
                    "sent_by_name",
                    "device_link",
                    "esiid",
                    "han_services_agreement",
                    "text",
                    "priority",
                    "confirmation_required",
                    "start_at",
                    "duration_minutes",
                    "ends_at",
                    "created_at",
                ]
            },
        ),
        ("Status", {"fields": ["status", "status_changed_at", "failure_reason"]}),
        (
            "TDSP",
            {
                "fields": [
                    "tdsp_request_id",
                    "dispatched_at",
                    "send_attempts",
                    "last_send_error",
                    "sent_at",
                    "delivered_at",
                    "confirmed_at",
                ]
            },
        ),
        ("TDSP messages", {"fields": ["tdsp_messages"]}),
    ]
    readonly_fields = [
        "message_id",
        "sent_by_name",
        "device_link",
        "esiid",
        "han_services_agreement",
        "ends_at",
        "tdsp_messages",
        *(
            field.name
            for field in HanMessage._meta.fields
            if field.name not in ("id", "sent_by", "device", "agreement")
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("company", "sent_by", "device__agreement__premise", "agreement")
        )

    # --- the list ------------------------------------------------------------------------

    @admin.display(description="Message id", ordering="pk")
    def message_id(self, obj: HanMessage) -> int:
        """The ZigBee message id (the pk, 32 bits) the TDSP puts in the Display Message."""
        return obj.pk

    @admin.display(description="MAC address", ordering="device__mac_address")
    def masked_mac(self, obj: HanMessage) -> str:
        return obj.device.masked_mac

    @admin.display(description="ESIID", ordering="device__agreement__premise__esiid")
    def esiid(self, obj: HanMessage) -> str:
        return obj.device.agreement.premise.esiid

    # --- the change page -----------------------------------------------------------------

    @admin.display(description="Sent by")
    def sent_by_name(self, obj: HanMessage) -> str:
        return f"{obj.sent_by.get_full_name()} ({obj.sent_by.username})"

    @admin.display(description="HAN device")
    def device_link(self, obj: HanMessage) -> SafeString:
        url = reverse("admin:han_hanprovisionrequest_change", args=[obj.device_id])
        return format_html(
            '<a href="{}">{}</a> ({})',
            url,
            obj.device.masked_mac,
            obj.device.get_device_type_display(),
        )

    @admin.display(description="Ongoing HAN Services agreement (AGR-17)")
    def han_services_agreement(self, obj: HanMessage) -> SafeString:
        url = reverse("admin:agreements_agreement_change", args=[obj.agreement_id])
        return format_html('<a href="{}">{}</a>', url, obj.agreement.agreement_number)

    @admin.display(description="Display ends")
    def ends_at(self, obj: HanMessage) -> str:
        return _time(obj.ends_at)

    @admin.display(description="TDSP messages (HAN-9)")
    def tdsp_messages(self, obj: HanMessage) -> SafeString:
        rows = _tdsp_message_rows([obj.tdsp_request_id])
        return _table(TDSP_MESSAGE_HEADERS, rows, "No TDSP message names this message yet.")
