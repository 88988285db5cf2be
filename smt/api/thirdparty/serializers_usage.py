"""API-2 meters and usage, as JSON: the meters of Customer Meters (3rd Party) (AGR-14), their
15-minute usage (USG-3), daily meter reads (USG-4) and monthly usage (USG-5), inside the
agreement's period (USG-12).

kWh are strings holding the stored decimal ("0.250"): exact, never a float's rounding, and
what DRF writes for every other decimal of this API. Interval starts are ISO 8601 in
America/Chicago with their offset, so the repeated hour of the fall DST day is unambiguous.

The interval rows of a year (~35,000) are built as plain dicts by `interval_days_json`; the
serializers below only describe that shape in the OpenAPI document."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from agreements.models import Agreement
from usage.models import Channel, DailyRead, MonthlyUsage, Quality, day_total
from usage.selectors import DataWindow
from usage.services.freshness import freshness_json, premise_freshness
from usage.services.intervals import INTERVAL_MINUTES, MARKET_TZ

from .serializers import SANDBOX_HELP

# The stored flag of an interval (USG-1) as the API names it.
QUALITY_NAMES = {
    Quality.ACTUAL.value: "actual",
    Quality.ESTIMATED.value: "estimated",
    Quality.MISSING.value: "missing",
}
CHANNEL_KEYS = {Channel.CONSUMPTION.value: "consumption", Channel.GENERATION.value: "generation"}


# API-4: every error of the API, for the document (errors.py writes it). Inline: a serializer
# class cannot declare a field named `errors`.
API_ERROR = inline_serializer(
    "ApiError",
    fields={
        "code": serializers.CharField(
            help_text=_("INVALID, OUTSIDE_AGREEMENT, NOT_FOUND, FORBIDDEN…")
        ),
        "message": serializers.CharField(),
        "field": serializers.CharField(
            required=False, help_text=_("the query parameter at fault (a 400)")
        ),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text=_("every field's messages, when more than one is at fault"),
        ),
    },
)


# --- meters (AGR-14: Customer Meters (3rd Party)) ----------------------------------------------


class MeterAddressSerializer(serializers.Serializer):
    street = serializers.CharField(source="street_address")
    city = serializers.CharField()
    state = serializers.CharField()
    zip_code = serializers.CharField()


class FreshnessSerializer(serializers.Serializer):
    """BEY-4: how fresh the meter's data is, from its freshness summary (kept at ingest and
    nightly), limited to your agreement's days (USG-12): a day outside them is null."""

    last_interval_day = serializers.DateField(
        allow_null=True,
        help_text=_("the newest day with 15-minute data; null: none received (or none yet)"),
    )
    last_interval_received_at = serializers.DateTimeField(
        allow_null=True, help_text=_("when the TDSP sent that day's current version")
    )
    last_daily_read_day = serializers.DateField(
        allow_null=True, help_text=_("the newest day with a daily meter read")
    )
    last_monthly_end = serializers.DateField(
        allow_null=True, help_text=_("the end date of the newest billing period")
    )
    gap_days = serializers.IntegerField(
        min_value=0,
        help_text=_(
            "days of the last 90 (up to the latest available day, two days ago) without "
            "15-minute data or with estimated or missing intervals"
        ),
    )
    gap_dates = serializers.ListField(
        child=serializers.DateField(), help_text=_("those days, oldest first")
    )
    stale_days = serializers.IntegerField(
        allow_null=True,
        min_value=0,
        help_text=_(
            "days the newest day lags behind the latest available day (today − 2); 0: up "
            "to date; null: no 15-minute data"
        ),
    )


class MeterSerializer(serializers.Serializer):
    """A meter of Customer Meters (3rd Party) (AGR-14): the columns of the page, the TDSP, and
    the days of its usage you may read."""

    # Serializes an Agreement (premise and TDSP joined); the windows come in the context:
    # `context["windows"]`, premise pk → DataWindow, read for the whole page at once.
    esiid = serializers.CharField(source="premise.esiid", help_text=_("17 to 22 digits, text"))
    meter_number = serializers.CharField(help_text=_("the meter number of the agreement"))
    agreement_number = serializers.CharField()
    customer_last_name = serializers.CharField()
    address = MeterAddressSerializer(source="premise", help_text=_("the service address"))
    tdsp = serializers.CharField(source="premise.tdsp.name", help_text=_("the meter's utility"))
    sandbox = serializers.BooleanField(source="premise.is_sandbox", help_text=SANDBOX_HELP)
    data_from = serializers.SerializerMethodField(
        help_text=_(
            "the first day of usage you may read (the agreement's start, USG-12); "
            "null: no limit on this side"
        )
    )
    data_through = serializers.SerializerMethodField(
        help_text=_(
            "the last day of usage you may read (the agreement's end date, USG-12); "
            "null: no limit on this side"
        )
    )

    freshness = serializers.SerializerMethodField(
        help_text=_("BEY-4: last data received and gaps of the last 90 days")
    )

    def _window(self, agreement: Agreement) -> DataWindow:
        return self.context["windows"][agreement.premise_id]

    @extend_schema_field(FreshnessSerializer)
    def get_freshness(self, agreement: Agreement) -> dict[str, Any]:
        row = freshness_json(premise_freshness(agreement.premise), self._window(agreement))
        return FreshnessSerializer(row).data

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_data_from(self, agreement: Agreement) -> date | None:
        return self._window(agreement).start

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_data_through(self, agreement: Agreement) -> date | None:
        return self._window(agreement).end


