"""Loading TDSP usage files: interval, daily-read and monthly records (USG-1, USG-2).

The format is described in docs/tdsp-files.md. A file is read as a stream of lines. On
PostgreSQL the database does the work (`usage.services.ingest_pg`: COPY into a staging table,
checks and versions in SQL, one INSERT … SELECT); elsewhere (SQLite, the embedded default)
each row is checked in Python here (a day's values by one regular expression on the common
path, value by value only when that fails, to name the bad interval) and the good rows are
written in batches. Both report a malformed row with its line number and the same message,
and load the others.

A file loads whole or not at all (SEC-4, SEC-6): every batch is written in one transaction,
so a file refused half-way (not UTF-8, a truncated gzip, too big once expanded) leaves
nothing behind and its report can say "nothing loaded". `tdsp_file_lines` reads the bytes
with bounded memory: a line longer than MAX_LINE_BYTES is skipped with its number, and a file
that expands beyond MAX_FILE_BYTES is refused.

Versions: a row whose version is higher than the stored current one becomes current (the old
one is kept); the same version again changes nothing (the values must be the same, else the
row is refused); a lower version is stored but does not become current.
"""

import gzip
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Tdsp
from smt.lib.errors import Refused
from usage.models import Channel, DailyRead, IntervalDay, MonthlyUsage, Premise
from usage.services.freshness import freshness_refresh
from usage.services.intervals import intervals_in_day

BATCH_ROWS = 10_000  # rows per write of the SQLite loader (the whole file is one transaction)
# SEC-4: bounds on what a file may make the loader hold or read. A 100-interval day is about
# 1.3 kB of text, so 64 KiB is generous; a longer line is skipped with its number, read past
# in pieces, never held whole. The expanded size is bounded at 4 × the TDSP API's upload
# limit (usage.tdsp.files.MAX_UPLOAD_BYTES, 512 MB): a gzip bomb is refused, not read for ever.
MAX_LINE_BYTES = 64 * 1024
MAX_FILE_BYTES = 2 * 1024**3
MAX_REPORTED_ERRORS = 100_000  # a file of garbage must not exhaust memory; the count stays exact
MAX_VERSION = 32_767  # PositiveSmallIntegerField on every database
# Whole-database lock for the read-decide-write of a load (PostgreSQL), taken at its first
# batch and held until its one transaction ends: two loads of files with the same days cannot
# both decide that a day is new.
INGEST_LOCK_ID = 7_412_001

ESIID_LENGTHS = range(17, 23)
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
KWH_RE = re.compile(r"\d{1,6}(?:\.\d{1,3})?")  # an interval value: at most 999,999.999 kWh
READ_RE = re.compile(r"\d{1,9}(?:\.\d{1,3})?")  # a register read or a total (12 digits, 3 dp)
KW_RE = re.compile(r"\d{1,7}(?:\.\d{1,3})?")  # metered demand (10 digits, 3 dp)
QUALITY_FLAGS = "AE-"
CHANNELS = {choice.value for choice in Channel}


class TdspFileRefused(Refused):
    """The file as a whole cannot be loaded (no known header, not UTF-8, a broken gzip, too
    big once expanded): nothing is loaded. `line` names the line where that showed, if any."""

    def __init__(self, message: Any = None, field: str | None = None, *, line: int = 0) -> None:
        super().__init__(message, field)
        self.line = line


class _LineTooLong(str):
    """Stands, in the lines of a file, for a line longer than MAX_LINE_BYTES (not kept)."""


NOT_UTF8 = "the file is not UTF-8 text"


class BadRow(Exception):
    """One row is malformed; the message says why (without the file and line)."""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class TdspFileReport:
    """What loading one file did (USG-2)."""

    name: str
    kind: str = ""
    rows_read: int = 0
    stored: int = 0  # rows written: new days plus new versions
    new_versions: int = 0  # of those, versions of a day that already had one
    older_versions: int = 0  # of those, lower versions kept without becoming current
    unchanged: int = 0  # the same version with the same values was already stored
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)

    def summary(self, *, limit: int) -> dict[str, Any]:
        """The report as JSON for the TDSP API, listing at most `limit` bad rows."""
        return {
            "kind": self.kind,
            "rows_read": self.rows_read,
            "stored": self.stored,
            "new_versions": self.new_versions,
            "older_versions": self.older_versions,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": [{"line": e.line, "message": e.message} for e in self.errors[:limit]],
        }

    def refuse(self, line: int, message: str) -> None:
        self.skipped += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(line, message))


