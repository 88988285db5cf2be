"""CSV exports never hand a spreadsheet a formula typed by someone (OWASP CSV injection):
a text cell starting with =, +, -, @, tab or carriage return gets a ' in front; numbers the
portal writes are left alone (USG-10, MTR-7, AGR-2)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import (
    AgreementFactory,
    MeterFactory,
    PremiseFactory,
    TdspFactory,
    UserFactory,
)
from usage.formats import csv_export
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 14)


def rows_of(chunks) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(chunks))))


@pytest.fixture
def hostile_premise():
    premise = PremiseFactory(
        tdsp=TdspFactory(code="evil", name="+cmd|' /C calc'!A0"),
        street_name='=HYPERLINK("http://evil.example","Click")',
        city="@SUM(1)",
        unit="-2+3",
        rate_class="\t=1+1",
    )
    MeterFactory(
        premise=premise,
        manufacturer="=1+1",
        model="@SUM(1)",
        kwh_multiplier=Decimal("-1.500"),  # a number the portal writes: left as it is
        channels=2,
    )
    return premise


def test_premise_information_cells_typed_by_people_are_neutralised(hostile_premise):  # MTR-7
    header, values = rows_of(csv_export.information_csv("premise", hostile_premise))
    row = dict(zip(header, values, strict=True))

    assert row["Electric Utility Company"] == "'+cmd|' /C calc'!A0"
    assert row["Street Name"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row["City"] == "'@SUM(1)"
    assert row["Unit Designation"] == "'-2+3"
    assert row["Rate Class/Code"] == "'\t=1+1"
    assert row["ESI ID"] == hostile_premise.esiid and row["House Number"] == "123"


def test_meter_information_keeps_its_numbers(hostile_premise):  # MTR-7
    header, values = rows_of(csv_export.information_csv("meter", hostile_premise))
    row = dict(zip(header, values, strict=True))

    assert row["Meter Manufacturer Name"] == "'=1+1"
    assert row["Meter Model"] == "'@SUM(1)"
    assert row["kWh Meter Multiplier"] == "-1.500"
    assert row["Number of Channels"] == "2"


def test_usage_report_numbers_are_written_as_they_are(hostile_premise):  # USG-10
    count = intervals_in_day(DAY)
    interval_days_store(
        [IntervalDayInput(hostile_premise.pk, DAY, "C", (Decimal("0.250"),) * count, "A" * count)]
    )

    rows = rows_of(csv_export.report_csv("interval", hostile_premise, DAY, DAY))

    assert rows[1][:6] == [hostile_premise.esiid, "2026-03-14", "1", "00:00", "00:15", "0.250"]
    assert all(not cell.startswith("'") for row in rows for cell in row)


@pytest.mark.parametrize(
    "last_name", ['=HYPERLINK("http://evil.example","Click")', "+cmd", "@SUM(1)", "-2+3"]
)
def test_the_agreements_export_neutralises_names_and_meter_numbers(client, last_name):  # AGR-2
    user = UserFactory(third_party_admin=True)
    client.force_login(user)
    agreement = AgreementFactory(initiated_by=user, customer_last_name=last_name)
    type(agreement).objects.filter(pk=agreement.pk).update(meter_number="=1+1")

    response = client.get(reverse("agreements:company_export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert rows[1][6] == "'" + last_name
    assert rows[1][5] == "'=1+1"
    assert rows[1][1] == agreement.agreement_number  # the portal's own number, unchanged
