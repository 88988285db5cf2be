"""View, Print and Export Premise and Meter Information of one ESIID, and who may see it
(MTR-1, MTR-6, USG-12, SEC-1)."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Company
from tests.factories import (
    CompanyFactory,
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    TdspFactory,
    UserFactory,
)
from usage.services.sharing import meter_share_answer, meter_share_invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def premise():
    premise = PremiseFactory(street_name="Elm", service_voltage="120/240", rate_class="RS1")
    MeterFactory(premise=premise, meter_number="113555001", manufacturer="Landis+Gyr")
    return premise


def url(name, premise, kind):
    return reverse(f"usage:{name}", args=[premise.esiid, kind])


def rep_serving(premise):
    rep = UserFactory(rep=True)
    RorPeriodFactory(premise=premise, ror_duns=rep.duns_grants.get().number)
    return rep


def test_premise_information_shows_each_field_with_its_tool_tip(client, premise):  # MTR-6
    client.force_login(rep_serving(premise))
    html = client.get(url("premise_information", premise, "premise")).content.decode()
    assert "120/240" in html and "RS1" in html and premise.esiid in html
    assert 'title="Voltage at the Premise"' in html


def test_meter_information_shows_the_meter_in_service(client, premise):  # MTR-1, MTR-6
    client.force_login(rep_serving(premise))
    html = client.get(url("premise_information", premise, "meter")).content.decode()
    assert "113555001" in html and "Landis+Gyr" in html
    assert 'title="Manufacturer serial number of the meter"' in html


def test_print_is_a_pdf(client, premise):  # MTR-6
    client.force_login(rep_serving(premise))
    response = client.get(url("premise_information_pdf", premise, "meter"))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_export_is_a_csv_with_the_same_fields(client, premise):  # MTR-6
    client.force_login(rep_serving(premise))
    response = client.get(url("premise_information_csv", premise, "premise"))
    assert response["Content-Disposition"].startswith("attachment;")
    header, values = list(csv.reader(io.StringIO(response.content.decode())))
    row = dict(zip(header, values, strict=True))
    assert row["ESI ID"] == premise.esiid and row["Service Voltage"] == "120/240"
    assert row["Electric Utility Company"] == premise.tdsp.name


def test_export_neutralises_a_formula_typed_into_a_field(client):  # MTR-6 (OWASP CSV injection)
    premise = PremiseFactory(city="=HYPERLINK(1)", unit="@SUM(1)")
    MeterFactory(premise=premise)
    client.force_login(rep_serving(premise))
    response = client.get(url("premise_information_csv", premise, "premise"))
    header, values = list(csv.reader(io.StringIO(response.content.decode())))
    row = dict(zip(header, values, strict=True))
    assert row["City"] == "'=HYPERLINK(1)" and row["Unit Designation"] == "'@SUM(1)"


@pytest.mark.parametrize(
    "name", ["premise_information", "premise_information_pdf", "premise_information_csv"]
)
def test_a_premise_of_another_party_is_not_found(client, premise, name):  # USG-12, SEC-1
    RorPeriodFactory(premise=premise)  # served by somebody else
    for user in (UserFactory(rep=True), UserFactory(), UserFactory(third_party_admin=True)):
        client.force_login(user)
        assert client.get(url(name, premise, "premise")).status_code == 404


@pytest.mark.parametrize("kind", ["premise", "meter"])
def test_customers_see_their_own_and_shared_meters(client, premise, kind):  # USG-12, ACC-22
    shared_by = CustomerPremiseFactory(premise=premise)  # the owner shares `premise`
    mine = CustomerPremiseFactory(premise=MeterFactory(meter_number="113555002").premise)
    share = meter_share_invite(link=shared_by, friend_email=mine.customer.email)
    meter_share_answer(share=share, user=mine.customer, accept=True)
    # Another customer's meter, shared with nobody.
    unshared = CustomerPremiseFactory(premise=MeterFactory(meter_number="113555003").premise)
    client.force_login(mine.customer)

    own = client.get(url("premise_information", mine.premise, kind))
    assert own.status_code == 200
    assert mine.premise.esiid in own.content.decode()
    shared = client.get(url("premise_information", premise, kind))
    assert shared.status_code == 200
    assert premise.esiid in shared.content.decode()
    assert client.get(url("premise_information", unshared.premise, kind)).status_code == 404


def test_tdsp_staff_see_their_utilitys_meters_only(client, premise):  # USG-12
    own = UserFactory(tdsp_admin=True)
    premise.tdsp.company = own.company
    premise.tdsp.save()
    client.force_login(own)
    assert client.get(url("premise_information", premise, "premise")).status_code == 200
    other_tdsp = TdspFactory(
        code="tnmp", name="TNMP", company=CompanyFactory(kind=Company.Kind.TDSP)
    )
    client.force_login(UserFactory(tdsp_admin=True, company=other_tdsp.company))
    assert client.get(url("premise_information", premise, "premise")).status_code == 404


def test_an_unknown_kind_is_not_found(client, premise):
    client.force_login(rep_serving(premise))
    assert client.get(url("premise_information", premise, "billing")).status_code == 404
