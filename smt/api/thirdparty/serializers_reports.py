"""API-2: offline report requests (USG-8) and their status (USG-9), as JSON.

The request body is only shaped here: the ESIIDs are checked against what the caller may see
(USG-12) and every option by the Export Report(s) page's own form (`usage.forms.
ExportOptionsForm`), so the API answers with the page's rules and messages. A row is what
Report Request Status shows of it, plus where and until when its file can be downloaded."""

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from usage.models import ReportRequest
from usage.services import reports
from usage.services.report_requests import MAX_METERS, report_file_name

from .serializers import SANDBOX_HELP

# USG-6, USG-8: the View choices of the Export Report(s) page.
VIEW_CHOICES = [(reports.CURRENT, _("Current Version")), (reports.VERSIONS, _("Version Updates"))]
REPORT_TYPE_HELP = _(
    "`interval` Daily Usage (15 minutes), `daily` Daily Meter Reads or `monthly` Monthly "
    "Usage (USG-8), as on the Export Report(s) page"
)
ROW_REPORT_TYPE_HELP = _(
    "`interval`, `daily`, `monthly`, or `premise` / `meter` for a Premise or Meter "
    "Information export (MTR-7)"
)


class ReportMetersInput(serializers.Serializer):
    """The meters of a request: the ESIIDs, as typed (duplicates count once)."""

    esiids = serializers.ListField(
        child=serializers.CharField(max_length=40),
        min_length=1,
        max_length=MAX_METERS,
        error_messages={
            "min_length": _("Select at least one meter to export."),
            "max_length": _("One export holds at most {max_length} meters."),
        },
        help_text=_(
            "ESIIDs of meters you may see (USG-12): for a 3rd party, those of its Active "
            "ongoing energy-data agreements. 1 to %(max)d."
        )
        % {"max": MAX_METERS},
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Daily Usage of two meters, CSV",
            value={
                "esiids": ["10443720000000001", "10443720000000002"],
                "report_type": "interval",
                "view": "current",
                "start_date": "2026-02-01",
                "end_date": "2026-02-28",
                "file_format": "csv",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Green Button XML of one meter",
            value={
                "esiids": ["10443720000000001"],
                "report_type": "interval",
                "start_date": "2026-02-01",
                "end_date": "2026-02-28",
                "file_format": "xml",
            },
            request_only=True,
        ),
    ]
)
class ReportRequestCreateInput(ReportMetersInput):
    """USG-8 Export Report(s): the page's options. Documented here; checked by the page's
    form, so a refusal carries the page's message on the field it names."""

    report_type = serializers.CharField(help_text=REPORT_TYPE_HELP)
    view = serializers.ChoiceField(
        choices=VIEW_CHOICES,
        default=reports.CURRENT,
        help_text=_("Current Version, or Version Updates (CSV only)"),
    )
    start_date = serializers.DateField(
        help_text=_(
            "USG-6: at most 48 months ago (24 for Monthly Usage), not before 2010-02-01 or "
            "the meter's installation; a 3rd party's dates stay inside its agreements' "
            "period (USG-12)"
        )
    )
    end_date = serializers.DateField(
        help_text=_("USG-6: on or after start_date; data is available two days after the day")
    )
    file_format = serializers.ChoiceField(
        choices=ReportRequest.FileFormat.choices,
        default=ReportRequest.FileFormat.CSV,
        help_text=_("USG-10: `xml` (Green Button) for Daily Usage, Current Version only"),
    )


