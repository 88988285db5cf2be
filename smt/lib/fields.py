"""Checking one field of a machine interface's input (API-4): text, dates, times, numbers,
yes/no and enumerations, each to its real format.

Every checker takes the value as the caller sent it (any JSON type) and returns it clean, or
raises `FieldInvalid` naming the field, so a bad value is a 400 that says which one and never
a 500 further down: a database refusing a control character or a value too long for its
column, a date past year 9999, a list where text was expected. The SMT-compatible API and the
TDSP messages both use them, so the same value gets the same answer everywhere.
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from smt.lib.errors import Refused

MISSING = "MISSING_FIELD"
INVALID = "INVALID_FIELD"
INVALID_DATE = "INVALID_DATE"
INVALID_DATETIME = "INVALID_DATETIME"

# API-4: no date of a meter's life is before 1900 or after 2100; outside is a typo, and
# far outside (year 99999999999999999999) would overflow the date arithmetic.
MIN_YEAR, MAX_YEAR = 1900, 2100
# C0 and C1 controls (NUL, newline, escape…) and unpaired surrogates: never in a field.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_INTEGER = re.compile(r"[+-]?\d{1,18}", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(\d{1,18}(\.\d{0,18})?|\.\d{1,18})", re.ASCII)
_LONGEST_DATETIME = 40  # 2026-11-01T10:00:00.000000+05:00 and a little


class FieldInvalid(Refused):
    """One field of a request is missing or not in its format: `code` (API-4) names the
    problem, `field` the input."""

    def __init__(self, message: str, field: str, *, code: str = INVALID) -> None:
        super().__init__(message, field)
        self.code = code


@dataclass(frozen=True)
class DateFormat:
    """How an interface writes a date: the pattern (named groups year, month, day, ASCII
    digits only) and how its messages show it."""

    pattern: re.Pattern[str]
    shown: str


ISO_DATE = DateFormat(
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})", re.A), "YYYY-MM-DD"
)
US_DATE = DateFormat(
    re.compile(r"(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})", re.A), "MM/DD/YYYY"
)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(
    value: Any,
    *,
    field: str,
    max_length: int,
    required: bool = True,
    pattern: re.Pattern[str] | None = None,
    shown: str = "",
    code: str | None = None,
) -> str:
    """Text without surrounding spaces, at most `max_length` characters, no control
    characters, matching `pattern` whole when given (`shown` says what it must be). Blank
    is "" unless `required`. `code` replaces the default codes of this field's refusals."""
    if _blank(value):
        if required:
            raise FieldInvalid(f"{field} is required.", field, code=code or MISSING)
        return ""
    if not isinstance(value, str):
        raise FieldInvalid(f"{field} must be text.", field, code=code or INVALID)
    text = value.strip()
    if len(text) > max_length:
        raise FieldInvalid(
            f"{field} has at most {max_length} characters.", field, code=code or INVALID
        )
    if _CONTROL.search(text):
        raise FieldInvalid(f"{field} holds a control character.", field, code=code or INVALID)
    if pattern is not None and not pattern.fullmatch(text):
        raise FieldInvalid(f"{field} must be {shown}.", field, code=code or INVALID)
    return text


def clean_date(
    value: Any,
    *,
    field: str,
    form: DateFormat = ISO_DATE,
    required: bool = True,
    code: str | None = None,
) -> date | None:
    """A date written as `form` says, in years MIN_YEAR..MAX_YEAR; None when blank and not
    `required`."""
    if _blank(value):
        if required:
            raise FieldInvalid(f"{field} is required.", field, code=code or MISSING)
        return None
    message = f"{field} must be a date {form.shown}."
    match = form.pattern.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise FieldInvalid(message, field, code=code or INVALID_DATE)
    try:
        day = date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError as error:  # 02/30/2026
        raise FieldInvalid(message, field, code=code or INVALID_DATE) from error
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise FieldInvalid(
            f"{field} must be a date from {MIN_YEAR} to {MAX_YEAR}.",
            field,
            code=code or INVALID_DATE,
        )
    return day


def clean_datetime(value: Any, *, field: str, code: str | None = None) -> datetime:
    """An ISO 8601 time with its UTC offset, in years MIN_YEAR..MAX_YEAR."""
    if _blank(value):
        raise FieldInvalid(f"{field} is required.", field, code=code or MISSING)
    text = value.strip() if isinstance(value, str) else ""
    moment: datetime | None = None
    if text.isascii() and len(text) <= _LONGEST_DATETIME:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None or not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise FieldInvalid(
            f"{field} must be an ISO 8601 time with its offset.",
            field,
            code=code or INVALID_DATETIME,
        )
    return moment


def clean_integer(
    value: Any,
    *,
    field: str,
    minimum: int,
    maximum: int,
    required: bool = True,
    code: str | None = None,
) -> int | None:
    """A whole number from `minimum` to `maximum`: a JSON integer or its digits as text
    (never true/false, never a fraction). None when blank and not `required`."""
    if _blank(value):
        if required:
            raise FieldInvalid(f"{field} is required.", field, code=code or MISSING)
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value)
    if number is None or not minimum <= number <= maximum:
        raise FieldInvalid(
            f"{field} must be a whole number from {minimum} to {maximum}.",
            field,
            code=code or INVALID,
        )
    return number


def clean_decimal(
    value: Any,
    *,
    field: str,
    minimum: Decimal,
    below: Decimal,
    places: int,
    required: bool = True,
    code: str | None = None,
) -> Decimal | None:
    """A number ≥ `minimum` and < `below` with at most `places` decimals: a JSON number or
    its digits as text. None when blank and not `required`."""
    if _blank(value):
        if required:
            raise FieldInvalid(f"{field} is required.", field, code=code or MISSING)
        return None
    number: Decimal | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(value)
    else:
        text = value.strip() if isinstance(value, str) else ""
    if _DECIMAL.fullmatch(text):
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
    exponent = number.as_tuple().exponent if number is not None else 0
    if (
        number is None
        or not minimum <= number < below
        or not isinstance(exponent, int)
        or -exponent > places
    ):
        raise FieldInvalid(
            f"{field} must be a number from {minimum} to below {below}, "
            f"with at most {places} decimals.",
            field,
            code=code or INVALID,
        )
    return number


def clean_boolean(value: Any, *, field: str, code: str | None = None) -> bool:
    """JSON true or false, nothing else ("yes", 1 and "true" are refused)."""
    if not isinstance(value, bool):
        raise FieldInvalid(f"{field} must be true or false.", field, code=code or INVALID)
    return value


def clean_choice(
    value: Any, *, field: str, choices: Collection[str], code: str | None = None
) -> str:
    """One of `choices`, exactly as listed."""
    if not isinstance(value, str) or value.strip() not in choices:
        raise FieldInvalid(
            f"{field} must be one of {', '.join(sorted(choices))}.", field, code=code or INVALID
        )
    return value.strip()
