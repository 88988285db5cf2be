"""Data freshness per meter (BEY-4): the last interval day received and when, the last daily
read day, the last monthly period end, and the gaps (missing or estimated days) of the last
90 days, kept in one `MeterFreshness` row per premise.

Kept cheap: the rows are refreshed where data is stored (`tdsp_file_load` once per file for
the premises it stored rows of, `interval_days_store`, the demo and sandbox data) and for
every premise by the nightly job (the 90-day window moves every day); pages, lists and APIs
read the row (a join), never the day tables. A refresh is two aggregate queries and one
upsert per chunk of premises, whatever their number of days:

1. per premise, correlated subqueries that each read one end of the day tables' indexes
   (newest and oldest current consumption day, the newest day's received time, the newest
   daily read and billing period, the first smart meter's installation) and the count of
   good days in the window;
2. the good days of the window, only for the premises whose count says they have gaps.

A day is a gap when it is inside the window and has no current consumption `IntervalDay`,
or its quality holds an estimated ("E") or missing ("-") interval. The window runs from
GAP_WINDOW_DAYS days before today (Central) to the latest day whose data should be available
(today − AVAILABILITY_LAG_DAYS, USG-6), and never starts before the meter's data could exist:
its first interval day and its first smart meter's installation.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Count,
    DateField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from usage.models import (
    Channel,
    DailyRead,
    IntervalDay,
    Meter,
    MeterFreshness,
    MonthlyUsage,
    Premise,
)
from usage.selectors import DataWindow
from usage.services.reports import AVAILABILITY_LAG_DAYS

GAP_WINDOW_DAYS = 90  # BEY-4: gaps are counted over the last 90 days
GAP_DATES_MAX = 90  # BEY-4: the dates kept (the window holds fewer, so all of them)
STALE_DAYS_DEFAULT = 3  # BEY-4: the TDSP side lists meters without data for this many days
REFRESH_CHUNK = 2000  # premises per refresh query (bounded parameters, bounded rows)
# Sorts "no data ever" before every real day: stalest first (see `freshness_annotate`).
NEVER = date(1900, 1, 1)
FRESHNESS_ORDER = "freshness_order"  # the annotation lists sort the freshness column on


# --- the rule ------------------------------------------------------------------------------


def latest_expected_day(today: date | None = None) -> date:
    """The newest day whose data should be there (USG-6: two days after the day)."""
    return (today or timezone.localdate()) - timedelta(days=AVAILABILITY_LAG_DAYS)


def gap_window(today: date | None = None) -> tuple[date, date]:
    """BEY-4: the days gaps are counted on: day 90 before today counts, day 91 does not;
    days younger than the availability lag are not gaps yet."""
    today = today or timezone.localdate()
    return today - timedelta(days=GAP_WINDOW_DAYS), latest_expected_day(today)


def stale_days(last_interval_day: date | None, today: date | None = None) -> int | None:
    """BEY-4: how many days the newest interval day lags behind the latest expected day
    (0: up to date); None without any interval data."""
    if last_interval_day is None:
        return None
    return max((latest_expected_day(today) - last_interval_day).days, 0)


def _short(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def freshness_text(freshness: MeterFreshness | None) -> str:
    """BEY-4: "Data through 12/03/2025 · stale for 3 days" (or "· up to date"), in the
    user's language and date format."""
    if freshness is None or freshness.last_interval_day is None:
        return _("No interval data received yet")
    through = _("Data through %(day)s") % {"day": _short(freshness.last_interval_day)}
    stale = freshness.stale_days
    if not stale:
        return _("%(through)s · up to date") % {"through": through}
    return ngettext(
        "%(through)s · stale for %(count)d day",
        "%(through)s · stale for %(count)d days",
        stale,
    ) % {"through": through, "count": stale}


# --- refreshing ------------------------------------------------------------------------------


@dataclass
class RefreshSummary:
    premises: int = 0
    stale: int = 0  # no interval data, or stale for a day or more
    with_gaps: int = 0
    rows: list[MeterFreshness] = field(default_factory=list)