# --- USG-3: 15-minute usage --------------------------------------------------------------------


class IntervalSerializer(serializers.Serializer):
    start = serializers.DateTimeField(
        help_text=_("the interval's start, America/Chicago with its offset; 15 minutes long")
    )
    kwh = serializers.DecimalField(
        max_digits=12,
        decimal_places=3,
        allow_null=True,
        help_text=_("kWh as a decimal string with 3 places; null when missing"),
    )
    quality = serializers.ChoiceField(choices=sorted(QUALITY_NAMES.values()))


class ChannelDaySerializer(serializers.Serializer):
    """One channel of one day: the current version the TDSP sent (USG-1)."""

    version = serializers.IntegerField(help_text=_("1, then 2… for each correction"))
    received_at = serializers.DateTimeField()
    total_kwh = serializers.DecimalField(max_digits=12, decimal_places=3)
    intervals = IntervalSerializer(many=True)


class IntervalDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    interval_count = serializers.IntegerField(
        help_text=_("96; 92 on the spring DST day, 100 on the fall DST day")
    )
    consumption = ChannelDaySerializer(allow_null=True, help_text=_("null when not stored"))
    generation = ChannelDaySerializer(
        allow_null=True, help_text=_("surplus generation; null when not stored")
    )


class UsageQuerySerializer(serializers.Serializer):
    """The `start` and `end` query parameters of the usage endpoints: ISO dates, end on or
    after start, at most `max_days` days (API-4: a 400 naming the parameter)."""

    start = serializers.DateField()
    end = serializers.DateField()

    def __init__(self, *args: Any, max_days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_days = max_days

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        start, end = data["start"], data["end"]
        if end < start:
            raise serializers.ValidationError(
                {"end": [_("The end date must be on or after the start date.")]}
            )
        if (end - start).days + 1 > self.max_days:
            raise serializers.ValidationError(
                {"end": [_("One request covers at most %(days)d days.") % {"days": self.max_days}]}
            )
        return data


class UsageRangeSerializer(serializers.Serializer):
    esiid = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class IntervalsSerializer(UsageRangeSerializer):
    interval_minutes = serializers.IntegerField()
    days = IntervalDaySerializer(many=True, help_text=_("the stored days, oldest first"))


@lru_cache(maxsize=1024)
def interval_starts(day: date) -> tuple[str, ...]:
    """The ISO 8601 local starts of the day's 92/96/100 intervals (USG-1); cached, as every
    request of a year asks for the same days."""
    moment = datetime.combine(day, time(), MARKET_TZ).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), MARKET_TZ).astimezone(UTC)
    step = timedelta(minutes=INTERVAL_MINUTES)
    starts = []
    while moment < end:
        starts.append(moment.astimezone(MARKET_TZ).isoformat())
        moment += step
    return tuple(starts)


IntervalDayRow = tuple[date, str, int, str, str, datetime]
DAY_ROW_FIELDS = ("day", "channel", "version", "readings", "quality", "received_at")


def interval_days_json(rows: Iterable[IntervalDayRow]) -> list[dict[str, Any]]:
    """The day rows (DAY_ROW_FIELDS, by day then channel) as the `days` of IntervalsSerializer,
    with every interval of the day, missing ones as null (so a day always has its 92/96/100)."""
    received = serializers.DateTimeField()
    days: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    quality_names = QUALITY_NAMES
    for day, channel, version, readings, quality, received_at in rows:
        if current.get("date") != day:
            starts = interval_starts(day)
            current = {
                "date": day,
                "interval_count": len(starts),
                "consumption": None,
                "generation": None,
            }
            days.append(current)
        current[CHANNEL_KEYS[channel]] = {
            "version": version,
            "received_at": received.to_representation(received_at),
            "total_kwh": str(day_total(readings)),
            "intervals": [
                {"start": start, "kwh": kwh or None, "quality": quality_names[flag]}
                for start, kwh, flag in zip(starts, readings.split(","), quality, strict=False)
            ],
        }
    for row in days:
        row["date"] = row["date"].isoformat()
    return days


# --- USG-4: daily meter reads; USG-5: monthly usage --------------------------------------------


class DailyReadSerializer(serializers.ModelSerializer):
    date = serializers.DateField(source="day")

    class Meta:
        model = DailyRead
        fields = ["date", "version", "start_read", "end_read", "consumption_kwh", "received_at"]


class DailyReadsSerializer(UsageRangeSerializer):
    reads = DailyReadSerializer(many=True, help_text=_("the stored days, oldest first"))


class MonthlyUsageSerializer(serializers.ModelSerializer):
    class Meta:
        model = MonthlyUsage
        fields = ["start_date", "end_date", "version", "actual_kwh", "metered_kw", "received_at"]


class MonthlyUsagesSerializer(UsageRangeSerializer):
    periods = MonthlyUsageSerializer(
        many=True,
        help_text=_(
            "the billing periods overlapping the range and wholly inside your agreement "
            "(USG-12), oldest first"
        ),
    )
