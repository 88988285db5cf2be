"""Interval data: the market day and storing days of readings with their versions (USG-1, USG-2)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from usage.models import IntervalDay

MARKET_TZ = ZoneInfo("America/Chicago")  # USG-1: days are Central Prevailing Time
INTERVAL_MINUTES = 15


def intervals_in_day(day: date) -> int:
    """92 on the spring DST day, 100 on the fall DST day, 96 otherwise (USG-1)."""
    start = datetime.combine(day, time(), MARKET_TZ)
    end = datetime.combine(day + timedelta(days=1), time(), MARKET_TZ)
    seconds = end.timestamp() - start.timestamp()
    return int(seconds // (INTERVAL_MINUTES * 60))


@dataclass(frozen=True)
class IntervalDayInput:
    premise_id: int
    day: date
    channel: str
    readings: tuple[Decimal | None, ...]
    quality: str


@dataclass
class StoreSummary:
    created: int = 0
    corrected: int = 0
    unchanged: int = 0


def _readings_text(readings: Iterable[Decimal | None]) -> str:
    return ",".join("" if value is None else f"{value:.3f}" for value in readings)


def _check_day_shape(item: IntervalDayInput) -> None:
    expected = intervals_in_day(item.day)
    if len(item.readings) != expected or len(item.quality) != expected:
        raise ValueError(
            f"{item.day} needs {expected} intervals, got {len(item.readings)} readings "
            f"and {len(item.quality)} quality flags"
        )


@transaction.atomic
def interval_days_store(items: Iterable[IntervalDayInput]) -> StoreSummary:
    """Store days of interval data, keeping every version (USG-1, USG-2).

    A day identical to the current version changes nothing (so loading twice is harmless);
    a different one becomes the next version and the current one.
    """
    items = list(items)
    for item in items:
        _check_day_shape(item)
    summary = StoreSummary()
    if not items:
        return summary
    current = {
        (row.premise_id, row.day, row.channel): row
        for row in IntervalDay.objects.select_for_update().filter(
            premise_id__in={item.premise_id for item in items},
            day__range=(min(i.day for i in items), max(i.day for i in items)),
            is_current=True,
        )
    }
    now = timezone.now()
    new_rows, superseded = [], []
    for item in items:
        text = _readings_text(item.readings)
        previous = current.get((item.premise_id, item.day, item.channel))
        if previous and previous.readings == text and previous.quality == item.quality:
            summary.unchanged += 1
            continue
        if previous:
            superseded.append(previous.pk)
            summary.corrected += 1
        else:
            summary.created += 1
        new_rows.append(
            IntervalDay(
                premise_id=item.premise_id,
                day=item.day,
                channel=item.channel,
                version=previous.version + 1 if previous else 1,
                readings=text,
                quality=item.quality,
                received_at=now,
            )
        )
    # Retire old versions first: only one current row per day and channel may exist.
    IntervalDay.objects.filter(pk__in=superseded).update(is_current=False)
    IntervalDay.objects.bulk_create(new_rows, batch_size=2000)
    if new_rows:  # BEY-4: the stored premises' freshness, in this transaction
        from usage.services.freshness import freshness_refresh  # freshness reads reports

        freshness_refresh({row.premise_id for row in new_rows})
    return summary
