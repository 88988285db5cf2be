"""Monthly partitions of the interval table on PostgreSQL (USG-2, docs/scaling.md).

`usage_intervalday` is partitioned by range of `day`, one partition a month
(`usage_intervalday_pYYYY_MM`), plus `usage_intervalday_default` for a day no monthly partition
covers (a test's old date, a file from far in the past). The daily job keeps MONTHS_AHEAD
months ready, and the loader makes sure the months of a file exist before it inserts, so
loaded rows land in their month. A month created while the default partition holds some of
its days takes those rows with it (PostgreSQL refuses a new partition that the default's rows
would belong to).

Retention: `manage.py interval_partitions --detach YYYY-MM` detaches an old month. Its table
stays in the database, out of every query, to be archived (`pg_dump -t`) and dropped by the
operator (docs/scaling.md). On SQLite (the embedded default) the table is one table and every
function here does nothing.
"""

from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from smt.lib.errors import Refused

TABLE = "usage_intervalday"
DEFAULT_PARTITION = f"{TABLE}_default"
MONTHS_AHEAD = 3  # months kept ready after the current one


@dataclass(frozen=True)
class Partition:
    name: str
    month: date | None  # None: the default partition
    rows: int  # PostgreSQL's estimate (pg_class.reltuples), -1 before the first ANALYZE


def partitioned() -> bool:
    return connection.vendor == "postgresql"


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_p{month:%Y_%m}"


def interval_partitions() -> list[Partition]:
    """The partitions attached to the interval table, oldest month first, default last."""
    if not partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reltuples::bigint FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [TABLE],
        )
        found = cursor.fetchall()
    partitions = [
        Partition(name, _month_of(name), rows) for name, rows in found if name != DEFAULT_PARTITION
    ]
    partitions += [Partition(name, None, rows) for name, rows in found if name == DEFAULT_PARTITION]
    return partitions


def _month_of(name: str) -> date | None:
    try:
        year, month = name.removeprefix(f"{TABLE}_p").split("_")
        return date(int(year), int(month), 1)
    except ValueError:
        return None


def interval_partitions_ensure(
    months: set[date] | None = None, *, today: date | None = None
) -> list[str]:
    """Create the monthly partitions that are missing: those of `months` (first days), else the
    current month and the MONTHS_AHEAD after it. Returns the names created."""
    if not partitioned():
        return []
    if months is None:
        month = month_start(today or timezone.localdate())
        months = {month}
        for _ in range(MONTHS_AHEAD):
            month = next_month(month)
            months.add(month)
    existing = {partition.month for partition in interval_partitions()}
    created = []
    for month in sorted(months - existing):
        _create(month)
        created.append(partition_name(month))
    return created


def _create(month: date) -> None:
    name, until = partition_name(month), next_month(month)
    bounds = f"FROM ('{month.isoformat()}') TO ('{until.isoformat()}')"
    with transaction.atomic(), connection.cursor() as cursor:
        # One at a time: two processes creating the same month would both fail otherwise.
        cursor.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is not None:
            return
        in_default = f"day >= '{month.isoformat()}' AND day < '{until.isoformat()}'"
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION} WHERE {in_default})")
        if not cursor.fetchone()[0]:
            cursor.execute(f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES {bounds}")
            return
        # The default partition holds days of this month: they move into the new partition.
        cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING ALL)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE {in_default} RETURNING *)"
            f" INSERT INTO {name} SELECT * FROM moved"
        )
        cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES {bounds}")


def interval_partition_detach(month: date) -> str:
    """Detach one month (retention). Its table is kept, out of every query, for the operator
    to archive and drop. Refuses the current month and later ones."""
    if not partitioned():
        raise Refused("Only PostgreSQL partitions the interval table.")
    month = month_start(month)
    if month >= month_start(timezone.localdate()):
        raise Refused(f"{month:%Y-%m} is not in the past: only past months can be detached.")
    name = partition_name(month)
    if month not in {partition.month for partition in interval_partitions()}:
        raise Refused(f"No attached partition for {month:%Y-%m}.")
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
    return name
