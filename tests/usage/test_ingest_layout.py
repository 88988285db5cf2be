"""Loading on the day tables laid out for loading (USG-1, USG-2, BEY-4): on PostgreSQL lines are
checked and stored by SQL (usage.services.ingest_pg), on SQLite by the Python loader; both
store the same rows and report a bad line with its number and the same message. Runs on both
databases in CI."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from tests.factories import PremiseFactory
from usage.models import DailyRead, IntervalDay, MeterFreshness
from usage.services.freshness import freshness_refresh
from usage.services.ingest import tdsp_file_load

pytestmark = pytest.mark.django_db

INTERVAL_HEADER = "esiid,date,channel,version,quality,kwh"
DAILY_HEADER = "esiid,date,version,start_read,end_read,consumption_kwh"
DAY = date(2026, 3, 14)


def row(esiid, day=DAY, *, value="0.250", version=1, flags=None, quote=False):
    quality = flags or "A" * 96
    esiid = f'"{esiid}"' if quote else esiid
    return f"{esiid},{day},C,{version},{quality}," + ",".join([value] * 96)


def load(*lines, header=INTERVAL_HEADER, end="\n", tdsp=None):
    return tdsp_file_load(
        lines=[f"{line}{end}" for line in (header, *lines)], name="f.csv", tdsp=tdsp
    )


def errors(report):
    return [(error.line, error.message) for error in report.errors]


def test_quoted_esiids_windows_line_ends_and_both_shapes_of_line_load_together():  # USG-2
    premise, other = PremiseFactory(), PremiseFactory()
    missing = "A" * 94 + "--"
    slow = f"{other.esiid},{DAY},C,1,{missing}," + ",".join(["0.25"] * 94 + ["", ""])

    report = load(row(premise.esiid, quote=True), slow, end="\r\n")

    assert (report.rows_read, report.stored, report.skipped) == (2, 2, 0)
    fast_day = IntervalDay.objects.get(premise=premise)
    assert fast_day.readings == ",".join(["0.250"] * 96)
    assert fast_day.total_kwh == Decimal("24.000")
    slow_day = IntervalDay.objects.get(premise=other)
    assert slow_day.readings == ",".join(["0.250"] * 94 + ["", ""])  # normalised, as always
    assert slow_day.quality == missing
    assert slow_day.total_kwh == Decimal("23.500")


def test_bad_lines_are_reported_with_their_number_and_the_parsers_message():  # USG-2
    premise = PremiseFactory()
    lines = [
        row(premise.esiid),
        row(f"{premise.esiid}\t"),  # a tab: COPY's delimiter
        row("1234567890123456789\\N"),  # a backslash: COPY's escape
        row(premise.esiid, day="2026-02-30"),
        row(premise.esiid, day=DAY + timedelta(days=1), version=0),
        row(premise.esiid, day=DAY + timedelta(days=2)).replace(",0.250", ",0.2500", 1),
        row("10443720000000000999"),
        "",
        row(premise.esiid, day=DAY + timedelta(days=3), flags="A" * 95 + "X"),
    ]

    report = load(*lines)

    assert report.stored == 1
    assert errors(report) == [
        (3, f"ESIID '{premise.esiid}\\t' is not 17 to 22 digits"),
        (4, "ESIID '1234567890123456789\\\\N' is not 17 to 22 digits"),
        (5, "date '2026-02-30' is not a YYYY-MM-DD date"),
        (6, "version '0' is not a whole number from 1 to 32767"),
        (7, "interval 1: '0.2500' is not a kWh value"),
        (8, "unknown ESIID 10443720000000000999"),
        (9, "empty line"),
        (10, "interval 96: quality flag 'X' is not A, E or -"),
    ]


def test_a_day_twice_in_one_file_is_decided_in_line_order():  # USG-1 versions
    premise = PremiseFactory()

    report = load(
        row(premise.esiid, value="0.100"),
        row(premise.esiid, value="0.200", version=2),
        row(premise.esiid, value="0.200", version=2),  # the same again: unchanged
        row(premise.esiid, value="0.300", version=2),  # same version, other values
    )

    assert (report.stored, report.new_versions, report.unchanged) == (2, 1, 1)
    assert errors(report) == [
        (
            5,
            "version 2 of 2026-03-14 C is already stored with other values; "
            "a correction needs a higher version",
        )
    ]
    days = IntervalDay.objects.filter(premise=premise).order_by("version")
    assert [(d.version, d.is_current) for d in days] == [(1, False), (2, True)]


def test_exactly_one_current_version_whatever_order_versions_come_in():  # USG-1
    premise = PremiseFactory()
    for version in (2, 1, 3, 3, 2):
        load(row(premise.esiid, value=f"0.{version}00", version=version))

    days = IntervalDay.objects.filter(premise=premise).order_by("version")
    assert [(d.version, d.is_current) for d in days] == [(1, False), (2, False), (3, True)]
    assert IntervalDay.objects.get(premise=premise, is_current=True).readings.startswith("0.300")


@time_machine.travel("2026-03-16 09:00 -05:00")
def test_freshness_moves_on_with_the_next_day_and_matches_a_full_recompute():  # BEY-4
    premise, gappy = PremiseFactory(), PremiseFactory()
    for day in (DAY - timedelta(days=2), DAY - timedelta(days=1)):
        load(row(premise.esiid, day=day), row(gappy.esiid, day=day))

    load(row(premise.esiid), row(gappy.esiid, flags="E" + "A" * 95))  # the next day

    stored = {f.premise_id: f for f in MeterFreshness.objects.all()}
    recomputed = {
        f.premise_id: f for f in freshness_refresh([premise.pk, gappy.pk], dry_run=True).rows
    }
    for pk in (premise.pk, gappy.pk):
        assert stored[pk].last_interval_day == recomputed[pk].last_interval_day == DAY
        assert stored[pk].gap_dates == recomputed[pk].gap_dates
        assert stored[pk].last_interval_received_at == recomputed[pk].last_interval_received_at
    assert stored[premise.pk].gap_days == 0
    assert stored[gappy.pk].gap_dates == [DAY.isoformat()]  # an estimated day is a gap


def test_daily_reads_move_the_newest_daily_read_day_on():  # BEY-4, USG-4
    premise = PremiseFactory()
    load(f"{premise.esiid},{DAY},1,10.000,20.000,10.000", header=DAILY_HEADER)
    next_day = DAY + timedelta(days=1)

    load(f"{premise.esiid},{next_day},1,20.000,,", header=DAILY_HEADER)

    assert MeterFreshness.objects.get(premise=premise).last_daily_day == next_day
    read = DailyRead.objects.get(premise=premise, day=next_day)
    assert (read.start_read, read.end_read, read.consumption_kwh) == (Decimal("20.000"), None, None)
