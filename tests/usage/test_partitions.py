"""The interval table's monthly partitions on PostgreSQL (USG-2, docs/scaling.md): created
months ahead by a daily job, created by the loader for the months of a file, rows a default
partition held moved into their new month, past months detached for retention. On SQLite the
table is one table and the same calls do nothing."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import PremiseFactory
from usage.models import IntervalDay
from usage.services import partitions
from usage.services.ingest import tdsp_file_load
from usage.tasks import interval_partitions_ensure_task

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only PostgreSQL partitions the interval table"
)

HEADER = "esiid,date,channel,version,quality,kwh"


def interval_line(esiid, day, value="0.250", version=1):
    return f"{esiid},{day},C,{version},{'A' * 96}," + ",".join([value] * 96)


def attached() -> dict[date | None, str]:
    return {partition.month: partition.name for partition in partitions.interval_partitions()}


def partition_of(premise, day) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM usage_intervalday"
            " WHERE premise_id = %s AND day = %s",
            [premise.pk, day],
        )
        return cursor.fetchone()[0]


@on_postgresql
@time_machine.travel("2031-05-20 12:00 -05:00")
def test_the_daily_job_keeps_this_month_and_three_ahead():
    created = interval_partitions_ensure_task()

    months = attached()
    for month in (date(2031, 5, 1), date(2031, 6, 1), date(2031, 7, 1), date(2031, 8, 1)):
        assert months[month] == partitions.partition_name(month)
    assert date(2031, 9, 1) not in months  # 4 ahead: not yet
    assert "usage_intervalday_p2031_08" in created
    assert interval_partitions_ensure_task() == []  # safe to run again


@on_postgresql
def test_a_file_of_a_month_without_partition_gets_one_and_lands_in_it():
    premise = PremiseFactory()
    day = date(2019, 2, 11)
    assert date(2019, 2, 1) not in attached()

    report = tdsp_file_load(lines=[f"{HEADER}\n", interval_line(premise.esiid, day)], name="f")

    assert report.stored == 1
    assert partition_of(premise, day) == "usage_intervalday_p2019_02"


@on_postgresql
def test_rows_the_default_partition_held_move_into_their_new_month():
    premise = PremiseFactory()
    day = date(2018, 7, 4)
    IntervalDay.objects.create(  # written without the loader: no partition for July 2018 yet
        premise=premise,
        day=day,
        channel="C",
        readings="1.000",
        quality="A",
        received_at="2018-07-05T00:00Z",
    )
    assert partition_of(premise, day) == partitions.DEFAULT_PARTITION

    assert partitions.interval_partitions_ensure({date(2018, 7, 1)}) == [
        "usage_intervalday_p2018_07"
    ]

    assert partition_of(premise, day) == "usage_intervalday_p2018_07"
    assert IntervalDay.objects.get(premise=premise, day=day).readings == "1.000"


@on_postgresql
@time_machine.travel("2031-05-20 12:00 -05:00")
def test_a_past_month_is_detached_and_leaves_every_query():
    premise = PremiseFactory()
    partitions.interval_partitions_ensure({date(2031, 3, 1)})
    tdsp_file_load(lines=[f"{HEADER}\n", interval_line(premise.esiid, date(2031, 3, 9))], name="f")
    out = StringIO()

    call_command("interval_partitions", "--detach", "2031-03", stdout=out)

    assert "Detached usage_intervalday_p2031_03" in out.getvalue()
    assert "pg_dump -t usage_intervalday_p2031_03" in out.getvalue()
    assert not IntervalDay.objects.filter(premise=premise).exists()
    assert date(2031, 3, 1) not in attached()


@on_postgresql
@time_machine.travel("2031-05-20 12:00 -05:00")
@pytest.mark.parametrize(
    "month, message",
    [
        ("2031-05", "2031-05 is not in the past"),  # the current month: still loading
        ("2031-06", "2031-06 is not in the past"),
        ("2029-01", "No attached partition for 2029-01"),
        ("May 2031", "--detach takes a month as YYYY-MM"),
    ],
)
def test_detaching_refuses_the_current_month_later_ones_and_unknown_ones(month, message):
    partitions.interval_partitions_ensure()

    with pytest.raises(CommandError, match=message):
        call_command("interval_partitions", "--detach", month, stdout=StringIO())


@on_postgresql
@time_machine.travel("2031-05-20 12:00 -05:00")
def test_the_command_lists_and_creates_partitions():
    out = StringIO()
    call_command("interval_partitions", "--ahead", stdout=out)
    call_command("interval_partitions", stdout=out)

    text = out.getvalue()
    assert "usage_intervalday_p2031_08  2031-08" in text
    assert "usage_intervalday_default  other days" in text


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the embedded default only")
def test_on_sqlite_there_is_one_table_and_nothing_to_do():
    out = StringIO()
    call_command("interval_partitions", "--ahead", stdout=out)

    assert partitions.interval_partitions() == []
    assert partitions.interval_partitions_ensure() == []
    assert "one table" in out.getvalue()
