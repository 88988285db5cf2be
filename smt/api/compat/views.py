"""The SMT-compatible API (API-1): the JSON endpoints existing Smart Meter Texas client
programs call, with SMT's paths and shapes, so they work unchanged against the portal.

Plain Django views: the request and response shapes are fixed by SMT, not ours to design,
and there are few. Errors are JSON with a code and a message (API-4); a meter the user may
not see is a 404 (USG-12).
"""

import math
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from accounts import ratelimit
from accounts.services import SignInReason, api_token_issue, user_sign_in
from smt.api.common.errors import ApiError, refused_error
from smt.api.common.limits import RateLimited
from smt.api.common.requests import (
    AuthenticatedHttpRequest,
    JsonBody,
    authorization_credential,
    json_endpoint,
)
from smt.api.compat.limits import token_user_of
from smt.lib.errors import Refused
from smt.lib.fields import US_DATE, FieldInvalid, clean_date, clean_text
from usage import selectors
from usage.models import DailyRead, IntervalDay, MonthlyUsage, OnDemandRead, Premise
from usage.services import odr, reports
from usage.services.freshness import freshness_json, premise_freshness
from usage.services.intervals import MARKET_TZ, intervals_in_day
from usage.services.meters import normalize_meter_number

API_DATE_FORMAT = "%m/%d/%Y"
MAX_RANGE_DAYS = 31  # one request covers at most a month of days (decision)
MONTHLY_RANGE_DAYS = 731  # monthlysynch: billing periods of up to 24 months (decision)
SLOTS_PER_DAY = 100  # API-1: SMT's day always has 100 slots
REPEATED_HOUR_SLOTS = range(8, 12)  # the second 1 AM hour, filled only on the fall-back day
SKIPPED_HOUR_SLOTS = range(12, 16)  # 2 AM, absent on the spring-forward day
ODR_DATE_FORMAT = "%m/%d/%Y %H:%M:%S"  # API-1 "odrdate": America/Chicago, no zone written
ODR_STATUSES: dict[str, str] = {  # API-1 "odrstatus" of each On Demand Read status
    OnDemandRead.Status.PENDING: "PENDING",
    OnDemandRead.Status.COMPLETED: "COMPLETED",
    OnDemandRead.Status.FAILED: "FAILED",
}
ODR_LIMIT_CODE = "5031"  # SMT's status code for too many On Demand Read requests
ESIID_LENGTH = 22  # the longest ESIID (Premise.esiid)
METER_NUMBER_LENGTH = 30  # the longest meter number (Meter.meter_number)
MAX_ESIIDS = 100  # ESIIDs in one usage request

Body = Mapping[str, Any]  # the request's JSON object, read after the credential check
ApiView = Callable[..., HttpResponse]


class SmtApiError(ApiError):
    """An error in SMT's own shape: `errorCode` and `errormessage` (API-1), the field when
    there is one (API-4)."""

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"errorCode": self.code, "errormessage": self.message}
        if self.field:
            body["field"] = self.field
        return body


def api_view(view: ApiView) -> ApiView:
    """POST-only JSON endpoint called with the body; errors answer in SMT's shape. The body
    is parsed on the view's first look at it, after `bearer_required` (API-4)."""

    @json_endpoint(["POST"])
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, JsonBody(request, error=SmtApiError), *args, **kwargs)
        except FieldInvalid as refusal:
            raise refused_error(refusal, error=SmtApiError) from refusal

    return wrapped


def bearer_required(view: ApiView) -> ApiView:
    """The `Authorization: Bearer` token of authenticate; expired or unknown → 401."""

    @wraps(view)
    def wrapped(request: HttpRequest, body: Body, *args: Any, **kwargs: Any) -> HttpResponse:
        user = token_user_of(request, authorization_credential(request, "Bearer"))
        if user is None:
            return JsonResponse({"message": "Invalid Token"}, status=401)
        request.user = user
        return view(request, body, *args, **kwargs)

    return wrapped


# --- authenticate ------------------------------------------------------------------------------


@api_view
def authenticate(request: HttpRequest, body: Body) -> JsonResponse:
    """POST /commonapi/user/authenticate → {"token"}; 400 wrong credentials, 403 locked
    (ACC-11), 429 with Retry-After past a sign-in limit (SEC-5). Failures count like the
    login page's, under the same limits."""
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        raise SmtApiError(400, "ERR-USR-USERNOTFOUND", "username and password are required.")
    result = user_sign_in(
        user_id=username, password=password, address=ratelimit.client_address(request)
    )
    if result.reason is SignInReason.RATE_LIMITED:
        shaped = SmtApiError(429, "RATE_LIMITED", result.error)
        raise RateLimited(shaped, retry_after=result.retry_after)
    if result.reason is SignInReason.LOCKED:
        raise SmtApiError(403, "ERR-USR-LOCKED", result.error)
    if result.user is None:
        raise SmtApiError(400, "ERR-USR-INVALIDPASSWORDERROR", result.error)
    if result.user.must_change_password:
        raise SmtApiError(
            400, "ERR-USR-SETUP", "Log in to the portal once to finish setting up the account."
        )
    return JsonResponse({"token": api_token_issue(user=result.user)})


