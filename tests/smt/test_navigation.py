"""The UI shell: tabs, menus per role, breadcrumbs, page help, home tasks (UX-1, UX-6, ACC-19)."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def menu_labels(html: str) -> list[str]:
    menu = re.search(r'<nav class="side-menu".*?</nav>', html, re.S)
    return re.findall(r"<a [^>]*>([^<]+)</a>", menu.group(0)) if menu else []


def tab_labels(html: str) -> list[str]:
    tabs = re.search(r'<nav class="tabs".*?</nav>', html, re.S)
    return re.findall(r"<a [^>]*>([^<]+)</a>", tabs.group(0)) if tabs else []


ADMIN_ITEMS = ["Manage Users", "Pending Approval"]
# Seed 000/002: a customer's My Account menu.
CUSTOMER_ITEMS = [
    "My Smart Meters",
    "Who can see my data",  # BEY-1
    "3rd Party Agreements",
    "HAN Devices",  # HAN-8
    "HAN Device Messages",  # HAN-9
    "My Friend&#x27;s Meters",
    "My Profile",
]
ROR = "Customer Meters (ROR)"  # seed 002: first in a REP's My Account menu
# Seed 002: then the 3rd-party items, for admins by default and users when granted (ACC-19).
THIRD_PARTY_ITEMS = [
    "Customer Meters (3rd Party)",
    "HAN Devices",  # HAN-8: Customer Meters (3rd Party) / HAN Devices, with In-Home Devices
    "Customer Agreements",
    "Create an Agreement",
    "HAN Device Messages",  # HAN-9 (seed 002)
    "Webhooks",  # BEY-2: the company's webhook endpoints
]


@pytest.mark.parametrize(
    "traits, expected_menu",
    [
        ({}, CUSTOMER_ITEMS),
        ({"business": True}, CUSTOMER_ITEMS),
        (
            {"rep_admin": True},
            [ROR, *THIRD_PARTY_ITEMS, "My Profile", "Company Profile", *ADMIN_ITEMS],
        ),
        ({"rep": True}, [ROR, "My Profile", "Company Profile"]),
        (
            {"third_party_admin": True},
            [*THIRD_PARTY_ITEMS, "My Profile", "Company Profile", *ADMIN_ITEMS],
        ),
        ({"third_party": True}, ["My Profile", "Company Profile"]),
        (  # USG-12: TDSP Meters first, as a REP's Customer Meters (ROR)
            {"tdsp_admin": True},
            ["TDSP Meters", "My Profile", "Company Profile", *ADMIN_ITEMS, "TDSP Approvals"],
        ),
        ({"smt_staff": True}, ["My Profile", "Meters without recent data", "SMT Administration"]),
    ],
)
def test_my_account_menu_lists_only_what_the_role_may_use(client, traits, expected_menu):
    client.force_login(UserFactory(**traits))  # ACC-19
    html = client.get(reverse("accounts:profile")).content.decode()
    assert menu_labels(html) == expected_menu


def test_customer_cannot_open_the_company_profile(client):  # ACC-19, SEC-1
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:company_profile")).status_code == 404


def test_tabs_show_home_my_account_usage_notices_help(client):  # UX-1
    for traits in ({}, {"rep": True}, {"third_party": True}, {"tdsp_admin": True}):
        client.force_login(UserFactory(**traits))
        html = client.get(reverse("home")).content.decode()
        assert tab_labels(html) == ["Home", "My Account", "Usage", "Notices", "Help"]


def test_active_tab_menu_item_and_breadcrumbs_follow_the_page(client):  # UX-1
    client.force_login(UserFactory(rep_admin=True))
    html = client.get(reverse("accounts:company_profile")).content.decode()
    assert re.search(r'aria-current="page" class="active">My Account<', html)
    assert re.search(r'aria-current="page" class="active">Company Profile<', html)
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert re.findall(r">([^<]+)</a>", crumbs) == ["My Account", "Company Profile"]


def test_header_greets_the_user_and_offers_log_out(client):  # UX-1
    client.force_login(UserFactory(first_name="Tom", last_name="Rivers"))
    html = client.get(reverse("home")).content.decode()
    assert "Welcome, Tom Rivers" in html
    assert "Log Out" in html


def test_page_help_has_a_hide_help_control(client):  # UX-1
    client.force_login(UserFactory())
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "data-page-help" in html
    assert "Hide Help" in html


def test_home_lists_get_started_tasks_that_lead_to_existing_pages(client):  # UX-6
    client.force_login(UserFactory(rep_admin=True))
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert "Get started..." in html
    for task in response.context["tasks"]:
        assert client.get(task["url"]).status_code == 200


def test_customer_home_does_not_offer_company_tasks(client):  # UX-6, ACC-19
    client.force_login(UserFactory())
    tasks = client.get(reverse("home")).context["tasks"]
    urls = [task["url"] for task in tasks]
    assert reverse("accounts:company_profile") not in urls
    assert reverse("accounts:profile") in urls


def test_profile_shows_granted_duns_and_permissions(client):  # ACC-14
    user = UserFactory(third_party=True, can_energy_data=True)
    client.force_login(user)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert user.duns_grants.get().number in html
    assert re.search(r"Energy Data</dt><dd>Granted", html)
    assert re.search(r"In-Home Device Services</dt><dd>Not granted", html)


def test_company_profile_says_when_no_privacy_policy_was_given(client):  # ACC-15, NTF-1
    user = UserFactory(third_party_admin=True)
    client.force_login(user)
    html = client.get(reverse("accounts:company_profile")).content.decode()
    assert user.company.name in html
    assert "The Privacy Policy has not been provided." in html


def test_help_page_is_public(client):
    assert client.get(reverse("help")).status_code == 200


def test_pages_are_built_for_phones(client):  # UX-2
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html


def test_staff_home_leads_to_django_admin(client):  # OPS-1
    client.force_login(UserFactory(smt_staff=True))
    tasks = client.get(reverse("home")).context["tasks"]
    assert tasks[0]["url"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_customer_usage_tab_opens_on_my_usage(client):  # USG-13, UX-1 (issue 15)
    client.force_login(UserFactory())
    html = client.get(reverse("usage:my_usage")).content.decode()
    assert menu_labels(html) == ["My Usage", "Report Request Status"]
    assert (
        f'<a href="{reverse("usage:my_usage")}" aria-current="page" class="active">Usage</a>'
        in html
    )


def test_home_tasks_are_short_lines_not_instructions(client):  # UX-6, seed 002 copy fixed
    client.force_login(UserFactory(rep_admin=True))
    html = client.get(reverse("home")).content.decode()
    assert "Here is what you can do." in html
    assert "Now that you are into your account" not in html
    assert "Click the" not in html
