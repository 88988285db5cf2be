"""Usage reports of one meter (USG-3, USG-4, USG-5) and their option rules (USG-6), read
from the day rows of `IntervalDay`, `DailyRead` and `MonthlyUsage`.

Everything here is a read: the pages, the CSV export and (later) offline exports and the
APIs build on the same functions, so a rule is enforced in one place.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import lru_cache, wraps
from typing import TypeVar

from dateutil.relativedelta import relativedelta
from django.db.models import Min, Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
DEFAULT_DAILY_USAGE_DAYS = 7  # USG-3: Daily Usage opens on the last week, Previous Day at hand

T = TypeVar("T")


def _show(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


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
def interval_moments(day: date) -> tuple[datetime, ...]:
    """The local boundaries of the day's 92/96/100 intervals (USG-1), midnight to midnight."""
    start = datetime.combine(day, time(), MARKET_TZ).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), MARKET_TZ).astimezone(UTC)
    step = timedelta(minutes=INTERVAL_MINUTES)
    moments = []
    moment = start
    while moment < end:
        moments.append(moment)
        moment += step
    return tuple(m.astimezone(MARKET_TZ) for m in [*moments, end])


@lru_cache(maxsize=1024)
def interval_labels(day: date) -> tuple[tuple[str, str], ...]:
    """(start, end) local times of the day's 92/96/100 intervals (USG-1); cached, as every
    export asks for the same days again and again."""
    local = interval_moments(day)
    repeated = {m.strftime("%H:%M") for m in local if m.fold}
    return tuple(
        (_label(a, repeated), _label(b, repeated)) for a, b in zip(local, local[1:], strict=False)
    )


def _label(moment: datetime, repeated: set[str]) -> str:
    text = moment.strftime("%H:%M")
    return f"{text} {moment.tzname()}" if text in repeated else text


def display_interval_labels(day: date) -> tuple[tuple[str, str], ...]:
    """The same boundaries for people (UX-3): the reader's time format ("2:15 PM" or
    "14:15"), with the zone on a repeated hour. Files keep `interval_labels`."""
    return _display_interval_labels(day, translation.get_language() or "en")


@lru_cache(maxsize=1024)
def _day_shape(day: date) -> tuple:
    """What the people's labels of a day's intervals depend on: each boundary's local time,
    fold, offset and zone name. Every ordinary day of a season has the same shape, and every
    DST day of its kind, so labels are built once per shape and language, not once per day:
    formatting them is ~200 `time_format` calls, and the Daily Usage page of a day not seen
    before paid for it (benchmarks/README.md, `page`)."""
    return tuple(
        (m.hour, m.minute, m.fold, m.utcoffset(), m.tzname()) for m in interval_moments(day)
    )


def _per_day_shape(build: Callable[[date, str], T]) -> Callable[[date, str], T]:
    """Cache `build(day, language)` per (day shape, language): a handful of entries."""
    built: dict[tuple, T] = {}

    @wraps(build)
    def cached(day: date, language: str) -> T:
        key = (_day_shape(day), language)
        if key not in built:
            if len(built) >= 64:  # never reached with real zones; a bound all the same
                built.clear()
            built[key] = build(day, language)
        return built[key]

    return cached


@_per_day_shape
def _display_interval_labels(day: date, language: str) -> tuple[tuple[str, str], ...]:
    local = interval_moments(day)
    repeated = {m.strftime("%H:%M") for m in local if m.fold}

    def label(moment: datetime) -> str:
        text = formats.time_format(moment, "TIME_FORMAT")
        return f"{text} {moment.tzname()}" if moment.strftime("%H:%M") in repeated else text

    return tuple((label(a), label(b)) for a, b in zip(local, local[1:], strict=False))


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
    return _interval_day_tables(
        day, list(interval_days(premise, day, day, versions=versions)), versions=versions
    )


def _by_version(days: list[IntervalDay], *, versions: bool) -> dict[int, dict[str, IntervalDay]]:
    """The day's rows by version (0 for Current Version), then channel: a table each."""
    by_version: dict[int, dict[str, IntervalDay]] = {}
    for row in days:
        by_version.setdefault(row.version if versions else 0, {})[row.channel] = row
    return by_version


