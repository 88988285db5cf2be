"""Home pages per role with their "Get started" tasks and counts (UX-6, seed 002), and the
customer's usage-first dashboard on Home and Usage / My Usage (USG-13, USG-12, issue 15)."""

import re
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Company, Duns
from smt.navigation import MENU
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    CustomerPremiseFactory,
    DunsFactory,
    MeterFactory,
    UserFactory,
)
from usage.models import MeterShare, ReportRequest
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
MID_MARCH = datetime(2026, 3, 15, 10, 0, tzinfo=CHICAGO)


def attach(customer, **premise):
    """A smart meter attached to the customer (ACC-23)."""
    meter = MeterFactory(**{f"premise__{k}": v for k, v in premise.items()})
    CustomerPremiseFactory(customer=customer, premise=meter.premise)
    return meter.premise


def store_usage(premise, first: date, last: date, kwh_per_day) -> None:
    """Consumption days first..last whose totals are `kwh_per_day` (a number, or a function
    of the day), as the TDSP files load them (USG-1)."""
    items = []
    day = first
    while day <= last:
        kwh = kwh_per_day(day) if callable(kwh_per_day) else kwh_per_day
        count = intervals_in_day(day)
        readings = (Decimal(kwh), *([Decimal("0")] * (count - 1)))
        items.append(IntervalDayInput(premise.pk, day, "C", readings, "A" * count))
        day += timedelta(days=1)
    interval_days_store(items)


def home(client, user):
    client.force_login(user)
    return client.get(reverse("home"))


