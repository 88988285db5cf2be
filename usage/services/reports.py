"""Usage reports of one meter (USG-3, USG-4, USG-5) and their option rules (USG-6), read
from the day rows of `IntervalDay`, `DailyRead` and `MonthlyUsage`.

Everything here is a read: the pages, the CSV export and (later) offline exports and the
APIs build on the same functions, so a rule is enforced in one place.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from django.db.models import Min, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from usage.models import DailyRead, IntervalDay, Meter, MonthlyUsage, Premise
from usage.selectors import UNLIMITED, DataWindow
from usage.services.intervals import INTERVAL_MINUTES, MARKET_TZ

INTERVAL, DAILY, MONTHLY = "interval", "daily", "monthly"
REPORT_TYPES = (INTERVAL, DAILY, MONTHLY)
CURRENT, VERSIONS = "current", "versions"

EARLIEST_DAY = date(2010, 2, 1)  # USG-6: SMT holds no data before February 1, 2010
HISTORY_MONTHS = {INTERVAL: 48, DAILY: 48, MONTHLY: 24}  # USG-6
AVAILABILITY_LAG_DAYS = 2  # USG-6: a day's data is available two days after it
ONLINE_INTERVAL_DAYS = 40  # USG-7: Daily Usage of 40 days or more runs offline
DAILY_READS_PER_PAGE = 30  # USG-4


def _show(day: date) -> str:
    return formats.date_format(day, "m/d/Y")


def latest_available_day(today: date | None = None) -> date:
    return (today or timezone.localdate()) - timedelta(days=AVAILABILITY_LAG_DAYS)


def earliest_start_day(*, report_type: str, installed_on: date | None, today: date) -> date:
    """USG-6: the latest of the history window, 2010-02-01 and the meter's installation."""
    window = today - relativedelta(months=HISTORY_MONTHS[report_type])
    return max(d for d in (window, EARLIEST_DAY, installed_on) if d)


def date_range_errors(
    *,
    report_type: str,
    start: date,
    end: date,
    installed_on: date | None,
    today: date,
    window: DataWindow | None = None,
) -> list[tuple[str, str]]:
    """USG-6: every rule the chosen dates break, as (field, message naming the rule).
    USG-12, AGR-14: a 3rd party's dates stay within its agreement's period (`window`)."""
    errors = window_errors(start=start, end=end, window=window)
    if start > end:
        errors.append(("end_date", _("The end date must be on or after the start date.")))
    latest = latest_available_day(today)
    if end > latest:
        errors.append(
            (
                "end_date",
                _(
                    "Usage data is available two days after the day it covers: the latest "
                    "end date is %(day)s."
                )
                % {"day": _show(latest)},
            )
        )
    history_start = today - relativedelta(months=HISTORY_MONTHS[report_type])
    if start < history_start:
        errors.append(
            (
                "start_date",
                _("The start date cannot be more than %(months)d months ago (%(day)s).")
                % {"months": HISTORY_MONTHS[report_type], "day": _show(history_start)},
            )
        )
    if start < EARLIEST_DAY:
        errors.append(
            (
                "start_date",
                _("Smart Meter Texas has no data before %(day)s.") % {"day": _show(EARLIEST_DAY)},
            )
        )
    if installed_on and start < installed_on:
        errors.append(
            (
                "start_date",
                _("The start date cannot be before the meter was installed (%(day)s).")
                % {"day": _show(installed_on)},
            )
        )
    return errors


def window_errors(*, start: date, end: date, window: DataWindow | None) -> list[tuple[str, str]]:
    """USG-12, AGR-14: dates outside the user's data window (a 3rd party's agreement with the
    customer), one message naming the rule on each field that leaves it."""
    if window is None or not window.is_limited:
        return []
    message = _("Dates must be within your agreement with the customer (%(start)s – %(end)s).") % {
        "start": _show(window.start) if window.start else "",
        "end": _show(window.end) if window.end else "",
    }
    errors = []
    if window.start and start < window.start:
        errors.append(("start_date", message))
    if window.end and end > window.end:
        errors.append(("end_date", message))
    return errors


