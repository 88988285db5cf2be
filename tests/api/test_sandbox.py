"""BEY-5: every 3rd-party company's sandbox: test tokens work on the company's test meters
only, live tokens and pages never see them; invitations are answered by the test ESIID's
test customer (accept, reject, no answer) without a real email; HAN requests walk through
the simulated TDSP; sandbox objects are marked in every answer."""

from dataclasses import asdict
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from accounts.services.api_tokens import personal_token_create
from agreements.models import Agreement
from han.models import HanProvisionRequest
from notifications.models import OutboundEmail
from smt.lib.sandbox import SANDBOX_TDSP_CODE, sandbox_esiid, sandbox_meter_number
from smt.sandbox import sandbox_prepare
from tests.agreements.helpers import details, third_party_admin
from tests.factories import MeterFactory
from tests.han.helpers import INSTALL_CODE, new_mac
from usage.models import Channel, DailyRead, IntervalDay, Premise
from usage.tdsp.adapter import adapter_for

from .helpers import API, NOW, bearer, post

pytestmark = pytest.mark.django_db

ACCEPTS, SOLAR, REJECTS, NEVER_ANSWERS = 1, 2, 3, 4
DAYS = 40  # enough for the tests; the real sandbox has SANDBOX_DAYS (two years)


@pytest.fixture(autouse=True)
def _short_sandbox(settings):
    settings.SANDBOX_DAYS = DAYS


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def company_user():
    user = third_party_admin()
    sandbox_prepare(company_id=user.company_id, days=DAYS)
    return user


def sandbox_headers(user) -> dict[str, str]:
    return bearer(user, name="sandbox", sandbox=True)


def sandbox_meter(user, case: int) -> dict[str, str]:
    return {
        "esiid": sandbox_esiid(user.company_id, case),
        "meter_number": sandbox_meter_number(user.company_id, case),
    }


def ongoing_body(meter: dict[str, str]) -> dict:
    customer = asdict(details(email="someone@example.com"))
    return {"kind": "ongoing", "customer": customer, "meters": [meter], "duration_months": 6}


def create(client, user, case: int, headers):
    """POST an Ongoing agreement on test meter `case`; with on-commit callbacks run, the test
    customer answers at once (tasks run eagerly here)."""
    return post(client, "/agreements", ongoing_body(sandbox_meter(user, case)), headers)


# --- the sandbox itself ------------------------------------------------------------------------


def test_a_first_test_token_prepares_the_companys_sandbox(
    settings, django_capture_on_commit_callbacks
):
    settings.SANDBOX_DAYS = 5
    user = third_party_admin()
    with django_capture_on_commit_callbacks(execute=True):
        personal_token_create(user=user, name="sandbox", sandbox=True)
    test_meters = Premise.objects.filter(is_sandbox=True, tdsp__code=SANDBOX_TDSP_CODE)
    assert sorted(test_meters.values_list("esiid", flat=True)) == [
        sandbox_esiid(user.company_id, case) for case in (1, 2, 3, 4)
    ]
    # Data on the accepting meters only, up to the latest available day (USG-6: two days).
    days = IntervalDay.objects.filter(premise__esiid=sandbox_esiid(user.company_id, ACCEPTS))
    assert days.count() == 5
    assert max(days.values_list("day", flat=True)) == date(2026, 2, 28)


def test_a_live_token_prepares_no_sandbox(django_capture_on_commit_callbacks):
    user = third_party_admin()
    with django_capture_on_commit_callbacks(execute=True):
        personal_token_create(user=user, name="live")
    assert not Premise.objects.filter(is_sandbox=True).exists()


def test_the_solar_meter_has_surplus_generation_and_the_fall_back_day_100_intervals():
    user = third_party_admin()
    with time_machine.travel("2026-11-05 12:00 -06:00", tick=False):
        sandbox_prepare(company_id=user.company_id, days=10)
    solar = IntervalDay.objects.filter(premise__esiid=sandbox_esiid(user.company_id, SOLAR))
    assert solar.filter(channel=Channel.GENERATION).count() == 10
    fall_back = solar.get(channel=Channel.CONSUMPTION, day=date(2026, 11, 1))
    assert len(fall_back.readings.split(",")) == 100  # DST ends: 25 hours
    assert (
        DailyRead.objects.filter(premise__esiid=sandbox_esiid(user.company_id, SOLAR)).count() == 10
    )


