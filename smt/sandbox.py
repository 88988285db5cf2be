"""BEY-5: a company's sandbox: its test meters on the sandbox TDSP, with two years of
synthetic 15-minute data (the demo's household and rooftop-solar shapes, DST days included),
daily reads and monthly usage.

Prepared when the company's first test token is made (the `token.created` event, in the
worker), and by `manage.py sandbox_prepare`; the daily beat job adds the new days. Safe to
run again: only what is missing is added.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Company, Tdsp
from smt.demo import DATA_LAG_DAYS, DemoPremise, seed_usage
from smt.lib.sandbox import (
    SANDBOX_CASES,
    SANDBOX_TDSP_CODE,
    SANDBOX_TDSP_NAME,
    SandboxCase,
    sandbox_esiid,
    sandbox_meter_number,
)
from usage.models import Meter, Premise

SANDBOX_ADDRESS = {"street_name": "SANDBOX", "street_type": "WAY", "city": "AUSTIN"}


@dataclass
class SandboxSummary:
    companies: int = 0
    premises_created: int = 0
    interval_days_created: int = 0


def sandbox_tdsp() -> Tdsp:
    tdsp, _created = Tdsp.objects.get_or_create(
        code=SANDBOX_TDSP_CODE, defaults={"name": SANDBOX_TDSP_NAME}
    )
    return tdsp


def _test_premise(company_id: int, meter: SandboxCase, tdsp: Tdsp, first_day: date) -> Premise:
    premise, _created = Premise.objects.get_or_create(
        esiid=sandbox_esiid(company_id, meter.case),
        defaults={
            "tdsp": tdsp,
            "is_sandbox": True,
            "house_number": str(100 + meter.case),
            "zip_code": "78701",
            "service_voltage": "120/240",
            "load_profile": "RESLOWR_NCENT_NIDR_NWS_NTOU",
            "rate_class": "RES",
            **SANDBOX_ADDRESS,
        },
    )
    Meter.objects.get_or_create(
        premise=premise,
        meter_number=sandbox_meter_number(company_id, meter.case),
        defaults={
            "installed_on": first_day - timedelta(days=30),
            "activated_on": first_day - timedelta(days=30),
            "manufacturer": "Sandbox",
            "han_protocol": "ZigBee",
            "smart_energy_profile": "SEP 1.0",
            "channels": 2 if meter.solar else 1,
            "dg_capable": meter.solar,
            "dg_channel": 2 if meter.solar else None,
        },
    )
    return premise


def _days(days: int) -> list[date]:
    last_day = timezone.localdate() - timedelta(days=DATA_LAG_DAYS)
    return [last_day - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def sandbox_prepare(*, company_id: int, days: int | None = None) -> SandboxSummary:
    """The company's test meters and their data up to the latest available day, from
    `days` (settings.SANDBOX_DAYS, two years) before it."""
    summary = SandboxSummary(companies=1)
    day_list = _days(days or settings.SANDBOX_DAYS)
    tdsp = sandbox_tdsp()
    for meter in SANDBOX_CASES:
        with transaction.atomic():  # one meter at a time keeps SQLite's write lock short
            existed = Premise.objects.filter(esiid=sandbox_esiid(company_id, meter.case)).exists()
            premise = _test_premise(company_id, meter, tdsp, day_list[0])
            summary.premises_created += not existed
            if meter.has_data:
                spec = DemoPremise(
                    premise.esiid, tdsp.code, "", "", "", "", "", 1.0, solar=meter.solar
                )
                summary.interval_days_created += seed_usage(premise, spec, day_list)
    return summary


def sandbox_companies() -> list[int]:
    """The companies that have a sandbox (a test token, live or revoked)."""
    return list(
        Company.objects.filter(users__personal_api_tokens__sandbox=True)
        .distinct()
        .values_list("pk", flat=True)
    )


def sandbox_prepare_all(*, days: int | None = None) -> SandboxSummary:
    """Every sandbox up to date (the daily job adds yesterday's data)."""
    total = SandboxSummary()
    for company_id in sandbox_companies():
        done = sandbox_prepare(company_id=company_id, days=days)
        total.companies += 1
        total.premises_created += done.premises_created
        total.interval_days_created += done.interval_days_created
    return total


def sandbox_on_event(*, kind: str, company_id: int, data: dict, **_context: object) -> None:
    """The `token.created` subscriber (settings.EVENT_SUBSCRIBERS): a test token's company
    gets its sandbox prepared by the worker once the token is committed."""
    if kind != "token.created" or not data.get("sandbox"):
        return
    from smt.tasks import sandbox_prepare_task

    transaction.on_commit(lambda: sandbox_prepare_task.delay(company_id))
