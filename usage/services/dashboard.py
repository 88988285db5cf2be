"""My Usage: the customer's dashboard of their meters (USG-13, UX-6, issue 15).

Per attached meter (and, in a second group, per meter a friend shares, ACC-22): the latest
day's kWh ("yesterday" when it is loaded), this month so far against the same days of the
month before, the last 30 days for a small chart, and how fresh the data is.

Read from the daily totals of the Daily Usage report (`IntervalDay.total_kwh`, consumption
channel, current version), for all the customer's meters in two queries whatever their
number: the latest day of each, then the days each needs (no query per meter).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Max, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from usage.models import Channel, IntervalDay, MeterFreshness, Premise, day_total
from usage.selectors import customer_premise_links, meter_shares_received
from usage.services.freshness import premise_freshness

CHART_DAYS = 30  # the small chart: the 30 days ending on the latest day with data
# Today is never complete, so the newest day the dashboard reads is yesterday; when
# yesterday is not loaded yet it shows the latest day that is, and says which.
NEWEST_DAY_LAG = 1
SPARK_WIDTH, SPARK_HEIGHT = 300, 60


@dataclass(frozen=True)
class MonthSoFar:
    """Days 1..n of the latest day's month against days 1..n of the month before (clamped to
    that month's length: the 31st is compared with a 30-day month whole)."""

    start: date
    end: date
    kwh: Decimal
    previous_start: date
    previous_end: date
    previous_kwh: Decimal | None  # None: no data on any of those days
    is_this_month: bool  # False on the 1st (and while data lags): the month just ended

    @property
    def change_percent(self) -> int | None:
        """Rounded change against the previous month's same days; None without a base."""
        if not self.previous_kwh:
            return None
        return round((self.kwh - self.previous_kwh) * 100 / self.previous_kwh)

    @property
    def change_size(self) -> int | None:
        change = self.change_percent
        return None if change is None else abs(change)

    @property
    def is_more(self) -> bool:
        return (self.change_percent or 0) > 0

    @property
    def is_less(self) -> bool:
        return (self.change_percent or 0) < 0

    @property
    def is_same(self) -> bool:
        return self.change_percent == 0


@dataclass(frozen=True)
class SparkBar:
    """One day's bar; coordinates are text already (a Spanish decimal comma is not SVG)."""

    x: str
    y: str
    width: str
    height: str
    day: date
    kwh: Decimal | None


@dataclass(frozen=True)
class Sparkline:
    bars: list[SparkBar]
    width: int
    height: int
    start: date
    end: date
    total: Decimal
    average: Decimal
    highest: Decimal
    highest_day: date | None
    missing_days: int

    @property
    def summary(self) -> str:
        """The chart in words, for its aria-label (UX-4: readable without seeing it)."""
        show = _month_day
        if self.highest_day is None:
            return _("Daily use from %(start)s to %(end)s: no data.") % {
                "start": show(self.start),
                "end": show(self.end),
            }
        text = _(
            "Daily use from %(start)s to %(end)s: %(total)s kWh in all, %(average)s kWh a day "
            "on average, highest %(highest)s kWh on %(highest_day)s."
        ) % {
            "start": show(self.start),
            "end": show(self.end),
            "total": formats.number_format(self.total, 1, force_grouping=True),
            "average": formats.number_format(self.average, 1, force_grouping=True),
            "highest": formats.number_format(self.highest, 1, force_grouping=True),
            "highest_day": show(self.highest_day),
        }
        if self.missing_days:
            text += " " + ngettext(
                "%(count)s day without data.", "%(count)s days without data.", self.missing_days
            ) % {"count": self.missing_days}
        return text


@dataclass(frozen=True)
class MeterUsageSummary:
    premise: Premise
    shared_by: str = ""  # a friend's meter: the owner's name (ACC-22)
    latest_day: date | None = None
    latest_kwh: Decimal | None = None
    is_yesterday: bool = False
    month: MonthSoFar | None = None
    chart: Sparkline | None = None
    freshness: MeterFreshness | None = None  # BEY-4: stale days and gaps

    @property
    def has_data(self) -> bool:
        return self.latest_day is not None


@dataclass(frozen=True)
class UsageDashboard:
    meters: list[MeterUsageSummary] = field(default_factory=list)
    shared: list[MeterUsageSummary] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.meters and not self.shared


def _month_day(day: date) -> str:
    return formats.date_format(day, "MONTH_DAY_FORMAT")