def test_preparing_again_adds_only_the_new_days(company_user, clock):
    before = IntervalDay.objects.count()
    clock.shift(timedelta(days=1))
    call_command("sandbox_prepare", "--company", str(company_user.company_id), "--days", str(DAYS))
    # One new day on each of the two meters with data (the solar one has two channels).
    assert IntervalDay.objects.count() == before + 3
    call_command("sandbox_prepare", "--days", str(DAYS))  # every sandbox: nothing new
    assert IntervalDay.objects.count() == before + 3


def test_the_sandbox_endpoint_lists_the_test_meters_for_a_test_token(client, company_user):
    response = client.get(f"{API}/sandbox", **sandbox_headers(company_user))
    assert response.status_code == 200
    assert response["SMT-Sandbox"] == "true"
    body = response.json()
    assert body["ready"] is True
    assert [meter["answers"] for meter in body["meters"]] == [
        "accept",
        "accept",
        "reject",
        "no_answer",
    ]
    first = body["meters"][0]
    assert first["esiid"] == sandbox_esiid(company_user.company_id, ACCEPTS)
    assert first["meter_number"] == sandbox_meter_number(company_user.company_id, ACCEPTS)
    assert first["data_through"] == "2026-02-28"
    assert body["meters"][2]["data_from"] is None


def test_a_live_token_has_no_sandbox(client, company_user):
    response = client.get(f"{API}/sandbox", **bearer(company_user))
    assert response.status_code == 404
    assert response["SMT-Sandbox"] == "false"


def test_the_sandbox_tdsp_is_simulated_whatever_the_settings_say(settings):
    settings.TDSP_ADAPTERS = {SANDBOX_TDSP_CODE: "a.real.Adapter"}
    settings.TDSP_ADAPTER = "a.real.Adapter"
    user = third_party_admin()
    sandbox_prepare(company_id=user.company_id, days=1)
    tdsp = Premise.objects.get(esiid=sandbox_esiid(user.company_id, ACCEPTS)).tdsp
    assert type(adapter_for(tdsp)).__name__ == "SimulatedTdsp"


# --- invitations answered by the test customer ---------------------------------------------


