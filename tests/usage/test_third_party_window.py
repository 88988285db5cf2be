"""A 3rd party sees a meter's data only for its agreement's period: pages, exports, offline
requests and the SMT-compatible API (USG-12, AGR-14, USG-6, USG-8, USG-10, API-1)."""

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from agreements.services.actions import agreement_terminate
from tests.factories import (
    DEFAULT_PASSWORD,
    AgreementFactory,
    CustomerPremiseFactory,
    MeterFactory,
    RorPeriodFactory,
    UserFactory,
)
from usage.models import DailyRead, MonthlyUsage, OnDemandRead, ReportRequest
from usage.selectors import CLOSED, UNLIMITED, DataWindow, premise_data_window
from usage.services import report_requests
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
TODAY = date(2026, 11, 20)
LATEST = TODAY - timedelta(days=2)  # USG-6: two days' lag
D1 = date(2026, 11, 1)  # the agreement's first day
D2 = date(2027, 4, 30)  # and its last
WINDOW_ERROR = "Dates must be within your agreement with the customer (11/01/2026 – 04/30/2027)."


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=CHICAGO), tick=False):
        yield


def agreement_for(premise=None, user=None, start=D1, end=D2, status="active"):
    """An Active ongoing energy-data agreement (AGR-14) of a 3rd-party admin's company."""
    extra = {"premise": premise} if premise else {}
    if user:
        extra["initiated_by"] = user
    return AgreementFactory(ongoing=True, status=status, start_date=start, end_date=end, **extra)


@pytest.fixture
def agreement():
    agreement = agreement_for()
    store_days(agreement.premise, D1 - timedelta(days=3), 6)  # 10/29 .. 11/03
    return agreement


def store_days(premise, first, days):
    items = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        count = intervals_in_day(day)
        items.append(
            IntervalDayInput(premise.pk, day, "C", tuple([Decimal("0.250")] * count), "A" * count)
        )
    interval_days_store(items)


def options(start, end, report_type="interval", **extra):
    return {
        "report_type": report_type,
        "view": "current",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        **extra,
    }


def page(client, premise, **params):
    return client.get(reverse("usage:usage_report", args=[premise.esiid]), params)


def csv_days(text: str) -> set[str]:
    return {row[1] for row in list(csv.reader(io.StringIO(text)))[1:]}


# --- the window --------------------------------------------------------------------------------


def test_the_window_is_the_agreements_period_for_a_third_party(agreement):  # USG-12, AGR-14
    window = premise_data_window(user=agreement.initiated_by, premise=agreement.premise)
    assert window == DataWindow(start=D1, end=D2)


def test_extension_pending_keeps_the_window_with_the_current_end_date():  # AGR-14
    agreement = agreement_for(status="extension_pending")
    window = premise_data_window(user=agreement.initiated_by, premise=agreement.premise)
    assert window == DataWindow(start=D1, end=D2)


def test_customers_tdsp_and_staff_see_the_whole_history(agreement):  # USG-12
    link = CustomerPremiseFactory(premise=agreement.premise)
    for user in (link.customer, UserFactory(tdsp_admin=True), UserFactory(smt_staff=True)):
        assert premise_data_window(user=user, premise=agreement.premise) == UNLIMITED


def test_a_meter_without_an_agreement_in_force_has_no_day(agreement):  # USG-12: fail closed
    other = MeterFactory().premise
    assert premise_data_window(user=agreement.initiated_by, premise=other) == CLOSED
    expired = agreement_for(status="expired")
    assert premise_data_window(user=expired.initiated_by, premise=expired.premise) == CLOSED


# --- report page (USG-6 rule) ------------------------------------------------------------------


@pytest.mark.parametrize("start, refused", [(D1 - timedelta(days=1), True), (D1, False)])
def test_a_start_before_the_agreement_is_refused_naming_the_rule(
    client, agreement, start, refused
):  # USG-6, USG-12: both sides of the first day
    client.force_login(agreement.initiated_by)
    response = page(client, agreement.premise, **options(start, start + timedelta(days=2)))
    html = response.content.decode()
    assert response.status_code == 200
    assert (WINDOW_ERROR in html) is refused
    assert ("<td>0.250</td>" in html) is not refused


