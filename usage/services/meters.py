"""Customers and their meters: attach, detach, register (ACC-3, ACC-23, MTR-8)."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import User
from smt.lib.errors import Refused
from smt.lib.sandbox import sandbox_company, sandbox_esiids
from usage.models import CustomerPremise, Meter, MeterShare, Premise
from usage.services.sharing import meter_shares_end

METER_NOT_VALID = gettext_lazy("The ESIID / Meter # pair is not valid.")
METER_TAKEN = gettext_lazy(
    "This meter is already attached to another Smart Meter Texas account. "
    "Please call your Retail Electric Provider."
)


class MeterNotValid(Refused):
    """The ESIID / meter number pair names no smart meter in service (seed 000, UI 1.3)."""

    default_message = METER_NOT_VALID
    lists_seed_reasons = True  # the page lists the seed's possible reasons under it (UI 1.3)


class MeterTaken(Refused):
    """The meter is attached to another customer account (ACC-3, ACC-23)."""

    default_message = METER_TAKEN


def normalize_meter_number(meter_number: str) -> str:
    """MTR-8: a leading letter on a meter number is ignored when matching."""
    compact = "".join(meter_number.split()).upper()
    return compact[1:] if compact[:1].isalpha() else compact


def premise_for_meter(*, esiid: str, meter_number: str) -> Premise | None:
    """The premise whose smart meter in service has this number (MTR-3, MTR-8). BEY-5: in
    a sandbox request only the company's test meters, elsewhere only live ones."""
    wanted = normalize_meter_number(meter_number)
    esiid = esiid.strip()
    sandbox = sandbox_company()
    if sandbox is not None and esiid not in sandbox_esiids(sandbox):
        return None
    meters = Meter.objects.select_related("premise").filter(
        premise__esiid=esiid,
        premise__is_sandbox=sandbox is not None,
        removed_on__isnull=True,
        is_smart=True,
    )
    return next(
        (meter.premise for meter in meters if normalize_meter_number(meter.meter_number) == wanted),
        None,
    )


@transaction.atomic
def customer_premise_attach(*, customer: User, esiid: str, meter_number: str) -> CustomerPremise:
    """Attach a smart meter to a customer account: one account per meter at a time."""
    premise = premise_for_meter(esiid=esiid, meter_number=meter_number)
    if premise is None:
        raise MeterNotValid
    # Lock the premise so two registrations of the same meter cannot both attach it.
    Premise.objects.select_for_update().get(pk=premise.pk)
    current = CustomerPremise.objects.filter(premise=premise, detached_at__isnull=True).first()
    if current is not None:
        if current.customer_id == customer.pk:
            return current
        raise MeterTaken
    return CustomerPremise.objects.create(
        customer=customer, premise=premise, attached_at=timezone.now()
    )


@transaction.atomic
def customer_premise_detach(*, link: CustomerPremise) -> None:
    """ACC-23: the customer removes a meter from their account (history is kept)."""
    CustomerPremise.objects.filter(pk=link.pk, detached_at__isnull=True).update(
        detached_at=timezone.now()
    )
    # What is no longer mine I can no longer share (ACC-22); BEY-1: with receipts.
    meter_shares_end(
        shares=MeterShare.objects.filter(owner=link.customer, premise=link.premise),
        cause="meter_left",
    )


@transaction.atomic
def customer_register(*, account: dict[str, Any], esiid: str, meter_number: str) -> User:
    """ACC-3: a customer account and its first meter, together or not at all.

    Raises MeterNotValid or MeterTaken (nothing is created then).
    """
    from accounts.services import customer_account_create

    if premise_for_meter(esiid=esiid, meter_number=meter_number) is None:
        raise MeterNotValid
    customer = customer_account_create(**account)
    customer_premise_attach(customer=customer, esiid=esiid, meter_number=meter_number)
    return customer