# --- meters ------------------------------------------------------------------------------------


@api_view
@bearer_required
def meters(request: AuthenticatedHttpRequest, body: Body) -> JsonResponse:
    """POST /api/meter {"esiid": "*" | ESIID} → the meters the user may see (USG-12)."""
    wanted = _esiid(body.get("esiid", "*"), "esiid", required=False) or "*"
    premises = selectors.premises_visible_to(user=request.user).select_related("tdsp", "freshness")
    if wanted != "*":
        premises = premises.filter(esiid=wanted)
    listed = list(premises.prefetch_related("meters").order_by("esiid"))
    # BEY-4 within USG-12: every meter's data window in one query, not one a meter.
    windows = selectors.premise_data_windows(user=request.user, premises=listed)
    data = []
    for premise in listed:
        meter = next((m for m in premise.meters.all() if m.removed_on is None), None)
        data.append(
            {
                "esiid": premise.esiid,
                "meterNumber": meter.meter_number if meter else "",
                "address": premise.street_address,
                "city": premise.city,
                "state": premise.state,
                "zip": premise.zip_code,
                "tdsp": premise.tdsp.name,
                "status": premise.premise_status,
                "freshness": _freshness(premise, windows.get(premise.pk, selectors.CLOSED)),
            }
        )
    return JsonResponse({"data": data})


def _freshness(premise: Premise, window: selectors.DataWindow) -> dict[str, Any]:
    """BEY-4 in SMT's style: camelCase keys, MM/DD/YYYY days, Central times; null unknown."""
    row = freshness_json(premise_freshness(premise), window)

    def day(value: date | None) -> str | None:
        return value.strftime(API_DATE_FORMAT) if value else None

    received = row["last_interval_received_at"]
    return {
        "lastIntervalDate": day(row["last_interval_day"]),
        "lastIntervalReceived": (
            timezone.localtime(received, MARKET_TZ).strftime(ODR_DATE_FORMAT) if received else None
        ),
        "lastDailyReadDate": day(row["last_daily_read_day"]),
        "lastMonthlyEndDate": day(row["last_monthly_end"]),
        "gapDays": row["gap_days"],
        "staleDays": row["stale_days"],
    }


# --- usage -------------------------------------------------------------------------------------


def _esiid(value: object, field: str, *, required: bool = True) -> str:
    return clean_text(
        value, field=field, max_length=ESIID_LENGTH, required=required, code="INVALID_ESIID"
    )


def _date(body: Body, field: str) -> date:
    day = clean_date(body.get(field), field=field, form=US_DATE, code="INVALID_DATE")
    assert day is not None  # required
    return day


def _range(body: Body) -> tuple[date, date]:
    start, end = _date(body, "startDate"), _date(body, "endDate")
    if start > end:
        raise SmtApiError(400, "INVALID_RANGE", "endDate is before startDate.", "endDate")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise SmtApiError(
            400,
            "RANGE_TOO_LONG",
            f"A request covers at most {MAX_RANGE_DAYS} days.",
            "endDate",
        )
    return start, end


def _premises(request: AuthenticatedHttpRequest, body: Body) -> list[Premise]:
    given = body.get("ESIID")
    if isinstance(given, str):
        given = [given]
    if not isinstance(given, list) or not given or len(given) > MAX_ESIIDS:
        raise SmtApiError(
            400, "INVALID_ESIID", f"ESIID must list 1 to {MAX_ESIIDS} ESIIDs.", "ESIID"
        )
    esiids = [_esiid(esiid, "ESIID") for esiid in given]
    visible = selectors.premises_visible_to(user=request.user)
    found = {p.esiid: p for p in visible.filter(esiid__in=esiids)}
    missing = [esiid for esiid in esiids if esiid not in found]
    if missing:
        raise SmtApiError(
            404, "ESIID_NOT_FOUND", f"ESIID not found: {', '.join(missing)}.", "ESIID"
        )
    return [found[esiid] for esiid in esiids]


