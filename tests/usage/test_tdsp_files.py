"""TDSP usage files: loaded by `load_tdsp_file` (USG-1, USG-2, OPS-3; docs/tdsp-files.md)."""

import gzip
import io
import re
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import CompanyFactory, PremiseFactory, TdspFactory
from usage.models import DailyRead, IntervalDay, MonthlyUsage
from usage.services import ingest
from usage.services.ingest import TdspFileRefused, tdsp_file_load
from usage.tdsp.files import MAX_UPLOAD_BYTES

pytestmark = pytest.mark.django_db

INTERVAL_HEADER = "esiid,date,channel,version,quality,kwh"
DAILY_HEADER = "esiid,date,version,start_read,end_read,consumption_kwh"
MONTHLY_HEADER = "esiid,start_date,end_date,version,actual_kwh,metered_kw"
DAY = date(2026, 3, 14)
SPRING_FORWARD = date(2026, 3, 8)  # 92 intervals (USG-1)
FALL_BACK = date(2026, 11, 1)  # 100 intervals


def interval_row(esiid, day=DAY, *, count=96, value="0.250", version=1, channel="C", flags=None):
    quality = flags or "A" * count
    return f"{esiid},{day},{channel},{version},{quality}," + ",".join([value] * count)


def load(*lines, tdsp=None):
    return tdsp_file_load(lines=[f"{line}\n" for line in lines], name="test.csv", tdsp=tdsp)


def current(premise, day=DAY, channel="C"):
    return IntervalDay.objects.get(premise=premise, day=day, channel=channel, is_current=True)


@pytest.fixture
def premise():
    return PremiseFactory()


def test_an_interval_file_stores_each_day_with_its_flags_and_total(premise):  # USG-1
    flags = "E" + "A" * 93 + "--"
    values = ",".join(["1.500"] + ["0.250"] * 93 + ["", ""])
    report = load(INTERVAL_HEADER, f"{premise.esiid},{DAY},C,1,{flags},{values}")

    assert (report.kind, report.rows_read, report.stored, report.skipped) == ("interval", 1, 1, 0)
    day = current(premise)
    assert day.quality == flags
    assert day.values[0] == Decimal("1.500") and day.values[-1] is None
    assert day.total_kwh == Decimal("1.500") + 93 * Decimal("0.250")


@pytest.mark.parametrize(("day", "count"), [(SPRING_FORWARD, 92), (DAY, 96), (FALL_BACK, 100)])
def test_a_day_needs_exactly_its_number_of_intervals(premise, day, count):  # USG-1
    report = load(
        INTERVAL_HEADER,
        interval_row(premise.esiid, day, count=count),
        interval_row(premise.esiid, day, count=count - 1, channel="G"),
        interval_row(premise.esiid, day, count=count + 1, channel="G"),
    )

    assert report.stored == 1
    assert current(premise, day).interval_count == count
    assert [error.line for error in report.errors] == [3, 4]
    assert report.errors[0].message == f"{count - 1} values; {day} has {count} intervals"


def test_loading_the_same_file_twice_changes_nothing(premise):  # USG-2
    lines = (INTERVAL_HEADER, interval_row(premise.esiid), interval_row(premise.esiid, channel="G"))
    load(*lines)

    again = load(*lines)

    assert (again.stored, again.unchanged, again.skipped) == (0, 2, 0)
    assert IntervalDay.objects.count() == 2


def test_a_corrected_file_adds_a_version_and_keeps_the_old_one(premise):  # USG-1, USG-2
    load(INTERVAL_HEADER, interval_row(premise.esiid, value="0.250"))

    report = load(INTERVAL_HEADER, interval_row(premise.esiid, value="0.300", version=2))

    assert (report.stored, report.new_versions) == (1, 1)
    assert current(premise).version == 2
    assert current(premise).total_kwh == Decimal("28.800")
    versions = IntervalDay.objects.filter(premise=premise).order_by("version")
    assert [(d.version, d.is_current) for d in versions] == [(1, False), (2, True)]


def test_the_same_version_with_other_values_is_refused(premise):  # USG-2
    load(INTERVAL_HEADER, interval_row(premise.esiid, value="0.250"))

    report = load(INTERVAL_HEADER, interval_row(premise.esiid, value="0.300"))

    assert report.skipped == 1
    assert report.errors[0].line == 2
    assert "a correction needs a higher version" in report.errors[0].message
    assert current(premise).total_kwh == Decimal("24.000")


