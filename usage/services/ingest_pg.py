"""Loading a TDSP usage file on PostgreSQL: the database does the work (USG-2).

`usage.services.ingest.tdsp_file_load` calls `sql_file_load` on PostgreSQL, inside the load's
one transaction and under its lock. No line is parsed in Python on the common path:

1. COPY: the file's lines go as they are into a staging table, numbered as the file's lines.
   It is an UNLOGGED table, not a temporary one, because PostgreSQL's parallel workers can
   read it (not a session's temporary tables), so the checks of step 3 run on every core. It
   is created and dropped inside the load's transaction, under its lock (one load at a time),
   so no other session ever sees it. The other staging tables are small and temporary.
2. The dates the lines name (a few distinct values) are checked in Python, once each, with the
   same rules as the parser (`RowParser.iso_date`, the day's interval count).
3. One CREATE TABLE … AS SELECT checks every line with the kind's regular expression
   (the common shape the Python parser accepts without looking value by value), joins the
   checked dates and the premises, and keeps each row's key in a temporary table; the
   bulky values (a day's readings) stay in the line until they are written.
4. The lines that statement did not take are few: a bad line, or a good one outside the
   common shape (a missing interval, a value without three decimals). Python's `RowParser`
   reads each of those, so a bad line gets exactly the message it always had, and a good one
   joins the others.
5. Versions are decided set-based against the stored rows (one primary-key probe a row), the
   new rows go in with one INSERT … SELECT, and replaced current versions are retired with
   one UPDATE. A day twice in one file is decided in rounds, in line order, as before.
"""

import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.db import connection

from accounts.models import Tdsp
from usage.models import Channel, Premise
from usage.services import freshness, partitions
from usage.services.ingest import (
    DAILY,
    INTERVAL,
    MAX_VERSION,
    MONTHLY,
    BadRow,
    RecordKind,
    RowParser,
    TdspFileReport,
    _LineTooLong,
    check_line,
    refused_same_version,
)
from usage.services.intervals import intervals_in_day

LINES = "ingest_lines"
ROWS = "ingest_rows"
STATE = "ingest_state"
DATES = "ingest_dates"
COPY_CHUNK_LINES = 2_000  # lines per chunk of the COPY stream
COPY_READ_BYTES = 1 << 20  # what psycopg2 reads of that stream at a time
SLOW_BATCH = 5_000  # rows read by the parser per COPY back into ROWS

# The common shape of a line of each kind, checked by one regular expression without capture
# groups (PostgreSQL's regular expressions are several times slower with them); the fields are
# then taken with split_part. `[0-9]`, not `\d`: only ASCII digits, whatever the locale.
_ESIID = r'(?:"[0-9]{17,22}"|[0-9]{17,22})'  # quoted or not (USG-10)
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_VERSION = r"[0-9]{1,5}"
_READ = r"(?:[0-9]{1,9}(?:\.[0-9]{1,3})?)?"
_KW = r"(?:[0-9]{1,7}(?:\.[0-9]{1,3})?)?"


FIELDS = 6  # every kind's line has six fields; an interval line's sixth is its first value


def _field(number: int) -> str:
    """A field of a line of the common shape, split once (in the parallel part of step 3)."""
    return f"l.f{number}"


def _line_field(number: int) -> str:
    """A field of the staged line itself (when a row is written)."""
    return f"split_part(l.line, ',', {number})"


def _amount(number: int) -> str:
    return f"nullif({_field(number)}, '')::numeric"


def _version(number: int) -> str:
    return f"{_field(number)}::int"


