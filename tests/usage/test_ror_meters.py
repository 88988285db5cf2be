"""Customer Meter List (ROR) with the list/search pattern and search by imported file
(MTR-2, MTR-4, MTR-5, MTR-8, ACC-10, ACC-20, USG-12)."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Duns, DunsGrant
from tests.factories import (
    CustomerPremiseFactory,
    DunsFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("usage:ror_meters")


@pytest.fixture
def rep():
    return UserFactory(rep=True, username="rep.user")


def served(rep, count=1, **premise_fields):
    """Premises whose current ROR is the REP user's DUNS, each with a meter in service."""
    duns = rep.duns_grants.get().number
    premises = []
    for _n in range(count):
        premise = PremiseFactory(**premise_fields)
        MeterFactory(premise=premise)
        RorPeriodFactory(premise=premise, ror_duns=duns)
        premises.append(premise)
    return premises


def csv_file(text: str, name="meters.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_the_list_shows_the_rep_meters_with_the_attached_customer(client, rep):  # MTR-4
    attached, free = served(rep, 2)
    CustomerPremiseFactory(
        premise=attached, customer=UserFactory(first_name="Ana", last_name="Ruiz")
    )
    client.force_login(rep)
    html = client.get(URL).content.decode()
    assert attached.esiid in html and free.esiid in html
    assert "Ana Ruiz" in html
    assert attached.meters.get().meter_number in html


def test_the_same_list_is_under_the_usage_tab(client, rep):  # MTR-4
    premise = served(rep)[0]
    client.force_login(rep)
    html = client.get(reverse("usage:ror_meters_usage")).content.decode()
    assert premise.esiid in html
    assert 'aria-current="page" class="active">Usage<' in html


def test_a_rep_sees_only_meters_it_serves_now(client, rep):  # MTR-2, ACC-10, USG-12
    current = served(rep)[0]
    lost = PremiseFactory()
    RorPeriodFactory(
        premise=lost,
        ror_duns=rep.duns_grants.get().number,
        started_on=date(2024, 1, 1),
        ended_on=date(2025, 6, 1),
    )
    RorPeriodFactory(premise=lost, ror_duns="999999999", started_on=date(2025, 6, 1))
    other = PremiseFactory()
    RorPeriodFactory(premise=other)
    client.force_login(rep)
    html = client.get(URL).content.decode()
    assert current.esiid in html
    assert lost.esiid not in html and other.esiid not in html


def test_meters_of_a_suspended_or_ungranted_duns_are_hidden(client, rep):  # ACC-10
    premise = served(rep)[0]
    second = DunsFactory(company=rep.company)
    RorPeriodFactory(premise=PremiseFactory(esiid="10443720000099999"), ror_duns=second.number)
    Duns.objects.filter(number=rep.duns_grants.get().number).update(status=Duns.Status.SUSPENDED)
    DunsGrant.objects.create(user=rep, duns=second)  # keeps the user able to sign in
    client.force_login(rep)
    html = client.get(URL).content.decode()
    assert premise.esiid not in html
    assert "10443720000099999" in html


def test_customers_and_third_parties_cannot_open_the_list(client):  # ACC-19
    for user in (UserFactory(), UserFactory(third_party=True)):
        client.force_login(user)
        assert client.get(URL).status_code == 404


@pytest.mark.parametrize("count, shows_list", [(25, True), (26, False)])
def test_above_25_meters_the_search_screen_comes_first(client, rep, count, shows_list):
    # ACC-20
    premises = served(rep, count)
    client.force_login(rep)
    html = client.get(URL).content.decode()
    assert (premises[0].esiid in html) is shows_list
    assert ("show_all=1" in html) is not shows_list


def test_list_queries_do_not_grow_with_the_rows(client, rep, django_assert_max_num_queries):
    # ACC-20: no query per row.
    for premise in served(rep, 20):
        CustomerPremiseFactory(premise=premise)
    client.force_login(rep)
    with django_assert_max_num_queries(12):
        response = client.get(URL + "?sort=-customer")
    assert response.status_code == 200


def test_search_by_esiid_values_and_by_meter_number_without_its_letter(client, rep):
    # ACC-20, MTR-8
    premises = served(rep, 30)
    client.force_login(rep)
    wanted = f"{premises[3].esiid}, {premises[7].esiid}"
    html = client.get(URL, {"search": "1", "id_type": "esiid", "values": wanted}).content
    assert premises[3].esiid.encode() in html and premises[7].esiid.encode() in html
    assert premises[4].esiid.encode() not in html
    meter = premises[5].meters.get().meter_number
    html = client.get(
        URL, {"search": "1", "id_type": "meter_number", "values": f"L{meter}"}
    ).content
    assert premises[5].esiid.encode() in html and premises[6].esiid.encode() not in html


def test_search_by_esiid_wildcard(client, rep):  # ACC-20
    served(rep, 30)
    special = served(rep, esiid="10089990000012345")[0]
    client.force_login(rep)
    html = client.get(URL, {"search": "1", "id_type": "esiid", "values": "*12345"}).content
    assert special.esiid.encode() in html
    assert b"1 entry matches your search" in html


# --- MTR-5: search by imported file ------------------------------------------------------------


def test_an_imported_file_finds_the_meters_and_reports_every_other_row(client, rep):  # MTR-5
    premises = served(rep, 30)
    stranger = PremiseFactory()
    rows = [
        premises[0].esiid,
        "",  # empty lines are skipped
        f"{premises[1].esiid},",  # trailing comma
        "12345",  # not an ESI ID
        stranger.esiid,  # not served by this REP
        premises[2].esiid,
    ]
    client.force_login(rep)
    response = client.post(
        URL, {"id_type": "esiid", "file": csv_file("\n".join(rows))}, follow=True
    )
    html = response.content.decode()
    assert "5 rows read, 2 meters found" in html
    assert premises[0].esiid in html and premises[2].esiid in html
    assert premises[3].esiid not in html
    assert "Line 3: one value per row, without commas" in html
    assert "Line 4: 12345 is not an ESI ID" in html
    assert f"Line 5: {stranger.esiid} is not among your meters" in html


def test_an_imported_file_holds_one_type_of_identifier(client, rep):  # MTR-5
    premise = served(rep)[0]
    meter = premise.meters.get().meter_number
    client.force_login(rep)
    html = client.post(
        URL,
        {"id_type": "meter_number", "file": csv_file(f"{meter}\n{premise.esiid}\n")},
        follow=True,
    ).content.decode()
    assert "2 rows read, 1 meters found" in html
    assert f"Line 2: {premise.esiid} is not a meter number" in html


def test_an_import_may_hold_more_than_100_values(client, rep):  # MTR-5 (beyond the 100 limit)
    premises = served(rep, 120)
    client.force_login(rep)
    text = "\n".join(p.esiid for p in premises)
    html = client.post(URL, {"id_type": "esiid", "file": csv_file(text)}, follow=True).content
    assert b"120 rows read, 120 meters found" in html
    assert b"Page 1 of 5" in html


@pytest.mark.parametrize(
    "upload, message",
    [
        (csv_file("x", name="meters.txt"), "The file must be a .csv file."),
        (SimpleUploadedFile("m.csv", b"\xff\xfe\x00bad"), "The file is not a text (CSV) file."),
        (csv_file("\n\n"), "The file has no rows."),
        (csv_file("1" * 17 + "\n" * (1024 * 1024)), "The file must be smaller than 1 MB."),
        (csv_file("12345678901234567\n" * 10_001), "A file may hold at most 10000 rows."),
        (SimpleUploadedFile("m.csv", b"PK\x03\x04\x14\x00\x80\x81"), "not a text (CSV) file"),
    ],
)
def test_a_bad_file_is_a_clear_error(client, rep, upload, message):  # MTR-5, SEC-4
    served(rep)
    client.force_login(rep)
    response = client.post(URL, {"id_type": "esiid", "file": upload})
    assert response.status_code == 200 and message in response.content.decode()
    assert "ror_meter_import" not in client.session  # nothing partial is kept to export


@pytest.mark.parametrize("value", ["١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧", "10443720000000001\x00", "1" * 5000])
def test_a_bad_row_is_reported_not_searched(client, rep, value):  # MTR-5, SEC-4
    premise = served(rep)[0]
    client.force_login(rep)
    text = f"{premise.esiid}\n{value}\n"
    html = client.post(URL, {"id_type": "esiid", "file": csv_file(text)}, follow=True).content
    assert b"2 rows read, 1 meters found" in html and b"Line 2: " in html
