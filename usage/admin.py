from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from smt.lib.admin import ReadOnlyAdmin
from usage.models import (
    CustomerPremise,
    Meter,
    MeterFreshness,
    OnDemandRead,
    Premise,
    ReportRequest,
    RorPeriod,
    TdspCredential,
    TdspMessage,
)
from usage.services import report_requests


class MeterInline(admin.TabularInline):
    model = Meter
    extra = 0
    fields = ["meter_number", "installed_on", "removed_on", "is_smart", "meter_status"]


class RorPeriodInline(admin.TabularInline):
    model = RorPeriod
    extra = 0


@admin.register(Premise)
class PremiseAdmin(admin.ModelAdmin):
    list_display = [
        "esiid",
        "tdsp",
        "street_name",
        "city",
        "zip_code",
        "premise_status",
        "is_sandbox",
    ]
    list_filter = ["tdsp", "premise_status", "is_sandbox"]  # BEY-5: test meters apart
    search_fields = ["esiid", "street_name", "city", "meters__meter_number"]
    list_select_related = ["tdsp"]
    inlines = [MeterInline, RorPeriodInline]


@admin.register(Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = ["meter_number", "premise", "installed_on", "removed_on", "meter_status"]
    search_fields = ["meter_number", "premise__esiid"]
    list_select_related = ["premise"]


@admin.register(CustomerPremise)
class CustomerPremiseAdmin(admin.ModelAdmin):
    list_display = ["premise", "customer", "attached_at", "detached_at"]
    search_fields = ["premise__esiid", "customer__username", "customer__email"]
    list_select_related = ["premise", "customer"]


@admin.register(ReportRequest)
class ReportRequestAdmin(admin.ModelAdmin):
    """OPS-1: report requests, read-only; a stuck one is retried with the action (SEC-6)."""

    list_display = [
        "order_number",
        "report_type",
        "requested_by",
        "status",
        "rows",
        "progress",
        "attempts",
        "requested_at",
        "completed_at",
        "is_sandbox",
    ]
    list_filter = ["status", "report_type", "party", "is_sandbox"]
    search_fields = ["requested_by__username", "premises__esiid"]
    list_select_related = ["requested_by"]
    # The file is named, not linked: its storage (a private bucket, or media the web server
    # does not serve) answers no direct address, and a customer's data is downloaded only
    # through the view that checks who asks (USG-9, SEC-1).
    exclude = ["file"]
    readonly_fields = [
        "progress",
        *(f.name for f in ReportRequest._meta.fields if f.name != "file"),
        "stored_file",
        "premises",
    ]
    actions = ["retry"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(meter_count=Count("premises"))

    @admin.display(description="Meters built")
    def progress(self, obj: ReportRequest) -> str:
        """SEC-6: how far the file got (it is built in parts); `attempts` counts the tries of
        the part being built, and MAX_ATTEMPTS of them make the request Unsuccessful."""
        return f"{obj.premises_built:,} of {obj.meter_count:,}"

    @admin.display(description="File")
    def stored_file(self, obj: ReportRequest) -> str:
        return obj.file.name or "—"

    def has_add_permission(self, request):
        return False

    @admin.action(description="Build the selected Processing requests again")
    def retry(self, request, queryset):
        queued = 0
        for report in queryset.filter(status=ReportRequest.Status.PROCESSING):
            report_requests.report_request_requeue(request_id=report.pk)
            queued += 1
        self.message_user(request, f"{queued} request(s) queued again.")


@admin.register(TdspCredential)
class TdspCredentialAdmin(admin.ModelAdmin):
    """OPS-1: which TDSP has an API key; keys are issued by `manage.py
    create_tdsp_credential` and never shown again."""

    list_display = ["tdsp", "created_at"]
    readonly_fields = ["tdsp", "key_hash", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(TdspMessage)
class TdspMessageAdmin(admin.ModelAdmin):
    """API-3: every message a TDSP sent and what it did, read-only (SEC-7)."""

    list_display = ["received_at", "tdsp", "kind", "message_id"]
    list_filter = ["tdsp", "kind"]
    search_fields = ["message_id", "payload__esiid"]
    readonly_fields = ["tdsp", "message_id", "kind", "payload", "outcome", "received_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OnDemandRead)
class OnDemandReadAdmin(ReadOnlyAdmin):
    """OPS-1, USG-11: On Demand Reads and what the TDSP answered, read-only; the status
    changes only through the TDSP API and the timeout sweep."""

    list_display = [
        "requested_at",
        "premise",
        "meter_number",
        "status",
        "register_read",
        "read_at",
        "requested_by",
    ]
    list_filter = ["status", "premise__tdsp"]
    search_fields = ["premise__esiid", "tdsp_request_id", "meter_number"]
    list_select_related = ["premise", "requested_by"]
    readonly_fields = [f.name for f in OnDemandRead._meta.fields]
    date_hierarchy = "requested_at"


@admin.register(MeterFreshness)
class MeterFreshnessAdmin(ReadOnlyAdmin):
    """BEY-4: each meter's data freshness, read-only (kept at ingest and nightly by
    `meters_freshness_refresh`); the page of meters without data for N days links from here."""

    list_display = [
        "premise",
        "tdsp",
        "last_interval_day",
        "stale_days",
        "last_interval_received_at",
        "last_daily_day",
        "last_monthly_end",
        "gap_days",
        "computed_at",
    ]
    list_filter = ["premise__tdsp", "premise__is_sandbox"]
    search_fields = ["premise__esiid"]
    list_select_related = ["premise__tdsp"]
    ordering = ["last_interval_day"]
    readonly_fields = [f.name for f in MeterFreshness._meta.fields] + ["stale_meters_page"]

    @admin.display(description="TDSP", ordering="premise__tdsp__name")
    def tdsp(self, obj: MeterFreshness) -> str:
        return obj.premise.tdsp.name

    @admin.display(description=_("stale days"))
    def stale_days(self, obj: MeterFreshness) -> int | None:
        return obj.stale_days

    @admin.display(description=_("meters without recent data"))
    def stale_meters_page(self, obj: MeterFreshness) -> str:
        url = reverse("usage:stale_meters")
        return format_html('<a href="{}?tdsp={}">{}</a>', url, obj.premise.tdsp_id, url)