def _good_day() -> Q:
    # SQLite's LIKE ignores case; the flags are only ever A, E and "-".
    return ~Q(quality__contains="E") & ~Q(quality__contains="-")


def _current_consumption(**filters: Any) -> QuerySet[IntervalDay]:
    return IntervalDay.objects.filter(
        premise=OuterRef("pk"), channel=Channel.CONSUMPTION, is_current=True, **filters
    )


def _newest(queryset: QuerySet, order: str, value: str) -> Subquery:
    return Subquery(queryset.order_by(order).values(value)[:1])


def _figures(premise_ids: list[int], start: date, end: date) -> QuerySet[Premise, Any]:
    """Query 1: every figure of each premise, read from one end of an index each."""
    consumption = _current_consumption()
    return (
        Premise.objects.filter(pk__in=premise_ids)
        .annotate(
            last_day=_newest(consumption, "-day", "day"),
            last_received=_newest(consumption, "-day", "received_at"),
            first_day=_newest(consumption, "day", "day"),
            last_daily=_newest(
                DailyRead.objects.filter(premise=OuterRef("pk"), is_current=True), "-day", "day"
            ),
            last_monthly=_newest(
                MonthlyUsage.objects.filter(premise=OuterRef("pk"), is_current=True),
                "-start_date",
                "end_date",
            ),
            installed=_newest(
                Meter.objects.filter(premise=OuterRef("pk"), is_smart=True),
                "installed_on",
                "installed_on",
            ),
            good=Coalesce(
                Subquery(
                    _current_consumption(day__range=(start, end))
                    .filter(_good_day())
                    .order_by()
                    .values("premise")
                    .annotate(count=Count("day"))
                    .values("count")
                ),
                0,
            ),
        )
        .order_by()
        .values_list(
            "pk",
            "last_day",
            "last_received",
            "first_day",
            "last_daily",
            "last_monthly",
            "installed",
            "good",
        )
    )


def _window_start(start: date, first_day: date | None, installed: date | None) -> date:
    return max(d for d in (start, first_day, installed) if d is not None)