# Per kind: the shape; the fields holding dates (joined as d1, d2 to the checked dates); the
# columns of a row, kept in the rows table; the bulky ones, read from the line only when the
# row is written; and what else a line of the common shape must meet.
SHAPES: dict[str, dict[str, Any]] = {
    INTERVAL.name: {
        "pattern": rf"^{_ESIID},{_DATE},[CG],{_VERSION},[AE]+,"
        r"[0-9]{1,6}\.[0-9]{3}(,[0-9]{1,6}\.[0-9]{3})*$",
        "dates": (2,),
        "columns": {
            "day": "d1.day",
            "channel": _field(3),
            "version": _version(4),
            "good": f"strpos({_field(5)}, 'E') = 0",  # BEY-4: no estimated interval
        },
        "bulky": {
            # The values: the rest of the line after the fifth comma.
            "readings": f"substr(l.line, length({_line_field(1)}) + length({_line_field(4)})"
            f" + length({_line_field(5)}) + 17)",
            "quality": _line_field(5),
        },
        "condition": f"length({_field(5)}) = d1.slots AND l.commas = d1.slots + 4",
    },
    DAILY.name: {
        "pattern": rf"^{_ESIID},{_DATE},{_VERSION},{_READ},{_READ},{_READ}$",
        "dates": (2,),
        "columns": {
            "day": "d1.day",
            "version": _version(3),
            "start_read": _amount(4),
            "end_read": _amount(5),
            "consumption_kwh": _amount(6),
        },
        "bulky": {},
        "condition": "TRUE",
    },
    MONTHLY.name: {
        "pattern": rf"^{_ESIID},{_DATE},{_DATE},{_VERSION},{_READ},{_KW}$",
        "dates": (2, 3),
        "columns": {
            "start_date": "d1.day",
            "end_date": "d2.day",
            "version": _version(4),
            "actual_kwh": _amount(5),
            "metered_kw": _amount(6),
        },
        "bulky": {},
        "condition": "d2.day >= d1.day",
    },
}
VERSION_FIELD = {INTERVAL.name: 4, DAILY.name: 3, MONTHLY.name: 4}


def sql_file_load(
    kind: RecordKind,
    lines: Iterator[str],
    report: TdspFileReport,
    *,
    tdsp: Tdsp | None,
    received_at: datetime,
) -> None:
    """Load the lines after the header (see the module docstring); fills `report`. With
    `tdsp`, only that TDSP's ESIIDs are accepted."""
    load = _SqlLoad(kind, report, tdsp, received_at)
    load.copy_lines(lines)
    load.parse()
    load.refuse_unknown_premises()
    load.round_count = load.rounds()
    load.ensure_partitions()
    for round_number in range(1, load.round_count + 1):
        load.store(round_number)
    load.advance_freshness()
    load.drop()


