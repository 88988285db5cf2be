"""Export Report(s) with several reports in one order (USG-8, seed 003 §8.4): Daily Usage,
Daily Meter Reads and Monthly Usage, each with its own dates and View, under one order
number, built offline into one ZIP with a file per report; each report keeps the USG-6 date
rules on its own fields; Report Request Status lists the order with its reports (USG-9) and a
3rd party sees the ESIIDs masked (AGR-2)."""

import csv
import io
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundEmail
from tests.factories import MeterFactory, PremiseFactory, RorPeriodFactory, UserFactory
from usage.models import DailyRead, MonthlyUsage, ReportRequest
from usage.services import report_requests
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs on commit

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHICAGO)
LATEST = date(2026, 11, 18)  # USG-6: data is available two days after the day
EXPORT = reverse("usage:export_reports")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rep_with_meters():
    rep = UserFactory(rep=True, username="rep.parts")
    premises = []
    for _n in range(2):
        premise = PremiseFactory()
        MeterFactory(premise=premise, installed_on=date(2020, 1, 1))
        RorPeriodFactory(premise=premise, ror_duns=rep.duns_grants.get().number)
        premises.append(premise)
    return rep, premises


def store_usage(premise):
    """Three days of 15-minute data, Daily Meter Reads of November (the 10th in two
    versions) and three billing periods."""
    items = []
    for offset in range(3):
        day = LATEST - timedelta(days=offset)
        count = intervals_in_day(day)
        items.append(
            IntervalDayInput(premise.pk, day, "C", tuple([Decimal("0.5")] * count), "A" * count)
        )
    interval_days_store(items)
    received = timezone.now()
    for day in range(1, 19):
        DailyRead.objects.create(
            premise=premise,
            day=date(2026, 11, day),
            version=1,
            is_current=day != 10,
            start_read=Decimal(day * 10),
            end_read=Decimal(day * 10 + 12),
            consumption_kwh=Decimal(12),
            received_at=received,
        )
    DailyRead.objects.create(
        premise=premise,
        day=date(2026, 11, 10),
        version=2,
        start_read=Decimal(100),
        end_read=Decimal(113),
        consumption_kwh=Decimal(13),
        received_at=received,
    )
    for month in (7, 8, 9):
        MonthlyUsage.objects.create(
            premise=premise,
            start_date=date(2026, month, 1),
            end_date=date(2026, month + 1, 1) - timedelta(days=1),
            actual_kwh=Decimal(900 + month),
            received_at=received,
        )


def part(report_type, start, end, view="current", **extra):
    return {
        f"{report_type}-include": "on",
        f"{report_type}-view": view,
        f"{report_type}-start_date": start.isoformat(),
        f"{report_type}-end_date": end.isoformat(),
        **{f"{report_type}-{key}": value for key, value in extra.items()},
    }


def export(client, premises, *parts):
    data = {"esiid": [p.esiid for p in premises]}
    for values in parts:
        data |= values
    return client.post(EXPORT, data)


def three_parts():
    return (
        part("interval", LATEST - timedelta(days=2), LATEST),
        part("daily", date(2026, 11, 9), date(2026, 11, 11), view="versions"),
        part("monthly", date(2026, 6, 1), date(2026, 8, 31)),
    )


def zip_members(report) -> dict[str, list[list[str]]]:
    with report.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode())))
            for name in archive.namelist()
        }


def test_the_page_offers_the_three_reports_each_with_its_view_and_dates(client, rep_with_meters):
    rep, premises = rep_with_meters  # USG-8, seed 003 §8.4
    client.force_login(rep)
    html = client.get(EXPORT, {"esiid": [p.esiid for p in premises]}).content.decode()
    for report_type in ("interval", "daily", "monthly"):
        for field in ("include", "view", "start_date", "end_date"):
            assert f'name="{report_type}-{field}"' in html
    assert 'name="interval-file_format"' in html  # USG-10: Green Button for Daily Usage only
    assert 'name="monthly-file_format"' not in html
    assert 'name="interval-include" id="id_interval-include" checked' in html
    assert 'name="monthly-include" id="id_monthly-include" checked' not in html


