"""Report requests through the 3rd-party API (API-2): request an offline export with the
Export Report(s) page's rules and messages (USG-6, USG-8, USG-10), follow its status and
download its file as Report Request Status gives it (USG-9), only for meters and days the
caller may see (USG-12, AGR-14), with the Energy Data function (ACC-19), in the API-4 shape."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from agreements.services.answers import agreement_accept, agreement_reports_notify_ready
from smt.api.thirdparty.models import WebhookDelivery
from smt.api.thirdparty.webhooks.services import webhook_endpoint_create
from tests.agreements.helpers import one_time, third_party_admin, token_of
from tests.factories import AgreementFactory, MeterFactory, UserFactory
from usage.models import ReportRequest
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day
from usage.services.report_requests import report_request_create

from .helpers import API, NOW, bearer, post

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
TODAY = date(2026, 3, 2)  # NOW in Texas
LATEST = TODAY - timedelta(days=2)  # USG-6: data comes two days after the day
D1 = date(2026, 2, 1)  # the agreement's first day
D2 = date(2026, 7, 31)  # and its last
WINDOW_ERROR = "Dates must be within your agreement with the customer (02/01/2026 – 07/31/2026)."


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what a request schedules on commit: the worker's build, eagerly in tests."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def agreement_for(user=None, start=D1, end=D2, **kwargs):
    """An Active ongoing energy-data agreement (AGR-14) of `user`'s company, whose meter
    has 0.250 kWh in every interval from three days before `start` to five days after."""
    extra = {"initiated_by": user} if user else {}
    agreement = AgreementFactory(
        ongoing=True, status="active", start_date=start, end_date=end, **extra, **kwargs
    )
    store_days(agreement.premise, start - timedelta(days=3), 9)
    return agreement


@pytest.fixture
def agreement():
    return agreement_for()


@pytest.fixture
def user(agreement):
    return agreement.initiated_by


def store_days(premise, first, days):
    items = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        count = intervals_in_day(day)
        items.append(
            IntervalDayInput(premise.pk, day, "C", tuple([Decimal("0.250")] * count), "A" * count)
        )
    interval_days_store(items)


def body_for(premises, start=D1, end=D1 + timedelta(days=2), **options):
    return {
        "esiids": [p.esiid for p in premises],
        "report_type": "interval",
        "view": "current",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "file_format": "csv",
        **options,
    }


def error_of(response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["code"], body.get("field", "")


def csv_days(text: str) -> set[tuple[str, str]]:
    return {(row[0], row[1]) for row in list(csv.reader(io.StringIO(text)))[1:]}


def file_of(response) -> bytes:
    return b"".join(response.streaming_content)


# --- request, build, status, download (USG-8, USG-9) -------------------------------------------


def test_a_request_is_built_and_downloads_as_the_page_gives_it(client, agreement, user, on_commit):
    # USG-8, USG-9, USG-7: 201 processing at once; the worker builds; the file is the page's
    headers = bearer(user)
    with on_commit():
        response = post(client, "/reports", body_for([agreement.premise]), headers)
    assert response.status_code == 201, response.json()
    made = response.json()
    assert made["status"] == "processing"
    assert made["download_url"] is None and made["file_name"] is None
    assert made["order_number"] == f"{made['id']:08d}"
    assert response["Location"] == f"{API}/reports/{made['id']}"
    report = ReportRequest.objects.get()
    assert made["id"] == report.pk and report.requested_by == user

    shown = client.get(f"{API}/reports/{report.pk}", **headers).json()
    assert shown["status"] == "complete"
    assert shown["file_name"] == f"report-{report.order_number}.csv"
    assert shown["download_url"] == f"http://testserver{API}/reports/{report.pk}/download"
    assert shown["size"] == report.file.size
    assert shown["rows"] == 3 * 96
    assert shown["esiid"] == agreement.premise.esiid and shown["meter_count"] == 1
    assert shown["expires_at"] == "2026-04-01T15:00:00Z"  # REPORT_RETENTION_DAYS (30) later

    download = client.get(shown["download_url"], **headers)
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv"
    assert download["Content-Disposition"] == (
        f'attachment; filename="report-{report.order_number}.csv"'
    )
    client.force_login(user)
    page = client.get(reverse("usage:report_request_download", args=[report.pk]))
    assert file_of(download) == file_of(page)
    assert page["Content-Type"] == download["Content-Type"]
    assert page["Content-Disposition"] == download["Content-Disposition"]


def test_a_green_button_request_downloads_as_xml(client, agreement, user, on_commit):  # USG-10
    headers = bearer(user)
    with on_commit():
        made = post(client, "/reports", body_for([agreement.premise], file_format="xml"), headers)
    assert made.status_code == 201, made.json()
    download = client.get(f"{API}/reports/{made.json()['id']}/download", **headers)
    assert download["Content-Type"] == "application/atom+xml"
    assert download["Content-Disposition"].endswith('.xml"')
    assert b"<title>2026-02-01</title>" in file_of(download)


def test_a_download_ignores_an_accept_header_asking_for_the_file(
    client, agreement, user, on_commit
):  # API-2: a client may send Accept: text/csv
    headers = bearer(user)
    with on_commit():
        made = post(client, "/reports", body_for([agreement.premise]), headers).json()
    download = client.get(f"{API}/reports/{made['id']}/download", HTTP_ACCEPT="text/csv", **headers)
    assert download.status_code == 200 and download["Content-Type"] == "text/csv"


def test_a_request_not_built_yet_is_409_not_ready(client, agreement, user):  # USG-9
    headers = bearer(user)
    made = post(client, "/reports", body_for([agreement.premise]), headers).json()  # no worker
    assert client.get(f"{API}/reports/{made['id']}", **headers).json()["status"] == "processing"
    response = client.get(f"{API}/reports/{made['id']}/download", **headers)
    assert error_of(response) == (409, "REPORT_NOT_READY", "")
    assert made["order_number"] in response.json()["message"]


def test_an_unsuccessful_request_is_409_with_its_reason(client, agreement, user, on_commit):
    # USG-9: "No data found for the options chosen."
    headers = bearer(user)
    with on_commit():
        body = body_for([agreement.premise], start=D1 + timedelta(days=10), end=LATEST)
        made = post(client, "/reports", body, headers).json()
    shown = client.get(f"{API}/reports/{made['id']}", **headers).json()
    assert shown["status"] == "unsuccessful"
    assert shown["detail"] == "No data found for the options chosen."
    assert shown["download_url"] is None
    response = client.get(f"{API}/reports/{made['id']}/download", **headers)
    assert error_of(response) == (409, "REPORT_UNSUCCESSFUL", "")
    assert "No data found for the options chosen." in response.json()["message"]


def test_a_request_past_its_retention_is_gone(client, agreement, user, on_commit, clock):
    # USG-9 decision: kept REPORT_RETENTION_DAYS (30) days, as on Report Request Status
    headers = bearer(user)
    with on_commit():
        made = post(client, "/reports", body_for([agreement.premise]), headers).json()
    clock.move_to(NOW + timedelta(days=30))
    assert client.get(f"{API}/reports/{made['id']}", **headers).status_code == 200
    clock.move_to(NOW + timedelta(days=30, seconds=1))
    for path in (f"/reports/{made['id']}", f"/reports/{made['id']}/download"):
        assert error_of(client.get(f"{API}{path}", **headers)) == (404, "NOT_FOUND", "")
    assert client.get(f"{API}/reports", **headers).json()["results"] == []


def test_the_order_number_is_the_id(client, agreement, user, on_commit):  # USG-9
    headers = bearer(user)
    with on_commit():
        made = post(client, "/reports", body_for([agreement.premise]), headers).json()
    response = client.get(f"{API}/reports/{made['order_number']}", **headers)
    assert response.status_code == 200 and response.json()["id"] == made["id"]


# --- refusals: the page's rules and messages, API-4 --------------------------------------------


@pytest.mark.parametrize(
    "options, field, message",
    [
        (
            {"start_date": "2026-02-03", "end_date": "2026-02-02"},
            "end_date",
            "The end date must be on or after the start date.",
        ),
        (
            {"end_date": "2026-03-01"},
            "end_date",
            "Usage data is available two days after the day it covers: the latest end date "
            "is 02/28/2026.",
        ),
        ({"start_date": "2026-01-31"}, "start_date", WINDOW_ERROR),  # USG-12
        ({"start_date": "2026-02-30"}, "start_date", "Enter a valid date."),
        ({"start_date": None}, "start_date", "This field is required."),
        (
            {"report_type": "hourly"},
            "report_type",
            "Select a valid choice. hourly is not one of the available choices.",
        ),
        (
            {"view": "latest"},
            "view",
            "Select a valid choice. latest is not one of the available choices.",
        ),
        (
            {"report_type": "daily", "file_format": "xml"},
            "file_format",
            "Green Button XML is available for Daily Usage (15 minutes) only.",
        ),
        (
            {"view": "versions", "file_format": "xml"},
            "view",
            "Green Button XML carries the current version only.",
        ),
        ({"esiids": []}, "esiids", "Select at least one meter to export."),
    ],
)
def test_options_are_refused_with_the_pages_message_on_their_field(
    client, agreement, user, options, field, message
):  # USG-6, USG-8, USG-10, USG-12, API-4
    response = post(client, "/reports", body_for([agreement.premise], **options), bearer(user))
    assert error_of(response) == (400, "INVALID", field)
    assert response.json()["message"] == message
    assert not ReportRequest.objects.exists()


def test_every_field_at_fault_is_listed(client, agreement, user):  # API-4
    headers = bearer(user)
    body = body_for([agreement.premise], report_type="hourly", start_date="2026-01-31")
    response = post(client, "/reports", body, headers)
    assert error_of(response) == (400, "INVALID", "report_type")
    assert set(response.json()["errors"]) == {"report_type"}  # dates need a valid type first
    body = body_for([agreement.premise], start_date="2026-01-31", end_date="2026-03-01")
    errors = post(client, "/reports", body, headers).json()["errors"]
    assert errors["start_date"] == [WINDOW_ERROR]
    assert len(errors["end_date"]) == 1


def test_the_view_may_be_left_out_and_is_the_current_version(client, agreement, user):  # USG-6
    body = body_for([agreement.premise])
    del body["view"], body["file_format"]
    response = post(client, "/reports", body, bearer(user))
    assert response.status_code == 201, response.json()
    assert (response.json()["view"], response.json()["file_format"]) == ("current", "csv")


def test_5000_esiids_are_looked_up_and_5001_are_refused(client, user):  # USG-8
    # Both sides of the size rule: 5000 pass it (and are then not found), 5001 do not.
    esiids = [f"{10443799000000000 + n}" for n in range(5001)]
    headers = bearer(user)
    response = post(client, "/reports", body_for([], esiids=esiids[:5000]), headers)
    assert error_of(response) == (400, "ESIID_NOT_FOUND", "esiids")
    assert response.json()["message"].endswith("and 4990 more.")
    response = post(client, "/reports", body_for([], esiids=esiids), headers)
    assert error_of(response) == (400, "INVALID", "esiids")
    assert response.json()["message"] == "One export holds at most 5000 meters."
    assert not ReportRequest.objects.exists()


def test_an_esiid_the_caller_may_not_see_is_refused_like_an_unknown_one(
    client, agreement, user
):  # USG-12, SEC-1: never a hint that it exists
    elsewhere = agreement_for().premise  # another company's agreement
    unknown = "10443799999999999"
    headers = bearer(user)
    answers = []
    for esiid in (elsewhere.esiid, unknown):
        body = body_for([agreement.premise], esiids=[agreement.premise.esiid, esiid])
        response = post(client, "/reports", body, headers)
        assert error_of(response) == (400, "ESIID_NOT_FOUND", "esiids")
        answers.append(response.json()["message"].replace(esiid, "<esiid>"))
    assert answers[0] == answers[1] == "ESIID not found: <esiid>."
    assert not ReportRequest.objects.exists()


def test_a_body_that_is_not_an_object_is_400(client, user):  # API-4
    response = post(client, "/reports", ["not", "an", "object"], bearer(user))
    assert error_of(response)[:2] == (400, "INVALID")


# --- USG-12: only the agreement's period --------------------------------------------------------


@pytest.mark.parametrize("start, refused", [(D1 - timedelta(days=1), True), (D1, False)])
def test_a_start_before_the_agreement_is_refused(client, agreement, user, start, refused):
    # USG-12, AGR-14: both sides of the agreement's first day
    response = post(client, "/reports", body_for([agreement.premise], start=start), bearer(user))
    assert response.status_code == (400 if refused else 201)
    if refused:
        assert error_of(response) == (400, "INVALID", "start_date")
        assert response.json()["message"] == WINDOW_ERROR


def test_each_meter_keeps_to_its_own_agreements_days(client, agreement, user, on_commit):
    # USG-12, USG-8: one order, meters of different agreements, each from its own first day
    later = agreement_for(user=user, start=D1 + timedelta(days=1))
    headers = bearer(user)
    with on_commit():
        body = body_for([agreement.premise, later.premise], start=D1, end=D1 + timedelta(days=2))
        made = post(client, "/reports", body, headers).json()
    text = file_of(client.get(f"{API}/reports/{made['id']}/download", **headers)).decode()
    assert csv_days(text) == {
        (agreement.premise.esiid, "2026-02-01"),
        (agreement.premise.esiid, "2026-02-02"),
        (agreement.premise.esiid, "2026-02-03"),
        (later.premise.esiid, "2026-02-02"),  # not 02/01, the day before its agreement
        (later.premise.esiid, "2026-02-03"),  # not 02/04, after the dates asked for
    }


def test_the_meter_is_requestable_through_the_agreements_last_day_only(client):
    # USG-12, AGR-14: the other side of the period; afterwards the ESIID is unknown
    last_day = date(2026, 3, 5)
    agreement = agreement_for(end=last_day)
    body = body_for([agreement.premise], start=D1, end=D1)
    with time_machine.travel(datetime(2026, 3, 5, 23, 59, tzinfo=CHICAGO), tick=False):
        headers = bearer(agreement.initiated_by)
        assert post(client, "/reports", body, headers).status_code == 201
    with time_machine.travel(datetime(2026, 3, 6, 0, 1, tzinfo=CHICAGO), tick=False):
        response = post(client, "/reports", body, headers)
        assert error_of(response) == (400, "ESIID_NOT_FOUND", "esiids")
    assert ReportRequest.objects.count() == 1


# --- list (USG-9) --------------------------------------------------------------------------------


def test_the_list_is_the_callers_requests_newest_first_with_a_cursor(
    client, agreement, user, clock, django_assert_max_num_queries
):  # USG-9, API-2
    headers = bearer(user)
    made = []
    for minutes in range(3):
        clock.move_to(NOW + timedelta(minutes=minutes))
        made.append(post(client, "/reports", body_for([agreement.premise]), headers).json()["id"])
    other = agreement_for()  # another company's request is not listed
    post(client, "/reports", body_for([other.premise]), bearer(other.initiated_by))
    with django_assert_max_num_queries(8):
        first = client.get(f"{API}/reports", {"page_size": 2}, **headers).json()
    assert [row["id"] for row in first["results"]] == made[::-1][:2]
    second = client.get(first["next"], **headers).json()
    assert [row["id"] for row in second["results"]] == made[:1]
    assert second["next"] is None


def test_the_list_filters_by_status(client, agreement, user, on_commit):  # USG-9
    headers = bearer(user)
    built = None
    with on_commit():
        built = post(client, "/reports", body_for([agreement.premise]), headers).json()["id"]
    waiting = post(client, "/reports", body_for([agreement.premise]), headers).json()["id"]
    complete = client.get(f"{API}/reports", {"status": "complete"}, **headers).json()
    processing = client.get(f"{API}/reports", {"status": "processing"}, **headers).json()
    assert [row["id"] for row in complete["results"]] == [built]
    assert [row["id"] for row in processing["results"]] == [waiting]
    response = client.get(f"{API}/reports", {"status": "ready"}, **headers)
    assert error_of(response) == (400, "INVALID", "status")


def test_a_company_admin_sees_a_colleagues_request_and_a_user_only_their_own(
    client, agreement, user
):  # USG-9: the page's selector
    colleague = UserFactory(third_party=True, company=user.company, can_energy_data=True)
    body = body_for([agreement.premise])
    as_colleague, as_admin = bearer(colleague), bearer(user)
    theirs = post(client, "/reports", body, as_colleague).json()["id"]
    mine = post(client, "/reports", body, as_admin).json()["id"]
    rows = client.get(f"{API}/reports", **as_colleague).json()["results"]
    assert [row["id"] for row in rows] == [theirs]
    assert error_of(client.get(f"{API}/reports/{mine}", **as_colleague))[0] == 404
    admin_rows = client.get(f"{API}/reports", **as_admin).json()["results"]
    assert {row["id"] for row in admin_rows} == {mine, theirs}


# --- tenancy and permission (SEC-1, ACC-19) ------------------------------------------------------


def test_another_companys_request_is_404_to_read_and_download(client, agreement, on_commit):
    # SEC-1, USG-9
    with on_commit():
        made = post(
            client, "/reports", body_for([agreement.premise]), bearer(agreement.initiated_by)
        ).json()
    stranger = bearer(third_party_admin())
    for path in (f"/reports/{made['id']}", f"/reports/{made['id']}/download"):
        assert error_of(client.get(f"{API}{path}", **stranger)) == (404, "NOT_FOUND", "")
    assert client.get(f"{API}/reports", **stranger).json()["results"] == []


def test_it_requires_the_energy_data_function(client, agreement):  # ACC-19
    user = UserFactory(third_party=True, can_in_home_devices=True)
    headers = bearer(user)
    report = report_request_create(  # one of theirs, from before the function was taken
        user=user, premises=[agreement.premise], report_type="interval", start=D1, end=D1
    )
    calls = [
        post(client, "/reports", body_for([agreement.premise]), headers),
        client.get(f"{API}/reports", **headers),
        client.get(f"{API}/reports/{report.pk}", **headers),
        client.get(f"{API}/reports/{report.pk}/download", **headers),
    ]
    for response in calls:
        assert error_of(response) == (403, "FORBIDDEN", "")
    assert response.json()["message"] == "Your user does not have the Energy Data function."
    assert ReportRequest.objects.count() == 1


def test_it_requires_a_token(client):  # API-2
    assert error_of(client.get(f"{API}/reports")) == (401, "UNAUTHENTICATED", "")


def test_other_methods_are_405(client, user):  # API-4
    headers = bearer(user)
    assert error_of(client.delete(f"{API}/reports", **headers))[:2] == (405, "METHOD_NOT_ALLOWED")
    assert error_of(client.post(f"{API}/reports/1", **headers))[:2] == (405, "METHOD_NOT_ALLOWED")


# --- Idempotency-Key (API-2) ---------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_creates_one_request(client, agreement, user):
    headers = {**bearer(user), "HTTP_IDEMPOTENCY_KEY": "export-2026-03-02"}
    body = body_for([agreement.premise])
    first = post(client, "/reports", body, headers)
    again = post(client, "/reports", body, headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ReportRequest.objects.count() == 1
    other = post(client, "/reports", body_for([agreement.premise], view="versions"), headers)
    assert error_of(other) == (422, "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key")


# --- the report.ready webhook leads to the request (BEY-2, AGR-10) -------------------------------


def test_the_report_ready_event_names_the_request_the_api_reads(
    client, django_capture_on_commit_callbacks
):  # BEY-2, AGR-10: a client follows the event's order_number to GET /reports/{id}
    user = third_party_admin()
    webhook_endpoint_create(
        user=user, url="http://127.0.0.1:9/hook", events=["report.ready"], description=""
    )
    agreement = one_time(user=user, meter=MeterFactory())
    with django_capture_on_commit_callbacks(execute=True):
        agreement_accept(token=token_of(agreement))  # the worker builds the report
    assert agreement_reports_notify_ready() == 1
    event = WebhookDelivery.objects.get(event_type="report.ready").payload["data"]
    response = client.get(f"{API}/reports/{event['order_number']}", **bearer(user))
    assert response.status_code == 200
    shown = response.json()
    agreement.refresh_from_db()
    assert shown["id"] == agreement.report_request_id
    assert shown["order_number"] == event["order_number"]
    assert shown["agreement"] == event["agreement"] == agreement.agreement_number
    assert shown["status"] == event["status"]