class _SqlLoad:
    def __init__(
        self, kind: RecordKind, report: TdspFileReport, tdsp: Tdsp | None, received_at: datetime
    ) -> None:
        self.kind, self.report, self.tdsp, self.received_at = kind, report, tdsp, received_at
        self.shape = SHAPES[kind.name]
        self.table = kind.model._meta.db_table
        self.keys = list(kind.key_fields)
        self.values = list(kind.value_fields)
        self.cursor = connection.cursor()
        self.round_count = 1
        self.parsed_rows = 0  # read by the Python parser (not of the common shape)

    def sql(self, statement: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        self.cursor.execute(statement, params)
        return self.cursor.fetchall() if self.cursor.description else []

    # --- 1. COPY -----------------------------------------------------------------------

    def copy_lines(self, lines: Iterator[str]) -> None:
        self.drop_tables()
        self.sql(
            f"CREATE UNLOGGED TABLE {LINES} (n integer GENERATED ALWAYS AS IDENTITY (START WITH 2),"
            " line text)"
        )
        self._copy(f"COPY {LINES} (line) FROM STDIN", self._copy_text(lines))

    def _copy_text(self, lines: Iterator[str]) -> Iterator[str]:
        """The lines in COPY's text format, a chunk at a time; `\\N` (NULL) stands for a
        line too long to keep (`tdsp_file_lines`)."""
        batch: list[str] = []
        for line in lines:
            self.report.rows_read += 1
            if type(line) is _LineTooLong:
                if batch:
                    yield _copy_escape("\n".join(batch)) + "\n"
                    batch = []
                yield "\\N\n"
                continue
            batch.append(line.rstrip("\r\n"))
            if len(batch) == COPY_CHUNK_LINES:
                yield _copy_escape("\n".join(batch)) + "\n"
                batch = []
        if batch:
            yield _copy_escape("\n".join(batch)) + "\n"

    # --- 2-4. parsing ------------------------------------------------------------------------

    def parse(self) -> None:
        self._checked_dates()
        shape = self.shape
        joins = " ".join(
            f"JOIN {DATES} d{i} ON d{i}.text = {_field(number)}"
            for i, number in enumerate(shape["dates"], start=1)
        )
        columns = ", ".join(f"{expr} AS {name}" for name, expr in shape["columns"].items())
        bulky = "".join(f", NULL::text AS {name}" for name in shape["bulky"])
        version = _version(VERSION_FIELD[self.kind.name])
        # The inner query does the work per line, on every core (a parallel scan): the shape's
        # filter, the split into fields and the commas counted. OFFSET 0 keeps it one step,
        # first, so the casts of the outer query only ever see a line of the common shape.
        split = ", ".join(
            [
                "n",
                f"btrim({_line_field(1)}, '\"') AS f1",
                *(f"{_line_field(number)} AS f{number}" for number in range(2, FIELDS + 1)),
                "octet_length(line) - octet_length(replace(line, ',', '')) AS commas",
            ]
        )
        self.sql(
            f"CREATE TEMP TABLE {ROWS} AS"
            f" SELECT l.n, l.f1 AS esiid, p.id AS premise_id, p.tdsp_id, 1 AS round,"
            f" {columns}{bulky}"
            f" FROM (SELECT {split} FROM {LINES} l WHERE line ~ %s OFFSET 0) AS l {joins}"
            f" LEFT JOIN {Premise._meta.db_table} p ON p.esiid = l.f1"
            f" WHERE {shape['condition']} AND {version} BETWEEN 1 AND {MAX_VERSION}",
            [shape["pattern"]],
        )
        self._parse_the_rest()

    def _checked_dates(self) -> None:
        """The distinct texts in the date fields, checked once each in Python."""
        fields = " UNION ".join(
            f"SELECT DISTINCT split_part(line, ',', {number}) FROM {LINES} WHERE line IS NOT NULL"
            for number in self.shape["dates"]
        )
        parser, checked = RowParser(), []
        for (text,) in self.sql(fields):
            try:
                day = parser.iso_date(text)
            except BadRow:
                continue
            checked.append((text, day, intervals_in_day(day)))
        self.sql(f"CREATE TEMP TABLE {DATES} (text text PRIMARY KEY, day date, slots int)")
        if checked:
            self.cursor.executemany(f"INSERT INTO {DATES} VALUES (%s, %s, %s)", checked)

    def _parse_the_rest(self) -> None:
        """Python's parser reads the lines the common shape did not take: it names what is
        wrong with a bad one, or reads a good one that SQL's shape does not cover."""
        parser, parse = RowParser(), self.kind.parse
        good: list[tuple[Any, ...]] = []
        with connection.chunked_cursor() as rest:
            rest.execute(
                f"SELECT n, line FROM {LINES} l"
                f" WHERE NOT EXISTS (SELECT 1 FROM {ROWS} r WHERE r.n = l.n) ORDER BY n"
            )
            while chunk := rest.fetchmany(SLOW_BATCH):
                for number, line in chunk:
                    try:
                        esiid, key, version, values = parse(parser, check_line(line))
                    except BadRow as error:
                        self.report.refuse(number, str(error))
                        continue
                    good.append(self._parsed_row(number, esiid, key, version, values))
                if len(good) >= SLOW_BATCH:
                    self._copy_parsed(good)
                    good = []
        if good:
            self._copy_parsed(good)
        if self.parsed_rows:
            self.sql(
                f"UPDATE {ROWS} r SET premise_id = p.id, tdsp_id = p.tdsp_id"
                f" FROM {Premise._meta.db_table} p"
                " WHERE r.premise_id IS NULL AND p.esiid = r.esiid"
            )

    def _parsed_row(
        self, number: int, esiid: str, key: tuple[Any, ...], version: int, values: tuple[Any, ...]
    ) -> tuple[Any, ...]:
        """A row read by the parser, in the columns of the rows table."""
        named = {
            **dict(zip(self.keys, key, strict=True)),
            "version": version,
            **dict(zip(self.values, values, strict=True)),
        }
        if "good" in self.shape["columns"]:  # BEY-4: no estimated or missing interval
            named["good"] = not set(named["quality"]) & {"E", "-"}
        return (number, esiid, 1, *(named[name] for name in self._parsed_columns))

    @property
    def _parsed_columns(self) -> list[str]:
        return [*self.shape["columns"], *self.shape["bulky"]]

    def _copy_parsed(self, rows: list[tuple[Any, ...]]) -> None:
        self.parsed_rows += len(rows)
        columns = ", ".join(["n", "esiid", "round", *self._parsed_columns])
        text = "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)
        self._copy(f"COPY {ROWS} ({columns}) FROM STDIN", iter([text]))

    def _copy(self, statement: str, chunks: Iterator[str]) -> None:
        raw = self.cursor.cursor
        if hasattr(raw, "copy_expert"):  # psycopg2: it reads a file
            reader = _ChunkReader(chunks)
            raw.copy_expert(statement, reader, size=COPY_READ_BYTES)
            if reader.error is not None:  # the file was refused part way: nothing loads
                raise reader.error
        else:  # psycopg 3
            with raw.copy(statement) as copy:
                for chunk in chunks:
                    copy.write(chunk)

    def refuse_unknown_premises(self) -> None:
        for number, esiid, known in self.sql(
            f"SELECT n, esiid, premise_id IS NOT NULL FROM {ROWS} r WHERE NOT ({self._loadable})"
        ):
            if not known:
                self.report.refuse(number, f"unknown ESIID {esiid}")
            else:
                self.report.refuse(number, f"ESIID {esiid} is not served by {self.tdsp}")

    @property
    def _loadable(self) -> str:
        tdsp = f" AND r.tdsp_id = {int(self.tdsp.pk)}" if self.tdsp else ""
        return f"r.premise_id IS NOT NULL{tdsp}"

    def rounds(self) -> int:
        """A day twice in a file: each later line is decided after the earlier one is
        stored, as the lines come (round 2 for the second line of a day, and so on)."""
        keys = ", ".join(["premise_id", *self.keys])
        repeated = self.sql(
            f"SELECT 1 FROM {ROWS} r WHERE {self._loadable} GROUP BY {keys}"
            " HAVING count(*) > 1 LIMIT 1"
        )
        if not repeated:
            return 1
        self.sql(
            f"UPDATE {ROWS} r SET round = o.round FROM (SELECT n, row_number() OVER"
            f" (PARTITION BY {keys} ORDER BY n) AS round FROM {ROWS} r WHERE {self._loadable})"
            " AS o WHERE r.n = o.n AND o.round > 1"
        )
        return self.sql(f"SELECT max(round) FROM {ROWS}")[0][0]

    # --- 5. versions and storing -------------------------------------------------------------

    def _value(self, name: str) -> str:
        """A stored column's value for row r: from the rows table, or from its line (l)."""
        bulky = self.shape["bulky"].get(name)
        return f"coalesce(r.{name}, {bulky})" if bulky else f"r.{name}"

    @property
    def _line_join(self) -> str:
        return f" JOIN {LINES} l ON l.n = r.n" if self.shape["bulky"] else ""

    def _same_key(self, stored: str, row: str) -> str:
        names = ["premise_id", *self.keys]
        return " AND ".join(f"{stored}.{name} = {row}.{name}" for name in names)

    def store(self, round_number: int) -> None:
        """One round: decide every row against the stored versions, then write."""
        table, same_key = self.table, self._same_key("t", "r")
        where = f"{self._loadable} AND r.round = {int(round_number)}"
        # The rows whose day already has versions stored: the highest, and whether this
        # version is one of them (a primary-key probe each; none for a day seen first).
        self.sql(f"DROP TABLE IF EXISTS {STATE}")
        self.sql(
            f"CREATE TEMP TABLE {STATE} AS SELECT r.n, s.highest, s.stored FROM {ROWS} r"
            f" CROSS JOIN LATERAL (SELECT max(t.version) AS highest,"
            f" bool_or(t.version = r.version) AS stored FROM {table} t WHERE {same_key}) s"
            f" WHERE {where} AND s.highest IS NOT NULL"
        )
        if self.cursor.rowcount:  # else every row is a day seen first: nothing to decide
            self._compare(where)
            self._count_versions()
            self._retire(where)
        self._insert(where)

    def _compare(self, where: str) -> None:
        """The same version again: nothing changes; other values are refused."""
        compared = self.values[: self.kind.compared]
        equal = " AND ".join(
            f"t.{name} IS NOT DISTINCT FROM {self._value(name)}" for name in compared
        )
        key_columns = ", ".join(f"r.{name}" for name in self.keys)
        for number, version, *key, same in self.sql(
            f"SELECT r.n, r.version, {key_columns}, {equal} FROM {STATE} s"
            f" JOIN {ROWS} r ON r.n = s.n{self._line_join} JOIN {self.table} t"
            f" ON {self._same_key('t', 'r')} AND t.version = r.version"
            f" WHERE {where} AND s.stored"
        ):
            if same:
                self.report.unchanged += 1
            else:
                self.report.refuse(number, refused_same_version(version, tuple(key)))

    def _count_versions(self) -> None:
        newer, older = self.sql(
            f"SELECT count(*) FILTER (WHERE r.version > s.highest),"
            f" count(*) FILTER (WHERE r.version < s.highest)"
            f" FROM {STATE} s JOIN {ROWS} r ON r.n = s.n WHERE NOT s.stored"
        )[0]
        self.report.new_versions += newer + older
        self.report.older_versions += older

    def _retire(self, where: str) -> None:
        """The stored current version of a day that gets a higher one is current no more."""
        self.sql(
            f"UPDATE {self.table} t SET is_current = false FROM {STATE} s"
            f" JOIN {ROWS} r ON r.n = s.n"
            f" WHERE {where} AND NOT s.stored AND r.version > s.highest"
            f" AND {self._same_key('t', 'r')} AND t.is_current"
        )

    def ensure_partitions(self) -> None:
        """The months of the file's interval days have their partitions, before any round."""
        if self.kind is INTERVAL:
            months = self.sql(f"SELECT DISTINCT date_trunc('month', day)::date FROM {ROWS}")
            partitions.interval_partitions_ensure({month for (month,) in months})

    def _insert(self, where: str) -> None:
        columns = ["premise_id", *self.keys, "version", *self.values]
        listed = ", ".join(columns)
        self.sql(
            f"INSERT INTO {self.table} ({listed}, is_current, received_at)"
            f" SELECT {', '.join(map(self._value, columns))},"
            f" s.n IS NULL OR r.version > s.highest, %s"
            f" FROM {ROWS} r{self._line_join} LEFT JOIN {STATE} s ON s.n = r.n"
            f" WHERE {where} AND s.stored IS NOT TRUE",
            [self.received_at],
        )
        self.report.stored += self.cursor.rowcount

    # --- BEY-4 --------------------------------------------------------------------------------

    def advance_freshness(self) -> None:
        """The stored premises' freshness, set-based where their data simply moved on."""
        # The rows this load stored as current: with one round, those the last decision made
        # current; with more (a day twice in the file), those still current in the table.
        if self.round_count == 1:
            stored_current = (
                f" FROM {ROWS} r LEFT JOIN {STATE} s ON s.n = r.n WHERE {self._loadable}"
                " AND (s.n IS NULL OR (NOT s.stored AND r.version > s.highest))"
            )
            params: list[Any] = []
        else:
            stored_current = (
                f" FROM {ROWS} r JOIN {self.table} t"
                f" ON {self._same_key('t', 'r')} AND t.version = r.version"
                f" WHERE {self._loadable} AND t.is_current AND t.received_at = %s"
            )
            params = [self.received_at]
        if self.kind is INTERVAL:
            freshness.freshness_advance(
                f"SELECT r.premise_id, r.day, r.good{stored_current} AND r.channel = %s",
                [*params, Channel.CONSUMPTION],
                self.received_at,
            )
        elif self.kind is DAILY:
            freshness.freshness_advance_daily(f"SELECT r.premise_id, r.day{stored_current}", params)
        else:
            stored = self.sql(
                f"SELECT DISTINCT r.premise_id FROM {ROWS} r JOIN {self.table} t"
                f" ON {self._same_key('t', 'r')} AND t.version = r.version"
                f" WHERE {self._loadable} AND t.received_at = %s",
                [self.received_at],
            )
            if stored:
                freshness.freshness_refresh([premise_id for (premise_id,) in stored])

    def drop_tables(self) -> None:
        self.sql(f"DROP TABLE IF EXISTS {LINES}, {ROWS}, {STATE}, {DATES}")

    def drop(self) -> None:
        self.drop_tables()
        self.cursor.close()


class _ChunkReader(io.TextIOBase):
    """A read-only text file over an iterator of strings, for psycopg2's `copy_expert`."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self.chunks, self.pending = chunks, ""
        # psycopg2 would turn an error raised inside read() into a cancelled COPY: it is
        # kept here and raised again once the COPY is over.
        self.error: Exception | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        while size is None or size < 0 or len(self.pending) < size:
            try:
                chunk = next(self.chunks, None)
            except Exception as error:  # noqa: BLE001 - raised again by the caller
                self.error, chunk = error, None
            if chunk is None:
                break
            self.pending += chunk
        if size is None or size < 0:
            size = len(self.pending)
        text, self.pending = self.pending[:size], self.pending[size:]
        return text


def _copy_escape(text: str) -> str:
    """COPY's text format: backslashes doubled, tabs and carriage returns escaped; a NUL
    (which PostgreSQL text cannot hold) becomes U+FFFD so the line is still reported."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return text


def _copy_value(value: object) -> str:
    # Parsed values: digits, dots, commas, dashes, flags and dates only, nothing to escape.
    if value is None:
        return "\\N"
    return value.isoformat() if isinstance(value, date) else str(value)