def test_a_late_lower_version_is_kept_but_does_not_become_current(premise):  # USG-1
    load(INTERVAL_HEADER, interval_row(premise.esiid, value="0.300", version=2))

    report = load(INTERVAL_HEADER, interval_row(premise.esiid, value="0.250", version=1))

    assert (report.stored, report.older_versions) == (1, 1)
    assert current(premise).version == 2
    assert IntervalDay.objects.filter(premise=premise, version=1, is_current=False).exists()


def test_two_versions_of_a_day_in_one_file_end_with_the_highest_current(premise):  # USG-2
    report = load(
        INTERVAL_HEADER,
        interval_row(premise.esiid, value="0.300", version=2),
        interval_row(premise.esiid, value="0.250", version=1),
        interval_row(premise.esiid, value="0.400", version=3),
    )

    assert report.stored == 3 and report.skipped == 0
    assert current(premise).version == 3


def test_bad_rows_are_reported_with_their_lines_and_the_rest_loads(premise):  # USG-2
    other = PremiseFactory()
    good = interval_row(premise.esiid)
    report = load(
        INTERVAL_HEADER,
        good,
        interval_row("12345", channel="C"),
        interval_row(premise.esiid, "2026-02-30"),
        interval_row(premise.esiid, channel="X"),
        interval_row(premise.esiid, version=0),
        good + ",",
        interval_row(premise.esiid, value="abc", channel="G"),
        interval_row(premise.esiid, flags="Z" * 96, channel="G"),
        interval_row("99999999999999999"),
        "",
        f"{premise.esiid},{DAY},C",
        interval_row(other.esiid),
    )

    assert report.stored == 2 and report.skipped == 10
    assert [(e.line, e.message) for e in report.errors] == [
        (3, "ESIID '12345' is not 17 to 22 digits"),
        (4, "date '2026-02-30' is not a YYYY-MM-DD date"),
        (5, "channel 'X' is not C (consumption) or G (generation)"),
        (6, "version '0' is not a whole number from 1 to 32767"),
        (7, f"97 values; {DAY} has 96 intervals (trailing comma?)"),
        (8, "interval 1: 'abc' is not a kWh value"),
        (9, "interval 1: quality flag 'Z' is not A, E or -"),
        (10, "unknown ESIID 99999999999999999"),
        (11, "empty line"),
        (12, "3 fields; expected esiid, date, channel, version, quality and the day's values"),
    ]
    assert current(other).interval_count == 96


def test_a_missing_interval_has_no_value(premise):  # USG-1
    flags = "-" + "A" * 95
    report = load(INTERVAL_HEADER, interval_row(premise.esiid, flags=flags))

    assert report.errors[0].message == "interval 1: a missing interval (-) has no value"


def test_an_unknown_header_refuses_the_whole_file(premise):  # USG-2
    with pytest.raises(TdspFileRefused, match="not a known header"):
        load("esiid,day,kwh", interval_row(premise.esiid))

    assert not IntervalDay.objects.exists()


def test_a_tdsp_may_load_only_the_esiids_it_serves(premise):  # API-3
    centerpoint = TdspFactory(
        code="centerpoint", name="CenterPoint", company=CompanyFactory(kind="tdsp")
    )
    mine = PremiseFactory(tdsp=centerpoint)

    report = load(
        INTERVAL_HEADER, interval_row(premise.esiid), interval_row(mine.esiid), tdsp=mine.tdsp
    )

    assert report.stored == 1
    assert report.errors[0].message == f"ESIID {premise.esiid} is not served by {mine.tdsp}"


def test_a_daily_read_file_keeps_missing_reads_empty(premise):  # USG-1, USG-4
    report = load(
        DAILY_HEADER,
        f"{premise.esiid},{DAY},1,10234.120,10262.480,28.360",
        f"{premise.esiid},2026-03-15,1,10262.480,,",
        f"{premise.esiid},2026-03-16,1,1.2345,,",
        f"{premise.esiid},2026-03-17,1,1,2,3,",
    )

    assert (report.kind, report.stored, report.skipped) == ("daily", 2, 2)
    read = DailyRead.objects.get(premise=premise, day=date(2026, 3, 15))
    assert read.start_read == Decimal("10262.480") and read.end_read is None
    assert [e.message for e in report.errors] == [
        "start_read '1.2345' is not a number with at most 3 decimals",
        "7 fields; expected 6: esiid, date, version, start_read, end_read, consumption_kwh "
        "(trailing comma?)",
    ]