@pytest.mark.parametrize(
    ("case", "status"),
    [
        (ACCEPTS, "active"),
        (SOLAR, "active"),
        (REJECTS, "rejected"),
        (NEVER_ANSWERS, "not_accepted"),
    ],
)
def test_the_test_esiid_decides_the_answer(
    client, company_user, case, status, django_capture_on_commit_callbacks
):
    headers = sandbox_headers(company_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = create(client, company_user, case, headers)
    assert response.status_code == 201, response.json()
    made = response.json()[0]
    assert (made["status"], made["sandbox"]) == ("pending", True)
    assert response["SMT-Sandbox"] == "true"
    agreement = Agreement.objects.get(agreement_number=made["number"])
    assert agreement.status == status
    shown = client.get(f"{API}/agreements/{made['number']}", **headers).json()
    assert shown["status"] == status
    assert shown["sandbox"] is True


def test_no_email_reaches_the_test_customer(
    client, company_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        create(client, company_user, ACCEPTS, sandbox_headers(company_user))
    to_customer = OutboundEmail.objects.filter(recipient="someone@example.com")
    assert to_customer.exists()  # recorded (EM201, EM203) as the live flow would …
    assert set(to_customer.values_list("status", flat=True)) == {"sandbox"}  # … never sent
    assert all("someone@example.com" not in message.to for message in mail.outbox)


def test_an_accepted_sandbox_agreement_opens_the_test_meters_data(
    client, company_user, django_capture_on_commit_callbacks
):
    headers = sandbox_headers(company_user)
    with django_capture_on_commit_callbacks(execute=True):
        create(client, company_user, ACCEPTS, headers)
    esiid = sandbox_esiid(company_user.company_id, ACCEPTS)
    # Through the same USG-12 rule as live meters: the agreement's period, from today.
    assert Premise.objects.get(esiid=esiid) in _visible(company_user, sandbox=True)
    assert Premise.objects.get(esiid=esiid) not in _visible(company_user, sandbox=False)


def _visible(user, *, sandbox: bool):
    from smt.lib.sandbox import sandbox_mode
    from usage.selectors import premises_visible_to

    with sandbox_mode(user.company_id if sandbox else None):
        return list(premises_visible_to(user=user))


# --- never mixed with live data ----------------------------------------------------------------


def test_a_test_token_cannot_use_a_live_meter(client, company_user):
    live = MeterFactory()
    body = ongoing_body({"esiid": live.premise.esiid, "meter_number": live.meter_number})
    response = post(client, "/agreements", body, sandbox_headers(company_user))
    assert response.status_code == 400
    assert response.json()["field"] == "meter_1"
    assert not Agreement.objects.exists()


def test_a_live_token_cannot_use_a_test_meter(client, company_user):
    response = create(client, company_user, ACCEPTS, bearer(company_user))
    assert response.status_code == 400
    assert response.json()["field"] == "meter_1"


def test_another_companys_test_meters_are_not_yours(client, company_user):
    other = third_party_admin()
    sandbox_prepare(company_id=other.company_id, days=1)
    response = create(client, other, ACCEPTS, sandbox_headers(company_user))
    assert response.status_code == 400
    assert response.json()["field"] == "meter_1"


def test_lists_keep_sandbox_and_live_apart(
    client, company_user, django_capture_on_commit_callbacks
):
    live_meter = MeterFactory()
    live_body = ongoing_body(
        {"esiid": live_meter.premise.esiid, "meter_number": live_meter.meter_number}
    )
    live_headers, test_token = bearer(company_user), sandbox_headers(company_user)
    assert post(client, "/agreements", live_body, live_headers).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        assert create(client, company_user, ACCEPTS, test_token).status_code == 201
    live = client.get(f"{API}/agreements", **live_headers).json()["results"]
    sandbox = client.get(f"{API}/agreements", **test_token).json()["results"]
    assert [row["sandbox"] for row in live] == [False]
    assert [row["sandbox"] for row in sandbox] == [True]
    sandbox_number = sandbox[0]["number"]
    assert client.get(f"{API}/agreements/{sandbox_number}", **live_headers).status_code == 404
    # The pages are live: the company's agreement list shows the live one only.
    client.force_login(company_user)
    page = client.get("/my-account/customer-agreements/")
    assert page.status_code == 200
    assert sandbox_number not in page.content.decode()


def test_webhook_events_of_the_sandbox_say_so(
    client, company_user, django_capture_on_commit_callbacks
):
    from smt.api.thirdparty.models import WebhookDelivery
    from smt.api.thirdparty.webhooks.services import webhook_endpoint_create

    webhook_endpoint_create(
        user=company_user, url="https://hooks.example.com/smt", events=["agreement.status_changed"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        create(client, company_user, ACCEPTS, sandbox_headers(company_user))
    payloads = [delivery.payload for delivery in WebhookDelivery.objects.all()]
    assert payloads
    assert all(payload["data"]["sandbox"] is True for payload in payloads)


# --- HAN through the simulated TDSP ---------------------------------------------------------------


def test_a_han_request_on_an_accepting_test_meter_starts_pairing_by_itself(
    client, company_user, django_capture_on_commit_callbacks
):
    body = {
        "customer": ongoing_body({})["customer"],
        "meter": sandbox_meter(company_user, ACCEPTS),
        "devices": [
            {
                "device_type": "in_home_display",
                "mac_address": new_mac(),
                "install_code": INSTALL_CODE,
            }
        ],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "/han/requests", body, sandbox_headers(company_user))
    assert response.status_code == 201, response.json()
    made = response.json()[0]
    assert made["sandbox"] is True
    request = HanProvisionRequest.objects.get(agreement__agreement_number=made["number"])
    # The test customer started pairing; the simulated TDSP walked it to Device Added.
    assert request.agreement.status == "device_added"
    assert request.agreement.premise.is_sandbox


# --- marked on the pages -------------------------------------------------------------------------


def test_the_api_tokens_page_lists_the_test_meters_once_the_company_has_a_sandbox(client):
    user = third_party_admin()
    client.force_login(user)
    before = client.get("/my-account/profile/api-tokens/").content.decode()
    assert sandbox_esiid(user.company_id, ACCEPTS) not in before
    personal_token_create(user=user, name="sandbox", sandbox=True)
    page = client.get("/my-account/profile/api-tokens/").content.decode()
    assert "Your company&#x27;s sandbox" in page or "Your company's sandbox" in page
    for case in (ACCEPTS, SOLAR, REJECTS, NEVER_ANSWERS):
        assert sandbox_esiid(user.company_id, case) in page
        assert sandbox_meter_number(user.company_id, case) in page
    assert "Never answers: invitations lapse." in page


def test_staff_tell_sandbox_agreements_apart_in_admin(
    client, company_user, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    with django_capture_on_commit_callbacks(execute=True):
        create(client, company_user, ACCEPTS, sandbox_headers(company_user))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listed = client.get("/admin/agreements/agreement/?premise__is_sandbox__exact=1")
    assert listed.status_code == 200
    assert Agreement.objects.get().agreement_number in listed.content.decode()
    assert client.get("/admin/usage/premise/?is_sandbox__exact=1").status_code == 200


def test_an_idempotency_key_never_crosses_between_sandbox_and_live(client, company_user):
    live_meter = MeterFactory()
    key = {"HTTP_IDEMPOTENCY_KEY": "same-key"}
    live_body = ongoing_body(
        {"esiid": live_meter.premise.esiid, "meter_number": live_meter.meter_number}
    )
    live = post(client, "/agreements", live_body, {**bearer(company_user), **key})
    test = post(client, "/agreements", live_body, {**sandbox_headers(company_user), **key})
    assert live.status_code == 201
    assert test.status_code == 400  # run, not replayed: the live meter is unknown here
    assert "Idempotent-Replayed" not in test


# --- usage and reports of the test meters -----------------------------------------------------


def test_a_one_time_agreement_delivers_the_test_meters_history_as_a_sandbox_report(
    client, company_user, django_capture_on_commit_callbacks
):  # BEY-5 with AGR-10, USG-9
    headers = sandbox_headers(company_user)
    body = ongoing_body(sandbox_meter(company_user, ACCEPTS)) | {
        "kind": "one_time",
        "report_type": "interval_csv",
        "report_duration": "1m",
    }
    body.pop("duration_months")
    with django_capture_on_commit_callbacks(execute=True):
        made = post(client, "/agreements", body, headers)
    assert made.status_code == 201, made.json()
    assert Agreement.objects.get().status == "complete"
    (report,) = client.get(f"{API}/reports", **headers).json()["results"]
    assert (report["status"], report["sandbox"]) == ("complete", True)
    assert report["rows"] > 0  # the test meter's synthetic month
    assert client.get(f"{API}/reports", **bearer(company_user)).json()["results"] == []


def test_an_active_sandbox_agreements_meter_is_listed_for_the_test_token_only(
    client, company_user, django_capture_on_commit_callbacks
):  # BEY-5 with USG-12
    headers = sandbox_headers(company_user)
    with django_capture_on_commit_callbacks(execute=True):
        create(client, company_user, SOLAR, headers)
    esiid = sandbox_esiid(company_user.company_id, SOLAR)
    (meter,) = client.get(f"{API}/meters", **headers).json()["results"]
    assert (meter["esiid"], meter["sandbox"]) == (esiid, True)
    assert client.get(f"{API}/meters/{esiid}", **headers).status_code == 200
    live = bearer(company_user)
    assert client.get(f"{API}/meters", **live).json()["results"] == []
    assert client.get(f"{API}/meters/{esiid}", **live).status_code == 404