def usage_dashboard(*, customer: User, today: date | None = None) -> UsageDashboard:
    """USG-13: the dashboard of a customer's meters; four queries for any number of meters
    (attached meters, shared meters, latest days, daily totals); BEY-4's freshness rows come
    joined to the meters."""
    today = today or timezone.localdate()
    newest = today - timedelta(days=NEWEST_DAY_LAG)
    # The selectors of My Smart Meters and My Friend's Meters; the meters themselves (the
    # prefetch) are not shown here.
    # BEY-4: each meter's freshness row joined, no query of its own.
    links = list(
        customer_premise_links(customer=customer)
        .prefetch_related(None)
        .select_related("premise__freshness")
    )
    shares = list(meter_shares_received(friend=customer).select_related("premise__freshness"))
    own = [link.premise for link in links]
    own_ids = {premise.pk for premise in own}
    shared = [share for share in shares if share.premise_id not in own_ids]
    premises = own + [share.premise for share in shared]
    if not premises:
        return UsageDashboard()
    latest = _latest_days([p.pk for p in premises], newest)
    totals = _daily_totals(latest)
    meters = [_summary(p, latest.get(p.pk), totals, today) for p in own]
    friends = [
        _summary(share.premise, latest.get(share.premise_id), totals, today, share.owner)
        for share in shared
    ]
    return UsageDashboard(meters=meters, shared=friends)


def _consumption() -> Q:
    return Q(channel=Channel.CONSUMPTION, is_current=True)


def _latest_days(premise_ids: list[int], newest: date) -> dict[int, date]:
    rows = (
        IntervalDay.objects.filter(_consumption(), premise_id__in=premise_ids, day__lte=newest)
        .values("premise_id")
        .annotate(latest=Max("day"))
        .order_by()
    )
    return {row["premise_id"]: row["latest"] for row in rows}


def _first_day_needed(latest: date) -> date:
    month_start = latest.replace(day=1)
    return min(month_start - relativedelta(months=1), latest - timedelta(days=CHART_DAYS - 1))


def _daily_totals(latest: dict[int, date]) -> dict[tuple[int, date], Decimal]:
    """The day totals each meter's summary needs, in one query: for each meter, from the
    first day of the month before its latest day's (or 30 days back) to its latest day."""
    if not latest:
        return {}
    wanted = Q()
    for premise_id, day in latest.items():
        wanted |= Q(premise_id=premise_id, day__range=(_first_day_needed(day), day))
    rows = IntervalDay.objects.filter(_consumption()).filter(wanted)
    return {
        (premise_id, day): day_total(readings)
        for premise_id, day, readings in rows.values_list("premise_id", "day", "readings")
    }


def _summary(
    premise: Premise,
    latest: date | None,
    totals: dict[tuple[int, date], Decimal],
    today: date,
    owner: User | None = None,
) -> MeterUsageSummary:
    shared_by = owner.display_name if owner else ""
    freshness = premise_freshness(premise)
    if latest is None:
        return MeterUsageSummary(premise=premise, shared_by=shared_by, freshness=freshness)
    return MeterUsageSummary(
        premise=premise,
        shared_by=shared_by,
        freshness=freshness,
        latest_day=latest,
        latest_kwh=totals.get((premise.pk, latest)),
        is_yesterday=latest == today - timedelta(days=1),
        month=month_so_far(premise.pk, latest, totals, today),
        chart=sparkline(
            [
                (day, totals.get((premise.pk, day)))
                for day in (latest - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1))
            ]
        ),
    )


def _sum(values: list[Decimal]) -> Decimal | None:
    return sum(values, Decimal("0")) if values else None


def month_so_far(
    premise_id: int, latest: date, totals: dict[tuple[int, date], Decimal], today: date
) -> MonthSoFar:
    """The latest day's month so far and the same days of the month before."""
    start = latest.replace(day=1)
    previous_start = start - relativedelta(months=1)
    previous_end = latest - relativedelta(months=1)  # Mar 31 → Feb 28: relativedelta clamps

    def days(first: date, last: date) -> list[Decimal]:
        count = (last - first).days + 1
        found = (totals.get((premise_id, first + timedelta(days=n))) for n in range(count))
        return [value for value in found if value is not None]

    return MonthSoFar(
        start=start,
        end=latest,
        kwh=_sum(days(start, latest)) or Decimal("0"),
        previous_start=previous_start,
        previous_end=previous_end,
        previous_kwh=_sum(days(previous_start, previous_end)),
        is_this_month=start == today.replace(day=1),
    )


def sparkline(points: list[tuple[date, Decimal | None]]) -> Sparkline:
    """Bars of a small inline SVG chart of daily kWh (UX-4); a day without data has no bar."""
    values = [value for _day, value in points if value is not None]
    highest = max(values, default=Decimal("0"))
    highest_day = next((day for day, value in points if value == highest), None)
    scale = (SPARK_HEIGHT - 2) / float(highest) if highest else 0.0
    width = SPARK_WIDTH / len(points)
    bars = []
    for index, (day, value) in enumerate(points):
        height = float(value or 0) * scale
        bars.append(
            SparkBar(
                x=f"{index * width:.2f}",
                y=f"{SPARK_HEIGHT - height:.2f}",
                width=f"{max(width - 2, 1):.2f}",
                height=f"{height:.2f}",
                day=day,
                kwh=value,
            )
        )
    total = sum(values, Decimal("0"))
    return Sparkline(
        bars=bars,
        width=SPARK_WIDTH,
        height=SPARK_HEIGHT,
        start=points[0][0],
        end=points[-1][0],
        total=total,
        average=total / len(values) if values else Decimal("0"),
        highest=highest,
        highest_day=highest_day if values else None,
        missing_days=len(points) - len(values),
    )
