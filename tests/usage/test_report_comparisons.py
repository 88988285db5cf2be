"""Daily Usage opens on the last week with Previous Day at hand (USG-3, USG-6, USG-7), and
the lines under the charts compare this day with the same weekday a week before and the
newest billing period with the one a year before, never outside a 3rd party's agreement
period (USG-12; issue 15)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import AgreementFactory, CustomerPremiseFactory, MeterFactory, PremiseFactory
from usage.models import MonthlyUsage
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
TODAY = date(2026, 11, 20)
LATEST = TODAY - timedelta(days=2)  # Wednesday 11/18/2026 (USG-6: two days' lag)
WEEK_BEFORE = LATEST - timedelta(days=7)  # Wednesday 11/11/2026
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=CHICAGO), tick=False):
        yield


@pytest.fixture
def premise():
    premise = PremiseFactory()
    MeterFactory(premise=premise, installed_on=date(2019, 5, 1))
    return premise


@pytest.fixture
def customer(premise):
    return CustomerPremiseFactory(premise=premise).customer


def store_day(premise, day, value):
    count = intervals_in_day(day)
    readings = tuple([Decimal(value)] * count)
    interval_days_store([IntervalDayInput(premise.pk, day, "C", readings, "A" * count)])


def page(client, premise, **query):
    return client.get(reverse("usage:usage_report", args=[premise.esiid]), query)


def third_party(premise, start):
    agreement = AgreementFactory(
        ongoing=True, status="active", premise=premise, start_date=start, end_date=date(2027, 6, 30)
    )
    return agreement.initiated_by


# --- the default range -------------------------------------------------------------------------


def test_daily_usage_opens_on_the_last_week_showing_its_latest_day(client, premise, customer):
    # USG-3: Previous Day works at once; a week is far under USG-7's 40 days.
    store_day(premise, LATEST, "0.250")
    client.force_login(customer)
    response = page(client, premise)
    form = response.context["form"]
    assert form.cleaned_data["start_date"] == LATEST - timedelta(days=6)
    assert form.cleaned_data["end_date"] == LATEST
    html = response.content.decode()
    assert "Daily Usage for Wednesday, 11/18/2026" in html
    assert 'day=2026-11-17" rel="prev">Previous Day' in html
    assert 'rel="next"' not in html


@pytest.mark.parametrize(
    "installed, start",
    [
        (LATEST - timedelta(days=7), LATEST - timedelta(days=6)),
        (LATEST - timedelta(days=2), LATEST - timedelta(days=2)),
    ],
)
def test_the_default_range_never_starts_before_the_meter_was_installed(client, installed, start):
    # USG-6: both sides of the week's first day
    premise = PremiseFactory()
    MeterFactory(premise=premise, installed_on=installed)
    customer = CustomerPremiseFactory(premise=premise).customer
    client.force_login(customer)
    form = page(client, premise).context["form"]
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start_date"] == start


def test_a_third_party_default_range_starts_with_its_agreement(client, premise):  # USG-12
    user = third_party(premise, LATEST - timedelta(days=3))
    store_day(premise, LATEST, "0.250")
    client.force_login(user)
    response = page(client, premise)
    assert response.context["form"].cleaned_data["start_date"] == LATEST - timedelta(days=3)
    assert 'rel="prev">Previous Day' in response.content.decode()


# --- this day against the same weekday a week before ------------------------------------------


@pytest.mark.parametrize(
    "before, sentence",
    [
        ("0.200", f"This day: 24.000 kWh — 4.800 kWh (25{NBSP}%) more than Wednesday, 11/11/2026."),
        ("0.300", f"This day: 24.000 kWh — 4.800 kWh (17{NBSP}%) less than Wednesday, 11/11/2026."),
        ("0.250", "This day: 24.000 kWh — the same as Wednesday, 11/11/2026."),
        (None, "This day: 24.000 kWh — no data for Wednesday, 11/11/2026 to compare with."),
    ],
)
def test_this_day_is_compared_with_the_same_weekday_a_week_before(
    client, premise, customer, before, sentence
):
    store_day(premise, LATEST, "0.250")
    if before:
        store_day(premise, WEEK_BEFORE, before)
    client.force_login(customer)
    html = page(client, premise).content.decode()
    assert f'<p class="comparison">{sentence}</p>' in html


def test_a_day_without_data_is_not_compared(client, premise, customer):
    store_day(premise, WEEK_BEFORE, "0.250")
    client.force_login(customer)
    assert 'class="comparison"' not in page(client, premise).content.decode()


@pytest.mark.parametrize(
    "agreement_start, compared", [(WEEK_BEFORE, True), (WEEK_BEFORE + timedelta(days=1), False)]
)
def test_a_third_party_never_sees_a_comparison_day_outside_its_agreement(
    client, premise, agreement_start, compared
):  # USG-12: both sides of the agreement's first day
    store_day(premise, LATEST, "0.250")
    store_day(premise, WEEK_BEFORE, "0.200")
    client.force_login(third_party(premise, agreement_start))
    html = page(
        client,
        premise,
        report_type="interval",
        view="current",
        start_date=LATEST - timedelta(days=1),
        end_date=LATEST,
    ).content.decode()
    assert ("more than Wednesday, 11/11/2026" in html) is compared
    assert ('class="comparison"' in html) is compared


# --- this billing period against the one a year before ----------------------------------------


def month(premise, start, end, kwh):
    return MonthlyUsage.objects.create(
        premise=premise,
        start_date=start,
        end_date=end,
        actual_kwh=None if kwh is None else Decimal(kwh),
        received_at=datetime(2026, 11, 19, tzinfo=CHICAGO),
    )


def monthly(client, premise, start):
    return page(
        client, premise, report_type="monthly", view="current", start_date=start, end_date=LATEST
    )


@pytest.mark.parametrize("start", [date(2025, 11, 18), date(2025, 10, 1)])
def test_the_newest_period_is_compared_with_the_one_a_year_before(client, premise, customer, start):
    # The year-ago period outside the chosen months (one more query) and inside them.
    month(premise, date(2026, 10, 15), date(2026, 11, 14), "812")
    month(premise, date(2025, 10, 15), date(2025, 11, 14), "855")
    client.force_login(customer)
    html = monthly(client, premise, start).content.decode()
    sentence = f"Nov 2026: 812.000 kWh — 43.000 kWh (5{NBSP}%) less than Nov 2025."
    assert f'<p class="comparison">{sentence}</p>' in html


def test_a_period_without_a_year_before_says_so(client, premise, customer):
    month(premise, date(2026, 10, 15), date(2026, 11, 14), "812")
    client.force_login(customer)
    html = monthly(client, premise, date(2025, 11, 18)).content.decode()
    assert "Nov 2026: 812.000 kWh — no data for Nov 2025 to compare with." in html


@pytest.mark.parametrize(
    "agreement_start, compared", [(date(2025, 10, 15), True), (date(2025, 10, 16), False)]
)
def test_a_third_party_never_sees_a_year_ago_period_outside_its_agreement(
    client, premise, agreement_start, compared
):  # USG-12
    month(premise, date(2026, 10, 15), date(2026, 11, 14), "812")
    month(premise, date(2025, 10, 15), date(2025, 11, 14), "855")
    client.force_login(third_party(premise, agreement_start))
    html = monthly(client, premise, date(2025, 11, 18)).content.decode()
    assert ("less than Nov 2025" in html) is compared
    assert ('class="comparison"' in html) is compared