def _visible_days(
    request: AuthenticatedHttpRequest, premises: list[Premise], start: date, end: date
) -> Q:
    """USG-12, AGR-14: each ESIID's days of start..end inside the user's data window (a 3rd
    party's agreement period). Days outside are left out, not refused: one call may name
    ESIIDs of different agreements, and SMT clients sync fixed ranges (docs/decisions.md)."""
    windows = selectors.premise_data_windows(user=request.user, premises=premises)
    if not any(window.is_limited for window in windows.values()):
        return Q(premise__in=premises, day__range=(start, end))
    days = Q(pk__in=[])  # matches nothing: no ESIID has a day in its window
    for premise in premises:
        span = windows[premise.pk].clamp(start, end)
        if span:
            days |= Q(premise=premise, day__range=span)
    return days


def _visible_months(
    request: AuthenticatedHttpRequest, premises: list[Premise], start: date, end: date
) -> Q:
    """The billing periods overlapping start..end; under a limited data window only those
    wholly inside it (USG-12: a period begun before the agreement holds earlier usage)."""
    windows = selectors.premise_data_windows(user=request.user, premises=premises)
    if not any(window.is_limited for window in windows.values()):
        return Q(premise__in=premises, start_date__lte=end, end_date__gte=start)
    months = Q(pk__in=[])
    for premise in premises:
        window = windows[premise.pk]
        if window.is_limited and window.clamp(start, end) is None:
            continue
        months |= Q(premise=premise, start_date__lte=end, end_date__gte=start) & (
            reports.billing_periods_inside(window)
        )
    return months


def smt_slots(day: date, readings: str, quality: str) -> str:
    """API-1 "RD": the day as SMT's 100 slots, "kWh-Q" each, in local time: slots 8-11
    hold the repeated 1 AM hour (fall-back day only) and slots 12-15 the 2 AM hour that the
    spring-forward day skips; unused slots are blank."""
    values = [
        f"{value}-{flag}" if value and flag != "-" else ""
        for value, flag in zip(readings.split(","), quality, strict=False)
    ]
    count = intervals_in_day(day)
    if count == SLOTS_PER_DAY:
        slots = values
    elif count < 96:  # spring forward: no 2 AM hour
        slots = values[:8] + [""] * 8 + values[8:]
    else:
        slots = values[:8] + [""] * 4 + values[8:]
    return ",".join(slots + [""] * (SLOTS_PER_DAY - len(slots)))


@api_view
@bearer_required
def interval_synch(request: AuthenticatedHttpRequest, body: Body) -> JsonResponse:
    """POST /api/adhoc/intervalsynch → {"data": {"energyData": [{"DT","RT","RD"}]}}."""
    start, end = _range(body)
    premises = _premises(request, body)
    rows = (
        IntervalDay.objects.filter(_visible_days(request, premises, start, end), is_current=True)
        .select_related("premise")
        .order_by("premise__esiid", "day", "channel")
    )
    energy = [
        {
            "ESIID": row.premise.esiid,
            "DT": row.day.strftime(API_DATE_FORMAT),
            "RT": row.channel,
            "RD": smt_slots(row.day, row.readings, row.quality),
        }
        for row in rows
    ]
    return JsonResponse({"data": {"energyData": energy, "errorMessage": ""}})


def _number(value: object) -> str:
    return "" if value is None else str(value)


@api_view
@bearer_required
def daily_synch(request: AuthenticatedHttpRequest, body: Body) -> JsonResponse:
    """POST /api/adhoc/dailysynch → {"data": {"dailyData": [...]}} (register reads)."""
    start, end = _range(body)
    premises = _premises(request, body)
    reads = (
        DailyRead.objects.filter(_visible_days(request, premises, start, end), is_current=True)
        .select_related("premise")
        .order_by("premise__esiid", "day")
    )
    data = [
        {
            "ESIID": read.premise.esiid,
            "DT": read.day.strftime(API_DATE_FORMAT),
            "startReading": _number(read.start_read),
            "endReading": _number(read.end_read),
            "reading": _number(read.consumption_kwh),
        }
        for read in reads
    ]
    return JsonResponse({"data": {"dailyData": data, "errorMessage": ""}})


@api_view
@bearer_required
def monthly_synch(request: AuthenticatedHttpRequest, body: Body) -> JsonResponse:
    """POST /api/adhoc/monthlysynch → {"data": {"monthlyData": [...]}} (billing periods).
    Dates select the billing periods that overlap them, up to 24 months."""
    start, end = _date(body, "startDate"), _date(body, "endDate")
    if start > end or end - start > timedelta(days=MONTHLY_RANGE_DAYS):
        raise SmtApiError(400, "INVALID_RANGE", "Choose at most 24 months.", "endDate")
    premises = _premises(request, body)
    months = (
        MonthlyUsage.objects.filter(_visible_months(request, premises, start, end), is_current=True)
        .select_related("premise")
        .order_by("premise__esiid", "start_date")
    )
    data = [
        {
            "ESIID": month.premise.esiid,
            "startDate": month.start_date.strftime(API_DATE_FORMAT),
            "endDate": month.end_date.strftime(API_DATE_FORMAT),
            "actualkWh": _number(month.actual_kwh),
            "meteredKW": _number(month.metered_kw),
        }
        for month in months
    ]
    return JsonResponse({"data": {"monthlyData": data, "errorMessage": ""}})


