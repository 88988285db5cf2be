"""The field checks the APIs share (smt.lib.fields, API-4): both sides of each boundary."""

from datetime import date
from decimal import Decimal

import pytest

from smt.lib.fields import (
    ISO_DATE,
    MAX_YEAR,
    MIN_YEAR,
    US_DATE,
    FieldInvalid,
    clean_boolean,
    clean_choice,
    clean_date,
    clean_datetime,
    clean_decimal,
    clean_integer,
    clean_text,
)


def refused(check, *args, **kwargs) -> FieldInvalid:
    with pytest.raises(FieldInvalid) as caught:
        check(*args, field="f", **kwargs)
    assert caught.value.field == "f"
    return caught.value


def test_text_is_stripped_and_bounded():
    assert clean_text(" ab ", field="f", max_length=2) == "ab"
    assert refused(clean_text, "abc", max_length=2).code == "INVALID_FIELD"
    assert refused(clean_text, "  ", max_length=2).code == "MISSING_FIELD"
    assert clean_text(None, field="f", max_length=2, required=False) == ""


@pytest.mark.parametrize("value", ["a\x00b", "a\x1bb", "a\x85b", "a\ud800", 1, ["a"], {"a": 1}])
def test_text_refuses_controls_surrogates_and_other_types(value):
    refused(clean_text, value, max_length=10)


def test_a_code_given_replaces_the_default_ones():
    assert refused(clean_text, None, max_length=2, code="INVALID_ESIID").code == "INVALID_ESIID"


@pytest.mark.parametrize(
    "text, form, day",
    [
        (f"{MIN_YEAR}-01-01", ISO_DATE, date(MIN_YEAR, 1, 1)),
        (f"{MAX_YEAR}-12-31", ISO_DATE, date(MAX_YEAR, 12, 31)),
        ("1/2/2026", US_DATE, date(2026, 1, 2)),
    ],
)
def test_dates_inside_the_year_range_are_taken(text, form, day):
    assert clean_date(text, field="f", form=form) == day


@pytest.mark.parametrize(
    "text, form",
    [
        (f"{MIN_YEAR - 1}-12-31", ISO_DATE),
        (f"{MAX_YEAR + 1}-01-01", ISO_DATE),
        ("01/01/99999999999999999999", US_DATE),
        ("2026-1-1", ISO_DATE),
        ("2026-02-29", ISO_DATE),
        ("2026-01-01", US_DATE),
    ],
)
def test_dates_outside_the_range_or_the_format_are_refused(text, form):
    assert refused(clean_date, text, form=form).code == "INVALID_DATE"


def test_a_time_needs_its_offset_and_a_sane_year():
    assert clean_datetime("2026-11-01T10:00:00-05:00", field="f").utcoffset()
    for text in ["2026-11-01T10:00:00", "0001-01-01T00:00:00+05:00", "x" * 100]:
        assert refused(clean_datetime, text).code == "INVALID_DATETIME"


def test_integers_are_whole_numbers_in_range():
    assert clean_integer("4", field="f", minimum=1, maximum=4) == 4
    assert clean_integer(1, field="f", minimum=1, maximum=4) == 1
    for value in [0, 5, True, 1.0, "1.0", "x", [1]]:
        refused(clean_integer, value, minimum=1, maximum=4)


def test_decimals_keep_their_places_and_range():
    check = {"minimum": Decimal(0), "below": Decimal(10), "places": 3}
    assert clean_decimal("9.999", field="f", **check) == Decimal("9.999")
    assert clean_decimal(2.5, field="f", **check) == Decimal("2.5")
    for value in ["10", "-0.001", "1.0001", "NaN", "1e1", False]:
        refused(clean_decimal, value, **check)


def test_booleans_and_choices_are_exact():
    assert clean_boolean(False, field="f") is False
    for value in ["true", 1, None]:
        refused(clean_boolean, value)
    assert clean_choice("E", field="f", choices=["E", "D"]) == "E"
    assert "D, E" in str(refused(clean_choice, "e", choices=["E", "D"]))