# What a row parser returns: (ESIID, key after the premise, version, stored values).
Parsed = tuple[str, tuple[Any, ...], int, tuple[Any, ...]]
# A parsed row: (line number, ESIID, key after the premise, version, stored values).
Row = tuple[int, str, tuple[Any, ...], int, tuple[Any, ...]]
# A row whose ESIID was found: (line number, premise id, key, version, stored values).
PremiseRow = tuple[int, int, tuple[Any, ...], int, tuple[Any, ...]]
# A row to write: (premise id, key, version, is current, stored values).
Insert = tuple[int, tuple[Any, ...], int, bool, tuple[Any, ...]]


@dataclass(frozen=True)
class RecordKind:
    name: str
    header: tuple[str, ...]
    model: type[IntervalDay] | type[DailyRead] | type[MonthlyUsage]
    key_fields: tuple[str, ...]  # what identifies a row besides the premise and the version
    value_fields: tuple[str, ...]
    compared: int  # the first `compared` values decide whether two versions are the same
    parse: Callable[["RowParser", str], Parsed]


# --- row parsing ---------------------------------------------------------------------------


class RowParser:
    """Checks rows; caches what repeats in a file (dates, the value pattern of a day length)."""

    def __init__(self) -> None:
        self.dates: dict[str, date] = {}
        self.day_shapes: dict[date, tuple[int, re.Pattern[str]]] = {}

    def esiid(self, text: str) -> str:
        if text[:1] == '"' and text[-1:] == '"':  # the portal's own CSVs quote ESIIDs (USG-10)
            text = text[1:-1]
        if not (text.isascii() and text.isdigit() and len(text) in ESIID_LENGTHS):
            raise BadRow(f"ESIID {text!r} is not 17 to 22 digits")
        return text

    def iso_date(self, text: str, name: str = "date") -> date:
        day = self.dates.get(text)
        if day is None:
            try:
                if not DATE_RE.fullmatch(text):
                    raise ValueError
                day = date.fromisoformat(text)
            except ValueError:
                raise BadRow(f"{name} {text!r} is not a YYYY-MM-DD date") from None
            self.dates[text] = day
        return day

    def version(self, text: str) -> int:
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_VERSION):
            raise BadRow(f"version {text!r} is not a whole number from 1 to {MAX_VERSION}")
        return int(text)

    def day_shape(self, day: date) -> tuple[int, re.Pattern[str]]:
        shape = self.day_shapes.get(day)
        if shape is None:
            count = intervals_in_day(day)
            # The common case: every value present, written with three decimals.
            pattern = re.compile(rf"\d{{1,6}}\.\d{{3}}(?:,\d{{1,6}}\.\d{{3}}){{{count - 1}}}")
            shape = self.day_shapes[day] = (count, pattern)
        return shape

    def interval(self, line: str) -> Parsed:
        parts = line.split(",", 5)
        if len(parts) < 6:
            raise BadRow(
                f"{len(parts)} fields; expected esiid, date, channel, version, quality "
                "and the day's values"
            )
        esiid, day_text, channel, version_text, quality, values = parts
        esiid = self.esiid(esiid)
        day = self.iso_date(day_text)
        if channel not in CHANNELS:
            raise BadRow(f"channel {channel!r} is not C (consumption) or G (generation)")
        version = self.version(version_text)
        count, pattern = self.day_shape(day)
        if len(quality) == count and not quality.strip("AE") and pattern.fullmatch(values):
            readings = values
        else:
            readings = self._interval_values(day, count, quality, values)
        return esiid, (day, channel), version, (readings, quality)

    def _interval_values(self, day: date, count: int, quality: str, values: str) -> str:
        """The slow path: find the first wrong thing and name it, or normalise the values."""
        items = values.split(",")
        if len(items) != count:
            hint = " (trailing comma?)" if len(items) == count + 1 and not items[-1] else ""
            raise BadRow(f"{len(items)} values; {day} has {count} intervals{hint}")
        if len(quality) != count:
            raise BadRow(f"{len(quality)} quality flags; {day} has {count} intervals")
        readings = []
        for number, (item, flag) in enumerate(zip(items, quality, strict=True), start=1):
            if flag not in QUALITY_FLAGS:
                raise BadRow(f"interval {number}: quality flag {flag!r} is not A, E or -")
            if flag == "-":
                if item:
                    raise BadRow(f"interval {number}: a missing interval (-) has no value")
                readings.append("")
                continue
            if not KWH_RE.fullmatch(item):
                raise BadRow(f"interval {number}: {item!r} is not a kWh value")
            readings.append(f"{Decimal(item):.3f}")
        return ",".join(readings)

    def _fields(self, line: str, count: int, names: str) -> list[str]:
        parts = line.split(",")
        if len(parts) != count:
            hint = " (trailing comma?)" if len(parts) == count + 1 and not parts[-1] else ""
            raise BadRow(f"{len(parts)} fields; expected {count}: {names}{hint}")
        return parts

    @staticmethod
    def amount(text: str, name: str, pattern: re.Pattern[str] = READ_RE) -> Decimal | None:
        if not text:
            return None  # not read: reports show N/A (USG-4, USG-5)
        if not pattern.fullmatch(text):
            raise BadRow(f"{name} {text!r} is not a number with at most 3 decimals")
        return Decimal(text)

    def daily(self, line: str) -> Parsed:
        esiid, day, version, start, end, consumption = self._fields(
            line, 6, ", ".join(DAILY.header)
        )
        return (
            self.esiid(esiid),
            (self.iso_date(day),),
            self.version(version),
            (
                self.amount(start, "start_read"),
                self.amount(end, "end_read"),
                self.amount(consumption, "consumption_kwh"),
            ),
        )

    def monthly(self, line: str) -> Parsed:
        esiid, start, end, version, actual, demand = self._fields(
            line, 6, ", ".join(MONTHLY.header)
        )
        esiid = self.esiid(esiid)
        start_date, end_date = self.iso_date(start, "start_date"), self.iso_date(end, "end_date")
        if end_date < start_date:
            raise BadRow(f"end_date {end} is before start_date {start}")
        return (
            esiid,
            (start_date,),
            self.version(version),
            (
                end_date,
                self.amount(actual, "actual_kwh"),
                self.amount(demand, "metered_kw", KW_RE),
            ),
        )