def _interval_day_tables(day: date, days: list[IntervalDay], *, versions: bool) -> dict:
    labels = display_interval_labels(day)
    tables = []
    for version, channels in sorted(_by_version(days, versions=versions).items(), reverse=True):
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
# Server-rendered SVG (docs/decisions.md). The plot has no viewBox: y is in CSS pixels and x in
# percent of the width, so the bars stretch to any width while the axis text keeps its size.

PLOT_TOP = 10  # px above the highest gridline, room for its label
PLOT_HEIGHT = (
    120  # px from the highest gridline to the lowest: the chart fits a phone's first screen
)
AXIS_HEIGHT = 20  # px under the plot for the x-axis labels
CHART_HEIGHT = PLOT_TOP + PLOT_HEIGHT + AXIS_HEIGHT
NICE_MANTISSAS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
TARGET_STEPS = 4  # UX-4: 3 or 4 gridlines above zero, so 4-5 ticks with it
AXIS_HOURS = 3  # UX-4: the 15-minute chart is labelled every 3 hours (every 6 on a phone)
MAX_AXIS_LABELS = {DAILY: 10, MONTHLY: 12}  # thinned to fit a desktop; every other on a phone
COMPARE_DAYS = 7  # the same weekday a week before (issue 15)


@dataclass(frozen=True)
class ChartPoint:
    """One bar of a chart: its label (bar title), values and the text under it, if any."""

    label: str
    value: Decimal | None
    generation: Decimal | None = None
    axis_label: str = ""
    major: bool = True  # its axis label is kept on a phone
    when: str = ""  # the summary's moment ("6:15 PM"); the label when empty


@dataclass(frozen=True)
class Bar:
    x: float  # percent of the plot's width
    width: float  # percent
    y: float  # px: top of the consumption bar
    height: float  # px
    generation_height: float  # px below the zero line
    label: str
    value: Decimal | None
    generation: Decimal | None


@dataclass(frozen=True)
class Tick:
    y: float  # px
    label: str  # kWh, localized


@dataclass(frozen=True)
class AxisLabel:
    x: float  # percent
    text: str
    major: bool
    anchor: str  # SVG text-anchor: the last labels end at their bar, so they stay inside


def kwh_text(value: Decimal) -> str:
    """A kWh figure as `{{ value }}` writes it in the active language (UX-3)."""
    return formats.localize(value)


def nice_step(span: Decimal) -> Decimal:
    """UX-4: the gridline step for a scale from 0 to `span`: 1, 2, 2.5 or 5 × 10^n, so that
    3 or 4 steps hold it."""
    if span <= 0:
        return Decimal("0.25")
    raw = span / TARGET_STEPS
    unit = Decimal(1).scaleb(raw.adjusted())
    step = next(m * unit for m in NICE_MANTISSAS if m * unit >= raw)
    return step.normalize()


def _ceil_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


HIGHEST = {
    INTERVAL: gettext_lazy("Highest: %(kwh)s kWh at %(when)s."),
    DAILY: gettext_lazy("Highest: %(kwh)s kWh on %(when)s."),
    MONTHLY: gettext_lazy("Highest: %(kwh)s kWh in %(when)s."),
}


