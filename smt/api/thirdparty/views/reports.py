"""API-2 report requests: request an offline export (USG-8), list the requests and read one
with its status (USG-9), download the built file — through the same selectors, form and
services as Usage / Export Report(s) and Report Request Status, so with the same rules and
messages. For users with the Energy Data function (ACC-19); another party's request, or one
past its retention, is a 404."""

from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import FileResponse, HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from agreements.models import Agreement
from smt.lib.errors import Refused
from usage import selectors
from usage.forms import ExportOptionsForm, export_options_form
from usage.models import Premise, ReportRequest
from usage.services import reports
from usage.services.report_requests import (
    report_content_type,
    report_file_name,
    report_request_create,
    report_requests_for_user,
)

from ..auth import caller
from ..errors import error_body, refusal_response
from ..pagination import NewestFirst
from ..permissions import ENERGY_DATA
from ..serializers_reports import (
    ReportErrorSerializer,
    ReportMetersInput,
    ReportRequestCreateInput,
    ReportRequestSerializer,
)

NOT_FOUND_SHOWN = 10  # ESIIDs named in an ESIID_NOT_FOUND message; the rest are counted


class ReportMetersNotFound(Refused):
    """USG-12: an ESIID the caller may not see, told exactly like one that does not exist."""

    code = "ESIID_NOT_FOUND"


class NewestRequestsFirst(NewestFirst):
    ordering = ("-requested_at", "-pk")  # Report Request Status's order (USG-9)


def _requests(user: User) -> QuerySet[ReportRequest]:
    """Report Request Status's rows for this user (their own, and their company's when they
    are its admin, within retention: USG-9), with the One-Time agreement each comes from."""
    linked = Agreement.objects.filter(report_request=OuterRef("pk")).order_by("pk")
    return report_requests_for_user(user=user).annotate(
        agreement_number=Subquery(linked.values("agreement_number")[:1])
    )


def _report(request: Request, pk: int) -> ReportRequest:
    return generics.get_object_or_404(_requests(caller(request)), pk=pk)


def _premises(user: User, esiids: list[str]) -> list[Premise]:
    """The meters of the request among those the user may see now (USG-12). The page only
    offers those; the API refuses the whole request when one is not, naming the ESIIDs as
    typed and the same way whether the ESIID is another party's or does not exist."""
    wanted = list(dict.fromkeys(esiids))
    found = {
        premise.esiid: premise
        for premise in selectors.premises_visible_to(user=user).filter(esiid__in=wanted)
    }
    missing = [esiid for esiid in wanted if esiid not in found]
    if missing:
        shown = ", ".join(missing[:NOT_FOUND_SHOWN])
        if len(missing) > NOT_FOUND_SHOWN:
            shown += " " + _("and %(count)d more") % {"count": len(missing) - NOT_FOUND_SHOWN}
        raise ReportMetersNotFound(_("ESIID not found: %(esiids)s.") % {"esiids": shown}, "esiids")
    return [found[esiid] for esiid in wanted]


def _export_form(user: User, premises: list[Premise], body: dict[str, Any]) -> ExportOptionsForm:
    """The Export Report(s) page's form, bound as the page binds it (USG-6, USG-7, USG-12)."""
    # `view` is the one option the API lets a caller leave out.
    return export_options_form({"view": reports.CURRENT, **body}, user=user, premises=premises)


def _form_refused(form: ExportOptionsForm) -> ValidationError:
    """The form's messages on their fields: the API-4 400 names the first one."""
    return ValidationError(
        {
            ("non_field_errors" if name == "__all__" else name): [e["message"] for e in errors]
            for name, errors in form.errors.get_json_data().items()
        }
    )


def _error(code: str, description: str, message: str, field: str = "") -> OpenApiResponse:
    return OpenApiResponse(
        ReportErrorSerializer,
        description=description,
        examples=[OpenApiExample(code, value=error_body(code, message, field), response_only=True)],
    )