INTERVAL = RecordKind(
    name="interval",
    header=("esiid", "date", "channel", "version", "quality", "kwh"),
    model=IntervalDay,
    key_fields=("day", "channel"),
    value_fields=("readings", "quality"),
    compared=2,
    parse=RowParser.interval,
)
DAILY = RecordKind(
    name="daily",
    header=("esiid", "date", "version", "start_read", "end_read", "consumption_kwh"),
    model=DailyRead,
    key_fields=("day",),
    value_fields=("start_read", "end_read", "consumption_kwh"),
    compared=3,
    parse=RowParser.daily,
)
MONTHLY = RecordKind(
    name="monthly",
    header=("esiid", "start_date", "end_date", "version", "actual_kwh", "metered_kw"),
    model=MonthlyUsage,
    key_fields=("start_date",),
    value_fields=("end_date", "actual_kwh", "metered_kw"),
    compared=3,
    parse=RowParser.monthly,
)
KINDS = {kind.header: kind for kind in (INTERVAL, DAILY, MONTHLY)}


def _kind_for_header(line: str) -> RecordKind:
    names = tuple(name.strip().strip('"').lower() for name in line.lstrip("\ufeff").split(","))
    kind = KINDS.get(names)
    if kind is None:
        expected = " | ".join(",".join(kind.header) for kind in KINDS.values())
        raise TdspFileRefused(f"the first line is not a known header; expected one of: {expected}")
    return kind


# --- reading -------------------------------------------------------------------------------


class ByteLines(Protocol):
    """A binary file: a plain file, a gzip stream, a stored upload."""

    def readline(self, size: int = -1, /) -> bytes: ...


def tdsp_file_lines(stream: ByteLines) -> Iterator[str]:
    """The lines of a TDSP file (plain or a `gzip.open(..., "rb")` stream) as text, with their
    line ends, read with bounded memory (SEC-4). A line longer than MAX_LINE_BYTES comes as an
    empty stand-in that `tdsp_file_load` reports with its number; text that is not UTF-8, a
    gzip stream that is broken or ends early, and more than MAX_FILE_BYTES in all raise
    TdspFileRefused naming the line."""
    max_line, max_file = MAX_LINE_BYTES, MAX_FILE_BYTES  # read now: tests lower them
    total = number = 0
    try:
        while raw := stream.readline(max_line + 1):
            number += 1
            total += len(raw)
            too_long = len(raw) > max_line and not raw.endswith(b"\n")
            while too_long and not raw.endswith(b"\n") and total <= max_file:
                raw = stream.readline(max_line)  # read past the rest, a piece at a time
                if not raw:
                    break
                total += len(raw)
            if total > max_file:
                raise TdspFileRefused(
                    f"the file is larger than {max_file:,} bytes (uncompressed)", line=number
                )
            if too_long:
                yield _LineTooLong()
                continue
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                raise TdspFileRefused(NOT_UTF8, line=number) from None
    except EOFError:
        raise TdspFileRefused(
            "the compressed file ends early (truncated)", line=number + 1
        ) from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise TdspFileRefused(f"the file is not valid gzip: {error}", line=number + 1) from None


