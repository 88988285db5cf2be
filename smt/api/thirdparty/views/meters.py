"""API-2 meters and usage: Customer Meters (3rd Party) (AGR-14) and, for one of its meters,
15-minute usage (USG-3) as JSON or Green Button XML (USG-10), daily meter reads (USG-4) and
monthly usage (USG-5) — through the same selectors as those pages, so the same meters
(USG-12: anything else is a 404) and the same days: the agreement's period only.

Dates outside the agreement are refused as the report page refuses them (the same rule and
message, `reports.window_errors`), as a 400 naming the parameter, never cut silently."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import F, QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from agreements.models import Agreement
from agreements.selectors import agreement_meters_for_user
from smt.lib.errors import Refused
from usage.formats import greenbutton
from usage.models import Premise
from usage.selectors import (
    DataWindow,
    premise_data_window,
    premise_data_windows,
    premise_get_for_user,
)
from usage.services import reports
from usage.services.intervals import INTERVAL_MINUTES

from ..auth import caller
from ..pagination import NewestFirst
from ..permissions import ENERGY_DATA
from ..query import SEARCH_HELP, search_param
from ..serializers_usage import (
    API_ERROR,
    DAY_ROW_FIELDS,
    DailyReadSerializer,
    DailyReadsSerializer,
    IntervalsSerializer,
    MeterSerializer,
    MonthlyUsageSerializer,
    MonthlyUsagesSerializer,
    UsageQuerySerializer,
    interval_days_json,
)

MAX_INTERVAL_DAYS = 366  # API-2: a year of 15-minute data (a leap year too) in one request
MAX_DAILY_DAYS = 366  # API-2, USG-4: a year of daily meter reads
MAX_MONTHLY_DAYS = 731  # USG-5: up to 24 months of billing periods
# reports.window_errors names the report page's fields; the API's are its query parameters.
PARAMETER_OF_FIELD = {"start_date": "start", "end_date": "end"}

# --- the OpenAPI document ----------------------------------------------------------------------

EXAMPLE_ESIID = "10443720000000001"
ESIID_PATH = OpenApiParameter(
    "esiid",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The meter's ESIID (17 to 22 digits), one of `GET /meters`.",
    examples=[OpenApiExample("ESIID", value=EXAMPLE_ESIID)],
)
ESIID_SEARCH = OpenApiParameter(
    "esiid",
    OpenApiTypes.STR,
    description=SEARCH_HELP,
    examples=[
        OpenApiExample("Two meters", value="10443720000000001,10443720000000002"),
        OpenApiExample("Wildcard", value="1044372*"),
    ],
)


def _range_parameters(max_days: int) -> list[OpenApiParameter]:
    inside = (
        "Inside your agreement with the customer (`data_from`..`data_through` of the meter, "
        "USG-12, AGR-14); a day outside is a 400 `OUTSIDE_AGREEMENT` naming this parameter."
    )
    return [
        OpenApiParameter(
            "start",
            OpenApiTypes.DATE,
            required=True,
            description=f"The first day (YYYY-MM-DD, Central Prevailing Time). {inside}",
            examples=[OpenApiExample("start", value="2026-01-01")],
        ),
        OpenApiParameter(
            "end",
            OpenApiTypes.DATE,
            required=True,
            description=f"The last day, on or after `start`; at most {max_days} days in all. "
            f"{inside}",
            examples=[OpenApiExample("end", value="2026-01-31")],
        ),
    ]


def _errors(*statuses: int, media_type: str | None = None) -> dict[Any, OpenApiResponse]:
    """The API-4 error answers of an operation (keyed by (status, type) when the operation's
    success is not JSON)."""
    described = {
        400: "API-4: a query parameter is missing or wrong (`field` names it; `INVALID`), or "
        "a day is outside your agreement (`OUTSIDE_AGREEMENT`).",
        401: "No live personal token.",
        403: "Your user does not have the Energy Data function (ACC-19).",
        404: "No meter of yours has this ESIID: unknown, another company's, or without an "
        "Active Ongoing Energy Data agreement today (USG-12).",
    }
    return {
        (status, media_type) if media_type else status: OpenApiResponse(
            API_ERROR, description=described[status]
        )
        for status in statuses
    }


# --- reading the request -----------------------------------------------------------------------


class OutsideAgreement(Refused):
    """USG-12, AGR-14: a day of the request is outside the caller's agreement."""

    code = "OUTSIDE_AGREEMENT"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=field)
        self.errors = errors


def _meter_agreement(user: User, esiid: str) -> Agreement:
    """A meter of Customer Meters (3rd Party), as its agreement in force, or 404: the premise
    as USG-12 lets the user see it (premise_get_for_user), listed on that page (API-2: usage
    for ESIIDs under Active agreements; for a REP, not the meters it serves)."""
    premise = premise_get_for_user(user=user, esiid=esiid)
    agreement = (
        agreement_meters_for_user(user=user)
        .select_related("premise__tdsp", "premise__freshness")
        .filter(premise=premise)
        .first()
    )
    if agreement is None:
        raise NotFound()
    return agreement


