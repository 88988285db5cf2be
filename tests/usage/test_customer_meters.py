"""Customer registration with a meter, and My Smart Meters (ACC-3, ACC-23, MTR-8)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import CustomerPremiseFactory, MeterFactory, UserFactory
from usage.models import CustomerPremise

pytestmark = pytest.mark.django_db(transaction=True)  # emails go out on commit

REGISTER = reverse("usage:register_customer", args=["residential"])
NOT_VALID = "The ESIID / Meter # pair is not valid."
TAKEN = "already attached to another Smart Meter Texas account"


def registration(meter, **overrides):
    return {
        "first_name": "Ana",
        "last_name": "Ruiz",
        "phone": "512-555-0101",
        "email": "ana@example.com",
        "email2": "ana@example.com",
        "language": "es",
        "esiid": meter.premise.esiid,
        "meter_number": meter.meter_number,
        "user_id": "ana.ruiz",
        "terms": "on",
        **overrides,
    }


def test_residential_customer_registers_with_a_meter(client):  # ACC-3, ACC-6
    meter = MeterFactory()
    response = client.post(REGISTER, registration(meter))
    assert "A temporary password has been sent to ana@example.com" in response.content.decode()
    user = User.objects.get(username="ana.ruiz")
    assert (user.kind, user.status, user.language) == ("residential", "approved", "es")
    assert user.terms_accepted_at is not None
    assert CustomerPremise.objects.get(customer=user).premise == meter.premise
    assert mail.outbox[0].to == ["ana@example.com"]
    assert mail.outbox[0].subject == "Bienvenido a Smart Meter Texas – Su cuenta nueva"  # a welcome


def test_business_registration_asks_business_name_and_no_language(client):  # ACC-3
    meter = MeterFactory()
    url = reverse("usage:register_customer", args=["business"])
    assert 'id="id_language"' not in client.get(url).content.decode()
    client.post(url, registration(meter, business_name="Acme Widgets LLC", language="es"))
    user = User.objects.get(username="ana.ruiz")
    assert (user.kind, user.business_name, user.language) == ("business", "Acme Widgets LLC", "en")


def test_a_leading_letter_on_the_meter_number_is_ignored(client):  # MTR-8
    meter = MeterFactory(meter_number="113456789")
    client.post(REGISTER, registration(meter, meter_number="L113456789"))
    assert User.objects.filter(username="ana.ruiz").exists()


def test_wrong_pair_shows_the_seed_reasons_and_creates_nothing(client):  # ACC-3, AGR-6
    meter = MeterFactory()
    response = client.post(REGISTER, registration(meter, meter_number="999"))
    html = response.content.decode()
    assert NOT_VALID in html
    assert "The ESIID/Meter # pair specified is not correct" in html
    assert 'value="Ana"' in html
    assert not User.objects.filter(username="ana.ruiz").exists()
    assert mail.outbox == []


def test_removed_meter_number_no_longer_matches(client):  # MTR-3
    old = MeterFactory(removed_on="2025-01-01")
    MeterFactory(premise=old.premise)
    response = client.post(REGISTER, registration(old))
    assert NOT_VALID in response.content.decode()


def test_meter_of_another_account_says_call_your_rep(client):  # ACC-3, ACC-23
    link = CustomerPremiseFactory()
    meter = MeterFactory(premise=link.premise)
    response = client.post(REGISTER, registration(meter))
    assert TAKEN in response.content.decode()
    assert not User.objects.filter(username="ana.ruiz").exists()


def test_user_id_taken_in_another_case_is_a_field_error(client):  # ACC-4
    UserFactory(username="Ana.Ruiz")
    response = client.post(REGISTER, registration(MeterFactory()))
    assert "That user ID is already taken." in response.content.decode()


def test_terms_must_be_accepted(client):
    data = registration(MeterFactory())
    del data["terms"]
    response = client.post(REGISTER, data)
    assert "You must accept the Terms of Use to register." in response.content.decode()


def test_unknown_customer_kind_is_404(client):
    assert client.get(reverse("usage:register_customer", args=["rep"])).status_code == 404


def test_my_smart_meters_lists_and_adds_meters(client, django_assert_max_num_queries):  # ACC-23
    customer = UserFactory()
    for _ in range(3):
        CustomerPremiseFactory(customer=customer, premise=MeterFactory().premise)
    client.force_login(customer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("usage:my_meters"))
    assert len(response.context["links"]) == 3
    meter = MeterFactory()
    response = client.post(
        reverse("usage:my_meters"),
        {"esiid": meter.premise.esiid, "meter_number": meter.meter_number},
    )
    assert response.url == reverse("usage:my_meters")
    assert customer.premise_links.filter(detached_at__isnull=True).count() == 4


def test_adding_a_meter_taken_by_someone_else_is_refused(client):  # ACC-23
    link = CustomerPremiseFactory(premise=MeterFactory().premise)
    meter = link.premise.meters.get()
    client.force_login(UserFactory())
    response = client.post(
        reverse("usage:my_meters"),
        {"esiid": meter.premise.esiid, "meter_number": meter.meter_number},
    )
    assert TAKEN in response.content.decode()


def test_removing_a_meter_asks_first_then_detaches(client):  # ACC-23
    link = CustomerPremiseFactory(premise=MeterFactory().premise)
    client.force_login(link.customer)
    url = reverse("usage:my_meter_remove", args=[link.pk])
    assert "Remove the meter" in client.get(url).content.decode()
    link.refresh_from_db()
    assert link.detached_at is None  # a GET changes nothing
    client.post(url)
    link.refresh_from_db()
    assert link.detached_at is not None


def test_another_customers_meter_link_is_404(client):  # SEC-1
    link = CustomerPremiseFactory(premise=MeterFactory().premise)
    client.force_login(UserFactory())
    assert client.get(reverse("usage:my_meter_remove", args=[link.pk])).status_code == 404
    assert client.post(reverse("usage:my_meter_remove", args=[link.pk])).status_code == 404


def test_company_users_cannot_open_my_smart_meters(client):  # ACC-19
    client.force_login(UserFactory(rep=True))
    assert client.get(reverse("usage:my_meters")).status_code == 404


def test_login_page_offers_customer_registration(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert re.search(r'href="/register/residential/"', html)
    assert re.search(r'href="/register/business/"', html)