def test_three_reports_are_one_order_built_into_one_zip(client, rep_with_meters):  # USG-8
    rep, premises = rep_with_meters
    for premise in premises:
        store_usage(premise)
    client.force_login(rep)
    html = export(client, premises, *three_parts()).content.decode()
    report = ReportRequest.objects.get()  # one order number for the three reports
    assert f"Order number: {report.order_number}" in html
    assert "Daily Usage (15 minutes), Daily Meter Reads, Monthly Usage" in html
    assert report.status == ReportRequest.Status.COMPLETE
    assert report_requests.report_file_name(report) == f"report-{report.order_number}.zip"
    files = zip_members(report)
    number = report.order_number
    assert sorted(files) == [
        f"report-{number}-1-daily-usage.csv",
        f"report-{number}-2-daily-meter-reads.csv",
        f"report-{number}-3-monthly-usage.csv",
    ]
    interval = files[f"report-{number}-1-daily-usage.csv"]
    assert interval[0][0] == "ESIID"
    assert len(interval) - 1 == 2 * sum(intervals_in_day(LATEST - timedelta(n)) for n in range(3))
    daily = files[f"report-{number}-2-daily-meter-reads.csv"]
    # Version Updates: the 9th, both versions of the 10th and the 11th, for each meter.
    assert len(daily) - 1 == 2 * 4
    monthly = files[f"report-{number}-3-monthly-usage.csv"]
    assert len(monthly) - 1 == 2 * 2  # July and August: the periods inside June–August
    assert [part.rows for part in report.report_parts] == [
        len(interval) - 1,
        len(daily) - 1,
        len(monthly) - 1,
    ]
    assert report.rows == sum(part.rows for part in report.report_parts)
    (email,) = OutboundEmail.objects.filter(template="usage/report_ready")
    assert (
        email.context["report_type"] == "Daily Usage (15 minutes), Daily Meter Reads, Monthly Usage"
    )
    assert not email.context["attached"]  # a ZIP is linked, never attached
    download = client.get(reverse("usage:report_request_download", args=[report.pk]))
    assert download["Content-Type"] == "application/zip"


def test_the_order_is_built_one_report_after_the_other_in_runs(
    client, rep_with_meters, monkeypatch
):  # SEC-6, USG-8: each run builds one part of one report and queues the next
    rep, premises = rep_with_meters
    for premise in premises:
        store_usage(premise)
    monkeypatch.setattr(report_requests, "_dispatch", lambda request_id: None)
    client.force_login(rep)
    export(client, premises, *three_parts())
    report = ReportRequest.objects.get()
    monkeypatch.setattr(report_requests, "REPORT_PART_SECONDS", 0.0)  # one meter per run
    runs = 0
    while report.status == ReportRequest.Status.PROCESSING:
        report = report_requests.report_request_build(request_id=report.pk)
        runs += 1
    assert runs == 3 * 2  # three reports of two meters
    assert report.status == ReportRequest.Status.COMPLETE
    assert len(zip_members(report)) == 3


def test_one_report_makes_the_same_file_as_before(client, rep_with_meters):  # USG-8, USG-7
    rep, premises = rep_with_meters
    for premise in premises:
        store_usage(premise)
    client.force_login(rep)
    export(client, premises, part("interval", LATEST - timedelta(days=2), LATEST))
    flat = {
        "esiid": [p.esiid for p in premises],
        "report_type": "interval",
        "view": "current",
        "start_date": (LATEST - timedelta(days=2)).isoformat(),
        "end_date": LATEST.isoformat(),
    }
    client.post(EXPORT, flat)  # one report's options, as the 3rd-party API sends them
    one, before = ReportRequest.objects.order_by("pk")
    assert one.parts == [] and not one.is_multi_part
    assert report_requests.report_file_name(one) == f"report-{one.order_number}.csv"
    assert one.file.read() == before.file.read()