def test_a_monthly_file_stores_billing_periods(premise):  # USG-1, USG-5
    report = load(
        MONTHLY_HEADER,
        f"{premise.esiid},2026-02-11,2026-03-12,1,912.000,4.820",
        f"{premise.esiid},2026-03-13,2026-03-12,1,1.000,1.000",
    )

    assert (report.kind, report.stored, report.skipped) == ("monthly", 1, 1)
    month = MonthlyUsage.objects.get(premise=premise)
    assert (month.end_date, month.actual_kwh) == (date(2026, 3, 12), Decimal("912.000"))
    assert report.errors[0].message == "end_date 2026-03-12 is before start_date 2026-03-13"


def test_a_quoted_esiid_and_a_byte_order_mark_are_accepted(premise):  # USG-10 round trip
    report = load("\ufeff" + MONTHLY_HEADER, f'"{premise.esiid}",2026-02-11,2026-03-12,1,9,')

    assert report.stored == 1


def test_rows_are_written_in_batches_without_losing_any(premise):  # USG-2
    days = [date(2026, 1, d) for d in range(1, 26)]
    lines = [INTERVAL_HEADER, *(interval_row(premise.esiid, day) for day in days)]

    report = tdsp_file_load(lines=lines, name="t.csv", batch_rows=7)

    assert report.stored == 25
    assert IntervalDay.objects.filter(premise=premise, is_current=True).count() == 25


# --- the management command (OPS-3) ---------------------------------------------------------


def run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("load_tdsp_file", *args, "--no-progress", stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), str(error)
    return out.getvalue(), err.getvalue(), None


def test_the_command_loads_plain_and_gzipped_files_and_prints_a_summary(premise, tmp_path):
    plain = tmp_path / "day.csv"
    plain.write_text(f"{INTERVAL_HEADER}\n{interval_row(premise.esiid)}\n")
    packed = tmp_path / "reads.csv.gz"
    with gzip.open(packed, "wt") as handle:
        handle.write(f"{DAILY_HEADER}\n{premise.esiid},{DAY},1,1.000,2.000,1.000\n")

    out, err, failure = run(str(plain), str(packed))

    assert failure is None and err == ""
    assert f"{plain}: interval file, 1 rows read, 1 stored" in out
    assert f"{packed}: daily file, 1 rows read, 1 stored" in out
    assert IntervalDay.objects.count() == DailyRead.objects.count() == 1


def test_the_command_lists_bad_rows_and_exits_with_an_error(premise, tmp_path):  # USG-2
    path = tmp_path / "day.csv"
    bad = [interval_row(premise.esiid, date(2026, 1, d), count=95) for d in range(1, 5)]
    path.write_text("\n".join([INTERVAL_HEADER, interval_row(premise.esiid), *bad]) + "\n")

    out, err, failure = run(str(path), "--max-errors", "2")

    assert "1 stored" in out and "4 skipped" in out
    assert f"{path}:3: 95 values; 2026-01-01 has 96 intervals" in err
    assert f"{path}:4: " in err and f"{path}:5: " not in err
    assert "and 2 more bad rows" in err
    assert failure == "1 of 1 file(s) had rows skipped or refused."