def text_of(response) -> str:
    """The page's visible text, one space between words."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- the customer's dashboard (USG-13) ---------------------------------------------------------


@time_machine.travel(MID_MARCH, tick=False)
def test_customer_home_shows_yesterday_month_so_far_and_a_view_usage_link(client):  # USG-13
    customer = UserFactory()
    premise = attach(customer, house_number="42", street_name="Elm")
    store_usage(premise, date(2026, 2, 1), date(2026, 2, 28), 8)
    store_usage(premise, date(2026, 3, 1), date(2026, 3, 14), 10)

    response = home(client, customer)

    summary = response.context["dashboard"].meters[0]
    assert summary.is_yesterday and summary.latest_day == date(2026, 3, 14)
    assert summary.latest_kwh == Decimal("10")
    assert (summary.month.start, summary.month.end) == (date(2026, 3, 1), date(2026, 3, 14))
    assert summary.month.kwh == Decimal("140")  # 14 days × 10
    assert summary.month.previous_kwh == Decimal("112")  # Feb 1–14: 14 days × 8
    assert summary.month.change_percent == 25
    page = text_of(response)
    assert "42 Elm Dr, Dallas" in page and premise.esiid in page
    assert "Yesterday 10.0 kWh" in page
    assert "This month so far (03/01–03/14) 140.0 kWh" in page
    assert "+25 % more than the same days of the previous month (02/01–02/14: 112.0 kWh)" in page
    assert "Data through 03/14" in page
    html = response.content.decode()
    assert f'href="{reverse("usage:usage_report", args=[premise.esiid])}">View usage' in html
    # UX-4: the 30-day chart says what it shows without being seen.
    label = re.search(r'<svg [^>]*role="img" aria-label="([^"]+)"', html).group(1)
    assert label.startswith("Daily use from 02/13 to 03/14: 268.0 kWh in all")
    assert html.count("<rect ") == 30
    # The customer's short task list follows, in good English (seed 002 copy fixed).
    assert "Get started..." in page and "Here is what you can do." in page
    assert "Now that you are into your account" not in page


@time_machine.travel(MID_MARCH, tick=False)
def test_less_than_last_month_is_said_in_words(client):  # USG-13, UX-4: not by colour alone
    customer = UserFactory()
    premise = attach(customer)
    store_usage(premise, date(2026, 2, 1), date(2026, 2, 28), 10)
    store_usage(premise, date(2026, 3, 1), date(2026, 3, 14), 9)

    page = text_of(home(client, customer))

    assert "−10 % less than the same days of the previous month" in page


@time_machine.travel(MID_MARCH, tick=False)
def test_the_latest_day_is_named_when_yesterday_is_not_loaded_yet(client):  # USG-13
    customer = UserFactory()
    premise = attach(customer)
    store_usage(premise, date(2026, 3, 1), date(2026, 3, 12), 5)
    store_usage(premise, date(2026, 3, 15), date(2026, 3, 15), 99)  # today: never shown

    response = home(client, customer)

    page = text_of(response)
    assert "Yesterday" not in page
    assert "Latest day (03/12) 5.0 kWh" in page
    assert "Data through 03/12" in page
    assert "No data for the same days of the previous month." in page


@pytest.mark.parametrize(
    "today, month, previous, expected",
    [
        # The 1st: yesterday ended a 31-day month, compared with a whole 30-day month.
        (date(2026, 11, 1), (date(2026, 10, 1), date(2026, 10, 31)), date(2026, 9, 30), 310),
        # The other side: a 30-day month against the first 30 days of a 31-day one, whose
        # 31st (300 kWh here) stays out.
        (date(2026, 12, 1), (date(2026, 11, 1), date(2026, 11, 30)), date(2026, 10, 30), 300),
        # The 31st of March against a 28-day February.
        (date(2026, 4, 1), (date(2026, 3, 1), date(2026, 3, 31)), date(2026, 2, 28), 310),
    ],
)
def test_month_so_far_on_a_month_boundary(client, today, month, previous, expected):  # USG-13
    customer = UserFactory()
    premise = attach(customer)
    first = date(today.year, today.month, 1) - timedelta(days=100)
    store_usage(premise, first, today - timedelta(days=1), lambda d: 300 if d.day == 31 else 10)

    with time_machine.travel(datetime.combine(today, datetime.min.time(), CHICAGO), tick=False):
        response = home(client, customer)

    summary = response.context["dashboard"].meters[0]
    assert (summary.month.start, summary.month.end) == month
    assert summary.month.previous_start == month[0].replace(month=previous.month)
    assert summary.month.previous_end == previous
    previous_days = previous.day
    assert summary.month.previous_kwh == 10 * previous_days
    assert summary.month.kwh == Decimal(expected) + (290 if month[1].day == 31 else 0)
    page = text_of(response)
    # The month just ended is named, not called "this month".
    assert "This month so far" not in page
    assert f"({month[0]:%m/%d}–{month[1]:%m/%d})" in page


@time_machine.travel(MID_MARCH, tick=False)
def test_customer_without_meters_is_told_how_to_add_one(client):  # USG-13
    response = home(client, UserFactory())
    html = response.content.decode()
    assert "No smart meters are attached to your account yet." in html
    assert f'href="{reverse("usage:my_meters")}">Add a meter' in html


@time_machine.travel(MID_MARCH, tick=False)
def test_a_meter_without_data_says_so(client):  # USG-13
    customer = UserFactory()
    premise = attach(customer)
    page = text_of(home(client, customer))
    assert "No usage data has arrived for this meter yet." in page
    assert premise.esiid in page
    assert "Data through" not in page


@time_machine.travel(MID_MARCH, tick=False)
def test_dashboard_shows_only_own_and_shared_meters(client):  # USG-12, ACC-22, SEC-1
    customer = UserFactory()
    mine = attach(customer)
    stranger = attach(UserFactory())
    owner = UserFactory(first_name="Ana", last_name="Friend")
    friends = attach(owner)
    MeterShare.objects.create(
        owner=owner,
        premise=friends,
        friend_email=customer.email,
        friend=customer,
        status=MeterShare.Status.ACTIVE,
        token_hash=secrets.token_hex(32),
        invited_at=timezone.now(),
    )
    for premise in (mine, stranger, friends):
        store_usage(premise, date(2026, 3, 1), date(2026, 3, 14), 3)

    response = home(client, customer)

    dashboard = response.context["dashboard"]
    assert [s.premise for s in dashboard.meters] == [mine]
    assert [s.premise for s in dashboard.shared] == [friends]
    page = text_of(response)
    assert stranger.esiid not in page
    assert "My Friend's Meters" in page and "Shared by Ana Friend" in page


def _dashboard_queries(client, customer) -> int:
    client.force_login(customer)
    client.get(reverse("usage:my_usage"))  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("usage:my_usage")).status_code == 200
    return len(queries)


@time_machine.travel(MID_MARCH, tick=False)
def test_dashboard_queries_do_not_grow_with_meters(client, django_assert_max_num_queries):
    """Issue 15: no query per meter; ten meters cost what one does."""
    one, ten = UserFactory(), UserFactory()
    store_usage(attach(one), date(2026, 2, 1), date(2026, 3, 14), 4)
    for _n in range(10):
        store_usage(attach(ten), date(2026, 2, 1), date(2026, 3, 14), 4)
    assert len(attach(UserFactory()).esiid) > 0  # a stranger's meter changes nothing

    assert _dashboard_queries(client, one) == _dashboard_queries(client, ten)
    client.force_login(ten)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("usage:my_usage"))
    assert len(response.context["dashboard"].meters) == 10
    assert response.content.decode().count(">View usage<") == 10


# --- Usage / My Usage and the Usage tab (USG-13, UX-1) ---------------------------------------


@time_machine.travel(MID_MARCH, tick=False)
def test_the_usage_tab_opens_on_my_usage_and_stays_active_on_usage_pages(client):  # USG-13
    customer = UserFactory()
    premise = attach(customer)
    client.force_login(customer)

    html = client.get(reverse("home")).content.decode()
    assert f'<a href="{reverse("usage:my_usage")}">Usage</a>' in html

    html = client.get(reverse("usage:my_usage")).content.decode()
    assert re.search(r'aria-current="page" class="active">Usage<', html)
    assert re.search(r'aria-current="page" class="active">My Usage<', html)
    assert "<h1>My Usage</h1>" in html

    for url in (
        reverse("usage:usage_report", args=[premise.esiid]),
        reverse("usage:premise_information", args=[premise.esiid, "premise"]),
    ):
        html = client.get(url).content.decode()
        assert re.search(r'aria-current="page" class="active">Usage<', html), url
        assert re.search(r'aria-current="page" class="active">My Usage<', html), url


@pytest.mark.parametrize(
    "traits", [{"rep": True}, {"third_party_admin": True}, {"tdsp_admin": True}]
)
def test_my_usage_is_for_customers_only(client, traits):  # ACC-19: others get a 404
    client.force_login(UserFactory(**traits))
    assert client.get(reverse("usage:my_usage")).status_code == 404


def test_my_usage_needs_a_sign_in(client):
    response = client.get(reverse("usage:my_usage"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- the company roles' home pages (UX-6, seed 002) ------------------------------------------


def tasks_of(response) -> dict[str, str]:
    """{task title: its count text} of the home page."""
    return {str(t["title"]): t["count_text"] for t in response.context["tasks"]}


def test_third_party_admin_home_counts_agreements_pending_acceptance(client):  # UX-6
    admin = UserFactory(third_party_admin=True)
    for _n in range(3):
        AgreementFactory(initiated_by=admin)
    AgreementFactory(initiated_by=admin, status="active")
    AgreementFactory(initiated_by=admin, expires_at=timezone.now() - timedelta(minutes=1))
    AgreementFactory()  # another company's

    response = home(client, admin)

    tasks = tasks_of(response)
    assert list(tasks)[:4] == [
        "Initiate Relationships",
        "View Relationships and Pending Acceptance",
        "View Usage and Request Data",
        "Manage HAN Services for Customers",
    ]
    assert tasks["View Relationships and Pending Acceptance"] == "3 agreements pending acceptance"
    assert tasks["View Usage and Request Data"] == "0 meters"
    assert tasks["Pending Approval"] == "0 requests waiting"
    links = {str(t["title"]): t["url"] for t in response.context["tasks"]}
    assert links["Initiate Relationships"] == reverse("agreements:company_create_choose")
    assert links["View Relationships and Pending Acceptance"] == reverse("agreements:company_list")
    page = text_of(response)
    assert "3 agreements pending acceptance" in page
    assert "Click the My Account tab" not in page


@pytest.mark.parametrize(
    "grants, expected, refused",
    [
        ({}, [], ["Initiate Relationships", "View Relationships and Pending Acceptance"]),
        (
            {"can_energy_data": True},
            ["Initiate Relationships", "View Usage and Request Data"],
            ["Manage HAN Services for Customers", "Pending Approval"],
        ),
        (
            {"can_in_home_devices": True},
            ["Initiate Relationships", "Manage HAN Services for Customers"],
            ["View Usage and Request Data", "Manage Users"],
        ),
    ],
)
def test_third_party_user_home_offers_only_what_permissions_open(
    client, grants, expected, refused
):  # UX-6, ACC-19
    response = home(client, UserFactory(third_party=True, **grants))
    tasks = tasks_of(response)
    assert all(title in tasks for title in expected)
    assert not any(title in tasks for title in refused)
    for task in response.context["tasks"]:
        assert client.get(task["url"]).status_code == 200, task["url"]


def test_rep_admin_home_counts_reports_processing_and_join_requests(client):  # UX-6
    admin = UserFactory(rep_admin=True)
    for status in ("processing", "processing", "complete"):
        ReportRequest.objects.create(
            requested_by=admin,
            company=admin.company,
            party=ReportRequest.Party.ROR,
            report_type=ReportRequest.ReportType.DAILY,
            status=status,
            requested_at=timezone.now(),
        )
    UserFactory(rep=True, company=admin.company, status="pending")

    response = home(client, admin)

    tasks = tasks_of(response)
    assert list(tasks)[:3] == ["Customer Meters (ROR)", "Export Reports", "Report Request Status"]
    assert tasks["Report Request Status"] == "2 reports processing"
    assert tasks["Pending Approval"] == "1 request waiting"
    assert "Initiate Relationships" in tasks  # a REP acts as a 3rd party too (seed 002)
    assert list(tasks).count("Report Request Status") == 1
    for task in response.context["tasks"]:
        assert client.get(task["url"]).status_code == 200, task["url"]


def test_tdsp_admin_home_counts_approvals_waiting(client):  # UX-6, ACC-1, ACC-9
    # A new company with its DUNS is one approval; a new DUNS of an approved company another.
    DunsFactory(status=Duns.Status.PENDING, company=CompanyFactory(status=Company.Status.PENDING))
    DunsFactory(status=Duns.Status.PENDING)

    response = home(client, UserFactory(tdsp_admin=True))

    tasks = tasks_of(response)
    assert list(tasks)[0] == "TDSP Approvals"
    assert tasks["TDSP Approvals"] == "2 approvals waiting"
    # USG-12: the TDSP's meter list, once the navigation has it.
    assert ("TDSP Meters" in tasks) == any(item.key == "tdsp_meters" for item in MENU)
    assert "Initiate Relationships" not in tasks
    assert "2 approvals waiting" in text_of(response)


def test_customer_home_counts_invitations_to_answer(client):  # UX-6, AGR-16
    customer = UserFactory()
    AgreementFactory(customer=customer, customer_email=customer.email)
    response = home(client, customer)
    tasks = tasks_of(response)
    assert tasks["3rd Party Agreements"] == "1 invitation to answer"
    assert "Initiate Relationships" not in tasks and "Pending Approval" not in tasks


@pytest.mark.parametrize(
    "traits",
    [{}, {"rep": True}, {"rep_admin": True}, {"third_party_admin": True}, {"tdsp_admin": True}],
)
def test_every_home_task_is_a_short_line_leading_to_an_open_page(client, traits):  # UX-6
    response = home(client, UserFactory(**traits))
    assert response.context["tasks"][-2:] and [
        str(t["title"]) for t in response.context["tasks"][-2:]
    ] == ["Read Notifications", "Get Help"]
    for task in response.context["tasks"]:
        assert "Click the" not in str(task["text"])
        assert len(str(task["text"])) <= 90
        assert client.get(task["url"]).status_code == 200, task["url"]
