"""The On Demand Read panel alone (usage:on_demand_read_status), which the report page polls
while a read is Pending (USG-11, USG-12, issue 15): the same panel for Pending, Completed and
Failed reads, the polling mark only while Pending, and a 404 for a meter the user can't see."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import (
    AgreementFactory,
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    UserFactory,
)
from usage.models import OnDemandRead

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHICAGO)
ERROR_TEXT = "Error! On Demand Read request could not be fulfilled. Please try again"  # USG-11


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def premise():
    premise = PremiseFactory()
    MeterFactory(premise=premise, meter_number="113555001")
    return premise


@pytest.fixture
def customer(premise):
    return CustomerPremiseFactory(premise=premise).customer


def read_of(premise, user, status, *, minutes_ago=2, **extra):
    return OnDemandRead.objects.create(
        premise=premise,
        meter_number="113555001",
        requested_by=user,
        tdsp_request_id=f"req-{status}-{minutes_ago}",
        status=status,
        requested_at=NOW - timedelta(minutes=minutes_ago),
        **extra,
    )


def panel(client, premise, query=""):
    url = reverse("usage:on_demand_read_status", args=[premise.esiid])
    return client.get(f"{url}?{query}" if query else url)


def test_a_pending_read_is_polled_and_keeps_the_no_js_refresh_link(client, premise, customer):
    read_of(premise, customer, OnDemandRead.Status.PENDING)
    client.force_login(customer)
    response = panel(client, premise, "report_type=interval&day=2026-11-18")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # the panel alone, not the page
    assert 'aria-live="polite" data-pending' in html
    assert "Pending" in html
    report = reverse("usage:usage_report", args=[premise.esiid])
    assert f'href="{report}?report_type=interval&amp;day=2026-11-18"' in html
    assert 'name="report_query" value="report_type=interval&amp;day=2026-11-18"' in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_completed_read_stops_the_polling_and_explains_usage(client, premise, customer):
    read_of(
        premise,
        customer,
        OnDemandRead.Status.COMPLETED,
        register_read=Decimal("12345.678"),
        read_at=NOW - timedelta(minutes=1),
        usage_kwh=Decimal("7.250"),
    )
    client.force_login(customer)
    html = panel(client, premise).content.decode()
    assert "data-pending" not in html
    assert "<dd>12345.678</dd>" in html and "<dd>7.250</dd>" in html
    assert "since its last daily read at midnight (Central Time)" in html
    assert "disabled" in html  # USG-11: one read an hour


def test_a_failed_read_stops_the_polling_and_says_try_again(client, premise, customer):
    read_of(premise, customer, OnDemandRead.Status.FAILED)
    client.force_login(customer)
    html = panel(client, premise).content.decode()
    assert "data-pending" not in html
    assert ERROR_TEXT in html
    assert "disabled" not in html  # a failed read may be tried again at once


def test_the_report_page_marks_only_a_pending_read_for_polling(client, premise, customer):
    client.force_login(customer)
    url = reverse("usage:usage_report", args=[premise.esiid])
    read = read_of(premise, customer, OnDemandRead.Status.PENDING)
    html = client.get(url).content.decode()
    assert "data-pending" in html and "js/usage.js" in html
    OnDemandRead.objects.filter(pk=read.pk).update(status=OnDemandRead.Status.FAILED)
    assert "data-pending" not in client.get(url).content.decode()


def test_it_requires_access(client, premise, customer):  # USG-12, SEC-1
    read_of(premise, customer, OnDemandRead.Status.PENDING)
    url = reverse("usage:on_demand_read_status", args=[premise.esiid])
    assert client.get(url).status_code == 302  # to the log-in page
    for user in (UserFactory(), UserFactory(rep=True), UserFactory(third_party_admin=True)):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(customer)
    unknown = reverse("usage:on_demand_read_status", args=["10443720999999999"])
    assert client.get(unknown).status_code == 404


def test_it_rejects_post(client, premise, customer):
    client.force_login(customer)
    response = client.post(reverse("usage:on_demand_read_status", args=[premise.esiid]))
    assert response.status_code == 405


def test_a_third_party_sees_only_the_reads_of_its_agreement(client, premise, customer):
    # USG-12: a read requested before the agreement's first day is not shown.
    agreement = AgreementFactory(
        ongoing=True,
        status="active",
        premise=premise,
        start_date=NOW.date(),
        end_date=NOW.date() + timedelta(days=180),
    )
    read_of(premise, customer, OnDemandRead.Status.PENDING, minutes_ago=60 * 24)
    client.force_login(agreement.initiated_by)
    html = panel(client, premise).content.decode()
    assert "data-pending" not in html
    assert "No On Demand Read has been requested for this meter yet." in html
