"""My Account / Who can see my data (BEY-1): every access to each of the customer's meters,
of every kind, and nothing of anyone else's; Withdraw in one step with its consequences first,
its effect, its receipt, and once under a double submit."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement
from agreements.services.answers import agreement_accept
from han.models import HanProvisionRequest
from notifications.models import OutboundEmail
from tests.agreements.helpers import (
    CUSTOMER_EMAIL,
    active_ongoing,
    details,
    one_time,
    third_party_admin,
    token_of,
)
from tests.factories import (
    CompanyFactory,
    CustomerPremiseFactory,
    DunsFactory,
    MeterFactory,
    RorPeriodFactory,
    UserFactory,
)
from tests.han.helpers import device_added, registered_customer
from usage.models import MeterShare

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("consent_overview")


def withdraw_url(kind: str, ref: object) -> str:
    return reverse("consent_withdraw", args=[kind, str(ref)])


@pytest.fixture
def customer():
    return UserFactory(email=CUSTOMER_EMAIL, first_name="Chika", last_name="Akin")


@pytest.fixture
def meter(customer):
    meter = MeterFactory()
    CustomerPremiseFactory(customer=customer, premise=meter.premise)
    return meter


def mine(**kwargs):
    """The customer's registered details on an agreement request (AGR-3)."""
    return details(registered=True, email=CUSTOMER_EMAIL)


def share(owner, friend, premise, status=MeterShare.Status.ACTIVE) -> MeterShare:
    return MeterShare.objects.create(
        owner=owner,
        premise=premise,
        friend_email=friend.email,
        friend=friend if status != MeterShare.Status.INVITED else None,
        status=status,
        token_hash=f"hash-{owner.pk}-{friend.pk}-{premise.pk}-{status}",
        invited_at=timezone.now(),
        responded_at=timezone.now() if status != MeterShare.Status.INVITED else None,
    )


def test_the_page_lists_every_kind_of_access_on_my_meter_and_nothing_else(
    client, customer, meter
):  # BEY-1
    company = third_party_admin(company__name="ACME Energy")
    ongoing = active_ongoing(user=company, meter=meter, customer=mine())
    delivered = one_time(user=company, meter=meter, customer=mine())
    agreement_accept(token=token_of(delivered))  # Complete: delivered once, not live
    rep = CompanyFactory(name="Lone Star Power")
    RorPeriodFactory(premise=meter.premise, ror_duns=DunsFactory(company=rep).number)
    friend = UserFactory(first_name="Ana", last_name="Ruiz")
    share(customer, friend, meter.premise)
    neighbour = UserFactory(first_name="Bo", last_name="Lee")
    theirs = MeterFactory()
    CustomerPremiseFactory(customer=neighbour, premise=theirs.premise)
    share(neighbour, customer, theirs.premise)
    # Someone else's agreement on someone else's meter: not on my page.
    stranger = UserFactory(email="stranger@example.com")
    other = MeterFactory()
    CustomerPremiseFactory(customer=stranger, premise=other.premise)
    hidden = active_ongoing(
        user=third_party_admin(company__name="Hidden Co"),
        meter=other,
        customer=details(registered=True, email="stranger@example.com"),
    )

    client.force_login(customer)
    page = client.get(OVERVIEW)

    assert page.status_code == 200
    text = page.content.decode()
    assert "ACME Energy" in text and "Lone Star Power" in text
    assert "Ana Ruiz" in text and "Bo Lee" in text
    assert ongoing.premise.esiid in text and theirs.premise.esiid in text
    assert "Hidden Co" not in text and other.premise.esiid not in text
    accesses = _accesses(page)
    assert accesses[(meter.premise.esiid, "agreement", ongoing.agreement_number)].withdrawable
    assert not accesses[(meter.premise.esiid, "agreement", delivered.agreement_number)].live
    assert (meter.premise.esiid, "rep") in {(e, k) for e, k, _ in accesses}
    assert not any(a.withdrawable for (_e, k, _r), a in accesses.items() if k == "rep")
    assert client.get(withdraw_url("agreement", hidden.agreement_number)).status_code == 404


def _accesses(page) -> dict:
    return {
        (access.esiid, access.kind, access.ref): access
        for meter in page.context["overview"].meters
        for access in meter.accesses
    }


def test_the_meter_filter_shows_one_meter(client, customer, meter):  # BEY-1
    second = MeterFactory()
    CustomerPremiseFactory(customer=customer, premise=second.premise)
    active_ongoing(
        user=third_party_admin(company__name="ACME Energy"), meter=second, customer=mine()
    )
    client.force_login(customer)

    page = client.get(OVERVIEW, {"meter": second.premise.esiid})

    assert [m.esiid for m in page.context["overview"].meters] == [second.premise.esiid]
    assert len(page.context["overview"].choices) == 2
    everything = client.get(OVERVIEW, {"meter": "not-mine"})
    assert len(everything.context["overview"].meters) == 2


def test_withdraw_says_the_consequences_first_and_a_get_changes_nothing(
    client, customer, meter
):  # BEY-1
    agreement = active_ongoing(
        user=third_party_admin(company__name="ACME Energy"), meter=meter, customer=mine()
    )
    client.force_login(customer)

    page = client.get(withdraw_url("agreement", agreement.agreement_number))

    assert page.status_code == 200
    assert "ACME Energy will stop receiving your 15-minute" in page.content.decode()
    assert "privacy policy" in page.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE


