"""What a TDSP reports about a premise: REP of Record changes (MTR-2), meter exchanges
(MTR-3) and corrections of premise and meter fields (MTR-1). The services change the ROR
history and the customer's attachment; who may see what follows from them through
`selectors.premises_visible_to` (USG-12), so a REP that loses a premise loses its history at
once, with no extra step.
"""

import re
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from smt.lib.errors import Refused
from smt.lib.fields import (
    ISO_DATE,
    FieldInvalid,
    clean_boolean,
    clean_date,
    clean_decimal,
    clean_integer,
    clean_text,
)
from usage.models import CustomerPremise, Meter, MeterShare, Premise, RorPeriod
from usage.services.meters import normalize_meter_number
from usage.services.sharing import meter_shares_end


class TransactionRefused(Refused):
    """The transaction does not fit the premise's state; the message says why."""


def _locked_premise(esiid: str) -> Premise:
    premise = Premise.objects.select_for_update().filter(esiid=esiid).first()
    if premise is None:
        raise TransactionRefused(f"Unknown ESIID {esiid}.")
    return premise


def _current_period(premise: Premise) -> RorPeriod | None:
    return RorPeriod.objects.filter(premise=premise, ended_on__isnull=True).first()


def _end_period(period: RorPeriod | None, *, on: date, reason: str) -> None:
    if period is not None:
        period.ended_on = on
        period.end_reason = reason
        period.save(update_fields=["ended_on", "end_reason"])


def _detach_customer(premise: Premise) -> None:
    """MTR-2 Move-Out: the leaving customer loses the meter, and so do their friends."""
    now = timezone.now()
    CustomerPremise.objects.filter(premise=premise, detached_at__isnull=True).update(
        detached_at=now
    )
    meter_shares_end(shares=MeterShare.objects.filter(premise=premise), cause="meter_left")


@transaction.atomic
def ror_switch(*, esiid: str, new_duns: str, effective: date) -> RorPeriod:
    """MTR-2 Switch: the new REP serves from `effective`; the old one loses all access,
    history included. The customer keeps the meter."""
    premise = _locked_premise(esiid)
    current = _current_period(premise)
    if current and current.ror_duns == new_duns:
        raise TransactionRefused(f"{new_duns} is already the REP of Record of {esiid}.")
    if current and effective < current.started_on:
        raise TransactionRefused("The switch is dated before the current REP's start.")
    _end_period(current, on=effective, reason=RorPeriod.EndReason.SWITCH)
    return RorPeriod.objects.create(
        premise=premise, ror_duns=new_duns, reason=RorPeriod.Reason.SWITCH, started_on=effective
    )


@transaction.atomic
def ror_move_out(*, esiid: str, effective: date) -> None:
    """MTR-2 Move-Out: the REP and the customer both lose access; the customer's account
    is detached from the meter, and the hooks of `ROR_MOVE_OUT_HOOKS` run in the same
    transaction (the agreements app ends the leaving customer's ongoing agreements there,
    without usage importing it)."""
    premise = _locked_premise(esiid)
    current = _current_period(premise)
    if current is None:
        raise TransactionRefused(f"{esiid} has no REP of Record to move out.")
    _end_period(current, on=effective, reason=RorPeriod.EndReason.MOVE_OUT)
    _detach_customer(premise)
    for hook in settings.ROR_MOVE_OUT_HOOKS:
        import_string(hook)(premise=premise, effective=effective)


@transaction.atomic
def ror_move_in(*, esiid: str, duns: str, effective: date) -> RorPeriod:
    """MTR-2 Move-In: the new REP gains access at once; a previous customer still
    attached is detached (the new customer attaches the meter themselves)."""
    premise = _locked_premise(esiid)
    current = _current_period(premise)
    _end_period(current, on=effective, reason=RorPeriod.EndReason.MOVE_IN)
    _detach_customer(premise)
    return RorPeriod.objects.create(
        premise=premise, ror_duns=duns, reason=RorPeriod.Reason.MOVE_IN, started_on=effective
    )


@transaction.atomic
def meter_exchange(
    *, esiid: str, new_meter_number: str, exchanged_on: date, is_smart: bool = True
) -> Meter:
    """MTR-3: same ESIID, new meter; access and history continue. A conventional meter
    ends data availability: it is recorded but is not smart."""
    premise = _locked_premise(esiid)
    old = premise.meters.filter(removed_on__isnull=True).first()
    if old and old.meter_number == new_meter_number:
        raise TransactionRefused(f"Meter {new_meter_number} is already in service.")
    if old:
        old.removed_on = exchanged_on
        old.save(update_fields=["removed_on"])
    return Meter.objects.create(
        premise=premise,
        meter_number=new_meter_number,
        installed_on=exchanged_on,
        is_smart=is_smart,
    )


# --- premise and meter updates (MTR-1, API-3) -----------------------------------------------