def test_default_dates_open_inside_the_agreement(client):  # USG-12, USG-6
    agreement = agreement_for(start=TODAY - timedelta(days=10))
    client.force_login(agreement.initiated_by)
    for report_type in ("interval", "daily", "monthly"):
        response = page(client, agreement.premise, report_type=report_type)
        form = response.context["form"]
        assert form.is_valid(), (report_type, form.errors)
        assert form.cleaned_data["start_date"] >= agreement.start_date
        assert form.cleaned_data["end_date"] == LATEST


def test_the_page_help_tells_a_third_party_about_the_window(client, agreement):  # USG-12
    note = "shows only the days of that agreement"
    client.force_login(agreement.initiated_by)
    assert note in page(client, agreement.premise).content.decode()
    customer = CustomerPremiseFactory(premise=agreement.premise).customer
    client.force_login(customer)
    assert note not in page(client, agreement.premise).content.decode()


def test_the_window_ends_with_the_agreement(client):  # USG-12, AGR-14: the last day
    agreement = agreement_for(start=date(2026, 10, 1), end=date(2026, 11, 30))
    store_days(agreement.premise, date(2026, 11, 26), 3)
    with time_machine.travel(datetime(2026, 11, 30, 23, 0, tzinfo=CHICAGO), tick=False):
        client.force_login(agreement.initiated_by)
        inside = page(client, agreement.premise, **options(date(2026, 11, 26), date(2026, 11, 28)))
        assert "<td>0.250</td>" in inside.content.decode()
    with time_machine.travel(datetime(2026, 12, 1, 0, 30, tzinfo=CHICAGO), tick=False):
        client.force_login(agreement.initiated_by)
        after = page(client, agreement.premise, **options(date(2026, 11, 26), date(2026, 11, 28)))
        assert after.status_code == 404  # no longer in force: the meter is gone


def test_a_daily_reads_page_keeps_to_the_window(client, agreement):  # USG-4, USG-12
    for offset in range(-2, 3):
        DailyRead.objects.create(
            premise=agreement.premise,
            day=D1 + timedelta(days=offset),
            consumption_kwh=Decimal("10"),
            received_at=datetime(2026, 11, 10, tzinfo=CHICAGO),
        )
    client.force_login(agreement.initiated_by)
    html = page(client, agreement.premise, **options(D1, LATEST, "daily")).content.decode()
    assert "11/01/2026" in html and "10/31/2026" not in html


@pytest.mark.parametrize(
    "start, shown",
    [(date(2026, 10, 16), [date(2026, 10, 16)]), (date(2026, 10, 20), [])],
)
def test_only_billing_periods_wholly_inside_the_agreement_are_shown(
    client, start, shown
):  # USG-5, USG-12: a period begun before the agreement holds earlier usage
    agreement = agreement_for(start=start)
    for first, last in [(date(2026, 9, 16), date(2026, 10, 15)), (date(2026, 10, 16), LATEST)]:
        MonthlyUsage.objects.create(
            premise=agreement.premise,
            start_date=first,
            end_date=last,
            actual_kwh=Decimal("812.5"),
            metered_kw=None,
            received_at=datetime(2026, 11, 19, tzinfo=CHICAGO),
        )
    client.force_login(agreement.initiated_by)
    response = page(client, agreement.premise, **options(start, LATEST, "monthly"))
    months = response.context["report"]["months"]
    assert [m.start_date for m in months] == shown
    url = reverse("usage:usage_report_csv", args=[agreement.premise.esiid])
    text = b"".join(client.get(url, options(start, LATEST, "monthly")).streaming_content)
    assert csv_days(text.decode()) == {day.isoformat() for day in shown}


