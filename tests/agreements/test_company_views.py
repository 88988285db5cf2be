"""The 3rd party's (and REP's) agreement pages: Customer Agreements (AGR-2), the two-page
request (AGR-3..AGR-7, AGR-14, AGR-17), View & Edit (AGR-13..AGR-15, AGR-18), the CSV
export and Customer Meters (3rd Party) (USG-12)."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from agreements.models import Agreement, AgreementHistory
from agreements.services.answers import agreement_accept
from agreements.services.creation import EMAIL_COMBINATION_NOT_VALID, METER_NOT_VALID
from smt.lib.listing import LIST_DIRECTLY_MAX, SHOW_ALL_MAX
from tests.factories import AgreementFactory, CustomerPremiseFactory, MeterFactory, UserFactory

from .helpers import active_ongoing, emails, one_time, ongoing, third_party_admin, token_of

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
LIST_URL = reverse("agreements:company_list")
EXPORT_URL = reverse("agreements:company_export")
METERS_URL = reverse("agreements:company_meters")


def create_url(slug="one-time"):
    return reverse("agreements:company_create", args=[slug])


def contact_url(slug="one-time"):
    return reverse("agreements:company_create_contact", args=[slug])


def detail_url(agreement):
    return reverse("agreements:company_detail", args=[agreement.agreement_number])


def page1(*meters, **overrides):
    """A valid page 1 for a non-registered residential customer."""
    data = {
        "registered": "no",
        "customer_kind": "residential",
        "first_name": "Chika",
        "last_name": "Akin",
        "language": "es",
        "street": "400 N Olive Street",
        "city": "Sunnyville",
        "state": "TX",
        "zip_code": "75012",
        "phone": "214-555-0100",
        "email": "chika.akin@example.com",
        "report_type": "interval_csv",
        "report_duration": "3m",
        "duration_months": "6",
    }
    for index, meter in enumerate(meters, start=1):
        data[f"meter_{index}_esiid"] = meter.premise.esiid
        data[f"meter_{index}_number"] = meter.meter_number
    data.update(overrides)
    return data


PAGE2 = {
    "contact_name": "James Wilson",
    "contact_phone": "244-322-5454",
    "contact_email": "james@green.example",
    "comments": "Thanks!",
    "accept_terms": "on",
    "send": "1",
}


@pytest.fixture
def company_user(client):
    user = third_party_admin(first_name="Tom", last_name="Rivers", phone="987-345-2345")
    client.force_login(user)
    return user


# --- the two-page request ---------------------------------------------------------------------


def test_one_time_request_creates_one_pending_agreement_per_meter(client, company_user):
    # AGR-3, AGR-4, AGR-7
    meters = MeterFactory.create_batch(2)
    page = client.get(create_url())
    assert page.status_code == 200
    assert 'name="meter_3_esiid"' in page.text
    assert 'name="meter_4_esiid"' not in page.text  # AGR-3: at most three pairs

    response = client.post(create_url(), page1(*meters))
    assert response.status_code == 302
    assert response.url == contact_url()

    page2 = client.get(contact_url())
    assert company_user.company.name in page2.text  # read-only, from the Company Profile
    assert page2.context["form"]["contact_name"].value() == "Tom Rivers"  # from My Profile
    assert page2.context["form"]["contact_phone"].value() == "987-345-2345"
    assert page2.context["form"]["contact_email"].value() == company_user.email

    response = client.post(contact_url(), PAGE2, follow=True)
    created = list(Agreement.objects.order_by("pk"))
    assert len(created) == 2
    assert {a.premise for a in created} == {m.premise for m in meters}
    assert all(a.status == Agreement.Status.PENDING for a in created)
    assert created[0].customer_language == "es"
    assert created[0].contact_name == "James Wilson"
    assert "One-Time Energy Data Agreement Request Successful" in response.text
    for agreement in created:
        assert agreement.agreement_number in response.text
    assert len(emails("invitation")) == 2  # EM201, one per meter
    assert client.session.get("agreement_request") is None


def test_page_one_and_two_are_kept_across_back(client, company_user):
    meter = MeterFactory()
    client.post(create_url(), page1(meter, first_name="Ngozi"))
    response = client.post(contact_url(), {**PAGE2, "contact_name": "Someone Else", "back": "1"})
    assert response.url == create_url()
    page = client.get(create_url())
    assert page.context["form"]["first_name"].value() == "Ngozi"
    assert page.context["form"]["meter_1_esiid"].value() == meter.premise.esiid
    assert not page.context["form"].errors
    client.post(create_url(), page1(meter, first_name="Ngozi"))
    page2 = client.get(contact_url())
    assert page2.context["form"]["contact_name"].value() == "Someone Else"


def test_page_two_without_page_one_goes_to_page_one(client, company_user):
    assert client.get(contact_url()).url == create_url()


def test_cancel_on_page_two_forgets_the_request(client, company_user):
    client.post(create_url(), page1(MeterFactory()))
    response = client.post(contact_url(), {"cancel": "1"})
    assert response.url == LIST_URL
    assert client.session.get("agreement_request") is None
    assert not Agreement.objects.exists()


def test_create_link_starts_a_new_request(client, company_user):
    client.post(create_url(), page1(MeterFactory(), first_name="Old"))
    page = client.get(create_url() + "?new=1")
    assert page.context["form"]["first_name"].value() in (None, "")


@pytest.mark.parametrize(
    "field", ["first_name", "last_name", "street", "city", "zip_code", "email", "meter_1_esiid"]
)
def test_non_registered_customer_needs_the_required_fields(client, company_user, field):  # AGR-3
    response = client.post(create_url(), page1(MeterFactory(), **{field: ""}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == ["This field is required."]


def test_registered_customer_gives_only_the_email(client, company_user):  # AGR-3, FR 2
    link = CustomerPremiseFactory(customer=UserFactory(language="es"))
    meter = MeterFactory(premise=link.premise)
    data = {
        "registered": "yes",
        "customer_kind": "residential",
        "email": link.customer.email.upper(),
        "meter_1_esiid": meter.premise.esiid,
        "meter_1_number": meter.meter_number,
        "report_type": "daily_csv",
        "report_duration": "1m",
    }
    assert client.post(create_url(), data).status_code == 302
    client.post(contact_url(), PAGE2)
    agreement = Agreement.objects.get()
    assert agreement.customer == link.customer
    assert agreement.customer_last_name == link.customer.last_name
    assert agreement.customer_language == "es"


def test_registered_customer_with_another_email_is_refused(client, company_user):  # AGR-6
    link = CustomerPremiseFactory()
    meter = MeterFactory(premise=link.premise)
    data = {
        "registered": "yes",
        "customer_kind": "residential",
        "email": "someone.else@example.com",
        "meter_1_esiid": meter.premise.esiid,
        "meter_1_number": meter.meter_number,
        "report_type": "daily_csv",
        "report_duration": "1m",
    }
    response = client.post(create_url(), data)
    assert response.status_code == 200
    assert response.context["form"].errors["meter_1_esiid"] == [EMAIL_COMBINATION_NOT_VALID]
    assert EMAIL_COMBINATION_NOT_VALID in response.text


def test_unknown_meter_pair_shows_the_seed_message_next_to_its_row(client, company_user):
    # AGR-6: the message is on the row that failed (row 3 here), page 1 kept as typed.
    good, other = MeterFactory.create_batch(2)
    data = page1(good, first_name="Ngozi")
    data["meter_3_esiid"] = other.premise.esiid
    data["meter_3_number"] = "999999999"
    response = client.post(create_url(), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["meter_3_esiid"][0] == METER_NOT_VALID
    assert "meter_1_esiid" not in errors
    assert "The ESIID/Meter # pair specified is not correct" in response.text
    assert response.context["form"]["first_name"].value() == "Ngozi"


def test_meter_of_another_customer_account_is_refused(client, company_user):  # AGR-6
    link = CustomerPremiseFactory()
    meter = MeterFactory(premise=link.premise)
    response = client.post(create_url(), page1(meter))
    assert response.context["form"].errors["meter_1_esiid"][0] == METER_NOT_VALID


def test_a_pair_needs_both_values(client, company_user):
    data = page1(MeterFactory(), meter_2_esiid="10443720000000001")
    response = client.post(create_url(), data)
    assert response.context["form"].errors["meter_2_number"] == [
        "Enter both the ESIID and its meter number."
    ]


@pytest.mark.parametrize(
    ("report_type", "duration", "allowed"),
    [
        ("monthly_csv", "1d", False),
        ("monthly_csv", "1m", True),
        ("daily_csv", "1d", True),
    ],
)
def test_monthly_report_needs_at_least_one_month(
    client, company_user, report_type, duration, allowed
):  # AGR-3
    data = page1(MeterFactory(), report_type=report_type, report_duration=duration)
    response = client.post(create_url(), data)
    if allowed:
        assert response.status_code == 302
    else:
        assert response.context["form"].errors["report_duration"] == [
            "A Monthly report needs a duration of at least 1 month."
        ]


def test_business_customer_gets_no_language_preference(client, company_user):  # AGR-3, FR 1
    client.post(create_url(), page1(MeterFactory(), customer_kind="business", language="es"))
    client.post(contact_url(), PAGE2)
    assert Agreement.objects.get().customer_language == "en"


def test_terms_must_be_accepted(client, company_user):
    client.post(create_url(), page1(MeterFactory()))
    response = client.post(contact_url(), {**PAGE2, "accept_terms": ""})
    assert response.context["form"].errors["accept_terms"] == [
        "Please agree to the Terms and Conditions."
    ]
    assert response.context["form"]["contact_name"].value() == "James Wilson"
    assert not Agreement.objects.exists()


def test_third_one_time_agreement_is_allowed_and_fourth_refused_until_a_year_passed(
    client, company_user
):  # AGR-5
    meter = MeterFactory()
    start = datetime(2026, 3, 2, 10, 0, tzinfo=CHICAGO)
    with time_machine.travel(start, tick=False):
        one_time(user=company_user, meter=meter)
        one_time(user=company_user, meter=meter)
        assert client.post(create_url(), page1(meter)).status_code == 302  # the 3rd
        client.post(contact_url(), PAGE2)
        assert Agreement.objects.count() == 3
    with time_machine.travel(start + timedelta(days=364), tick=False):
        client.force_login(company_user)  # the session timed out meanwhile
        response = client.post(create_url(), page1(meter))
        assert response.status_code == 200
        (message,) = response.context["form"].errors["meter_1_esiid"]
        assert "already has 3 One-Time Energy Data agreements" in message
        assert "03/02/2027" in message
    with time_machine.travel(start + timedelta(days=366), tick=False):
        client.force_login(company_user)
        assert client.post(create_url(), page1(meter)).status_code == 302


def test_limit_reached_between_the_pages_is_shown_on_page_two(client, company_user):  # AGR-5
    meter = MeterFactory()
    one_time(user=company_user, meter=meter)
    one_time(user=company_user, meter=meter)
    client.post(create_url(), page1(meter))
    one_time(user=company_user, meter=meter)  # a colleague took the 3rd meanwhile
    response = client.post(contact_url(), PAGE2)
    assert response.status_code == 200
    assert "already has 3 One-Time Energy Data agreements" in response.text
    assert response.context["form"]["comments"].value() == "Thanks!"
    assert Agreement.objects.count() == 3


def test_meter_taken_between_the_pages_goes_back_to_page_one(client, company_user):  # AGR-6
    meter = MeterFactory()
    client.post(create_url(), page1(meter))
    CustomerPremiseFactory(premise=meter.premise)
    response = client.post(contact_url(), PAGE2)
    assert response.url == create_url()
    page = client.get(create_url())
    assert page.context["form"].errors["meter_1_esiid"][0] == METER_NOT_VALID
    assert page.context["form"]["first_name"].value() == "Chika"
    client.post(create_url(), page1(MeterFactory()))
    assert client.get(contact_url()).context["form"]["comments"].value() == "Thanks!"


@pytest.mark.parametrize(("months", "allowed"), [("1", True), ("12", True), ("13", False)])
def test_ongoing_duration_is_one_to_twelve_months(client, company_user, months, allowed):
    # AGR-14
    response = client.post(create_url("ongoing"), page1(MeterFactory(), duration_months=months))
    assert (response.status_code == 302) is allowed
    if not allowed:
        assert "duration_months" in response.context["form"].errors


def test_ongoing_page_has_a_duration_and_no_report(client, company_user):  # AGR-14
    page = client.get(create_url("ongoing"))
    assert 'name="duration_months"' in page.text
    assert 'name="report_type"' not in page.text


@pytest.mark.parametrize(("slug", "kind"), [("ongoing", "ongoing"), ("ongoing-han", "ongoing_han")])
def test_ongoing_request_creates_pending_agreement(client, company_user, slug, kind):
    # AGR-14, AGR-17
    client.post(create_url(slug), page1(MeterFactory(), duration_months="6"))
    response = client.post(contact_url(slug), PAGE2, follow=True)
    agreement = Agreement.objects.get()
    assert (agreement.kind, agreement.duration_months) == (kind, 6)
    assert agreement.agreement_number in response.text


def test_second_open_ongoing_agreement_for_the_meter_is_refused(client, company_user):
    meter = MeterFactory()
    existing = ongoing(user=company_user, meter=meter)
    response = client.post(create_url("ongoing"), page1(meter))
    (message,) = response.context["form"].errors["meter_1_esiid"]
    assert existing.agreement_number in message


# --- permissions and tenancy ------------------------------------------------------------------


def test_user_without_energy_data_permission_gets_404(client):  # ACC-19
    user = UserFactory(third_party=True, can_energy_data=False, can_in_home_devices=False)
    client.force_login(user)
    for url in (LIST_URL, create_url(), create_url("ongoing"), METERS_URL, EXPORT_URL):
        assert client.get(url).status_code == 404, url
    agreement = AgreementFactory(initiated_by=third_party_admin(company=user.company))
    assert client.get(detail_url(agreement)).status_code == 404


def test_han_only_user_sees_han_agreements_and_cannot_create_energy_data(client):  # ACC-19
    user = UserFactory(third_party=True, can_in_home_devices=True)
    admin = third_party_admin(company=user.company)
    han = AgreementFactory(initiated_by=admin, ongoing_han=True)
    energy = AgreementFactory(initiated_by=admin)
    client.force_login(user)
    page = client.get(LIST_URL)
    assert han.agreement_number in page.text
    assert energy.agreement_number not in page.text
    assert client.get(create_url()).status_code == 404
    assert client.get(create_url("ongoing-han")).status_code == 200
    assert client.get(METERS_URL).status_code == 404
    assert client.get(detail_url(energy)).status_code == 404
    assert [link["slug"] for link in page.context["new_links"]] == ["han-device", "ongoing-han"]


def test_customers_and_anonymous_users_do_not_get_the_pages(client):
    assert client.get(LIST_URL).status_code == 302  # to sign in
    client.force_login(UserFactory())
    assert client.get(LIST_URL).status_code == 404
    assert client.get(create_url()).status_code == 404


def test_rep_with_energy_data_permission_may_create(client):  # REP acting as 3rd party
    client.force_login(UserFactory(rep_admin=True))
    assert client.get(create_url()).status_code == 200
    assert client.get(LIST_URL).status_code == 200


def test_another_companys_agreement_is_a_404(client, company_user):  # SEC-1
    theirs = one_time()
    assert client.get(detail_url(theirs)).status_code == 404
    number = theirs.agreement_number
    for name in ("company_resend", "company_terminate", "company_extension"):
        url = reverse(f"agreements:{name}", args=[number])
        assert client.post(url, {"reason": "x"}).status_code == 404, name
    assert client.get(detail_url(theirs).replace(number, "999999999999")).status_code == 404
    assert len(emails("invitation")) == 1


# --- AGR-2: the list --------------------------------------------------------------------------


def test_list_shows_the_columns_with_the_esiid_masked(client, company_user):  # AGR-2
    agreement = one_time(user=company_user)
    page = client.get(LIST_URL)
    assert agreement.agreement_number in page.text
    assert agreement.masked_esiid in page.text
    assert agreement.premise.esiid not in page.text
    assert "One-Time Energy Data" in page.text
    assert "Akin" in page.text
    for slug in ("one-time", "ongoing", "ongoing-han"):
        assert create_url(slug) in page.text


@pytest.mark.parametrize(("rows", "mode"), [(25, "list"), (26, "search")])
def test_list_is_shown_directly_up_to_25_agreements(
    client, company_user, rows, mode, django_assert_max_num_queries
):  # ACC-20
    AgreementFactory.create_batch(rows, initiated_by=company_user)
    with django_assert_max_num_queries(12):
        page = client.get(LIST_URL)
    assert page.context["listing"].mode == mode
    assert ("Search for Customer Agreements" in page.text) is (mode == "search")


def test_show_all_and_search_by_last_name(client, company_user):  # AGR-2, ACC-20
    AgreementFactory.create_batch(26, initiated_by=company_user)
    wanted = AgreementFactory(initiated_by=company_user, customer_last_name="Xing")
    page = client.get(LIST_URL, {"show_all": "1"})
    assert page.context["listing"].page.paginator.count == 27
    found = client.get(LIST_URL, {"search": "1", "search_by": "last_name", "values": "xing"})
    assert [a.pk for a in found.context["listing"].rows] == [wanted.pk]


@pytest.mark.parametrize(
    ("search_by", "value"),
    [
        ("agreement_number", lambda a: a.agreement_number),
        ("esiid", lambda a: a.premise.esiid),
        ("meter_number", lambda a: a.meter_number),
        ("agreement_number", lambda a: a.agreement_number[:6] + "*"),
    ],
)
def test_search_by_each_criterion(client, company_user, search_by, value):  # AGR-2
    agreement = AgreementFactory(initiated_by=company_user, agreement_number="120126000001")
    AgreementFactory.create_batch(26, initiated_by=company_user)
    found = client.get(
        LIST_URL, {"search": "1", "search_by": search_by, "values": value(agreement)}
    )
    assert [a.pk for a in found.context["listing"].rows] == [agreement.pk]


@pytest.mark.parametrize(("count", "valid"), [(100, True), (101, False)])
def test_search_takes_up_to_100_items(client, company_user, count, valid):  # ACC-20
    AgreementFactory.create_batch(26, initiated_by=company_user)
    values = ",".join(f"{n:012d}" for n in range(count))
    page = client.get(LIST_URL, {"search": "1", "search_by": "agreement_number", "values": values})
    assert page.context["listing"].form.is_valid() is valid
    if not valid:
        assert "You can search for at most 100 values at a time; you entered 101." in page.text


def test_list_is_sorted_and_paginated(client, company_user):
    AgreementFactory.create_batch(30, initiated_by=company_user)
    page = client.get(LIST_URL, {"show_all": "1", "sort": "number"})
    numbers = [a.agreement_number for a in page.context["listing"].rows]
    assert numbers == sorted(numbers) and len(numbers) == 25
    second = client.get(LIST_URL, {"show_all": "1", "sort": "number", "page": "2"})
    assert len(second.context["listing"].rows) == 5


def test_list_query_count_does_not_grow_with_rows(
    client, company_user, django_assert_max_num_queries
):
    AgreementFactory.create_batch(25, initiated_by=company_user)
    with django_assert_max_num_queries(12):
        assert client.get(LIST_URL).status_code == 200


# --- export -----------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_export_lists_the_chosen_agreements_with_masked_esiids(client, company_user):  # AGR-2
    first, _second = AgreementFactory.create_batch(2, initiated_by=company_user)
    theirs = AgreementFactory()
    chosen = [first.agreement_number, theirs.agreement_number]
    response = client.get(EXPORT_URL, {"agreement": chosen})
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0] == [
        "Relationship Type",
        "Agreement #",
        "Start Date",
        "End Date",
        "ESIID",
        "Meter Number",
        "Customer Last Name",
        "Status",
    ]
    assert rows[1:] == [
        [
            "One-Time Energy Data",
            first.agreement_number,
            "",
            "",
            first.masked_esiid,
            first.meter_number,
            "Akin",
            "Pending",
        ]
    ]


def test_export_without_a_choice_exports_the_search(client, company_user):
    wanted = AgreementFactory(initiated_by=company_user, customer_last_name="Xing")
    AgreementFactory(initiated_by=company_user)
    AgreementFactory()  # another company's
    everything = _csv(client.get(EXPORT_URL))
    assert len(everything) == 3
    searched = _csv(
        client.get(EXPORT_URL, {"search": "1", "search_by": "last_name", "values": "Xing"})
    )
    assert [row[1] for row in searched[1:]] == [wanted.agreement_number]


def test_export_query_count_is_bounded(client, company_user, django_assert_max_num_queries):
    AgreementFactory.create_batch(30, initiated_by=company_user)
    with django_assert_max_num_queries(8):
        assert len(_csv(client.get(EXPORT_URL))) == 31


# --- AGR-15: View & Edit ----------------------------------------------------------------------


def test_pending_agreement_offers_only_resend(client, company_user):  # AGR-15, FR 16
    agreement = one_time(user=company_user)
    page = client.get(detail_url(agreement))
    assert page.context["can_resend"] and not page.context["can_terminate"]
    assert reverse("agreements:company_resend", args=[agreement.agreement_number]) in page.text
    assert reverse("agreements:company_terminate", args=[agreement.agreement_number]) not in (
        page.text
    )
    assert agreement.masked_esiid in page.text
    assert agreement.premise.esiid not in page.text
    assert "Invitation sent." in page.text  # AGR-18 history
    assert "Interval csv" in page.text


def test_detail_shows_logo_and_privacy_seal(client, company_user):  # AGR-15
    company = company_user.company
    company.has_privacy_seal = True
    company.logo = "company-logos/green.png"
    company.save()
    page = client.get(detail_url(one_time(user=company_user)))
    assert f'src="{company.logo_url}"' in page.text  # served by accounts:company_logo
    assert "Privacy seal" in page.text


def test_resend_while_pending_sends_em202(client, company_user):  # AGR-13
    agreement = one_time(user=company_user)
    response = client.post(
        reverse("agreements:company_resend", args=[agreement.agreement_number]), follow=True
    )
    assert "The invitation email was sent to the customer again." in response.text
    assert len(emails("invitation")) == 2


def test_resend_is_refused_once_the_agreement_is_active(client, company_user):  # AGR-13
    agreement = active_ongoing(user=company_user)
    page = client.get(detail_url(agreement))
    assert not page.context["can_resend"]
    assert page.context["can_terminate"] and page.context["can_extend"]
    response = client.post(
        reverse("agreements:company_resend", args=[agreement.agreement_number]), follow=True
    )
    assert "Only a Pending agreement&#x27;s invitation can be sent again." in response.text
    assert len(emails("invitation")) == 1


def test_resend_needs_post(client, company_user):
    agreement = one_time(user=company_user)
    url = reverse("agreements:company_resend", args=[agreement.agreement_number])
    assert client.get(url).status_code == 405


def test_terminate_needs_a_reason_and_confirmation(client, company_user):  # AGR-14, AGR-15
    agreement = active_ongoing(user=company_user)
    url = reverse("agreements:company_terminate", args=[agreement.agreement_number])
    confirm = client.get(url)
    assert confirm.status_code == 200
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE  # a GET changes nothing
    response = client.post(url, {"reason": ""})
    assert response.context["form"].errors["reason"] == [
        "Please give a reason for the termination."
    ]
    response = client.post(url, {"reason": "Customer moved to another provider"}, follow=True)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    assert "The agreement was terminated." in response.text
    assert "Customer moved to another provider" in response.text  # history
    assert AgreementHistory.objects.filter(agreement=agreement, actor=company_user).exists()


def test_terminate_of_a_pending_agreement_is_refused(client, company_user):  # AGR-15
    agreement = one_time(user=company_user)
    url = reverse("agreements:company_terminate", args=[agreement.agreement_number])
    response = client.post(url, {"reason": "No longer needed"}, follow=True)
    assert "This action is not possible in the agreement&#x27;s status." in response.text
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.PENDING


def test_extension_of_a_one_time_agreement_is_not_offered(client, company_user):
    agreement = one_time(user=company_user)
    accepted = agreement_accept(token=token_of(agreement)).agreement
    page = client.get(detail_url(accepted))
    assert not page.context["can_extend"] and not page.context["can_terminate"]
    url = reverse("agreements:company_extension", args=[agreement.agreement_number])
    response = client.post(url, {"new_end_date": "2027-01-01"}, follow=True)
    assert "This action is not possible" in response.text


def test_request_extension_checks_the_new_end_date(client, company_user):  # AGR-14
    start = datetime(2026, 3, 2, 10, 0, tzinfo=CHICAGO)
    with time_machine.travel(start, tick=False):
        agreement = active_ongoing(user=company_user, months=6)  # ends 09/02/2026
        url = reverse("agreements:company_extension", args=[agreement.agreement_number])
        response = client.post(url, {"new_end_date": "2026-09-02"})
        assert response.context["form"].errors["new_end_date"] == [
            "The new end date must be after the current end date."
        ]
        response = client.post(url, {"new_end_date": "2027-03-03"})
        assert response.context["form"].errors["new_end_date"] == [
            "The new end date can be at most 12 months from today."
        ]
        response = client.post(url, {"new_end_date": "2027-03-02"}, follow=True)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.EXTENSION_PENDING
    assert agreement.requested_end_date == date(2027, 3, 2)
    assert "if they accept, the agreement ends on 03/02/2027." in response.text  # UX-3


# --- Customer Meters (3rd Party) --------------------------------------------------------------


def test_customer_meters_lists_active_ongoing_energy_data_meters(
    client, company_user, django_assert_max_num_queries
):  # AGR-14, USG-12
    active = active_ongoing(user=company_user)
    pending = ongoing(user=company_user)
    done = one_time(user=company_user)
    with django_assert_max_num_queries(12):
        page = client.get(METERS_URL)
    assert active.premise.esiid in page.text
    assert pending.premise.esiid not in page.text
    assert done.premise.esiid not in page.text
    usage_url = reverse("usage:usage_report", args=[active.premise.esiid])
    assert usage_url in page.text
    assert client.get(usage_url).status_code == 200
    info_url = reverse("usage:premise_information", args=[active.premise.esiid, "premise"])
    assert client.get(info_url).status_code == 200
    assert client.get(reverse("agreements:company_meters_usage")).status_code == 200


# --- navigation -------------------------------------------------------------------------------


def test_menu_shows_the_agreement_pages_to_permitted_users(client, company_user):
    page = client.get(LIST_URL)
    labels = [item["label"] for item in page.context["nav_menu"]]
    assert {"Customer Agreements", "Create an Agreement", "Customer Meters (3rd Party)"} <= set(
        labels
    )
    active = [item["label"] for item in page.context["nav_menu"] if item["active"]]
    assert active == ["Customer Agreements"]


def test_menu_hides_the_agreement_pages_without_permission(client):
    client.force_login(UserFactory(third_party=True))
    page = client.get(reverse("accounts:profile"))
    labels = {str(item["label"]) for item in page.context["nav_menu"]}
    assert not labels & {
        "Customer Agreements",
        "Create an Agreement",
        "Customer Meters (3rd Party)",
    }


def test_list_pages_name_the_listing_limits(client, company_user):  # ACC-20
    AgreementFactory.create_batch(LIST_DIRECTLY_MAX + 1, initiated_by=company_user)
    page = client.get(LIST_URL)
    assert f"You have more than {LIST_DIRECTLY_MAX} Customer Agreements" in page.text
    meters = client.get(METERS_URL)
    assert f"With more than {LIST_DIRECTLY_MAX} meters" in meters.text
    assert f"use Show All (up to {SHOW_ALL_MAX})" in meters.text


def test_view_usage_is_offered_only_during_the_agreements_period(client, company_user):
    # AGR-14, USG-12: the list and the page link usage exactly while the agreement opens it.
    start = datetime(2026, 3, 2, 10, 0, tzinfo=CHICAGO)
    with time_machine.travel(start, tick=False):
        agreement = active_ongoing(user=company_user, months=1)  # ends 04/02/2026
    usage_url = reverse("usage:usage_report", args=[agreement.premise.esiid])
    with time_machine.travel(datetime(2026, 4, 2, 23, 59, tzinfo=CHICAGO), tick=False):
        assert usage_url in client.get(LIST_URL).text
        assert client.get(detail_url(agreement)).context["can_view_usage"]
    with time_machine.travel(datetime(2026, 4, 3, 0, 1, tzinfo=CHICAGO), tick=False):
        assert usage_url not in client.get(LIST_URL).text  # before the job marks it Expired
        assert not client.get(detail_url(agreement)).context["can_view_usage"]
