"""Interval data is kept one row per ESIID, day, channel and version (USG-1, USG-2)."""

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import PremiseFactory
from usage.models import IntervalDay
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 3, 7), 96),
        (date(2026, 3, 8), 92),  # spring forward in America/Chicago
        (date(2026, 3, 9), 96),
        (date(2026, 10, 31), 96),
        (date(2026, 11, 1), 100),  # fall back
        (date(2026, 11, 2), 96),
        (date(2025, 3, 9), 92),
        (date(2025, 11, 2), 100),
    ],
)
def test_a_day_has_92_96_or_100_intervals(day, expected):  # USG-1
    assert intervals_in_day(day) == expected


def day_input(premise, day, value="0.250", channel="C", quality=None):
    count = intervals_in_day(day)
    return IntervalDayInput(
        premise_id=premise.pk,
        day=day,
        channel=channel,
        readings=tuple(Decimal(value) for _ in range(count)),
        quality=quality or "A" * count,
    )


def test_a_day_is_stored_as_one_row_with_its_total():  # USG-1
    premise = PremiseFactory()
    summary = interval_days_store([day_input(premise, date(2026, 11, 1))])
    row = IntervalDay.objects.get()
    assert summary.created == 1
    assert row.interval_count == 100
    assert row.total_kwh == Decimal("25.000")
    assert row.values[0] == Decimal("0.250")
    assert (row.version, row.is_current) == (1, True)


def test_storing_the_same_day_again_changes_nothing():  # USG-2: idempotent
    premise = PremiseFactory()
    interval_days_store([day_input(premise, date(2026, 6, 1))])
    summary = interval_days_store([day_input(premise, date(2026, 6, 1))])
    assert summary.unchanged == 1
    assert IntervalDay.objects.count() == 1


def test_a_corrected_day_becomes_the_next_current_version_and_keeps_the_old():  # USG-1
    premise = PremiseFactory()
    interval_days_store([day_input(premise, date(2026, 6, 1), "0.250")])
    summary = interval_days_store([day_input(premise, date(2026, 6, 1), "0.300")])
    assert summary.corrected == 1
    rows = list(IntervalDay.objects.order_by("version").values_list("version", "is_current"))
    assert rows == [(1, False), (2, True)]


def test_channels_are_versioned_separately():  # USG-1: consumption and generation
    premise = PremiseFactory()
    day = date(2026, 6, 1)
    interval_days_store([day_input(premise, day), day_input(premise, day, channel="G")])
    assert set(IntervalDay.objects.values_list("channel", "version")) == {("C", 1), ("G", 1)}


def test_missing_intervals_are_kept_as_gaps():  # USG-1
    premise = PremiseFactory()
    day = date(2026, 6, 1)
    readings = (None,) + tuple(Decimal("0.100") for _ in range(95))
    interval_days_store([IntervalDayInput(premise.pk, day, "C", readings, "-" + "A" * 95)])
    row = IntervalDay.objects.get()
    assert row.values[0] is None
    assert row.total_kwh == Decimal("9.500")


def test_a_day_with_the_wrong_number_of_intervals_is_refused():  # USG-1
    premise = PremiseFactory()
    wrong = IntervalDayInput(premise.pk, date(2026, 3, 8), "C", (Decimal("0.1"),) * 96, "A" * 96)
    with pytest.raises(ValueError, match="needs 92 intervals"):
        interval_days_store([wrong])
    assert IntervalDay.objects.count() == 0
