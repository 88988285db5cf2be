"""OPS-1: agreements in Django admin, read-only, with history and search (AGR-18)."""

import pytest
from django.urls import reverse

from tests.factories import AgreementFactory, MeterFactory, UserFactory

from .helpers import active_ongoing, token_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(smt_staff=True))
    return client


def test_agreement_list_filters_by_kind_and_status(staff_client):
    AgreementFactory(agreement_number="102512000233")
    AgreementFactory(agreement_number="102512000234", ongoing=True, status="active")
    url = reverse("admin:agreements_agreement_changelist")
    page = staff_client.get(url, {"kind__exact": "ongoing", "status__exact": "active"})
    assert page.status_code == 200
    assert "102512000234" in page.text and "102512000233" not in page.text


@pytest.mark.parametrize("field", ["number", "esiid", "last_name"])
def test_agreements_are_found_by_number_esiid_or_customer_last_name(staff_client, field):
    meter = MeterFactory(premise__esiid="10443720007574303")
    AgreementFactory(
        agreement_number="102512000233", premise=meter.premise, customer_last_name="Xing"
    )
    AgreementFactory(agreement_number="102512000999", customer_last_name="Gowan")
    query = {"number": "102512000233", "esiid": "10443720007574303", "last_name": "Xing"}[field]
    page = staff_client.get(reverse("admin:agreements_agreement_changelist"), {"q": query})
    assert "102512000233" in page.text and "102512000999" not in page.text


def test_agreement_page_is_read_only_with_its_history(staff_client):
    agreement = active_ongoing()
    token_of(agreement)
    page = staff_client.get(reverse("admin:agreements_agreement_change", args=[agreement.pk]))
    assert page.status_code == 200
    assert "customer link" in page.text  # AGR-18: who accepted
    assert 'name="status"' not in page.text  # status is never edited here
    assert "token_hash" not in page.text


def test_staff_cannot_add_or_delete_agreements(staff_client):
    agreement = AgreementFactory()
    assert staff_client.get(reverse("admin:agreements_agreement_add")).status_code == 403
    delete = reverse("admin:agreements_agreement_delete", args=[agreement.pk])
    assert staff_client.get(delete).status_code == 403
