"""The measured figures of docs/scaling.md: bytes on disk per meter-day of the usage tables,
loading seconds per million readings, offline export MB/s (see that page for what is then
extrapolated from them).

    createdb -h 127.0.0.1 -U postgres smt_scale          # a database of its own
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smt_scale \\
        .venv/bin/python benchmarks/scale_figures.py [--meters 10000] [--days 30] \\
        [--ingest-meters 100000] [--export-meters 1000]

Sizes are those of the whole tables (`pg_table_size`: the table, its TOAST and maps;
`pg_indexes_size`) after VACUUM, divided by their rows, so run it on a database holding
only this script's data. The day rows are written by run.synthetic_meters (one day file's
order: every meter of a day, day after day), the daily reads by one INSERT … SELECT.
"""

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smt.settings")

TDSP_CODE, ESIID_PREFIX = "bench-scale", "10994"  # apart from the other benchmarks' meters
END = date(2026, 10, 31)


def table_sizes(table: str) -> dict[str, float]:
    """Rows, table bytes (with TOAST) and index bytes of `table`, after VACUUM."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute(f"SELECT count(*) FROM {table}")
        (rows,) = cursor.fetchone()
        # A partitioned table (usage_intervalday on PostgreSQL) has no storage of its own:
        # its figures are the sums over its partitions (pg_partition_tree lists a plain
        # table as its own only member).
        leaves = (
            "(SELECT relid FROM pg_partition_tree(%s) WHERE isleaf"
            " UNION SELECT oid FROM pg_class WHERE oid = %s::regclass AND relkind = 'r')"
        )
        cursor.execute(
            "SELECT sum(pg_relation_size(relid)), sum(pg_table_size(relid)),"
            f" sum(pg_indexes_size(relid)), sum(pg_total_relation_size(relid)) FROM {leaves} t",
            [table, table],
        )
        heap, table_bytes, index_bytes, total = map(int, cursor.fetchone())
        cursor.execute(
            "SELECT i.indexrelname, sum(pg_relation_size(i.indexrelid))"
            f" FROM pg_stat_user_indexes i JOIN {leaves} t ON t.relid = i.relid"
            " GROUP BY 1 ORDER BY 1",
            [table, table],
        )
        indexes = [(name, int(size)) for name, size in cursor.fetchall()]
    return {
        "rows": rows,
        "heap": heap,
        "table": table_bytes,
        "indexes": index_bytes,
        "total": total,
        **{f"index {name}": size for name, size in indexes},
    }


def daily_reads_write(pks: list[int], days: int) -> None:
    """One current daily read per meter-day, as a TDSP sends them (USG-4)."""
    from django.db import connection

    first = END - timedelta(days=days - 1)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM usage_dailyread WHERE premise_id = ANY(%s::bigint[])", [pks])
        cursor.execute(
            "INSERT INTO usage_dailyread (premise_id, day, version, is_current, start_read,"
            " end_read, consumption_kwh, received_at)"
            " SELECT p.id, d.day, 1, true, 12345.678 + n * 25, 12345.678 + (n + 1) * 25, 25.000,"
            " '2026-01-01 00:00:00+00'"
            " FROM unnest(%s::bigint[]) AS p(id)"
            " CROSS JOIN generate_series(0, %s - 1) AS n"
            " CROSS JOIN LATERAL (SELECT %s::date + n AS day) d ORDER BY d.day, p.id",
            [pks, days, first],
        )


def print_sizes(name: str, sizes: dict[str, float]) -> None:
    rows = sizes["rows"]
    print(f"{name}: {rows:,} rows")
    for key, value in sizes.items():
        if key != "rows":
            print(f"  {key:<44} {value / 1e6:>10.1f} MB  {value / rows:>8.1f} bytes/row")


def export_rate(meters: int, days: int) -> dict[str, float]:
    """Seconds and bytes of one offline export (the worker's `report_request_build`) of
    `meters` × `days` as CSV, best of two."""
    from accounts.models import User
    from benchmarks.run import _autocommit, best_of, offline_export_build, synthetic_meters
    from usage.models import Premise

    start = END - timedelta(days=days - 1)
    pks = synthetic_meters(meters, days, END, tdsp_code="bench-scale-export", esiid_prefix="10993")
    user, _ = User.objects.get_or_create(
        username="bench.scale.rep", defaults={"kind": User.Kind.REP, "email": "s@example.com"}
    )
    premises = list(Premise.objects.filter(pk__in=pks))
    sizes = []

    def build():
        sizes.append(offline_export_build(user, premises, start, END))

    seconds = best_of(2, _autocommit(build))
    return {"seconds": seconds, "bytes": sizes[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--ingest-meters", type=int, default=100_000)
    parser.add_argument("--export-meters", type=int, default=1000)
    args = parser.parse_args()
    from benchmarks.run import setup_django, synthetic_meters

    setup_django()
    from celery import current_app

    current_app.conf.task_always_eager = True  # report-ready emails stay in-process

    started = time.perf_counter()
    pks = synthetic_meters(
        args.meters, args.days, END, tdsp_code=TDSP_CODE, esiid_prefix=ESIID_PREFIX
    )
    daily_reads_write(pks, args.days)
    seconds = time.perf_counter() - started
    print(f"wrote {args.meters:,} meters × {args.days} days in {seconds:.0f} s")
    print_sizes("usage_intervalday", table_sizes("usage_intervalday"))
    print_sizes("usage_dailyread", table_sizes("usage_dailyread"))

    from benchmarks import tdsp_file_load

    times = tdsp_file_load.ingest_against_copy(args.ingest_meters, 2)
    readings = times["stored"] * 96
    print(f"ingest: {times['stored']:,} meters, {readings:,} readings")
    for key in ("ours", "floor", "reference"):
        per_million = times[key] / readings * 1e6
        print(f"  {key:<10} {times[key]:>7.3f} s  {per_million:>6.3f} s per million readings")

    export = export_rate(args.export_meters, args.days)
    print(
        f"offline export: {args.export_meters:,} meters × {args.days} days,"
        f" {export['bytes'] / 1e6:.1f} MB in {export['seconds']:.2f} s,"
        f" {export['bytes'] / 1e6 / export['seconds']:.1f} MB/s"
    )


if __name__ == "__main__":
    main()
