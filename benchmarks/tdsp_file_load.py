"""Benchmark 1: a day file of interval data for many meters through `load_tdsp_file`, vs a
plain COPY of the same rows into an unindexed table (docs/tdsp-files.md, USG-2)."""

import io
import tempfile
import time
from datetime import date
from pathlib import Path

TDSP_CODE = "bench-ingest"
ESIID_PREFIX = "10997"  # apart from the other benchmarks' meters
HEADER = "esiid,date,channel,version,quality,kwh"
PATTERNS = 50  # distinct days of values, so rows are not all alike


def ingest_premises(count: int) -> list[str]:
    """`count` premises of their own TDSP, without data; reused when already there."""
    from accounts.models import Tdsp
    from usage.models import Premise

    tdsp, _ = Tdsp.objects.get_or_create(code=TDSP_CODE, defaults={"name": "Bench ingest"})
    esiids = [f"{ESIID_PREFIX}{n:012d}" for n in range(count)]
    if Premise.objects.filter(tdsp=tdsp).count() != count:
        from usage.models import IntervalDay

        IntervalDay.objects.filter(premise__tdsp=tdsp).delete()
        Premise.objects.filter(tdsp=tdsp).delete()
        Premise.objects.bulk_create(
            (
                Premise(esiid=e, tdsp=tdsp, street_name="Bench", city="Austin", zip_code="78701")
                for e in esiids
            ),
            batch_size=5000,
        )
    return esiids


def write_day_files(esiids: list[str], day: date, folder: Path) -> tuple[Path, Path]:
    """The TDSP file, and the same rows tab-separated for the reference COPY."""
    from usage.services.intervals import intervals_in_day

    slots = intervals_in_day(day)
    quality = "A" * slots
    days = [
        ",".join(f"{0.05 + ((n * 7 + p * 13) % 97) / 100:.3f}" for n in range(slots))
        for p in range(PATTERNS)
    ]
    csv_path, tsv_path = folder / "day.csv", folder / "day.tsv"
    with csv_path.open("w") as csv_file, tsv_path.open("w") as tsv_file:
        csv_file.write(HEADER + "\n")
        for n, esiid in enumerate(esiids):
            values = days[n % PATTERNS]
            csv_file.write(f"{esiid},{day},C,1,{quality},{values}\n")
            tsv_file.write(f"{esiid}\t{day}\tC\t1\t{quality}\t{values}\n")
    return csv_path, tsv_path


def ingest_against_copy(meters: int, runs: int) -> dict[str, float]:
    """Seconds of the best runs: `ours` (the command), `reference` (plain COPY of the file's
    rows into an unindexed table) and `floor` (COPY of the finished rows straight into the
    portal's table, with its keys and constraints: what no loader can beat); and `stored`."""
    from django.core.management import call_command
    from django.db import connection

    from usage.models import IntervalDay

    day = date(2026, 10, 14)
    esiids = ingest_premises(meters)

    def clear():
        IntervalDay.objects.filter(premise__tdsp__code=TDSP_CODE, day=day).delete()
        _data_through_the_day_before(day)
        with connection.cursor() as cursor:
            # A real day file meets no rows of its day, dead or alive: without the VACUUM each
            # run's unique checks would visit the rows deleted above (and the freshness rows
            # their dead versions), a cost of repeating the same day here, not of loading.
            cursor.execute("VACUUM usage_intervalday, usage_meterfreshness")
            cursor.execute("CHECKPOINT")  # the delete's work is not billed to the next load

    def timed_copy(sql: str, path: Path) -> float:
        with connection.cursor() as cursor, path.open() as rows:
            started = time.perf_counter()
            cursor.copy_expert(sql, rows)
            return time.perf_counter() - started

    with tempfile.TemporaryDirectory() as folder:
        csv_path, tsv_path = write_day_files(esiids, day, Path(folder))

        def ours():
            clear()
            started = time.perf_counter()
            call_command("load_tdsp_file", str(csv_path), "--no-progress", stdout=io.StringIO())
            return time.perf_counter() - started

        ours_s = min(ours() for _ in range(runs))
        stored = IntervalDay.objects.filter(premise__tdsp__code=TDSP_CODE, day=day).count()
        rows_path = _finished_rows(day, Path(folder))

        def floor():
            clear()
            return timed_copy(f"COPY usage_intervalday ({FINISHED_COLUMNS}) FROM STDIN", rows_path)

        floor_s = min(floor() for _ in range(runs))
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bench_ingest_copy (esiid text, day date,"
                " channel text, version int, quality text, kwh text)"
            )

        def reference():
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE bench_ingest_copy")
                cursor.execute("CHECKPOINT")
            return timed_copy("COPY bench_ingest_copy FROM STDIN", tsv_path)

        reference_s = min(reference() for _ in range(runs))
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_ingest_copy")
    return {"ours": ours_s, "reference": reference_s, "floor": floor_s, "stored": stored}


def _data_through_the_day_before(day: date) -> None:
    """The every-day case the loader is built for (BEY-4): each meter's freshness says its
    data is complete through the day before the file's day, without gaps."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO usage_meterfreshness (premise_id, last_interval_day,"
            " last_interval_received_at, gap_days, gap_dates, computed_at)"
            " SELECT p.id, %s::date - 1, %s, 0, '[]', %s FROM usage_premise p"
            " JOIN accounts_tdsp t ON t.id = p.tdsp_id WHERE t.code = %s"
            " ON CONFLICT (premise_id) DO UPDATE SET"
            " last_interval_day = EXCLUDED.last_interval_day, gap_days = 0, gap_dates = '[]'",
            [day, now, now, TDSP_CODE],
        )


FINISHED_COLUMNS = "premise_id, day, channel, version, is_current, readings, quality, received_at"


def _finished_rows(day: date, folder: Path) -> Path:
    """The rows the loader stored, as COPY text, to be written again without any loader."""
    from django.db import connection

    path = folder / "finished.tsv"
    with connection.cursor() as cursor, path.open("w") as rows:
        cursor.copy_expert(
            f"COPY (SELECT {FINISHED_COLUMNS} FROM usage_intervalday d"
            " JOIN usage_premise p ON p.id = d.premise_id JOIN accounts_tdsp t ON t.id = p.tdsp_id"
            f" WHERE t.code = '{TDSP_CODE}' AND d.day = '{day}') TO STDOUT",
            rows,
        )
    return path