def bar_chart(points: list[ChartPoint], *, kind: str = INTERVAL) -> dict:
    """UX-4: bars (consumption up, surplus generation down from the zero line), a kWh scale
    of nice gridlines, x-axis labels and a text summary (highest bar, totals), so the chart
    is readable without colour and without the mouse; the table beside it has the numbers."""
    if not points:
        return {"bars": []}
    consumed = [p.value for p in points if p.value is not None]
    generated = [p.generation for p in points if p.generation is not None]
    has_generation = any(generated)
    top_value = max([Decimal(0), *consumed])
    bottom_value = max([Decimal(0), *generated]) if has_generation else Decimal(0)
    step = nice_step(top_value + bottom_value)
    top = max(_ceil_to(top_value, step), step)
    bottom = _ceil_to(bottom_value, step)
    scale = PLOT_HEIGHT / float(top + bottom)
    zero_y = PLOT_TOP + float(top) * scale
    ticks = []
    value = top
    while value >= -bottom:
        ticks.append(
            Tick(round(zero_y - float(value) * scale, 2), kwh_text(abs(value).normalize()))
        )
        value -= step
    slot = 100 / len(points)
    width = slot * (0.8 if len(points) > 48 else 0.7)
    bars, labels = [], []
    for index, point in enumerate(points):
        height = max(float(point.value or 0), 0) * scale
        bars.append(
            Bar(
                x=round(index * slot + (slot - width) / 2, 3),
                width=round(width, 3),
                y=round(zero_y - height, 2),
                height=round(height, 2),
                generation_height=round(max(float(point.generation or 0), 0) * scale, 2),
                label=point.label,
                value=point.value,
                generation=point.generation,
            )
        )
        if point.axis_label:
            x = index * slot
            anchor = "start"
            if x > 90:  # the text would leave the chart on the right
                x, anchor = x + slot, "end"
            labels.append(AxisLabel(round(x, 3), point.axis_label, point.major, anchor))
    return {
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
        "zero_y": round(zero_y, 2),
        "plot_top": PLOT_TOP,
        "plot_bottom": PLOT_TOP + PLOT_HEIGHT,
        "axis_y": PLOT_TOP + PLOT_HEIGHT + AXIS_HEIGHT - 6,
        "height": CHART_HEIGHT,
        "has_generation": has_generation,
        "max": top_value,
        "summary": _chart_summary(points, kind, consumed, generated if has_generation else []),
    }


def _chart_summary(
    points: list[ChartPoint], kind: str, consumed: list[Decimal], generated: list[Decimal]
) -> str:
    """UX-4: the chart in words: its highest bar and the totals."""
    parts = []
    highest = max(
        (p for p in points if p.value is not None), key=lambda p: p.value or 0, default=None
    )
    if highest is not None and highest.value is not None:
        parts.append(
            str(HIGHEST[kind])
            % {"kwh": kwh_text(highest.value), "when": highest.when or highest.label}
        )
        parts.append(_("Total: %(kwh)s kWh.") % {"kwh": kwh_text(sum(consumed, Decimal(0)))})
    else:
        parts.append(_("No consumption was recorded."))
    if generated:
        parts.append(
            _("Surplus generation sent to the grid: %(kwh)s kWh.")
            % {"kwh": kwh_text(sum(generated, Decimal(0)))}
        )
    return " ".join(parts)