def report_expires_at(report: ReportRequest) -> datetime:
    """USG-9 decision: a request and its file are kept REPORT_RETENTION_DAYS after it was
    made (`report_requests_for_user` hides it afterwards, the purge removes it)."""
    return report.requested_at + timedelta(days=settings.REPORT_RETENTION_DAYS)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Complete",
            value={
                "id": 12,
                "order_number": "00000012",
                "party": "third_party",
                "report_type": "interval",
                "report_type_label": "Daily Usage (15 minutes)",
                "file_format": "csv",
                "view": "current",
                "start_date": "2026-02-01",
                "end_date": "2026-02-28",
                "meter_count": 1,
                "esiid": "10443720000000001",
                "agreement": None,
                "requested_by": "green.energy",
                "requested_at": "2026-03-02T15:00:00Z",
                "status": "complete",
                "detail": "",
                "completed_at": "2026-03-02T15:00:04Z",
                "rows": 2688,
                "file_name": "report-00000012.csv",
                "size": 241920,
                "download_url": "https://portal.example/tp-api/v1/reports/12/download",
                "expires_at": "2026-04-01T15:00:00Z",
            },
            response_only=True,
        ),
        OpenApiExample(
            "Unsuccessful",
            value={
                "id": 13,
                "order_number": "00000013",
                "party": "third_party",
                "report_type": "daily",
                "report_type_label": "Daily Meter Reads",
                "file_format": "csv",
                "view": "current",
                "start_date": "2026-02-01",
                "end_date": "2026-02-28",
                "meter_count": 3,
                "esiid": None,
                "agreement": None,
                "requested_by": "green.energy",
                "requested_at": "2026-03-02T15:00:00Z",
                "status": "unsuccessful",
                "detail": "No data found for the options chosen.",
                "completed_at": "2026-03-02T15:00:02Z",
                "rows": 0,
                "file_name": None,
                "size": None,
                "download_url": None,
                "expires_at": "2026-04-01T15:00:00Z",
            },
            response_only=True,
        ),
    ]
)
class ReportRequestSerializer(serializers.ModelSerializer):
    """One row of Report Request Status (USG-9): `processing` until the worker has built the
    file, then `complete` (downloadable until `expires_at`) or `unsuccessful` with the reason
    in `detail`. `id` is also the order number (`00000012` is request 12)."""

    report_type = serializers.CharField(help_text=ROW_REPORT_TYPE_HELP)
    report_type_label = serializers.CharField(source="get_report_type_display")
    view = serializers.SerializerMethodField()
    meter_count = serializers.SerializerMethodField()
    esiid = serializers.SerializerMethodField()
    agreement = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by.username")
    file_name = serializers.SerializerMethodField()
    size = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    expires_at = serializers.SerializerMethodField()
    sandbox = serializers.BooleanField(source="is_sandbox", help_text=SANDBOX_HELP)

    class Meta:
        model = ReportRequest
        fields = [
            "id",
            "order_number",
            "party",
            "report_type",
            "report_type_label",
            "file_format",
            "view",
            "start_date",
            "end_date",
            "meter_count",
            "esiid",
            "agreement",
            "requested_by",
            "requested_at",
            "status",
            "detail",
            "completed_at",
            "rows",
            "file_name",
            "size",
            "download_url",
            "expires_at",
            "sandbox",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=VIEW_CHOICES))
    def get_view(self, report: ReportRequest) -> str:
        return reports.VERSIONS if report.versions else reports.CURRENT

    def get_meter_count(self, report: ReportRequest) -> int:
        return len(report.premises.all())  # prefetched by the selector

    @extend_schema_field(
        serializers.CharField(
            allow_null=True, help_text=_("the meter when there is one, as the page shows it")
        )
    )
    def get_esiid(self, report: ReportRequest) -> str | None:
        premises = list(report.premises.all())
        return premises[0].esiid if len(premises) == 1 else None

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text=_("the One-Time agreement whose report this is (AGR-10), if any"),
        )
    )
    def get_agreement(self, report: ReportRequest) -> str | None:
        return getattr(report, "agreement_number", None)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_file_name(self, report: ReportRequest) -> str | None:
        return report_file_name(report) if report.is_downloadable else None

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text=_("bytes")))
    def get_size(self, report: ReportRequest) -> int | None:
        if not report.is_downloadable:
            return None
        try:
            return int(report.file.size)
        except OSError:  # removed meanwhile by the retention purge
            return None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, report: ReportRequest) -> str | None:
        if not report.is_downloadable:
            return None
        path = reverse("tp_api:report_download", args=[report.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_expires_at(self, report: ReportRequest) -> datetime:
        return report_expires_at(report)


class ReportErrorSerializer(serializers.Serializer):
    """API-4: what a refused or failed call answers."""

    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(required=False)
    # A declared field, not the Serializer's `errors` (the metaclass takes it out of the class).
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("every field's messages, when more than one field is at fault"),
    )
