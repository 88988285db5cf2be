"""CSV files of the usage reports (USG-10): header row, the ESIID always quoted as text, ISO
dates, one row per interval / day / billing period. Rows are generated lazily from the day
rows, so a year of 15-minute data streams without being held in memory."""

from collections.abc import Iterator
from datetime import date

from django.db import models

from smt.lib.csv_cells import csv_line_writer, spreadsheet_safe
from usage.formats import information
from usage.models import Meter, Premise
from usage.selectors import DataWindow
from usage.services.reports import (
    DAILY,
    INTERVAL,
    daily_reads,
    interval_days,
    interval_labels,
    monthly_usage,
)

HEADERS = {
    INTERVAL: [
        "ESIID",
        "USAGE_DATE",
        "REVISION",
        "USAGE_START_TIME",
        "USAGE_END_TIME",
        "USAGE_KWH",
        "ESTIMATED_ACTUAL",
        "CONSUMPTION_SURPLUSGENERATION",
    ],
    DAILY: ["ESIID", "USAGE_DATE", "REVISION", "START_READING", "END_READING", "USAGE_KWH"],
    "monthly": [
        "ESIID",
        "START_DATE",
        "END_DATE",
        "REVISION",
        "ACTUAL_KWH",
        "METERED_KW",
    ],
}
CHANNEL_NAMES = {"C": "Consumption", "G": "Surplus Generation"}
QUALITY_NAMES = {"A": "A", "E": "E", "-": ""}


_WRITER = csv_line_writer()


def _text(value: object) -> str:
    return "" if value is None else str(value)


def information_rows(kind: str, premise: Premise) -> Iterator[list[str]]:
    """MTR-7: Premise or Meter Information of one meter as a header and one row. The values
    are mostly text a TDSP typed (addresses, names, models), so a cell a spreadsheet would
    run as a formula is neutralised; the numeric fields are written as they are."""
    rows = information.information_rows(kind, premise)
    if kind == "meter" and not rows:
        rows = [(label, "", "") for label in information.labels("meter")]
    numbers = _number_fields(kind)
    yield [spreadsheet_safe(label) for label, _description, _value in rows]
    yield [
        value if number else spreadsheet_safe(value)
        for (_label, _description, value), number in zip(rows, numbers, strict=True)
    ]


def _number_fields(kind: str) -> list[bool]:
    """For each information field in order: whether it is a number field of the model."""
    model: type[models.Model] = Premise if kind == "premise" else Meter
    fields = information.PREMISE_FIELDS if kind == "premise" else information.METER_FIELDS
    return [
        isinstance(field.value, str)
        and isinstance(
            model._meta.get_field(field.value),
            models.IntegerField | models.DecimalField | models.FloatField,
        )
        for field in fields
    ]


def information_csv(kind: str, premise: Premise, *, header: bool = True) -> Iterator[str]:
    """MTR-7: the CSV text of one meter's Premise or Meter Information, header first when
    asked (the information reports have no dates)."""
    rows = information_rows(kind, premise)
    first = next(rows)
    if header:
        yield _line(first)
    yield from (_line(row) for row in rows)


def report_rows(
    report_type: str,
    premise: Premise,
    start: date,
    end: date,
    *,
    versions: bool = False,
    window: DataWindow | None = None,
) -> Iterator[list[str]]:
    """The CSV rows (header first) of one meter's daily or monthly report (the information
    reports: `information_rows`). Daily Usage goes through `report_csv`'s faster text path
    instead. The caller keeps start..end inside the user's data `window`; Monthly Usage also
    needs the window itself (USG-12: only billing periods wholly inside it)."""
    yield HEADERS[report_type]
    esiid = premise.esiid
    if report_type == DAILY:
        for read in daily_reads(premise, start, end, versions=versions).iterator(2000):
            yield [
                esiid,
                read.day.isoformat(),
                str(read.version),
                _text(read.start_read),
                _text(read.end_read),
                _text(read.consumption_kwh),
            ]
    else:
        months = monthly_usage(premise, start, end, versions=versions, window=window)
        for month in months.iterator(2000):
            yield [
                esiid,
                month.start_date.isoformat(),
                month.end_date.isoformat(),
                str(month.version),
                _text(month.actual_kwh),
                _text(month.metered_kw),
            ]


def _interval_chunks(premise: Premise, start: date, end: date, versions: bool) -> Iterator[str]:
    """Daily Usage as CSV text, one chunk per stored day. Every field is a number, a date,
    a time or a fixed word, so lines are formatted directly (measured: about twice as fast
    as csv.writer, benchmarks/README.md)."""
    esiid = '"' + premise.esiid.replace('"', '""') + '"'
    for day_row in interval_days(premise, start, end, versions=versions).iterator(2000):
        prefix = f"{esiid},{day_row.day.isoformat()},{day_row.version},"
        suffix = "," + CHANNEL_NAMES[day_row.channel] + "\r\n"
        yield "".join(
            f"{prefix}{starts},{ends},{value},{QUALITY_NAMES.get(flag, '')}{suffix}"
            for (starts, ends), value, flag in zip(
                interval_labels(day_row.day),
                day_row.readings.split(","),
                day_row.quality,
                strict=False,
            )
        )


def report_csv(
    report_type: str,
    premise: Premise,
    start: date,
    end: date,
    *,
    versions: bool = False,
    header: bool = True,
    window: DataWindow | None = None,
) -> Iterator[str]:
    """USG-10: the CSV text of one meter's report, in chunks, header first when asked."""
    if report_type == INTERVAL:
        if header:
            yield _line(HEADERS[INTERVAL])
        yield from _interval_chunks(premise, start, end, versions)
        return
    rows = report_rows(report_type, premise, start, end, versions=versions, window=window)
    first = next(rows)
    if header:
        yield _line(first)
    yield from (_line(row) for row in rows)


def _line(row: list[str]) -> str:
    """One CSV line; the ESIID column is always quoted so spreadsheets keep it as text
    (USG-10), the rest only when needed."""
    first = '"' + row[0].replace('"', '""') + '"'
    return first + "," + _WRITER.writerow(row[1:])