# --- On Demand Read (USG-11) -------------------------------------------------------------------


def _odr_premise(request: AuthenticatedHttpRequest, body: Body) -> Premise:
    esiid = _esiid(body.get("ESIID"), "ESIID")
    premise = selectors.premises_visible_to(user=request.user).filter(esiid=esiid).first()
    if premise is None:
        raise SmtApiError(404, "ESIID_NOT_FOUND", f"ESIID not found: {esiid}.", "ESIID")
    return premise


@api_view
@bearer_required
def on_demand_read(request: AuthenticatedHttpRequest, body: Body) -> JsonResponse:
    """POST /api/ondemandread {"ESIID", "MeterNumber"}: request a read of the meter (USG-11).
    The limit's refusal is a 429 with SMT's "FLR" answer and when the next one is possible;
    the `smart-meter-texas` package ignores this answer and polls latestodrread."""
    premise = _odr_premise(request, body)
    meter_number = clean_text(
        body.get("MeterNumber"),
        field="MeterNumber",
        max_length=METER_NUMBER_LENGTH,
        code="INVALID_METER",
    )
    current = reports.meter_in_service(premise)
    if current is None or normalize_meter_number(meter_number) != normalize_meter_number(
        current.meter_number
    ):
        raise SmtApiError(
            400, "INVALID_METER", "MeterNumber is not the meter of this ESIID.", "MeterNumber"
        )
    if not odr.on_demand_read_may_request(user=request.user, premise=premise):
        raise SmtApiError(403, "NOT_ALLOWED", str(odr.SHARED_READ_ONLY), "ESIID")  # ACC-22
    try:
        read = odr.on_demand_read_request(user=request.user, premise=premise)
    except Refused as refusal:
        # A limit's refusal says when the next request is possible (USG-11), also as
        # Retry-After (SEC-5: every limit's 429 has one).
        next_at: datetime | None = getattr(refusal, "next_at", None)
        shaped = refused_error(
            refusal,
            status=429,
            code=ODR_LIMIT_CODE,
            error=SmtApiError,
            extra={
                "data": {
                    "RequestStatus": "FLR",
                    "statusCode": ODR_LIMIT_CODE,
                    "statusReason": str(refusal),
                    "nextRequestAt": next_at.isoformat() if next_at else "",
                }
            },
        )
        if next_at is None:
            raise shaped from refusal
        wait = math.ceil((next_at - timezone.now()).total_seconds())
        raise RateLimited(shaped, retry_after=max(1, wait)) from refusal
    return JsonResponse(
        {
            "data": {
                "RequestStatus": "SUCCESS",
                "statusCode": "0",
                "statusReason": "On Demand Read requested.",
                "odrstatus": ODR_STATUSES[read.status],
            }
        }
    )


def _odr_date(value: datetime | None) -> str:
    return value.astimezone(MARKET_TZ).strftime(ODR_DATE_FORMAT) if value else ""


@api_view
@bearer_required
def latest_odr_read(request: AuthenticatedHttpRequest, body: Body) -> JsonResponse:
    """POST /api/usage/latestodrread {"ESIID"} → the latest On Demand Read: {"data":
    {"odrstatus", "odrread", "odrusage", "odrdate", "responseMessage"}} (USG-11). A failed
    read is "FAILED" with the portal's error text; a meter never read is a 404."""
    premise = _odr_premise(request, body)
    window = selectors.premise_data_window(user=request.user, premise=premise)  # USG-12
    read = odr.on_demand_read_latest(premise=premise, window=window)
    if read is None:
        raise SmtApiError(
            404, "ODR_NOT_FOUND", "No On Demand Read has been requested for this ESIID.", "ESIID"
        )
    messages: dict[str, str] = {
        OnDemandRead.Status.PENDING: "PENDING",
        OnDemandRead.Status.COMPLETED: "SUCCESS",
        OnDemandRead.Status.FAILED: str(odr.ERROR_MESSAGE),
    }
    return JsonResponse(
        {
            "data": {
                "odrstatus": ODR_STATUSES[read.status],
                "odrread": _number(read.register_read),
                "odrusage": _number(read.usage_kwh),
                "odrdate": _odr_date(read.read_at),
                "responseMessage": messages[read.status],
            }
        }
    )