FORBIDDEN = _error(
    "FORBIDDEN",
    "The token's user does not have the Energy Data function (ACC-19).",
    "Your user does not have the Energy Data function.",
)
NOT_FOUND = _error(
    "NOT_FOUND",
    "No report request of yours has this id: another party's, or past its retention (USG-9).",
    "Not found.",
)
FILE = OpenApiResponse(
    OpenApiTypes.BINARY, description="The file: CSV, or Green Button XML (USG-10)."
)
ID_PARAMETER = OpenApiParameter(
    "id",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The report request's id; its order number (`00000012`, as in the "
    "`report.ready` webhook event and the emails) is the same number.",
)


class ReportRequestList(generics.ListAPIView):
    permission_classes = [ENERGY_DATA]
    serializer_class = ReportRequestSerializer
    pagination_class = NewestRequestsFirst

    def get_queryset(self) -> QuerySet[ReportRequest]:
        requests = _requests(caller(self.request))
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in ReportRequest.Status.values:
                choices = ", ".join(ReportRequest.Status.values)
                raise ValidationError({"status": [_("Use one of: %(s)s.") % {"s": choices}]})
            requests = requests.filter(status=wanted)
        return requests

    @extend_schema(
        operation_id="reports_list",
        summary="Report requests and their status",
        description="The rows of Report Request Status (USG-9): your requests, and your "
        "company's when you are its administrator (One-Time agreements' reports, AGR-10, "
        "included), newest first, within the retention period. Optionally only one `status`.",
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=ReportRequest.Status.values,
                description="processing, complete or unsuccessful (USG-9)",
            )
        ],
        responses={
            200: ReportRequestSerializer(many=True),
            400: _error("INVALID", "An unknown `status`.", "Use one of: …", "status"),
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="reports_create",
        summary="Request an offline report (Export Report(s))",
        description="USG-8: one report type, View and dates for up to 5,000 meters, under one "
        "order number; the worker builds the file (USG-7) and the request answers `processing` "
        "at once. Follow it with GET /reports/{id} (or the `report.ready` webhook for a "
        "One-Time agreement's report). The options are checked by the Export Report(s) page's "
        "own rules, with its messages on the field they name (USG-6 date rules, USG-10 Green "
        "Button for Daily Usage and Current Version only, USG-12 a 3rd party's dates inside "
        "its agreements' period). Every ESIID must be one you may see now (USG-12); otherwise "
        "the whole request is refused with `ESIID_NOT_FOUND`, the same for another party's "
        "ESIID as for one that does not exist. Inside the file each meter keeps to its own "
        "agreement's days.",
        request=ReportRequestCreateInput,
        responses={
            201: ReportRequestSerializer,
            400: OpenApiResponse(
                ReportErrorSerializer,
                description="Refused, naming the field (API-4). Nothing is created.",
                examples=[
                    OpenApiExample(
                        "A date outside the agreement (USG-12)",
                        value=error_body(
                            "INVALID",
                            "Dates must be within your agreement with the customer "
                            "(02/01/2026 – 07/31/2026).",
                            "start_date",
                            errors={
                                "start_date": [
                                    "Dates must be within your agreement with the customer "
                                    "(02/01/2026 – 07/31/2026)."
                                ]
                            },
                        ),
                        response_only=True,
                    ),
                    OpenApiExample(
                        "An unknown report type",
                        value=error_body(
                            "INVALID",
                            "Select a valid choice. hourly is not one of the available choices.",
                            "report_type",
                            errors={
                                "report_type": [
                                    "Select a valid choice. hourly is not one of the available "
                                    "choices."
                                ]
                            },
                        ),
                        response_only=True,
                    ),
                    OpenApiExample(
                        "An ESIID you may not see (USG-12)",
                        value=error_body(
                            "ESIID_NOT_FOUND", "ESIID not found: 10443720000000009.", "esiids"
                        ),
                        response_only=True,
                    ),
                ],
            ),
            403: FORBIDDEN,
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = caller(request)
        meters = ReportMetersInput(data=request.data)
        meters.is_valid(raise_exception=True)
        try:
            premises = _premises(user, meters.validated_data["esiids"])
        except Refused as refused:
            return refusal_response(refused)
        form = _export_form(user, premises, request.data)
        if not form.is_valid():
            raise _form_refused(form)
        options = form.cleaned_data
        report = report_request_create(
            user=user,
            premises=premises,
            report_type=options["report_type"],
            start=options["start_date"],
            end=options["end_date"],
            versions=options["view"] == reports.VERSIONS,
            file_format=options["file_format"],
        )
        body = ReportRequestSerializer(_report(request, report.pk), context={"request": request})
        location = reverse("tp_api:report", args=[report.pk])
        return Response(body.data, status=status.HTTP_201_CREATED, headers={"Location": location})


class ReportRequestDetail(APIView):
    permission_classes = [ENERGY_DATA]

    @extend_schema(
        operation_id="reports_read",
        summary="One report request and its status",
        description="USG-9: `processing` while the worker builds it; `complete` with "
        "`download_url`, `file_name`, `size` and `expires_at`; or `unsuccessful` with the "
        "reason in `detail` (for example “No data found for the options chosen.”). After "
        "`expires_at` the request and its file are gone (404).",
        parameters=[ID_PARAMETER],
        responses={200: ReportRequestSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        report = _report(request, pk)
        return Response(ReportRequestSerializer(report, context={"request": request}).data)


class FileOrJson(BaseContentNegotiation):
    """The download answers with the file's own type whatever `Accept` says (a client may
    ask for text/csv); its refusals are JSON, as every API-4 answer."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class ReportRequestDownload(APIView):
    permission_classes = [ENERGY_DATA]
    content_negotiation_class = FileOrJson

    @extend_schema(
        operation_id="reports_download",
        summary="Download a complete report's file",
        description="The file of a `complete` request (USG-9), streamed as the Report Request "
        "Status page's download gives it: `text/csv` or Green Button XML "
        "(`application/atom+xml`), with `Content-Disposition: attachment; "
        'filename="report-<order number>.csv|xml"`. A request still `processing` is 409 '
        "`REPORT_NOT_READY` (retry later); an `unsuccessful` one is 409 `REPORT_UNSUCCESSFUL` "
        "with the reason; another party's request, or one past `expires_at`, is 404.",
        parameters=[ID_PARAMETER],
        responses={
            (200, "text/csv"): FILE,
            (200, "application/atom+xml"): FILE,
            (403, "application/json"): FORBIDDEN,
            (404, "application/json"): NOT_FOUND,
            (409, "application/json"): OpenApiResponse(
                ReportErrorSerializer,
                description="Not built (yet): `REPORT_NOT_READY` or `REPORT_UNSUCCESSFUL`.",
                examples=[
                    OpenApiExample(
                        "REPORT_NOT_READY",
                        value=error_body(
                            "REPORT_NOT_READY",
                            "Report 00000012 is still being built; try again later.",
                        ),
                        response_only=True,
                    ),
                    OpenApiExample(
                        "REPORT_UNSUCCESSFUL",
                        value=error_body(
                            "REPORT_UNSUCCESSFUL",
                            "Report 00000012 has no file: No data found for the options chosen.",
                        ),
                        response_only=True,
                    ),
                ],
            ),
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        report = _report(request, pk)
        if report.status == ReportRequest.Status.PROCESSING:
            message = _("Report %(number)s is still being built; try again later.")
            return _conflict("REPORT_NOT_READY", message % {"number": report.order_number})
        if not report.is_downloadable:
            message = _("Report %(number)s has no file: %(detail)s")
            values = {"number": report.order_number, "detail": report.detail}
            return _conflict("REPORT_UNSUCCESSFUL", message % values)
        try:
            handle = report.file.open("rb")
        except FileNotFoundError:  # removed by the retention purge since it was read
            return Response(error_body("NOT_FOUND", _("Not found.")), status=404)
        return FileResponse(  # as usage.views.exports.report_request_download
            handle,
            as_attachment=True,
            filename=report_file_name(report),
            content_type=report_content_type(report),
        )


def _conflict(code: str, message: str) -> Response:
    return Response(error_body(code, message), status=status.HTTP_409_CONFLICT)