# --- loading -------------------------------------------------------------------------------


def tdsp_file_load(
    *, lines: Iterable[str], name: str, tdsp: Tdsp | None = None, batch_rows: int = BATCH_ROWS
) -> TdspFileReport:
    """Load one TDSP file (USG-2); see the module docstring. `lines` are text lines, best
    read by `tdsp_file_lines`. The file loads whole or not at all: one transaction holds
    every batch, so a TdspFileRefused (the first line is not a known header, or whatever
    `tdsp_file_lines` refuses, even after 10,000s of rows) leaves nothing stored. With
    `tdsp`, only that TDSP's ESIIDs are accepted."""
    report = TdspFileReport(name=name)
    with transaction.atomic():
        rows = iter(lines)
        header = next(rows, "")
        if isinstance(header, _LineTooLong):
            raise TdspFileRefused(f"the first line is longer than {MAX_LINE_BYTES:,} bytes")
        kind = _kind_for_header(header.rstrip("\r\n"))
        report.kind = kind.name
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INGEST_LOCK_ID])
            # Imported here: that module builds on this one's parser and report.
            from usage.services.ingest_pg import sql_file_load

            sql_file_load(kind, rows, report, tdsp=tdsp, received_at=timezone.now())
        else:
            _python_file_load(kind, rows, report, tdsp, batch_rows)
    report.errors.sort(key=lambda error: error.line)
    return report


def check_line(line: str | None) -> str:
    """A line without its line end; one too long to keep (`_LineTooLong`, or None from the
    PostgreSQL loader's staging table) or an empty one is refused."""
    if line is None or isinstance(line, _LineTooLong):
        raise BadRow(f"the line is longer than {MAX_LINE_BYTES:,} bytes")
    line = line.rstrip("\r\n")
    if not line.strip():
        raise BadRow("empty line")
    return line


def refused_same_version(version: int, key: tuple[Any, ...]) -> str:
    return (
        f"version {version} of {_describe(key)} is already stored with other values; "
        "a correction needs a higher version"
    )


def _python_file_load(
    kind: RecordKind,
    rows: Iterator[str],
    report: TdspFileReport,
    tdsp: Tdsp | None,
    batch_rows: int,
) -> None:
    """Row by row in Python, written in batches (SQLite)."""
    loader = _BatchLoader(kind, report, tdsp, batch_rows)
    parser = RowParser()
    parse = kind.parse
    for number, line in enumerate(rows, start=2):
        report.rows_read += 1
        try:
            esiid, key, version, values = parse(parser, check_line(line))
        except BadRow as error:
            report.refuse(number, str(error))
            continue
        loader.add((number, esiid, key, version, values))
    loader.flush()
    # BEY-4: once per file, for the premises it stored rows of (in the same transaction).
    if loader.stored_premises:
        freshness_refresh(loader.stored_premises)