def test_a_third_party_report_page_adds_at_most_one_query(
    client, agreement, django_assert_max_num_queries
):  # USG-12: one query for the window
    customer = CustomerPremiseFactory(premise=agreement.premise).customer
    query = options(D1, D1)
    client.force_login(customer)
    with django_assert_max_num_queries(100) as customer_queries:
        page(client, agreement.premise, **query)
    client.force_login(agreement.initiated_by)
    with django_assert_max_num_queries(len(customer_queries) + 1):
        response = page(client, agreement.premise, **query)
    assert "<td>0.250</td>" in response.content.decode()


# --- exports at once: CSV, Green Button XML, PDF (USG-10) --------------------------------------


@pytest.mark.parametrize("name", ["usage_report_csv", "usage_report_xml", "usage_report_pdf"])
def test_exports_outside_the_agreement_are_refused(client, agreement, name):  # USG-10, USG-12
    client.force_login(agreement.initiated_by)
    url = reverse(f"usage:{name}", args=[agreement.premise.esiid])
    response = client.get(url, options(D1 - timedelta(days=3), D1 + timedelta(days=2)))
    assert response.status_code == 302  # back to the report page, where the rule is named
    assert reverse("usage:usage_report", args=[agreement.premise.esiid]) in response["Location"]


def test_exports_inside_the_agreement_hold_only_its_days(client, agreement, monkeypatch):
    # USG-10, USG-12
    client.force_login(agreement.initiated_by)
    esiid = agreement.premise.esiid
    query = options(D1, D1 + timedelta(days=2))
    text = b"".join(
        client.get(reverse("usage:usage_report_csv", args=[esiid]), query).streaming_content
    ).decode()
    assert csv_days(text) == {"2026-11-01", "2026-11-02", "2026-11-03"}
    xml = b"".join(
        client.get(reverse("usage:usage_report_xml", args=[esiid]), query).streaming_content
    ).decode()
    assert "<title>2026-11-01</title>" in xml and "<title>2026-10-31</title>" not in xml
    printed = []
    monkeypatch.setattr(
        "usage.views.reports.pdf_from_html", lambda html: printed.append(html) or b"%PDF"
    )
    assert client.get(reverse("usage:usage_report_pdf", args=[esiid]), query).status_code == 200
    assert "11/01/2026" in printed[0] and "10/31/2026" not in printed[0]


def test_download_my_data_keeps_the_rule(client, agreement):  # USG-13, USG-12
    client.force_login(agreement.initiated_by)
    url = reverse("usage:download_my_data", args=[agreement.premise.esiid])
    initial = client.get(url).context["form"].initial
    assert initial["start_date"] >= D1
    response = client.post(url, {"start_date": "2026-10-30", "end_date": "2026-11-02"})
    assert WINDOW_ERROR in response.content.decode()


# --- offline report requests (USG-7, USG-8) ----------------------------------------------------


def export(client, premises, start, end, **extra):
    data = {"esiid": [p.esiid for p in premises], **options(start, end), **extra}
    return client.post(reverse("usage:export_reports"), data)


def test_an_offline_request_before_the_agreement_is_refused(client, agreement):  # USG-8
    client.force_login(agreement.initiated_by)
    response = export(client, [agreement.premise], D1 - timedelta(days=3), LATEST)
    assert WINDOW_ERROR in response.content.decode()
    assert not ReportRequest.objects.exists()


def test_an_offline_request_keeps_each_meter_to_its_own_agreement(
    client, agreement, django_capture_on_commit_callbacks
):  # USG-8, USG-12: one order, meters of different agreements, each clamped
    user = agreement.initiated_by
    later = agreement_for(user=user, start=D1 + timedelta(days=1))
    store_days(later.premise, D1 - timedelta(days=3), 6)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        export(client, [agreement.premise, later.premise], D1, D1 + timedelta(days=2))
    report = ReportRequest.objects.get()
    assert report.status == ReportRequest.Status.COMPLETE
    rows = list(csv.reader(io.StringIO(report.file.read().decode())))[1:]
    days = {(row[0], row[1]) for row in rows}
    assert days == {
        (agreement.premise.esiid, "2026-11-01"),
        (agreement.premise.esiid, "2026-11-02"),
        (agreement.premise.esiid, "2026-11-03"),
        (later.premise.esiid, "2026-11-02"),
        (later.premise.esiid, "2026-11-03"),
    }
    assert report.rows == len(rows)