def _thinned(count: int, kind: str) -> tuple[int, int]:
    """The stride between labelled bars, and between those kept on a phone."""
    stride = max(1, -(-count // MAX_AXIS_LABELS[kind]))
    return stride, stride * 2


@_per_day_shape
def _interval_chart_labels(day: date, language: str) -> tuple[tuple[str, str, str, bool], ...]:
    """Per interval of the day (92/96/100): the bar's label "2:15 PM–2:30 PM", its start time,
    its x-axis text (every AXIS_HOURS hours of local time, else "") and whether a phone keeps
    it; in the active language's TIME_FORMAT (UX-3). Cached per day shape and language."""
    local = interval_moments(day)
    labels = []
    for start, (start_text, end_text) in zip(
        local, _display_interval_labels(day, language), strict=False
    ):
        on_mark = start.minute == 0 and start.hour % AXIS_HOURS == 0 and not start.fold
        axis = formats.time_format(start, "TIME_FORMAT") if on_mark else ""
        labels.append(
            (f"{start_text}–{end_text}", start_text, axis, start.hour % (2 * AXIS_HOURS) == 0)
        )
    return tuple(labels)


def interval_chart(day: date, table: dict | None) -> dict:
    """UX-4: the 15-minute chart of one day's table (consumption and surplus generation)."""
    if table is None:
        return bar_chart([])
    labels = _interval_chart_labels(day, translation.get_language() or "en")
    points = [
        ChartPoint(
            label=label,
            value=row.consumption,
            generation=row.generation,
            axis_label=axis,
            major=major,
            when=start,
        )
        for row, (label, start, axis, major) in zip(table["rows"], labels, strict=False)
    ]
    return bar_chart(points, kind=INTERVAL)


def daily_reads_chart(reads: Iterable[DailyRead]) -> dict:
    """UX-4: the Daily Meter Reads chart, a bar per day, labelled with thinned dates."""
    reads = list(reads)
    stride, major = _thinned(len(reads), DAILY)
    points = [
        ChartPoint(
            label=formats.date_format(read.day, "DATE_FORMAT"),
            value=read.consumption_kwh,
            axis_label=formats.date_format(read.day, "MONTH_DAY_FORMAT") if n % stride == 0 else "",
            major=n % major == 0,
            when=formats.date_format(read.day, "SHORT_DATE_FORMAT"),
        )
        for n, read in enumerate(reads)
    ]
    return bar_chart(points, kind=DAILY)


def monthly_chart(months: Iterable[MonthlyUsage]) -> dict:
    """UX-4: the Monthly Usage chart, a bar per billing period, oldest first, by the month
    it ends in."""
    months = sorted(months, key=lambda m: (m.end_date, m.version))
    stride, major = _thinned(len(months), MONTHLY)
    points = []
    for n, month in enumerate(months):
        name = formats.date_format(month.end_date, "YEAR_MONTH_FORMAT")
        points.append(
            ChartPoint(
                label=_("%(month)s (%(start)s – %(end)s)")
                % {"month": name, "start": _show(month.start_date), "end": _show(month.end_date)},
                value=month.actual_kwh,
                axis_label=name if n % stride == 0 else "",
                major=n % major == 0,
                when=name,
            )
        )
    return bar_chart(points, kind=MONTHLY)


# --- issue 15: comparisons under the charts ---------------------------------------------------


def comparison_text(*, shown: str, kwh: Decimal, other: str, other_kwh: Decimal | None) -> str:
    """ "This day: 23.4 kWh — 2.1 kWh (8 %) more than Wednesday, 11/11/2026", in words (not
    colour), or that the other has no data."""
    this = _("%(shown)s: %(kwh)s kWh") % {"shown": shown, "kwh": kwh_text(kwh)}
    if other_kwh is None:
        return _("%(this)s — no data for %(other)s to compare with.") % {
            "this": this,
            "other": other,
        }
    difference = kwh - other_kwh
    if difference == 0:
        return _("%(this)s — the same as %(other)s.") % {"this": this, "other": other}
    percent = ""
    if other_kwh > 0:
        share = (abs(difference) * 100 / other_kwh).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        percent = f" ({formats.localize(share)}\u00a0%)"  # no break before the sign
    values = {"this": this, "kwh": kwh_text(abs(difference)), "percent": percent, "other": other}
    if difference > 0:
        return _("%(this)s — %(kwh)s kWh%(percent)s more than %(other)s.") % values
    return _("%(this)s — %(kwh)s kWh%(percent)s less than %(other)s.") % values


INTERVAL_DAY_HTML_SECONDS = 10 * 60  # a rendered day is kept this long (the key names its rows)
INTERVAL_DAY_HTML_MARKUP = 1  # raise when the day's partials change, so no old markup is served


def interval_day_page(
    premise: Premise, day: date, *, versions: bool = False, window: DataWindow = UNLIMITED
) -> dict:
    """USG-3 on screen: the day's stored rows, the comparison with the same weekday a week
    before, read in the same query, and the cache key of the day's rendered chart and tables
    (`interval_day_html_key`); the tables and chart themselves (`interval_day_content`) are
    built only when that HTML is not cached. The other day must be inside the viewer's data
    window (USG-12), else no comparison is made."""
    other = day - timedelta(days=COMPARE_DAYS)
    comparable = window.clamp(other, other) is not None
    wanted = Q(day=day) if versions else Q(day=day, is_current=True)
    if comparable:
        wanted |= Q(day=other, is_current=True, channel="C")
    rows = list(
        IntervalDay.objects.filter(wanted, premise=premise).order_by("day", "channel", "-version")
    )
    shown = [r for r in rows if r.day == day]
    report = {
        "day": day,
        "stored": shown,
        "versions": versions,
        "has_data": bool(shown),
        "html_key": interval_day_html_key(
            premise_id=premise.pk, day=day, rows=shown, versions=versions
        ),
        "comparison": "",
    }
    newest = _by_version(shown, versions=versions)
    consumption = newest[max(newest)].get("C") if newest else None
    if comparable and consumption is not None:
        before = next((r.total_kwh for r in rows if r.day == other), None)
        report["comparison"] = comparison_text(
            shown=_("This day"),
            kwh=consumption.total_kwh,
            other=formats.date_format(other, "DATE_FORMAT"),
            other_kwh=before,
        )
    return report


def interval_day_content(day: date, stored: list[IntervalDay], *, versions: bool) -> dict:
    """The day's tables (as interval_day_report) and its chart (UX-4) from its stored rows."""
    report = _interval_day_tables(day, stored, versions=versions)
    report["chart"] = interval_chart(day, report["tables"][0] if report["tables"] else None)
    return report


def interval_day_html_key(
    *, premise_id: int, day: date, rows: list[IntervalDay], versions: bool
) -> str:
    """The cache key of a day's rendered chart and 15-minute tables (USG-3, UX-4): what they
    are made of (the premise, the day, the View and every stored row shown: channel, version,
    when it was received, flags and readings; the day's total is the readings' sum) and how
    they are written (the language, the time zone of the "received" times,
    INTERVAL_DAY_HTML_MARKUP). A new version
    of the day is a new key, so the page never shows an old one. Nothing of the viewer is in
    the HTML (it is rendered without the request), and the viewer's right to see the meter
    and the day is checked before the key is made (USG-12)."""
    digest = hashlib.blake2b(digest_size=16)
    for row in rows:
        digest.update(
            f"{row.channel}|{row.version}|{row.received_at.isoformat()}|"
            f"{row.quality}|{row.readings}\n".encode()
        )
    view = VERSIONS if versions else CURRENT
    return ":".join(
        (
            "usage-day-html",
            str(INTERVAL_DAY_HTML_MARKUP),
            str(premise_id),
            day.isoformat(),
            view,
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
            digest.hexdigest(),
        )
    )


def monthly_comparison(
    premise: Premise, months: list[MonthlyUsage], *, window: DataWindow = UNLIMITED
) -> str:
    """Issue 15: the newest billing period shown against the one ending a year before
    ("Nov 2026: 812 kWh — 41 kWh (5 %) less than Nov 2025"); at most one query, none when
    the shown periods hold it. Nothing when that period is outside the viewer's data window
    (USG-12) or the newest has no usage."""
    current = [m for m in months if m.is_current]
    if not current:
        return ""
    newest = max(current, key=lambda m: m.end_date)
    if newest.actual_kwh is None:
        return ""
    target = newest.end_date - relativedelta(years=1)
    if window.start and window.start > target - relativedelta(months=1) + timedelta(days=1):
        return ""  # USG-12: the year-ago period began before the agreement
    low, high = target - timedelta(days=15), target + timedelta(days=15)
    candidates = [m for m in current if low <= m.end_date <= high]
    if not candidates:
        candidates = list(
            MonthlyUsage.objects.filter(
                billing_periods_inside(window),
                premise=premise,
                is_current=True,
                end_date__range=(low, high),
            )
        )
    year_ago = min(candidates, key=lambda m: abs((m.end_date - target).days), default=None)
    return comparison_text(
        shown=formats.date_format(newest.end_date, "YEAR_MONTH_FORMAT"),
        kwh=newest.actual_kwh,
        other=formats.date_format(year_ago.end_date if year_ago else target, "YEAR_MONTH_FORMAT"),
        other_kwh=year_ago.actual_kwh if year_ago else None,
    )


def report_default_options(
    report_type: str,
    today: date,
    window: DataWindow = UNLIMITED,
    *,
    installed_on: date | None = None,
) -> dict:
    """The dates a report opens on: the last week of Daily Usage (the page shows its latest
    day, with Previous Day at hand), the last page of daily reads, or the last 12 months;
    never before the meter was installed, inside the user's data window (USG-3..USG-6,
    USG-12). A week is far under USG-7's 40 days, so it always shows at once."""
    latest = latest_available_day(today)
    start = {
        INTERVAL: latest - timedelta(days=DEFAULT_DAILY_USAGE_DAYS - 1),
        DAILY: latest - timedelta(days=DAILY_READS_PER_PAGE - 1),
        MONTHLY: latest - relativedelta(months=12),
    }[report_type]
    if installed_on and installed_on > start:
        start = min(installed_on, latest)
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
