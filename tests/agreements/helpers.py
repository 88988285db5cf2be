"""Shared set-up for the agreement tests: create through the services, answer by the token
that the invitation email carries."""

from urllib.parse import urlsplit

from agreements.models import Agreement
from agreements.services.answers import agreement_accept
from agreements.services.creation import (
    Contact,
    CustomerDetails,
    MeterPair,
    agreement_create_one_time,
    agreement_create_ongoing,
)
from notifications.models import OutboundEmail
from tests.factories import MeterFactory, UserFactory

CUSTOMER_EMAIL = "chika.akin@example.com"


def third_party_admin(**kwargs):
    return UserFactory(third_party_admin=True, **kwargs)


def details(**overrides) -> CustomerDetails:
    fields = {
        "registered": False,
        "email": CUSTOMER_EMAIL,
        "first_name": "Chika",
        "last_name": "Akin",
        "street": "400 N Olive Street",
        "city": "Sunnyville",
        "zip_code": "75012",
        "phone": "214-555-0100",
    }
    fields.update(overrides)
    return CustomerDetails(**fields)


def contact() -> Contact:
    return Contact(name="James Wilson", email="james@green.example", phone="244-322-5454")


def pair(meter) -> MeterPair:
    return MeterPair(esiid=meter.premise.esiid, meter_number=meter.meter_number)


def one_time(user=None, meter=None, **kwargs) -> Agreement:
    user = user or third_party_admin()
    meter = meter or MeterFactory()
    kwargs.setdefault("customer", details())
    kwargs.setdefault("report_type", Agreement.ReportType.INTERVAL_CSV)
    kwargs.setdefault("report_duration", Agreement.ReportDuration.THREE_MONTHS)
    (agreement,) = agreement_create_one_time(
        user=user, meters=[pair(meter)], contact=contact(), **kwargs
    )
    return agreement


def ongoing(user=None, meter=None, months=6, **kwargs) -> Agreement:
    user = user or third_party_admin()
    meter = meter or MeterFactory()
    kwargs.setdefault("customer", details())
    (agreement,) = agreement_create_ongoing(
        user=user, meters=[pair(meter)], duration_months=months, contact=contact(), **kwargs
    )
    return agreement


def active_ongoing(**kwargs) -> Agreement:
    agreement = ongoing(**kwargs)
    return agreement_accept(token=token_of(agreement)).agreement


def token_of(agreement: Agreement) -> str:
    """The token of the latest Accept link emailed for this agreement."""
    email = (
        OutboundEmail.objects.filter(template="agreements/invitation", related_id=str(agreement.pk))
        .order_by("-pk")
        .first()
    )
    path = urlsplit(email.context["accept_url"]).path
    return path.rstrip("/").rsplit("/", 1)[-1]


def emails(template: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(template=f"agreements/{template}").order_by("pk"))