def test_an_offline_green_button_request_holds_only_window_days(
    client, agreement, django_capture_on_commit_callbacks
):  # USG-10, USG-12: the rule is checked again when the file is built
    user = agreement.initiated_by
    with django_capture_on_commit_callbacks(execute=False):
        request = report_requests.report_request_create(
            user=user,
            premises=[agreement.premise],
            report_type="interval",
            start=D1 - timedelta(days=3),
            end=D1 + timedelta(days=2),
            file_format=ReportRequest.FileFormat.GREEN_BUTTON,
        )
    report_requests.report_request_build(request_id=request.pk)
    xml = ReportRequest.objects.get(pk=request.pk).file.read().decode()
    assert "<title>2026-11-01</title>" in xml and "<title>2026-10-31</title>" not in xml


def test_an_agreement_ended_before_the_build_gives_no_data(
    agreement, django_capture_on_commit_callbacks
):  # USG-12, AGR-14: consent withdrawn meanwhile
    user = agreement.initiated_by
    with django_capture_on_commit_callbacks(execute=False):
        request = report_requests.report_request_create(
            user=user, premises=[agreement.premise], report_type="interval", start=D1, end=LATEST
        )
        agreement_terminate(agreement=agreement, user=user, reason="no longer needed")
    report = report_requests.report_request_build(request_id=request.pk)
    assert report.status == ReportRequest.Status.UNSUCCESSFUL
    assert report.detail == report_requests.NO_DATA


def test_a_one_time_agreements_report_keeps_its_agreed_period(
    agreement, django_capture_on_commit_callbacks
):  # AGR-10: the customer agreed to that report; it is not the ongoing window's
    user = agreement.initiated_by
    with django_capture_on_commit_callbacks(execute=False):
        request = report_requests.report_request_create(
            user=user,
            premises=[agreement.premise],
            report_type="interval",
            start=D1 - timedelta(days=3),
            end=D1,
        )
    AgreementFactory(
        initiated_by=user, premise=agreement.premise, status="complete", report_request=request
    )
    report_requests.report_request_build(request_id=request.pk)
    text = ReportRequest.objects.get(pk=request.pk).file.read().decode()
    assert "2026-10-29" in csv_days(text)


# --- SMT-compatible API (API-1) ----------------------------------------------------------------


