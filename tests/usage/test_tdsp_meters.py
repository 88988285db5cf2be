"""TDSP Meters: TDSP staff see their utility's meters with the ACC-20 list, and open each
meter's usage and premise pages; another utility's meters are unknown to them (USG-12)."""

import re

import pytest
from django.urls import reverse

from accounts.models import Company, User
from tests.factories import CompanyFactory, MeterFactory, PremiseFactory, TdspFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("usage:tdsp_meters")
LIST_USAGE = reverse("usage:tdsp_meters_usage")


@pytest.fixture
def oncor():
    company = CompanyFactory(kind=Company.Kind.TDSP, name="Oncor Electric Delivery")
    return TdspFactory(code="oncor", name="Oncor", company=company)


@pytest.fixture
def centerpoint():
    company = CompanyFactory(kind=Company.Kind.TDSP, name="CenterPoint Energy")
    return TdspFactory(code="centerpoint", name="CenterPoint", company=company)


def tdsp_user(tdsp, *, admin=True) -> User:
    return UserFactory(kind=User.Kind.TDSP, company=tdsp.company, is_company_admin=admin)


def meter(tdsp, **premise_fields):
    return MeterFactory(premise=PremiseFactory(tdsp=tdsp, **premise_fields))


def listed_esiids(html: str) -> list[str]:
    return re.findall(r'<td data-label="ESI ID"><a [^>]*>(\d+)</a>', html)


@pytest.mark.parametrize("admin", [True, False])
def test_tdsp_staff_see_their_utilitys_meters_only(client, oncor, centerpoint, admin):  # USG-12
    mine = [meter(oncor) for _n in range(3)]
    theirs = meter(centerpoint)
    client.force_login(tdsp_user(oncor, admin=admin))
    for url in (LIST, LIST_USAGE):
        html = client.get(url).content.decode()
        assert listed_esiids(html) == sorted(m.premise.esiid for m in mine)
        assert theirs.premise.esiid not in html


def test_each_row_links_to_usage_and_premise_pages_that_open(client, oncor):  # USG-12, MTR-6
    one = meter(oncor)
    esiid = one.premise.esiid
    client.force_login(tdsp_user(oncor, admin=False))
    html = client.get(LIST).content.decode()
    assert '<table class="cards">' in html and 'class="row-actions"' in html
    assert one.meter_number in html
    for url in (
        reverse("usage:usage_report", args=[esiid]),
        reverse("usage:premise_information", args=[esiid, "premise"]),
        reverse("usage:premise_information", args=[esiid, "meter"]),
    ):
        assert f'href="{url}"' in html
        assert client.get(url).status_code == 200


def test_another_tdsps_meter_pages_are_not_found(client, oncor, centerpoint):  # USG-12, SEC-1
    esiid = meter(centerpoint).premise.esiid
    client.force_login(tdsp_user(oncor))
    for url in (
        reverse("usage:usage_report", args=[esiid]),
        reverse("usage:premise_information", args=[esiid, "premise"]),
        reverse("usage:premise_information", args=[esiid, "meter"]),
    ):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("traits", [{}, {"rep_admin": True}, {"third_party_admin": True}])
def test_other_roles_cannot_open_the_list(client, oncor, traits):  # ACC-19
    meter(oncor)
    client.force_login(UserFactory(**traits))
    assert client.get(LIST).status_code == 404
    assert client.get(LIST_USAGE).status_code == 404


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_empty_utility_says_so(client, oncor):
    client.force_login(tdsp_user(oncor))
    html = client.get(LIST).content.decode()
    assert "Your utility has no smart meters in Smart Meter Texas yet." in html


@pytest.mark.parametrize(
    ("search_by", "value", "wanted"),
    [
        ("esiid", lambda m: m.premise.esiid, True),
        ("meter_number", lambda m: m.meter_number, True),
        ("meter_number", lambda m: "M" + m.meter_number, True),  # MTR-8: a leading letter
        ("address", lambda m: "77 Elm*", True),
        ("city", lambda m: "waco", True),
        ("zip_code", lambda m: "76701", True),
    ],
)
def test_the_list_searches_by_each_criterion(client, oncor, search_by, value, wanted):  # ACC-20
    others = [meter(oncor) for _n in range(26)]  # more than 25: the list opens on its search
    target = meter(oncor, house_number="77", street_name="Elm", city="Waco", zip_code="76701")
    client.force_login(tdsp_user(oncor))
    html = client.get(LIST).content.decode()
    assert listed_esiids(html) == [] and "Show All" in html
    params = {"search": "1", "search_by": search_by, "values": value(target)}
    html = client.get(LIST, params).content.decode()
    assert listed_esiids(html) == [target.premise.esiid]
    assert others[0].premise.esiid not in html


def test_a_search_without_match_says_so(client, oncor):  # ACC-20
    meter(oncor)
    client.force_login(tdsp_user(oncor))
    html = client.get(LIST, {"search": "1", "search_by": "city", "values": "Nowhere"}).content
    assert "None of your utility's meters matches." in html.decode()


def test_the_list_sorts_and_paginates(client, oncor, django_assert_max_num_queries):  # ACC-20
    cities = ["Abilene", "Beaumont", "Corsicana"]
    meters = [meter(oncor, city=cities[n % 3]) for n in range(30)]
    client.force_login(tdsp_user(oncor))
    with django_assert_max_num_queries(12):
        html = client.get(LIST, {"show_all": "1", "sort": "-city"}).content.decode()
    shown = listed_esiids(html)
    assert len(shown) == 25 and "Page 1 of 2" in html
    by_city = sorted(meters, key=lambda m: (m.premise.city, m.premise.pk), reverse=False)
    corsicana = [m.premise.esiid for m in by_city if m.premise.city == "Corsicana"]
    assert set(shown[:10]) == set(corsicana)
    assert 'aria-sort="descending"' in html
    html = client.get(LIST, {"show_all": "1", "sort": "esiid", "page": "2"}).content.decode()
    assert listed_esiids(html) == sorted(m.premise.esiid for m in meters)[25:]


def test_the_menu_lists_tdsp_meters_under_my_account_and_usage(client, oncor):  # UX-1, USG-12
    client.force_login(tdsp_user(oncor, admin=False))
    html = client.get(reverse("accounts:profile")).content.decode()
    assert f'href="{LIST}"' in html
    html = client.get(LIST_USAGE).content.decode()
    menu = re.search(r'<nav class="side-menu".*?</nav>', html, re.S).group(0)
    assert "TDSP Meters" in menu and "Report Request Status" in menu
    client.force_login(UserFactory(rep_admin=True))
    assert "TDSP Meters" not in client.get(reverse("accounts:profile")).content.decode()


def test_a_meters_usage_page_keeps_the_usage_tab_menu(client, oncor):  # UX-1
    esiid = meter(oncor).premise.esiid
    client.force_login(tdsp_user(oncor))
    html = client.get(reverse("usage:premise_information", args=[esiid, "premise"])).content
    menu = re.search(r'<nav class="side-menu".*?</nav>', html.decode(), re.S).group(0)
    assert f'href="{LIST_USAGE}"' in menu