def is_online(*, report_type: str, start: date, end: date) -> bool:
    """USG-7: Daily Usage for fewer than 40 days renders at once."""
    return report_type != INTERVAL or (end - start).days + 1 < ONLINE_INTERVAL_DAYS


def earliest_installed_on(premises: Iterable[Premise]) -> date | None:
    """For an export of many meters: data starts with the first smart meter installed."""
    return Meter.objects.filter(premise__in=premises, is_smart=True).aggregate(
        first=Min("installed_on")
    )["first"]


def installed_on(premise: Premise) -> date | None:
    """The installation date of the first smart meter still counted at the premise."""
    # Only the date: every page of a meter asks, and a whole Meter row costs ~2× as much.
    return (
        Meter.objects.filter(premise=premise.pk, is_smart=True)
        .order_by("installed_on")
        .values_list("installed_on", flat=True)
        .first()
    )


# --- USG-3: Daily Usage (15 minutes) -----------------------------------------------------------


@dataclass(frozen=True)
class IntervalRow:
    starts: str  # local start time, with the zone where the hour repeats (fall DST)
    ends: str
    consumption: Decimal | None
    generation: Decimal | None
    quality: str


@lru_cache(maxsize=1024)
def interval_labels(day: date) -> tuple[tuple[str, str], ...]:
    """(start, end) local times of the day's 92/96/100 intervals (USG-1); cached, as every
    export asks for the same days again and again."""
    start = datetime.combine(day, time(), MARKET_TZ).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), MARKET_TZ).astimezone(UTC)
    step = timedelta(minutes=INTERVAL_MINUTES)
    moments = []
    moment = start
    while moment < end:
        moments.append(moment)
        moment += step
    local = [m.astimezone(MARKET_TZ) for m in [*moments, end]]
    repeated = {m.strftime("%H:%M") for m in local if m.fold}
    return tuple(
        (_label(a, repeated), _label(b, repeated)) for a, b in zip(local, local[1:], strict=False)
    )


def _label(moment: datetime, repeated: set[str]) -> str:
    text = moment.strftime("%H:%M")
    return f"{text} {moment.tzname()}" if text in repeated else text


def interval_days(
    premise: Premise, start: date, end: date, *, versions: bool = False
) -> QuerySet[IntervalDay]:
    """The day rows of the range, current only or every version (USG-6 View)."""
    rows = IntervalDay.objects.filter(premise=premise, day__range=(start, end))
    if not versions:
        rows = rows.filter(is_current=True)
    return rows.order_by("day", "channel", "-version")


def interval_day_report(premise: Premise, day: date, *, versions: bool = False) -> dict:
    """USG-3: one day, 92/96/100 rows and totals, per version when asked."""
    days = list(interval_days(premise, day, day, versions=versions))
    labels = interval_labels(day)
    by_version: dict[int, dict[str, IntervalDay]] = {}
    for row in days:
        by_version.setdefault(row.version if versions else 0, {})[row.channel] = row
    tables = []
    for version, channels in sorted(by_version.items(), reverse=True):
        consumption = channels.get("C")
        generation = channels.get("G")
        c_values = consumption.values if consumption else [None] * len(labels)
        g_values = generation.values if generation else [None] * len(labels)
        quality = consumption.quality if consumption else "-" * len(labels)
        rows = [
            IntervalRow(s, e, c, g, q)
            for (s, e), c, g, q in zip(labels, c_values, g_values, quality, strict=False)
        ]
        stored = consumption or generation
        assert stored is not None  # a version is listed because it has a C or a G row
        tables.append(
            {
                "version": version or stored.version,
                "rows": rows,
                "total_consumption": consumption.total_kwh if consumption else None,
                "total_generation": generation.total_kwh if generation else None,
                "has_generation": generation is not None,
                "received_at": stored.received_at,
            }
        )
    return {"day": day, "tables": tables}