def test_the_command_refuses_an_unknown_file_kind_and_goes_on(premise, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b,c\n1,2,3\n")
    good = tmp_path / "good.csv"
    good.write_text(f"{INTERVAL_HEADER}\n{interval_row(premise.esiid)}\n")

    out, err, failure = run(str(wrong), str(good))

    assert f"{wrong}: refused, nothing loaded: the first line is not a known header" in err
    assert "1 stored" in out
    assert failure == "1 of 2 file(s) had rows skipped or refused."


def test_the_command_names_missing_files_and_unknown_tdsps(tmp_path):
    assert run(str(tmp_path / "none.csv"))[2] == f"No such file: {tmp_path / 'none.csv'}"
    path = tmp_path / "x.csv"
    path.write_text(INTERVAL_HEADER + "\n")
    assert run(str(path), "--tdsp", "nobody")[2].startswith("Unknown TDSP 'nobody'")


# --- whole or nothing, and bounded reading (SEC-4, SEC-6) ------------------------------------


def daily_lines(premise, count, first=date(1980, 1, 1)):
    """`count` good daily-read rows of consecutive days: more than one batch of 10,000."""
    days = (first + timedelta(days=n) for n in range(count))
    return "".join(f"{premise.esiid},{day},1,1.000,2.000,1.000\n" for day in days)


def test_a_file_that_turns_out_not_utf8_after_a_stored_batch_stores_nothing(premise, tmp_path):
    path = tmp_path / "reads.csv"
    text = f"{DAILY_HEADER}\n{daily_lines(premise, 12_000)}"
    path.write_bytes(text.encode() + b"\xff\xfe not text\n")

    out, err, failure = run(str(path))

    assert f"{path}: refused, nothing loaded: the file is not UTF-8 text (line 12,002)" in err
    assert out == "" and failure == "1 of 1 file(s) had rows skipped or refused."
    assert DailyRead.objects.count() == 0


def test_a_truncated_gzip_stores_nothing(premise, tmp_path):
    whole = gzip.compress(f"{DAILY_HEADER}\n{daily_lines(premise, 30_000)}".encode())
    path = tmp_path / "reads.csv.gz"
    path.write_bytes(whole[: len(whole) * 9 // 10])  # cut off mid-stream, as a broken copy

    out, err, failure = run(str(path))

    assert f"{path}: refused, nothing loaded: the compressed file ends early (truncated)" in err
    line = int(re.search(r"\(line ([\d,]+)\)", err)[1].replace(",", ""))
    assert line > ingest.BATCH_ROWS + 1  # a whole batch had been written before
    assert failure is not None
    assert DailyRead.objects.count() == 0


def test_a_corrupt_gzip_is_refused_clearly(premise, tmp_path):
    path = tmp_path / "reads.csv.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage, not deflate data")

    _out, err, failure = run(str(path))

    assert f"{path}: refused, nothing loaded: the file is not valid gzip" in err
    assert failure is not None


def test_an_endless_line_is_skipped_with_its_number_in_bounded_memory(
    premise, tmp_path, monkeypatch
):
    monkeypatch.setattr(ingest, "MAX_LINE_BYTES", 1024)
    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(f"{DAILY_HEADER}\n{premise.esiid},{DAY},1,1.000,2.000,1.000\n".encode())
        handle.write(b"1" * 10_000_000 + b"\n")  # one 10 MB line from a 10 kB file
        handle.write(f"{premise.esiid},2026-03-15,1,2.000,3.000,1.000\n".encode())
    assert path.stat().st_size < 100_000

    tracemalloc.start()
    try:
        out, err, failure = run(str(path))
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert "3 rows read, 2 stored" in out and "1 skipped" in out
    assert f"{path}:3: the line is longer than 1,024 bytes" in err
    assert failure == "1 of 1 file(s) had rows skipped or refused."
    assert peak < 2_000_000  # the 10 MB line was never held
    assert DailyRead.objects.count() == 2


def test_a_line_of_exactly_the_limit_is_read(premise, monkeypatch):
    line = f"{premise.esiid},{DAY},1,1.000,2.000,1.000\n".encode()
    monkeypatch.setattr(ingest, "MAX_LINE_BYTES", len(line) - 1)  # the line end not counted
    lines = list(ingest.tdsp_file_lines(io.BytesIO(line + line[:-1] + b"0\n")))

    assert lines[0] == line.decode()
    assert isinstance(lines[1], str) and lines[1] == ""  # one byte more: the stand-in


def test_a_file_that_expands_past_the_limit_is_refused_and_stores_nothing(
    premise, tmp_path, monkeypatch
):
    monkeypatch.setattr(ingest, "MAX_FILE_BYTES", 1_000_000)
    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(f"{DAILY_HEADER}\n{daily_lines(premise, 12_000)}".encode())
        handle.write(b"\n" * 5_000_000)  # 5 MB of empty lines

    _out, err, failure = run(str(path))

    assert f"{path}: refused, nothing loaded: the file is larger than 1,000,000 bytes" in err
    assert failure is not None
    assert DailyRead.objects.count() == 0


def test_the_bounds_are_generous_for_real_files():  # SEC-4, docs/tdsp-files.md
    fall_back_day = interval_row("1" * 22, FALL_BACK, count=100, value="999999.999")
    assert len(fall_back_day) * 10 < ingest.MAX_LINE_BYTES
    assert ingest.MAX_FILE_BYTES == 4 * MAX_UPLOAD_BYTES