def _days(first: date, last: date) -> Iterator[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def _chunks(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _compute(premise_ids: list[int], today: date, now: datetime) -> list[MeterFreshness]:
    start, end = gap_window(today)
    figures = list(_figures(premise_ids, start, end))
    starts: dict[int, date] = {}
    window_days = (end - start).days + 1
    for pk, _last, _received, first_day, *_reads, installed, good in figures:
        # No interval data at all: no gaps (the stale figure says "no data" instead). Every
        # day of the window good: none either. Else query 2 finds which, from the meter's start.
        if first_day is None or good >= window_days:
            continue
        first = _window_start(start, first_day, installed)
        if first <= end:
            starts[pk] = first
    good_days: dict[int, set[date]] = {pk: set() for pk in starts}
    if starts:  # query 2: only meters that have gaps
        rows = (
            IntervalDay.objects.filter(
                _good_day(),
                premise_id__in=list(starts),
                channel=Channel.CONSUMPTION,
                is_current=True,
                day__range=(min(starts.values()), end),
            )
            .order_by()
            .values_list("premise_id", "day")
        )
        for premise_id, day in rows:
            good_days[premise_id].add(day)
    rows_out = []
    for pk, last_day, received, _first, last_daily, last_monthly, _installed, _good in figures:
        gaps = (
            [day for day in _days(starts[pk], end) if day not in good_days[pk]]
            if pk in starts
            else []
        )
        rows_out.append(
            MeterFreshness(
                premise_id=pk,
                last_interval_day=last_day,
                last_interval_received_at=received,
                last_daily_day=last_daily,
                last_monthly_end=last_monthly,
                gap_days=len(gaps),
                gap_dates=[day.isoformat() for day in gaps[-GAP_DATES_MAX:]],
                computed_at=now,
            )
        )
    return rows_out


UPDATED_FIELDS = [
    "last_interval_day",
    "last_interval_received_at",
    "last_daily_day",
    "last_monthly_end",
    "gap_days",
    "gap_dates",
    "computed_at",
]


def freshness_refresh(
    premise_ids: Iterable[int], *, dry_run: bool = False, chunk: int = REFRESH_CHUNK
) -> RefreshSummary:
    """BEY-4: recompute the freshness rows of these premises from the day tables, two
    aggregate queries and one upsert per `chunk` premises (never a query per premise).
    Called where day rows are stored, inside the storing transaction; `dry_run` computes
    and counts without writing."""
    summary = RefreshSummary()
    today, now = timezone.localdate(), timezone.now()
    for ids in _chunks(sorted(set(premise_ids)), chunk):
        rows = _compute(ids, today, now)
        summary.premises += len(rows)
        summary.stale += sum(1 for row in rows if stale_days(row.last_interval_day, today) != 0)
        summary.with_gaps += sum(1 for row in rows if row.gap_days)
        if dry_run:
            summary.rows.extend(rows)
            continue
        MeterFreshness.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["premise"],
            update_fields=UPDATED_FIELDS,
        )
    return summary


def freshness_advance(loaded_sql: str, params: list[Any], received_at: datetime) -> None:
    """BEY-4 at load time, on PostgreSQL, set-based: `loaded_sql` yields (premise_id, day,
    good) for the consumption rows a load just stored as current. A premise whose new days
    only extend its data (all good, the first right after its last day, no day missing in
    between, none a known gap) moves its last day forward in one UPDATE: nothing else of its
    row can change. The others (first data, corrections of earlier days, gaps, holes) are
    recomputed."""
    _advance_or_refresh(
        f"""
        SELECT premise_id, min(day) AS first_day, max(day) AS last_day,
               count(DISTINCT day) AS days, bool_and(good) AS good,
               array_agg(day::text) AS day_texts
        FROM ({loaded_sql}) AS rows GROUP BY premise_id
        """,
        """
        SET last_interval_day = loaded.last_day, last_interval_received_at = %s,
            computed_at = %s
        FROM loaded
        WHERE f.premise_id = loaded.premise_id AND loaded.good
          AND loaded.first_day = f.last_interval_day + 1
          AND loaded.last_day - f.last_interval_day = loaded.days
          AND NOT (f.gap_dates ?| loaded.day_texts)
        """,
        [*params, received_at, received_at],
    )


def freshness_advance_daily(loaded_sql: str, params: list[Any]) -> None:
    """BEY-4 at load time, on PostgreSQL: `loaded_sql` yields (premise_id, day) of daily
    reads just stored as current; the newest daily read day moves forward where the premise
    has a freshness row. The premises without one are computed."""
    _advance_or_refresh(
        f"SELECT premise_id, max(day) AS last_day FROM ({loaded_sql}) AS rows GROUP BY premise_id",
        """
        SET last_daily_day = greatest(f.last_daily_day, loaded.last_day)
        FROM loaded WHERE f.premise_id = loaded.premise_id
        """,
        params,
    )


def _advance_or_refresh(loaded: str, update: str, params: list[Any]) -> None:
    """One statement: `loaded` (a query with a premise_id per row) and the UPDATE of the
    freshness rows (`f`) by `update` (its SET, FROM and WHERE, reading `loaded`); then
    `freshness_refresh` for the premises of `loaded` the UPDATE did not move on."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH loaded AS ({loaded}), advanced AS (
                UPDATE {MeterFreshness._meta.db_table} AS f {update} RETURNING f.premise_id
            )
            SELECT premise_id FROM loaded
            WHERE premise_id NOT IN (SELECT premise_id FROM advanced)
            """,
            params,
        )
        rest = [premise_id for (premise_id,) in cursor.fetchall()]
    if rest:
        freshness_refresh(rest)


def meters_freshness_refresh_all(
    *, dry_run: bool = False, chunk: int = REFRESH_CHUNK
) -> RefreshSummary:
    """BEY-4, the nightly job: every premise's row recomputed (the window moved a day), one
    transaction per chunk so no lock is held long."""
    total = RefreshSummary()
    ids = Premise.objects.order_by("pk").values_list("pk", flat=True)
    for part in _chunks(ids.iterator(chunk_size=chunk), chunk):
        with transaction.atomic():
            done = freshness_refresh(part, dry_run=dry_run, chunk=chunk)
        total.premises += done.premises
        total.stale += done.stale
        total.with_gaps += done.with_gaps
    return total