# --- USG-4: Daily Meter Reads; USG-5: Monthly Usage --------------------------------------------


def daily_reads(
    premise: Premise, start: date, end: date, *, versions: bool = False
) -> QuerySet[DailyRead]:
    reads = DailyRead.objects.filter(premise=premise, day__range=(start, end))
    if not versions:
        reads = reads.filter(is_current=True)
    return reads.order_by("day", "-version")


def billing_periods_inside(window: DataWindow) -> Q:
    """USG-12: the billing periods wholly inside a data window (everything when unlimited)."""
    inside = Q()
    if window.start:
        inside &= Q(start_date__gte=window.start)
    if window.end:
        inside &= Q(end_date__lte=window.end)
    return inside


def monthly_usage(
    premise: Premise,
    start: date,
    end: date,
    *,
    versions: bool = False,
    window: DataWindow | None = None,
) -> QuerySet[MonthlyUsage]:
    """The billing periods overlapping start..end; with a limited data window (USG-12) only
    those wholly inside it, since a period begun before an agreement holds usage from before
    the customer's consent (docs/decisions.md)."""
    months = MonthlyUsage.objects.filter(premise=premise, start_date__lte=end, end_date__gte=start)
    if window is not None:
        months = months.filter(billing_periods_inside(window))
    if not versions:
        months = months.filter(is_current=True)
    return months.order_by("-start_date", "-version")


def meter_in_service(premise: Premise) -> Meter | None:
    return premise.meters.filter(removed_on__isnull=True).first()


# --- UX-4: charts ------------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT = 720, 180


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: Decimal | None


def bar_chart(points: list[tuple[str, Decimal | None]]) -> dict:
    """Bars for an inline SVG chart; every bar has a text title, so the chart is readable
    without colour, and the table beside it carries the same numbers."""
    if not points:
        return {"bars": [], "width": CHART_WIDTH, "height": CHART_HEIGHT, "max": 0}
    highest = max((v for _label, v in points if v is not None), default=Decimal("0"))
    scale = (CHART_HEIGHT - 10) / float(highest) if highest else 0
    width = CHART_WIDTH / len(points)
    bars = []
    for index, (label, value) in enumerate(points):
        height = float(value or 0) * scale
        bars.append(
            Bar(
                x=round(index * width, 2),
                y=round(CHART_HEIGHT - height, 2),
                width=round(max(width - 1, 0.5), 2),
                height=round(height, 2),
                label=label,
                value=value,
            )
        )
    return {"bars": bars, "width": CHART_WIDTH, "height": CHART_HEIGHT, "max": highest}


def report_default_options(report_type: str, today: date, window: DataWindow = UNLIMITED) -> dict:
    """The dates a report opens on: the latest available day, the last page of daily
    reads, or the last 12 months, inside the user's data window (USG-4..USG-6, USG-12)."""
    latest = latest_available_day(today)
    start = {
        INTERVAL: latest,
        DAILY: latest - timedelta(days=DAILY_READS_PER_PAGE - 1),
        MONTHLY: latest - relativedelta(months=12),
    }[report_type]
    start, end = dates_inside_window(window, start, latest)
    return {
        "report_type": report_type,
        "view": CURRENT,
        "start_date": start,
        "end_date": end,
    }


def dates_inside_window(window: DataWindow, start: date, end: date) -> tuple[date, date]:
    """USG-12: default dates inside the user's data window, so a 3rd party's page opens
    without an error. Before the agreement's first day has data (accepted in the last two
    days), its first day: the availability rule then says when data comes. A window with no
    first day that ended before `start`: its last day."""
    span = window.clamp(start, end)
    if span is not None:
        return span
    day = window.start or window.end
    assert day is not None  # an unlimited window holds every range, so clamp found one
    return day, day