def test_a_reports_date_error_shows_on_its_own_fields(client, rep_with_meters):  # USG-6
    rep, premises = rep_with_meters
    client.force_login(rep)
    html = export(
        client,
        premises,
        part("interval", LATEST - timedelta(days=2), LATEST),
        part("monthly", date(2024, 10, 1), LATEST + timedelta(days=1)),
    ).content.decode()
    assert not ReportRequest.objects.exists()
    assert "Please correct the fields marked below." in html
    assert (
        '<p class="field-error-text" id="id_monthly-start_date_error">The start date cannot be '
        "more than 24 months ago (11/20/2024).</p>" in html
    )
    assert '<p class="field-error-text" id="id_monthly-end_date_error">Usage data is' in html
    assert 'id="id_interval-start_date_error"' not in html
    assert 'id="id_interval-end_date_error"' not in html


def test_a_report_not_ticked_is_not_checked(client, rep_with_meters):  # USG-8
    rep, premises = rep_with_meters
    client.force_login(rep)
    data = part("interval", LATEST, LATEST) | {
        "monthly-start_date": "2001-01-01",  # typed, but the report is not asked for
        "monthly-end_date": "",
    }
    export(client, premises, data)
    report = ReportRequest.objects.get()
    assert [p.report_type for p in report.report_parts] == ["interval"]


def test_at_least_one_report_must_be_ticked(client, rep_with_meters):  # USG-8
    rep, premises = rep_with_meters
    client.force_login(rep)
    html = client.post(EXPORT, {"esiid": [premises[0].esiid]}).content.decode()
    assert "Choose at least one report: Daily Usage, Daily Meter Reads or Monthly Usage." in html
    assert not ReportRequest.objects.exists()


@pytest.mark.parametrize(
    ("moment", "monthly_accepted"),
    [
        (datetime(2026, 11, 20, 23, 59, 59, tzinfo=CHICAGO), True),  # the 24 months' last second
        (datetime(2026, 11, 21, 0, 0, 0, tzinfo=CHICAGO), False),  # a day past 24 months
    ],
)
def test_the_history_limit_holds_per_report(client, rep_with_meters, moment, monthly_accepted):
    # USG-6: Monthly Usage goes back 24 months, Daily Usage 48, each on its own report.
    rep, premises = rep_with_meters
    start = date(2024, 11, 20)
    with time_machine.travel(moment, tick=False):
        client.force_login(rep)  # a session idle for hours would be signed out
        html = export(
            client,
            premises,
            part("interval", start, start + timedelta(days=60)),
            part("monthly", start, date(2025, 10, 31)),
        ).content.decode()
    if monthly_accepted:
        report = ReportRequest.objects.get()
        assert [p.start_date for p in report.report_parts] == [start, start]
    else:
        assert not ReportRequest.objects.exists()
        assert "The start date cannot be more than 24 months ago (11/21/2024)." in html
        assert 'id="id_monthly-start_date_error"' in html
        assert 'id="id_interval-start_date_error"' not in html


def test_green_button_rules_hold_per_report(client, rep_with_meters):  # USG-10
    rep, premises = rep_with_meters
    for premise in premises:
        store_usage(premise)
    client.force_login(rep)
    html = export(
        client,
        premises,
        part("interval", LATEST, LATEST, view="versions", file_format="xml"),
        part("monthly", date(2026, 6, 1), date(2026, 8, 31)),
    ).content.decode()
    assert not ReportRequest.objects.exists()
    assert (
        '<p class="field-error-text" id="id_interval-view_error">Green Button XML carries the '
        "current version only.</p>" in html
    )
    export(
        client,
        premises,
        part("interval", LATEST, LATEST, file_format="xml"),
        part("monthly", date(2026, 6, 1), date(2026, 8, 31), file_format="xml"),  # not offered
    )
    report = ReportRequest.objects.get()
    number = report.order_number
    assert [(p.report_type, p.file_format) for p in report.report_parts] == [
        ("interval", "xml"),
        ("monthly", "csv"),
    ]
    with report.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        assert sorted(archive.namelist()) == [
            f"report-{number}-1-daily-usage.xml",
            f"report-{number}-2-monthly-usage.csv",
        ]
        assert archive.read(f"report-{number}-1-daily-usage.xml").startswith(b"<?xml")