def test_withdrawing_an_ongoing_agreement_terminates_it_once_with_a_receipt(
    client, customer, meter, django_capture_on_commit_callbacks
):  # BEY-1, AGR-14, AGR-18
    agreement = active_ongoing(
        user=third_party_admin(company__name="ACME Energy"), meter=meter, customer=mine()
    )
    client.force_login(customer)
    mail.outbox.clear()
    url = withdraw_url("agreement", agreement.agreement_number)

    with django_capture_on_commit_callbacks(execute=True):  # the worker sends the emails
        first = client.post(url, {"reason": ""}, follow=True)
        second = client.post(url, {"reason": ""}, follow=True)  # the double submit

    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    last = agreement.history.order_by("-pk").first()
    assert last.actor == customer and "Who can see my data" in last.reason
    assert agreement.history.filter(to_status=Agreement.Status.TERMINATED).count() == 1
    assert "We have emailed you a receipt" in first.content.decode()
    assert "already ended" in second.content.decode()
    to_customer = [m for m in mail.outbox if m.to == [CUSTOMER_EMAIL]]
    to_company = [m for m in mail.outbox if m.to == [agreement.contact_email]]
    assert len(to_customer) == 1 and len(to_company) == 1
    receipts = client.get(OVERVIEW).context["overview"].receipts
    assert to_customer[0].subject in [r.subject for r in receipts]


def test_withdrawing_a_han_services_agreement_says_messages_stop(
    client, customer, meter
):  # BEY-1, AGR-17
    agreement = active_ongoing(
        user=third_party_admin(company__name="Thermo Co"),
        meter=meter,
        customer=mine(),
        kind=Agreement.Kind.ONGOING_HAN,
    )
    client.force_login(customer)
    url = withdraw_url("agreement", agreement.agreement_number)

    assert "send messages to your in-home devices" in client.get(url).content.decode()
    client.post(url, {"reason": "I sold the thermostat."})

    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    assert agreement.termination_reason == "I sold the thermostat."
    assert not agreement.allows_han_messages_on(timezone.localdate())


def test_withdrawing_a_paired_han_device_asks_the_tdsp_to_remove_it(client):  # BEY-1, HAN-8
    meter = MeterFactory()
    customer = registered_customer(meter)
    request = device_added(
        meter=meter,
        customer_id=customer.username,
        customer=details(registered=True, email=customer.email),
    )
    client.force_login(customer)
    number = request.agreement.agreement_number

    page = client.get(OVERVIEW)
    assert _accesses(page)[(meter.premise.esiid, "han-device", number)].withdrawable
    client.post(withdraw_url("han-device", number))

    request = HanProvisionRequest.objects.get(pk=request.pk)
    assert request.agreement.status == Agreement.Status.REMOVE_REQUESTED
    again = client.post(withdraw_url("han-device", number), follow=True)
    assert "already ended" in again.content.decode()


def test_withdrawing_a_share_ends_it_for_the_owner_and_for_the_friend(
    client, customer, meter
):  # BEY-1, ACC-22
    friend = UserFactory(first_name="Ana", last_name="Ruiz")
    given = share(customer, friend, meter.premise)
    theirs = MeterFactory()
    received = share(UserFactory(), customer, theirs.premise)
    client.force_login(customer)

    assert (
        "will no longer see this meter"
        in client.get(withdraw_url("share-given", given.pk)).content.decode()
    )
    client.post(withdraw_url("share-given", given.pk))
    client.post(withdraw_url("share-received", received.pk))

    given.refresh_from_db()
    received.refresh_from_db()
    assert given.status == received.status == MeterShare.Status.REVOKED
    ended = OutboundEmail.objects.filter(template="usage/meter_share_ended")
    assert set(ended.values_list("recipient", flat=True)) == {
        customer.email,
        friend.email,
        received.owner.email,
    }
    # The kind must match the customer's side: a share given is not withdrawn as received.
    again = share(customer, friend, meter.premise, status=MeterShare.Status.INVITED)
    assert client.get(withdraw_url("share-received", again.pk)).status_code == 404


def test_the_rep_of_record_cannot_be_withdrawn(client, customer, meter):  # BEY-1
    period = RorPeriodFactory(premise=meter.premise)
    client.force_login(customer)

    assert client.get(withdraw_url("rep", period.pk)).status_code == 404
    assert client.post(withdraw_url("rep", period.pk)).status_code == 404


def test_only_customers_see_the_page(client, meter):  # BEY-1, ACC-19
    client.force_login(third_party_admin())

    assert client.get(OVERVIEW).status_code == 404


def test_a_customer_with_no_meter_gets_an_empty_state(client):  # BEY-1
    client.force_login(UserFactory())

    page = client.get(OVERVIEW)

    assert "You have no meters yet" in page.content.decode()
    assert "No emails about your data sharing yet" in page.content.decode()


def test_the_page_costs_the_same_for_one_and_many_accesses(
    client, customer, meter, django_assert_max_num_queries
):  # BEY-1: bounded queries
    company = third_party_admin(company__name="ACME Energy")
    active_ongoing(user=company, meter=meter, customer=mine())
    client.force_login(customer)
    with django_assert_max_num_queries(40) as one:
        client.get(OVERVIEW)
    for _n in range(4):
        extra = MeterFactory()
        CustomerPremiseFactory(customer=customer, premise=extra.premise)
        active_ongoing(user=company, meter=extra, customer=mine())
        share(customer, UserFactory(), extra.premise)
    with django_assert_max_num_queries(40) as many:
        client.get(OVERVIEW)
    assert len(many.captured_queries) == len(one.captured_queries)
