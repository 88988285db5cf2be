"""The one rule for CSV cells of text people typed (OWASP CSV injection, SEC-4)."""

import csv
import io

import pytest

from smt.lib.csv_cells import spreadsheet_safe


@pytest.mark.parametrize(
    "typed",
    [
        '=HYPERLINK("http://evil.example","Click")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_cell_a_spreadsheet_would_run_gets_a_quote_in_front(typed):
    assert spreadsheet_safe(typed) == "'" + typed


@pytest.mark.parametrize("typed", ["Akin", "O'Brien", "Landis+Gyr", "a=b", " =1", "", "1044372"])
def test_other_text_is_left_as_it_is(typed):
    assert spreadsheet_safe(typed) == typed


def test_none_is_an_empty_cell():
    assert spreadsheet_safe(None) == ""


def test_the_csv_writer_quotes_the_neutralised_cell_as_it_needs_to():
    line = io.StringIO()
    csv.writer(line).writerow([spreadsheet_safe('=HYPERLINK("x","y")'), spreadsheet_safe("-1,5")])
    assert line.getvalue() == '"\'=HYPERLINK(""x"",""y"")","\'-1,5"\r\n'
    assert next(csv.reader(io.StringIO(line.getvalue()))) == ['\'=HYPERLINK("x","y")', "'-1,5"]