def _meter_premise(user: User, esiid: str) -> Premise:
    """The premise of `_meter_agreement`, for the usage endpoints (an EXISTS, no agreement row)."""
    premise = premise_get_for_user(user=user, esiid=esiid)
    if not agreement_meters_for_user(user=user).filter(premise=premise).exists():
        raise NotFound()
    return premise


def _usage_request(
    request: Request, esiid: str, *, max_days: int
) -> tuple[Premise, date, date, DataWindow]:
    """The meter (404 first: another company's ESIID never learns about its dates), the
    checked `start` and `end` (400 naming the parameter) and the caller's data window, which
    holds them whole (USG-12: the report page's rule and message)."""
    user = caller(request)
    premise = _meter_premise(user, esiid)
    query = UsageQuerySerializer(data=request.query_params, max_days=max_days)
    query.is_valid(raise_exception=True)
    start, end = query.validated_data["start"], query.validated_data["end"]
    window = premise_data_window(user=user, premise=premise)
    errors: dict[str, list[str]] = {}
    for field, message in reports.window_errors(start=start, end=end, window=window):
        errors.setdefault(PARAMETER_OF_FIELD[field], []).append(str(message))
    if errors:
        raise OutsideAgreement(errors)
    return premise, start, end, window


def _range_body(premise: Premise, start: date, end: date, **rows: Any) -> dict[str, Any]:
    return {"esiid": premise.esiid, "start": start.isoformat(), "end": end.isoformat(), **rows}


# --- meters ------------------------------------------------------------------------------------


class ByEsiid(NewestFirst):
    """Customer Meters (3rd Party) in ESIID order, the page's default sort (one agreement in
    force per company and meter, so the ESIID is unique in the list)."""

    ordering = ("listed_esiid", "pk")


@extend_schema_view(
    get=extend_schema(
        operation_id="meters_list",
        summary="Customer Meters (3rd Party)",
        description="The meters of your company's Active Ongoing Energy Data agreements, "
        "exactly as the Customer Meters (3rd Party) page lists them (AGR-14, USG-12), in "
        "ESIID order, with the days of usage you may read (`data_from`..`data_through`: the "
        "agreement's period) and the data's `freshness` (BEY-4: newest days received, gaps "
        "of the last 90 days, days stale). `esiid` searches with the ACC-20 input. Needs the "
        "Energy Data function (ACC-19).",
        parameters=[ESIID_SEARCH],
        responses={200: MeterSerializer(many=True), **_errors(400, 401, 403)},
    )
)
class MeterList(generics.ListAPIView):
    permission_classes = [ENERGY_DATA]
    pagination_class = ByEsiid
    serializer_class = MeterSerializer

    def get_queryset(self) -> QuerySet[Agreement]:
        meters = (
            agreement_meters_for_user(user=caller(self.request))
            .select_related("premise__tdsp", "premise__freshness")  # BEY-4, joined
            .annotate(listed_esiid=F("premise__esiid"))  # the cursor's position
        )
        esiids = search_param(self.request, "esiid")
        return meters.filter(esiids.q("premise__esiid", case_sensitive=True)) if esiids else meters

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        # USG-12: every row's window in one query for the page, not one a row.
        windows = premise_data_windows(user=caller(request), premises=[a.premise for a in page])
        rows = MeterSerializer(page, many=True, context={"windows": windows}).data
        return self.get_paginated_response(rows)


class MeterDetail(APIView):
    permission_classes = [ENERGY_DATA]

    @extend_schema(
        operation_id="meters_read",
        summary="One meter of Customer Meters (3rd Party)",
        description="One meter of `GET /meters` (AGR-14, USG-12): a 404 for an ESIID that is "
        "unknown, another company's, or without your Active agreement today.",
        parameters=[ESIID_PATH],
        responses={200: MeterSerializer, **_errors(401, 403, 404)},
    )
    def get(self, request: Request, esiid: str) -> Response:
        user = caller(request)
        agreement = _meter_agreement(user, esiid)
        premise = agreement.premise
        windows = {premise.pk: premise_data_window(user=user, premise=premise)}
        return Response(MeterSerializer(agreement, context={"windows": windows}).data)


# --- usage (USG-3, USG-4, USG-5, USG-10) -------------------------------------------------------


