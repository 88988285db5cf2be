"""CSV cells that a spreadsheet will not run (OWASP "CSV Injection"), and the line writer
every streamed CSV export uses.

A spreadsheet opening a CSV file treats a cell that starts with `=`, `+`, `-` or `@` as a
formula (`=HYPERLINK(...)`, `@SUM(1)`, `-2+3`), and a leading tab or carriage return can hide
one. OWASP's advice: put a single quote in front of such a cell, which makes it text; the csv
module then quotes the cell as it needs to. Apply this to text people typed (names, company
names, addresses, meter numbers), never to numbers the portal writes itself: a negative kWh
value must stay a number.
"""

import csv
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """The cell's text, with a `'` in front when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_line_writer() -> Any:  # the csv module's writer (its type is private to it)
    """A csv.writer whose `writerow` returns the CSV line, for a streamed response."""
    return csv.writer(_Echo())
