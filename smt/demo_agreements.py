"""Demo agreements (OPS-3): the demo 3rd party's agreements with the demo customers, in every
status a fresh database can show, made through the agreements services like real ones.

Not Accepted and Expired only come with time (30 days unanswered, an end date passed); the
scheduled jobs make them, so the demo does not fake them.
"""

from dataclasses import dataclass
from datetime import timedelta

from agreements.models import Agreement
from agreements.services import actions, answers, creation
from agreements.services.creation import Contact, CustomerDetails, MeterPair
from usage.models import CustomerPremise

THIRD_PARTY_ADMIN = "tp.admin"


@dataclass(frozen=True)
class DemoAgreement:
    customer: str  # a demo customer's user ID
    esiid: str
    kind: str
    answer: str = ""  # "accept", "reject" or "" (left Pending)
    then: str = ""  # after acceptance: "extend" or "terminate"


AGREEMENTS = [
    DemoAgreement("maria.garcia", "10443720000000001", Agreement.Kind.ONE_TIME),
    DemoAgreement("john.smith", "10443720000000002", Agreement.Kind.ONE_TIME, "accept"),
    DemoAgreement("acme.business", "10443720000000004", Agreement.Kind.ONE_TIME, "reject"),
    DemoAgreement("john.smith", "10443720000000003", Agreement.Kind.ONGOING, "accept"),
    DemoAgreement("maria.garcia", "10443720000000001", Agreement.Kind.ONGOING, "accept", "extend"),
    DemoAgreement(
        "acme.business", "10443720000000004", Agreement.Kind.ONGOING, "accept", "terminate"
    ),
    DemoAgreement("john.smith", "10443720000000002", Agreement.Kind.ONGOING_HAN, "accept"),
]


def seed_agreements(users: dict) -> int:
    """Create the demo agreements once (none of the demo 3rd party's exist yet)."""
    third_party = users[THIRD_PARTY_ADMIN]
    if Agreement.objects.filter(company=third_party.company).exists():
        return 0
    contact = Contact(name=third_party.get_full_name(), email=third_party.email)
    created = 0
    for spec in AGREEMENTS:
        customer = users[spec.customer]
        agreement = _create(spec, third_party, customer, contact)
        if spec.answer:
            answers.agreement_answer_by_customer(
                agreement=agreement, user=customer, accept=spec.answer == "accept"
            )
            agreement.refresh_from_db()
        if spec.then == "extend":
            actions.agreement_request_extension(
                agreement=agreement,
                user=third_party,
                new_end_date=agreement.end_date + timedelta(days=90),
            )
        elif spec.then == "terminate":
            actions.agreement_terminate(
                agreement=agreement, user=customer, reason="Switched to another energy advisor."
            )
        created += 1
    return created


def _create(spec: DemoAgreement, third_party, customer, contact: Contact) -> Agreement:
    link = CustomerPremise.objects.select_related("premise").get(
        customer=customer, premise__esiid=spec.esiid, detached_at__isnull=True
    )
    meter = link.premise.meters.get(removed_on__isnull=True)
    details = CustomerDetails(registered=True, email=customer.email)
    pair = MeterPair(esiid=spec.esiid, meter_number=meter.meter_number)
    if spec.kind == Agreement.Kind.ONE_TIME:
        [agreement] = creation.agreement_create_one_time(
            user=third_party,
            customer=details,
            meters=[pair],
            report_type=Agreement.ReportType.INTERVAL_CSV,
            report_duration=Agreement.ReportDuration.ONE_MONTH,
            contact=contact,
        )
    else:
        [agreement] = creation.agreement_create_ongoing(
            user=third_party,
            customer=details,
            meters=[pair],
            duration_months=6,
            contact=contact,
            kind=spec.kind,
        )
    return agreement