def api(client, name, body, user):
    auth = client.post(
        reverse("api:api_authenticate"),
        json.dumps({"username": user.username, "password": DEFAULT_PASSWORD}),
        content_type="application/json",
    )
    token = auth.json()["token"]
    return client.post(
        reverse(f"api:{name}"),
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def synch_body(premise, start, end):
    return {
        "startDate": f"{start:%m/%d/%Y}",
        "endDate": f"{end:%m/%d/%Y}",
        "reportFormat": "JSON",
        "ESIID": [premise.esiid],
    }


def test_interval_synch_leaves_out_days_before_the_agreement(client, agreement):  # API-1
    body = synch_body(agreement.premise, D1 - timedelta(days=3), D1 + timedelta(days=2))
    response = api(client, "api_interval_synch", body, agreement.initiated_by)
    assert response.status_code == 200
    days = [row["DT"] for row in response.json()["data"]["energyData"]]
    assert days == ["11/01/2026", "11/02/2026", "11/03/2026"]


def test_a_synch_wholly_before_the_agreement_is_empty(client, agreement):  # API-1, USG-12
    body = synch_body(agreement.premise, D1 - timedelta(days=3), D1 - timedelta(days=1))
    response = api(client, "api_interval_synch", body, agreement.initiated_by)
    assert response.status_code == 200
    assert response.json()["data"]["energyData"] == []


def test_daily_and_monthly_synch_keep_to_the_agreement(client, agreement):  # API-1, USG-12
    for offset in (-1, 0):
        DailyRead.objects.create(
            premise=agreement.premise,
            day=D1 + timedelta(days=offset),
            consumption_kwh=Decimal("10"),
            received_at=datetime(2026, 11, 10, tzinfo=CHICAGO),
        )
    for first, last in [(date(2026, 10, 1), date(2026, 10, 31)), (D1, date(2026, 11, 15))]:
        MonthlyUsage.objects.create(
            premise=agreement.premise,
            start_date=first,
            end_date=last,
            actual_kwh=Decimal("500"),
            metered_kw=None,
            received_at=datetime(2026, 11, 19, tzinfo=CHICAGO),
        )
    user = agreement.initiated_by
    body = synch_body(agreement.premise, date(2026, 10, 16), date(2026, 11, 15))
    daily = api(client, "api_daily_synch", body, user).json()["data"]["dailyData"]
    assert [row["DT"] for row in daily] == ["11/01/2026"]
    monthly = api(client, "api_monthly_synch", body, user).json()["data"]["monthlyData"]
    assert [row["startDate"] for row in monthly] == ["11/01/2026"]


def test_the_latest_on_demand_read_before_the_agreement_is_not_shown(client, agreement):
    # USG-11, USG-12: a read the customer asked for before the agreement
    OnDemandRead.objects.create(
        premise=agreement.premise,
        meter_number=agreement.meter_number,
        requested_by=UserFactory(),
        tdsp_request_id="before-agreement",
        status=OnDemandRead.Status.COMPLETED,
        requested_at=datetime(2026, 10, 30, 9, 0, tzinfo=CHICAGO),
        register_read=Decimal("98765.432"),
        read_at=datetime(2026, 10, 30, 9, 1, tzinfo=CHICAGO),
    )
    body = {"ESIID": agreement.premise.esiid}
    response = api(client, "api_latest_odr_read", body, agreement.initiated_by)
    assert response.status_code == 404
    client.force_login(agreement.initiated_by)
    assert "98765" not in page(client, agreement.premise, **options(D1, D1)).content.decode()


# --- parties that are not limited --------------------------------------------------------------


def test_a_rep_serving_the_meter_as_ror_is_not_limited(client, agreement):  # USG-12, MTR-4
    rep = UserFactory(rep_admin=True)  # REPs are 3rd parties too, with Energy Data
    RorPeriodFactory(premise=agreement.premise, ror_duns=rep.duns_grants.get().number)
    agreement_for(premise=agreement.premise, user=rep)
    assert premise_data_window(user=rep, premise=agreement.premise) == UNLIMITED
    client.force_login(rep)
    html = page(client, agreement.premise, **options(D1 - timedelta(days=3), D1)).content.decode()
    assert WINDOW_ERROR not in html and "<td>0.250</td>" in html


def test_a_rep_seeing_the_meter_only_through_an_agreement_is_limited(client, agreement):
    # USG-12: the REP is a 3rd party for this meter
    rep = UserFactory(rep_admin=True)
    agreement_for(premise=agreement.premise, user=rep)
    assert premise_data_window(user=rep, premise=agreement.premise) == DataWindow(D1, D2)
    client.force_login(rep)
    html = page(client, agreement.premise, **options(D1 - timedelta(days=3), D1)).content.decode()
    assert WINDOW_ERROR in html


def test_a_customer_is_not_limited_by_their_agreements(client, agreement):  # USG-12
    customer = CustomerPremiseFactory(premise=agreement.premise).customer
    client.force_login(customer)
    start = D1 - timedelta(days=3)
    html = page(client, agreement.premise, **options(start, D1)).content.decode()
    assert WINDOW_ERROR not in html and "<td>0.250</td>" in html
    url = reverse("usage:usage_report_csv", args=[agreement.premise.esiid])
    text = b"".join(client.get(url, options(start, D1)).streaming_content).decode()
    assert "2026-10-29" in csv_days(text)
    body = synch_body(agreement.premise, start, D1)
    energy = api(client, "api_interval_synch", body, customer).json()["data"]["energyData"]
    assert len(energy) == 4