class MeterIntervals(APIView):
    permission_classes = [ENERGY_DATA]

    @extend_schema(
        operation_id="meters_intervals",
        summary="15-minute usage (Daily Usage)",
        description="USG-3: the meter's 15-minute kWh from `start` to `end` (at most "
        f"{MAX_INTERVAL_DAYS} days: a year in one request), one entry per stored day with "
        "its consumption and, when stored, surplus generation: the current version the TDSP "
        "sent (`version`), every interval with its local start (ISO 8601, America/Chicago "
        "with its offset), kWh as a decimal string (null when missing) and its quality "
        "(actual, estimated, missing). A day has 96 intervals, 92 on the spring DST day and "
        "100 on the fall one. Days without data are left out. Only days inside your "
        "agreement (USG-12, AGR-14).",
        parameters=[ESIID_PATH, *_range_parameters(MAX_INTERVAL_DAYS)],
        responses={200: IntervalsSerializer, **_errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, esiid: str) -> Response:
        premise, start, end, _window = _usage_request(request, esiid, max_days=MAX_INTERVAL_DAYS)
        rows = reports.interval_days(premise, start, end).values_list(*DAY_ROW_FIELDS)
        days = interval_days_json(rows.iterator(chunk_size=2000))
        return Response(
            _range_body(premise, start, end, interval_minutes=INTERVAL_MINUTES, days=days)
        )


class ErrorsAsJson(BaseContentNegotiation):
    """The feed is not rendered by DRF, so a client asking for Atom XML must not get a 406:
    its errors are the API-4 JSON, whatever it accepts."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        json = next(iter(renderers))  # the API's one renderer
        return json, json.media_type


class MeterIntervalsXml(APIView):
    permission_classes = [ENERGY_DATA]
    content_negotiation_class = ErrorsAsJson

    @extend_schema(
        operation_id="meters_intervals_green_button",
        summary="15-minute usage as Green Button XML",
        description="USG-10: the same days as `GET /meters/{esiid}/intervals` as a Green "
        "Button (NAESB ESPI) Atom feed, the file of the usage page's Green Button export: "
        "one IntervalBlock per stored day, values in Wh, current version only, streamed as "
        f"an attachment (`{greenbutton.CONTENT_TYPE}`). At most {MAX_INTERVAL_DAYS} days. "
        "Errors are JSON, like every error of this API.",
        parameters=[ESIID_PATH, *_range_parameters(MAX_INTERVAL_DAYS)],
        responses={
            (200, greenbutton.CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.STR, description="The Green Button XML feed (ESPI Atom)."
            ),
            **_errors(400, 401, 403, 404, media_type="application/json"),
        },
    )
    def get(self, request: Request, esiid: str) -> StreamingHttpResponse:
        premise, start, end, window = _usage_request(request, esiid, max_days=MAX_INTERVAL_DAYS)
        feed = greenbutton.green_button_feed([premise], start, end, windows={premise.pk: window})
        response = StreamingHttpResponse(feed, content_type=greenbutton.CONTENT_TYPE)
        name = f"greenbutton-{premise.esiid}-{start}-{end}.{greenbutton.EXTENSION}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class MeterDailyReads(APIView):
    permission_classes = [ENERGY_DATA]

    @extend_schema(
        operation_id="meters_daily_reads",
        summary="Daily meter reads",
        description="USG-4: each stored day's start and end register reads and consumption "
        f"(kWh, decimal strings; null where the TDSP sent none), current version, from "
        f"`start` to `end` (at most {MAX_DAILY_DAYS} days), oldest first. Only days inside "
        "your agreement (USG-12, AGR-14).",
        parameters=[ESIID_PATH, *_range_parameters(MAX_DAILY_DAYS)],
        responses={200: DailyReadsSerializer, **_errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, esiid: str) -> Response:
        premise, start, end, _window = _usage_request(request, esiid, max_days=MAX_DAILY_DAYS)
        reads = DailyReadSerializer(reports.daily_reads(premise, start, end), many=True).data
        return Response(_range_body(premise, start, end, reads=reads))


class MeterMonthlyUsage(APIView):
    permission_classes = [ENERGY_DATA]

    @extend_schema(
        operation_id="meters_monthly",
        summary="Monthly usage (billing periods)",
        description="USG-5: the billing periods overlapping `start`..`end` (at most "
        f"{MAX_MONTHLY_DAYS} days), current version, oldest first, each with its actual kWh "
        "and metered kW (null where missing). Only periods wholly inside your agreement: a "
        "period begun before it holds usage from before the customer's consent (USG-12, "
        "AGR-14).",
        parameters=[ESIID_PATH, *_range_parameters(MAX_MONTHLY_DAYS)],
        responses={200: MonthlyUsagesSerializer, **_errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, esiid: str) -> Response:
        premise, start, end, window = _usage_request(request, esiid, max_days=MAX_MONTHLY_DAYS)
        months = reports.monthly_usage(premise, start, end, window=window).order_by("start_date")
        periods = MonthlyUsageSerializer(months, many=True).data
        return Response(_range_body(premise, start, end, periods=periods))
