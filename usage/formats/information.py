"""The Premise and Meter Information of one ESIID (MTR-1, MTR-6, seed 003 fig. 29 and 30):
which fields, in which order, with the tool-tip each shows. The page, the PDF and the CSV
all read these tables, so they always agree."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from usage.models import Meter, Premise

KINDS = ("premise", "meter")


@dataclass(frozen=True)
class InfoField:
    label: str | Promise  # lazy: translated when a page or file is built
    description: str | Promise
    value: str | Callable[[Any], object]  # attribute name on the premise/meter, or a function


def _date(value: date | None) -> str:
    """UX-3: the short date of the reader's language (page, PDF, and the CSV whose headings
    are in that language too)."""
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _yes_no(value: bool) -> str:
    return str(_("Yes") if value else _("No"))


PREMISE_FIELDS = (
    InfoField(
        _("Electric Utility Company"),
        _("Company that transmits and distributes electricity for this Smart Meter"),
        lambda p: p.tdsp.name,
    ),
    InfoField(_("ESI ID"), _("Electric Service Identifier"), "esiid"),
    InfoField(_("Service Voltage"), _("Voltage at the Premise"), "service_voltage"),
    InfoField(
        _("Premise Status"),
        _("A: the premise is active; I: the premise is inactive"),
        "premise_status",
    ),
    InfoField(_("Time Zone"), _("The time zone where the premise is located"), "time_zone"),
    InfoField(_("House Number"), _("The house number of the service address"), "house_number"),
    InfoField(
        _("Fractional House Address"),
        _("Designator that distinguishes premises with the same address"),
        "fractional_address",
    ),
    InfoField(
        _("Leading Directional"),
        _("The directional indicator (N, S, E, W) before the street name"),
        "leading_directional",
    ),
    InfoField(_("Street Name"), _("The street name of the service address"), "street_name"),
    InfoField(
        _("Street Type"), _("The street type (St, Ave, Ln) of the service address"), "street_type"
    ),
    InfoField(
        _("Trailing Directional"),
        _("The directional indicator after the street type"),
        "trailing_directional",
    ),
    InfoField(
        _("Unit Designation"), _("The unit in a multi-unit address, such as an apartment"), "unit"
    ),
    InfoField(_("City"), _("The city or locality of the service address"), "city"),
    InfoField(_("State"), _("The state of the service address"), "state"),
    InfoField(_("ZIP Code"), _("The five-digit ZIP Code of the service address"), "zip_code"),
    InfoField(
        _("Zip Code + 4"),
        _("The four-digit ZIP Code extension of the service address"),
        "zip_plus4",
    ),
    InfoField(
        _("Meter Read Cycle"),
        _("The cycle number of the monthly meter read date"),
        "meter_read_cycle",
    ),
    InfoField(
        _("Load Profile"), _("The load profile of the service location, per ERCOT"), "load_profile"
    ),
    InfoField(
        _("Rate Class/Code"),
        _("Code of the tariff the TDSP bills this location with"),
        "rate_class",
    ),
    InfoField(
        _("AMS Profile Effective Date"),
        _("Date from which SMT sends usage data for this premise to ERCOT"),
        lambda p: _date(p.ams_profile_effective_date),
    ),
)

METER_FIELDS = (
    InfoField(
        _("Electric Utility Company"),
        _("Company that transmits and distributes electricity for this Smart Meter"),
        lambda m: m.premise.tdsp.name,
    ),
    InfoField(_("ESI ID"), _("Electric Service Identifier"), lambda m: m.premise.esiid),
    InfoField(_("Meter Number"), _("Manufacturer serial number of the meter"), "meter_number"),
    InfoField(
        _("Utility Meter Number"), _("Meter identifier used by the TDSP"), "utility_meter_number"
    ),
    InfoField(
        _("kWh Meter Multiplier"),
        _("Factor that converts kWh readings to kWh consumption on instrument-rated meters"),
        "kwh_multiplier",
    ),
    InfoField(
        _("Number of Channels"), _("Number of channels the meter is configured for"), "channels"
    ),
    InfoField(
        _("Meter Manufacturer Name"), _("Company that manufactured the meter"), "manufacturer"
    ),
    InfoField(
        _("Last Meter Test Date"),
        _("Last date the meter was manually tested"),
        lambda m: _date(m.last_test_date),
    ),
    InfoField(
        _("Meter Class (Ampacity)"),
        _("The highest current the meter registers continuously without an unsafe socket"),
        "meter_class",
    ),
    InfoField(
        _("Meter Installation Date"),
        _("Date the meter was installed"),
        lambda m: _date(m.installed_on),
    ),
    InfoField(
        _("Meter Activation Date"),
        _("Date the meter started sending usage to SMT"),
        lambda m: _date(m.activated_on),
    ),
    InfoField(
        _("Technology/Communicator Indicator"),
        _("Type of communication that carries data from the meter"),
        "communication_technology",
    ),
    InfoField(
        _("Instrument Rated"),
        _("Whether the meter needs a current or potential transformer"),
        lambda m: _yes_no(m.instrument_rated),
    ),
    InfoField(
        _("Ratio of Current Transformers"),
        _("Primary to secondary winding ratio of the current transformer"),
        "ct_ratio",
    ),
    InfoField(
        _("Ratio of Potential Transformers"),
        _("Primary to secondary winding ratio of the potential transformer"),
        "pt_ratio",
    ),
    InfoField(
        _("ESI Firmware Version"),
        _("Firmware version of the meter's ZigBee module"),
        "esi_firmware_version",
    ),
    InfoField(
        _("HAN Protocol (ZigBee or HomePlug)"), _("Type of HAN protocol enabled"), "han_protocol"
    ),
    InfoField(
        _("Smart Energy Profile"),
        _("The HAN specification the meter supports"),
        "smart_energy_profile",
    ),
    InfoField(
        _("Interval Setting"),
        _("How often the meter records usage, in minutes"),
        "interval_minutes",
    ),
    InfoField(
        _("In flow / Out flow (DG) Capable"),
        _("Whether the meter measures both consumption and generation"),
        lambda m: _yes_no(m.dg_capable),
    ),
    InfoField(
        _("Distributed Generation Channel"),
        _("The channel number of the generation channel"),
        lambda m: m.dg_channel or "",
    ),
    InfoField(
        _("Remote disconnect / connect Capable"),
        _("Whether the meter can be disconnected remotely"),
        lambda m: _yes_no(m.remote_disconnect_capable),
    ),
    InfoField(
        _("Meter Status"),
        _("E: the meter is energized; D: the meter is de-energized"),
        "meter_status",
    ),
    InfoField(
        _("Meter Phases"),
        _("The number of phases the meter handles (1, 2 or 3)"),
        lambda m: m.phases or "",
    ),
    InfoField(_("Meter Model"), _("Meter model identifier"), "model"),
    InfoField(
        _("Last Updated"),
        _("When the meter information was last updated"),
        lambda m: formats.date_format(timezone.localtime(m.updated_at), "m/d/Y H:i"),
    ),
)


def information_rows(kind: str, premise: Premise) -> list[tuple[str, str, str]]:
    """(label, description, value) for the premise, or for its meter in service."""
    if kind == "premise":
        return _rows(premise, PREMISE_FIELDS)
    meter = current_meter(premise)
    return _rows(meter, METER_FIELDS) if meter else []


def _rows(subject: Premise | Meter, fields: tuple[InfoField, ...]) -> list[tuple[str, str, str]]:
    rows = []
    for field in fields:
        value = field.value(subject) if callable(field.value) else getattr(subject, field.value)
        rows.append((str(field.label), str(field.description), "" if value is None else str(value)))
    return rows


def current_meter(premise: Premise) -> Meter | None:
    return premise.meters.filter(removed_on__isnull=True).select_related("premise__tdsp").first()


def labels(kind: str) -> list[str]:
    return [str(field.label) for field in (PREMISE_FIELDS if kind == "premise" else METER_FIELDS)]