class _BatchLoader:
    """SQLite's writer: rows decided against the stored versions a batch at a time."""

    def __init__(
        self, kind: RecordKind, report: TdspFileReport, tdsp: Tdsp | None, batch_rows: int
    ) -> None:
        self.kind = kind
        self.report = report
        self.tdsp = tdsp
        self.batch_rows = batch_rows
        self.rows: list[Row] = []
        self.keys: set[tuple[str, tuple[Any, ...]]] = set()
        self.premises: dict[str, tuple[int, int] | None] = {}  # esiid → (id, tdsp id)
        self.received_at = timezone.now()
        self.stored_premises: set[int] = set()  # BEY-4: whose freshness the file changed

    def add(self, row: Row) -> None:
        key = (row[1], row[2])
        if key in self.keys or len(self.rows) >= self.batch_rows:
            # A day twice in one batch is decided against the first once that is stored.
            self.flush()
        self.keys.add(key)
        self.rows.append(row)

    def flush(self) -> None:
        rows = self._with_premises(self.rows)
        self.rows, self.keys = [], set()
        if rows:
            self._store(rows)  # inside tdsp_file_load's one transaction

    def _with_premises(self, rows: list[Row]) -> list[PremiseRow]:
        """The rows with the premise id for the ESIID; unknown ESIIDs are refused."""
        wanted = {row[1] for row in rows} - self.premises.keys()
        if wanted:
            found = {
                esiid: (pk, tdsp_id)
                for esiid, pk, tdsp_id in Premise.objects.filter(esiid__in=wanted).values_list(
                    "esiid", "pk", "tdsp_id"
                )
            }
            for esiid in wanted:
                self.premises[esiid] = found.get(esiid)
        resolved: list[PremiseRow] = []
        for line, esiid, key, version, values in rows:
            premise = self.premises[esiid]
            if premise is None:
                self.report.refuse(line, f"unknown ESIID {esiid}")
            elif self.tdsp is not None and premise[1] != self.tdsp.pk:
                self.report.refuse(line, f"ESIID {esiid} is not served by {self.tdsp}")
            else:
                resolved.append((line, premise[0], key, version, values))
        return resolved

    def _stored(self, rows: list[PremiseRow], **filters: Any) -> QuerySet[Any]:
        kind = self.kind
        return kind.model.objects.filter(
            premise_id__in={row[1] for row in rows},
            **{f"{kind.key_fields[0]}__in": {row[2][0] for row in rows}},
            **filters,
        )

    def _store(self, rows: list[PremiseRow]) -> None:
        """Decide each row against what is stored, then retire and insert (USG-1 versions)."""
        kind, report = self.kind, self.report
        current = {
            (premise_id, *key): version
            for premise_id, *key, version in self._stored(rows, is_current=True).values_list(
                "premise_id", *kind.key_fields, "version"
            )
        }
        inserts: list[Insert] = []
        retired: list[tuple[Any, ...]] = []  # primary keys of current versions replaced
        same: list[PremiseRow] = []  # rows to compare with the stored row of that version
        older: list[PremiseRow] = []
        for row in rows:
            _, premise_id, key, version, values = row
            stored = current.get((premise_id, *key))
            if stored is None:
                inserts.append((premise_id, key, version, True, values))
            elif version > stored:
                retired.append((premise_id, *key, stored))
                inserts.append((premise_id, key, version, True, values))
                report.new_versions += 1
            elif version == stored:
                same.append(row)
            else:
                older.append(row)
        if older:
            same.extend(self._older_versions(older, inserts))
        if same:
            self._compare(same)
        if retired:  # one UPDATE by primary key: (premise, key…, version) in field order
            kind.model.objects.filter(pk__in=retired).update(is_current=False)
        if inserts:
            self._bulk_create(inserts)
        report.stored += len(inserts)
        self.stored_premises.update(insert[0] for insert in inserts)

    def _older_versions(self, rows: list[PremiseRow], inserts: list[Insert]) -> list[PremiseRow]:
        """Lower versions than the current one: compared when stored, else kept not current."""
        kind = self.kind
        existing = set(
            self._stored(rows, version__in={row[3] for row in rows}).values_list(
                "premise_id", *kind.key_fields, "version"
            )
        )
        same = []
        for row in rows:
            _, premise_id, key, version, values = row
            if (premise_id, *key, version) in existing:
                same.append(row)
            else:
                inserts.append((premise_id, key, version, False, values))
                self.report.new_versions += 1
                self.report.older_versions += 1
        return same

    def _compare(self, rows: list[PremiseRow]) -> None:
        """The same version again: nothing changes, and different values are refused."""
        kind = self.kind
        compared = kind.value_fields[: kind.compared]
        width = 2 + len(kind.key_fields)  # premise, key, version: then the compared values
        stored = {
            tuple(found[:width]): tuple(found[width:])
            for found in self._stored(rows, version__in={row[3] for row in rows}).values_list(
                "premise_id", *kind.key_fields, "version", *compared
            )
        }
        for line, premise_id, key, version, values in rows:
            if stored[(premise_id, *key, version)] == values[: kind.compared]:
                self.report.unchanged += 1
            else:
                self.report.refuse(line, refused_same_version(version, key))

    def _bulk_create(self, inserts: list[Insert]) -> None:
        kind = self.kind
        table: models.Manager[Any] = kind.model.objects  # one of the three day tables
        table.bulk_create(
            (
                kind.model(
                    premise_id=premise_id,
                    version=version,
                    is_current=is_current,
                    received_at=self.received_at,
                    **dict(zip(kind.key_fields, key, strict=True)),
                    **dict(zip(kind.value_fields, values, strict=True)),
                )
                for premise_id, key, version, is_current, values in inserts
            ),
            batch_size=1000,
        )


def _describe(key: tuple[Any, ...]) -> str:
    return " ".join(value.isoformat() if isinstance(value, date) else str(value) for value in key)
