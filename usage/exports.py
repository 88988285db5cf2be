"""CSV files of the usage reports (USG-10): header row, the ESIID always quoted as text, ISO
dates, one row per interval / day / billing period. Rows are generated lazily from the day
rows, so a year of 15-minute data streams without being held in memory."""

import csv
from collections.abc import Iterator
from datetime import date

from . import information
from .models import Premise
from .reports import DAILY, INTERVAL, daily_reads, interval_days, interval_labels, monthly_usage

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


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _text(value) -> str:
    return "" if value is None else str(value)


def information_rows(kind: str, premise: Premise) -> Iterator[list[str]]:
    """MTR-7: Premise or Meter Information of one meter as a header and one row."""
    rows = information.information_rows(kind, premise)
    if kind == "meter" and not rows:
        rows = [(label, "", "") for label in information.labels("meter")]
    yield [label for label, _description, _value in rows]
    yield [value for _label, _description, value in rows]


def report_rows(
    report_type: str, premise: Premise, start: date, end: date, *, versions: bool = False
) -> Iterator[list[str]]:
    """The CSV rows (header first) of one meter's report over the whole range."""
    if report_type in information.KINDS:
        yield from information_rows(report_type, premise)
        return
    yield HEADERS[report_type]
    esiid = premise.esiid
    if report_type == INTERVAL:
        for day_row in interval_days(premise, start, end, versions=versions).iterator(2000):
            labels = interval_labels(day_row.day)
            channel = CHANNEL_NAMES[day_row.channel]
            iso_day = day_row.day.isoformat()
            for (starts, ends), value, quality in zip(
                labels, day_row.readings.split(","), day_row.quality, strict=False
            ):
                yield [
                    esiid,
                    iso_day,
                    str(day_row.version),
                    starts,
                    ends,
                    value,
                    QUALITY_NAMES.get(quality, ""),
                    channel,
                ]
    elif report_type == DAILY:
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
        for month in monthly_usage(premise, start, end, versions=versions).iterator(2000):
            yield [
                esiid,
                month.start_date.isoformat(),
                month.end_date.isoformat(),
                str(month.version),
                _text(month.actual_kwh),
                _text(month.metered_kw),
            ]


def csv_lines(rows: Iterator[list[str]]) -> Iterator[str]:
    """CSV text line by line; the ESIID column is always quoted so spreadsheets keep it as
    text (USG-10), the rest only when needed."""
    writer = csv.writer(_Echo())
    for row in rows:
        first, rest = row[0], row[1:]
        yield '"' + first.replace('"', '""') + '",' + writer.writerow(rest)