# What a TDSP may change: the MTR-1 fields; never the ESIID, the TDSP or the meter's dates of
# service, which only the transactions above move.
PREMISE_UPDATABLE = [
    "service_voltage",
    "premise_status",
    "time_zone",
    "house_number",
    "fractional_address",
    "leading_directional",
    "street_name",
    "street_type",
    "trailing_directional",
    "unit",
    "city",
    "state",
    "zip_code",
    "zip_plus4",
    "meter_read_cycle",
    "load_profile",
    "rate_class",
    "ams_profile_effective_date",
]
METER_UPDATABLE = [
    "utility_meter_number",
    "kwh_multiplier",
    "channels",
    "manufacturer",
    "last_test_date",
    "meter_class",
    "activated_on",
    "communication_technology",
    "instrument_rated",
    "ct_ratio",
    "pt_ratio",
    "esi_firmware_version",
    "han_protocol",
    "smart_energy_profile",
    "interval_minutes",
    "dg_capable",
    "dg_channel",
    "remote_disconnect_capable",
    "meter_status",
    "phases",
    "model",
]


# The real format of each updatable field (MTR-1), checked before the model's own
# validation (max_length, choices, blank, its validators), which takes "-1" as a voltage and
# str({...}) as a city. Text fields not named here are any text without control characters.
_DIRECTIONAL = (re.compile(r"N|S|E|W|NE|NW|SE|SW"), "N, S, E, W, NE, NW, SE or SW")
TEXT_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    # volts, or the two of a split or wye service: 120/240, 277/480, 480, 12470
    "service_voltage": (
        re.compile(r"[1-9]\d{1,5}(/[1-9]\d{1,5})?", re.ASCII),
        "volts, as 120/240 or 480",
    ),
    "leading_directional": _DIRECTIONAL,
    "trailing_directional": _DIRECTIONAL,
    "state": (re.compile(r"[A-Z]{2}"), "a two-letter state code, as TX"),
    "zip_code": (re.compile(r"\d{5}", re.ASCII), "5 digits"),
    "zip_plus4": (re.compile(r"\d{4}", re.ASCII), "4 digits"),
}
NUMBER_RANGES: dict[str, tuple[int, int]] = {
    "channels": (1, 4),  # consumption, generation and two more at most
    "dg_channel": (1, 4),
    "phases": (1, 3),
    "interval_minutes": (5, 60),
}
DECIMAL_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "kwh_multiplier": (Decimal("0.001"), Decimal(10**5)),  # up to the column's 8 digits
}


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _clean_change(field: models.Field, value: Any) -> Any:
    """One changed value to its field's real type and format (MTR-1); FieldInvalid names it.
    A blank value clears a field that may be empty."""
    name = field.name
    if isinstance(field, models.BooleanField):
        return clean_boolean(value, field=name)
    if isinstance(field, models.DateField):
        return clean_date(value, field=name, form=ISO_DATE, required=not field.null)
    if isinstance(field, models.DecimalField):
        low, below = DECIMAL_RANGES[name]
        return clean_decimal(
            value,
            field=name,
            minimum=low,
            below=below,
            places=field.decimal_places or 0,
            required=not field.null,
        )
    if isinstance(field, models.IntegerField):
        least, most = NUMBER_RANGES[name]
        return clean_integer(
            value, field=name, minimum=least, maximum=most, required=not field.null
        )
    pattern, shown = TEXT_FORMATS.get(name, (None, ""))
    text = clean_text(
        value,
        field=name,
        max_length=field.max_length or 0,
        required=not field.blank,
        pattern=pattern,
        shown=shown,
    )
    if name == "time_zone" and text not in _time_zones():
        raise FieldInvalid(f"{name} must be an IANA time zone, as America/Chicago.", name)
    return text


def _apply_changes(
    record: Premise | Meter, changes: dict[str, Any], allowed: list[str]
) -> list[str]:
    """Set the changed fields after checking each to its real format and the model's own
    validation; ValidationError names each bad field and nothing is set. Returns the names
    of the fields whose value changed."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError({name: "This field cannot be updated." for name in unknown})
    errors: dict[str, list[str]] = {}
    cleaned_values: dict[str, Any] = {}
    for name, value in changes.items():
        field = record._meta.get_field(name)
        assert isinstance(field, models.Field)  # the UPDATABLE lists name concrete fields only
        try:
            cleaned_values[name] = field.clean(_clean_change(field, value), record)
        except FieldInvalid as invalid:
            errors[name] = [str(invalid)]
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    changed: list[str] = []
    for name, cleaned in cleaned_values.items():
        if getattr(record, name) != cleaned:
            setattr(record, name, cleaned)
            changed.append(name)
    return changed


@transaction.atomic
def premise_update(*, esiid: str, changes: dict[str, Any]) -> list[str]:
    """MTR-1: a TDSP corrects premise fields; returns the fields that changed."""
    premise = _locked_premise(esiid)
    changed = _apply_changes(premise, changes, PREMISE_UPDATABLE)
    if changed:
        premise.save(update_fields=[*changed, "updated_at"])
    return changed


@transaction.atomic
def meter_update(*, esiid: str, meter_number: str, changes: dict[str, Any]) -> list[str]:
    """MTR-1: a TDSP corrects fields of the meter in service (matched as MTR-8 says)."""
    premise = _locked_premise(esiid)
    meter = premise.meters.filter(removed_on__isnull=True).first()  # at most one in service
    if meter is None or normalize_meter_number(meter.meter_number) != normalize_meter_number(
        meter_number
    ):
        raise TransactionRefused(f"Meter {meter_number} is not in service at ESIID {esiid}.")
    changed = _apply_changes(meter, changes, METER_UPDATABLE)
    if changed:
        meter.save(update_fields=[*changed, "updated_at"])
    return changed