def test_a_report_without_data_is_left_out_and_said_so(client, rep_with_meters):  # USG-9
    rep, premises = rep_with_meters
    for premise in premises:
        store_usage(premise)
    client.force_login(rep)
    export(
        client,
        premises,
        part("interval", LATEST, LATEST),
        part("monthly", date(2025, 1, 1), date(2025, 3, 31)),  # no billing period then
    )
    report = ReportRequest.objects.get()
    assert report.status == ReportRequest.Status.COMPLETE
    assert list(zip_members(report)) == [f"report-{report.order_number}-1-daily-usage.csv"]
    html = client.get(reverse("usage:report_requests")).content.decode()
    assert "Monthly Usage: no data found for the options chosen." in html


def test_an_order_without_any_data_is_unsuccessful(client, rep_with_meters):  # USG-9
    rep, premises = rep_with_meters
    client.force_login(rep)
    export(client, premises, *three_parts())
    report = ReportRequest.objects.get()
    assert report.status == ReportRequest.Status.UNSUCCESSFUL
    assert report.detail == "No data found for the options chosen."
    assert not report.file


def test_status_lists_the_order_with_its_reports(client, rep_with_meters):  # USG-9
    rep, premises = rep_with_meters
    for premise in premises:
        store_usage(premise)
    client.force_login(rep)
    export(client, premises, *three_parts())
    report = ReportRequest.objects.get()
    html = client.get(reverse("usage:report_requests")).content.decode()
    assert '<table class="cards">' in html
    assert f'<td data-label="Order number">{report.order_number}</td>' in html
    row = html.split(f'<td data-label="Order number">{report.order_number}</td>')[1]
    row = row.split("</tr>")[0]
    assert "Daily Usage (15 minutes)<br>Daily Meter Reads · Version Updates<br>Monthly Usage" in row
    assert "11/16/2026 – 11/18/2026<br>11/09/2026 – 11/11/2026<br>06/01/2026 – 08/31/2026" in row
    assert 'class="row-actions"' in row and f"Download ({report.rows} rows)" in row


def test_the_report_pages_offline_link_ticks_that_report_with_its_options(
    client, rep_with_meters
):  # USG-7: too large to show, requested offline
    rep, premises = rep_with_meters
    client.force_login(rep)
    params = {
        "esiid": premises[0].esiid,
        "report_type": "daily",
        "view": "versions",
        "start_date": "2026-09-01",
        "end_date": "2026-11-18",
    }
    html = client.get(EXPORT, params).content.decode()
    assert 'name="daily-include" id="id_daily-include" checked' in html
    assert 'name="interval-include" id="id_interval-include" checked' not in html
    assert 'name="daily-start_date" value="2026-09-01"' in html


# --- USG-9, AGR-2: a 3rd party sees the ESIIDs masked on Report Request Status ----------------


def one_meter_request(user, premise):
    report = ReportRequest.objects.create(
        requested_by=user,
        company=user.company,
        party=report_requests._party(user),
        report_type=ReportRequest.ReportType.INTERVAL,
        status=ReportRequest.Status.UNSUCCESSFUL,
        detail="No data found for the options chosen.",
        requested_at=timezone.now(),
    )
    report.premises.set([premise])
    return report


def test_a_third_party_sees_the_esiid_masked(client):  # USG-9, AGR-2, UX-3
    third_party = UserFactory(third_party_admin=True)
    premise = PremiseFactory(esiid="10443720000000123")
    one_meter_request(third_party, premise)
    client.force_login(third_party)
    html = client.get(reverse("usage:report_requests")).content.decode()
    assert '<td data-label="Meters">1044372...</td>' in html
    assert "10443720000000123" not in html


def test_rep_and_customer_see_the_esiid_whole(client, rep_with_meters):  # USG-9
    rep, premises = rep_with_meters
    customer = UserFactory()
    for user in (rep, customer):
        one_meter_request(user, premises[0])
        client.force_login(user)
        html = client.get(reverse("usage:report_requests")).content.decode()
        assert f'<td data-label="Meters">{premises[0].esiid}</td>' in html