# --- reading ---------------------------------------------------------------------------------


def freshness_annotate(queryset: QuerySet[Premise], prefix: str = "") -> QuerySet:
    """A list of premises (or of rows with a premise at `prefix`, e.g. "premise__") with its
    freshness row joined and `freshness_order` to sort on: ascending puts the stalest first,
    meters that never received data before all others (BEY-4, ACC-20 sort)."""
    return queryset.select_related(f"{prefix}freshness").annotate(
        **{
            FRESHNESS_ORDER: Coalesce(
                f"{prefix}freshness__last_interval_day", Value(NEVER), output_field=DateField()
            )
        }
    )


def premise_freshness(premise: Premise) -> MeterFreshness | None:
    """The row joined by `freshness_annotate` (or read once); None before its first refresh."""
    try:
        return premise.freshness
    except MeterFreshness.DoesNotExist:
        return None


def freshness_within(
    freshness: MeterFreshness | None, window: DataWindow | None
) -> MeterFreshness | None:
    """USG-12: what a caller limited to an agreement's days (`window`) may learn: a day
    outside the window is blank and only the window's gap days count (an unsaved copy)."""
    if freshness is None or window is None or not window.is_limited:
        return freshness

    def inside(day: date | None) -> date | None:
        if day is None:
            return None
        if (window.start and day < window.start) or (window.end and day > window.end):
            return None
        return day

    last_day = inside(freshness.last_interval_day)
    gap_dates = [day.isoformat() for day in freshness.gap_day_list if inside(day)]
    return MeterFreshness(
        premise_id=freshness.premise_id,
        last_interval_day=last_day,
        last_interval_received_at=freshness.last_interval_received_at if last_day else None,
        last_daily_day=inside(freshness.last_daily_day),
        last_monthly_end=inside(freshness.last_monthly_end),
        gap_days=len(gap_dates),
        gap_dates=gap_dates,
        computed_at=freshness.computed_at,
    )


def freshness_json(
    freshness: MeterFreshness | None, window: DataWindow | None = None
) -> dict[str, Any]:
    """BEY-4 in the APIs: the figures as JSON values, within the caller's `window` (USG-12);
    all null (and no gaps) before the meter's first refresh."""
    row = freshness_within(freshness, window) or MeterFreshness()
    return {
        "last_interval_day": row.last_interval_day,
        "last_interval_received_at": row.last_interval_received_at,
        "last_daily_read_day": row.last_daily_day,
        "last_monthly_end": row.last_monthly_end,
        "gap_days": row.gap_days,
        "gap_dates": row.gap_day_list,
        "stale_days": row.stale_days,
    }


# --- the TDSP side: meters without data for N days -----------------------------------------------


def stale_meters(*, days: int = STALE_DAYS_DEFAULT, tdsp_id: int | None = None) -> QuerySet:
    """BEY-4, the TDSP side: active live premises whose meter in service was installed at
    least `days` days before the latest expected day, without interval data for `days`
    days or more (none ever received counts too), freshness joined, stalest first."""
    cutoff = latest_expected_day() - timedelta(days=days)
    in_service = Meter.objects.filter(
        premise=OuterRef("pk"), removed_on__isnull=True, installed_on__lte=cutoff
    )
    premises = Premise.objects.filter(
        Exists(in_service),
        Q(freshness__isnull=True)
        | Q(freshness__last_interval_day__isnull=True)
        | Q(freshness__last_interval_day__lte=cutoff),
        premise_status=Premise.Status.ACTIVE,
        is_sandbox=False,
    )
    if tdsp_id is not None:
        premises = premises.filter(tdsp_id=tdsp_id)
    return freshness_annotate(premises.select_related("tdsp")).order_by(FRESHNESS_ORDER, "esiid")


def stale_meter_counts(premises: QuerySet[Premise]) -> list[tuple[str, int]]:
    """Per TDSP (by name), how many of `premises` there are."""
    rows = premises.order_by().values("tdsp__name").annotate(count=Count("pk"))
    return sorted((row["tdsp__name"], row["count"]) for row in rows)
