"""The 3rd-party API's first endpoints (API-2, API-4): personal-token authentication, the
API-4 error body for every status, the same permissions and tenancy as the pages (ACC-19,
SEC-1), agreements (AGR-2, AGR-15, AGR-18), HAN device messages (HAN-9), and the OpenAPI
document with its self-hosted docs page."""

from datetime import timedelta

import pytest
import time_machine

from accounts.models import User
from accounts.services.api_tokens import personal_token_create, personal_token_revoke
from agreements.models import Agreement
from han.models import HanMessage
from tests.agreements.helpers import active_ongoing, one_time, third_party_admin
from tests.factories import UserFactory
from tests.han.helpers import compose, messaging_ready, use_recording_adapter

from .helpers import API, NOW, bearer, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def adapter(settings):
    return use_recording_adapter(settings)


def error_of(response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["code"], body.get("field", "")


# --- who calls (API-2, API-4) --------------------------------------------------------------------


def test_a_personal_token_is_the_callers_user(client):
    user = third_party_admin()
    response = client.get(f"{API}/me", **bearer(user, name="billing system"))
    assert response.status_code == 200
    body = response.json()
    assert body["user_id"] == user.username
    assert body["functions"] == ["energy_data", "in_home_devices"]
    assert body["token"]["name"] == "billing system"
    assert body["token"]["prefix"].startswith("smt_live_")
    assert body["token"]["sandbox"] is False


def test_a_user_granted_in_home_devices_only_has_that_function(client):
    user = UserFactory(third_party=True, can_in_home_devices=True)
    assert client.get(f"{API}/me", **bearer(user)).json()["functions"] == ["in_home_devices"]


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer   ", "Token smt_live_x", "Basic dXNlcjpwYXNz", "Bearer smt_live_no"],
)
def test_without_a_live_token_the_answer_is_401_in_the_api_shape(client, header):
    headers = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get(f"{API}/me", **headers)
    assert error_of(response) == (401, "UNAUTHENTICATED", "")
    assert response["WWW-Authenticate"] == 'Bearer realm="tp-api"'


def test_a_revoked_token_is_401(client):
    user = third_party_admin()
    token, raw = personal_token_create(user=user, name="old")
    personal_token_revoke(actor=user, token=token)
    response = client.get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert error_of(response) == (401, "UNAUTHENTICATED", "")


def test_a_token_of_a_user_who_may_no_longer_sign_in_is_401(client):  # ACC-10
    user = third_party_admin()
    headers = bearer(user)
    assert client.get(f"{API}/me", **headers).status_code == 200
    User.objects.filter(pk=user.pk).update(status=User.Status.LOCKED)
    assert error_of(client.get(f"{API}/me", **headers)) == (401, "UNAUTHENTICATED", "")


def test_an_unknown_path_is_a_json_404(client):
    response = client.get(f"{API}/nothing/here")
    assert error_of(response) == (404, "NOT_FOUND", "")


def test_a_wrong_method_is_a_json_405(client):
    response = client.delete(f"{API}/me", **bearer(third_party_admin()))
    assert error_of(response) == (405, "METHOD_NOT_ALLOWED", "")


def test_a_body_not_json_is_415_and_bad_json_is_400(client):
    headers = bearer(third_party_admin())
    form = client.post(
        f"{API}/han/messages",
        data="a=b",
        content_type="application/x-www-form-urlencoded",
        **headers,
    )
    assert error_of(form)[:2] == (415, "UNSUPPORTED_MEDIA_TYPE")
    broken = client.post(
        f"{API}/han/messages", data="{nope", content_type="application/json", **headers
    )
    assert error_of(broken)[:2] == (400, "MALFORMED_JSON")


# --- agreements (AGR-2, AGR-15, AGR-18) -----------------------------------------------------------


def test_agreements_are_the_companys_newest_first_with_a_cursor(client):
    user = third_party_admin()
    made = [one_time(user=user) for _ in range(3)]
    one_time()  # another company's agreement is not listed
    response = client.get(f"{API}/agreements", {"page_size": 2}, **bearer(user))
    assert response.status_code == 200
    first = response.json()
    numbers = [row["number"] for row in first["results"]]
    assert numbers == [made[2].agreement_number, made[1].agreement_number]
    assert first["results"][0]["esiid"].endswith("...")  # masked, as on the pages
    second = client.get(first["next"], **bearer(user, name="second")).json()
    assert [row["number"] for row in second["results"]] == [made[0].agreement_number]
    assert second["next"] is None


def test_a_cursor_that_is_not_ours_is_a_400_naming_it(client):  # API-4
    response = client.get(
        f"{API}/agreements", {"cursor": "not-a-cursor"}, **bearer(third_party_admin())
    )
    assert error_of(response) == (400, "INVALID", "cursor")


def test_agreements_are_searched_with_the_acc_20_input(client):
    user = third_party_admin()
    wanted, other = one_time(user=user), one_time(user=user)
    headers = bearer(user)
    by_number = client.get(f"{API}/agreements", {"number": wanted.agreement_number}, **headers)
    assert [row["number"] for row in by_number.json()["results"]] == [wanted.agreement_number]
    by_esiid = client.get(f"{API}/agreements", {"esiid": other.premise.esiid}, **headers)
    assert [row["number"] for row in by_esiid.json()["results"]] == [other.agreement_number]
    kinds = client.get(f"{API}/agreements", {"kind": "ongoing"}, **headers)
    assert kinds.json()["results"] == []
    bad = client.get(f"{API}/agreements", {"esiid": "1*"}, **headers)
    assert error_of(bad) == (400, "INVALID", "esiid")
    many = ",".join(str(n) for n in range(101))
    too_many = client.get(f"{API}/agreements", {"number": many}, **headers)
    assert error_of(too_many) == (400, "INVALID", "number")


def test_an_agreement_with_its_history(client):
    user = third_party_admin()
    agreement = active_ongoing(user=user)
    response = client.get(f"{API}/agreements/{agreement.agreement_number}", **bearer(user))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == Agreement.Status.ACTIVE
    assert [row["to_status"] for row in body["history"]] == ["pending", "active"]


def test_another_companys_agreement_is_404(client):  # SEC-1
    theirs = one_time()
    response = client.get(
        f"{API}/agreements/{theirs.agreement_number}", **bearer(third_party_admin())
    )
    assert error_of(response) == (404, "NOT_FOUND", "")


def test_a_user_without_either_function_gets_403(client):  # ACC-19
    user = UserFactory(third_party=True)
    response = client.get(f"{API}/agreements", **bearer(user))
    assert error_of(response) == (403, "FORBIDDEN", "")


def test_energy_data_alone_sees_no_han_agreements(client):  # ACC-19
    admin = third_party_admin()
    user = UserFactory(third_party=True, can_energy_data=True, company=admin.company)
    usage = one_time(user=admin)
    active_ongoing(user=admin, kind=Agreement.Kind.ONGOING_HAN)
    response = client.get(f"{API}/agreements", **bearer(user))
    assert [row["number"] for row in response.json()["results"]] == [usage.agreement_number]


# --- HAN device messages (HAN-9) ------------------------------------------------------------------


def test_send_a_message_to_every_device_of_an_esiid(client, adapter):
    user, meter, agreement, devices = messaging_ready(macs=2)
    body = {
        "esiids": [meter.premise.esiid],
        "text": "Peak 2-6 PM. ¡Ahorre energía!",
        "priority": "critical",
        "confirmation_required": True,
    }
    response = post(client, "/han/messages", body, bearer(user))
    assert response.status_code == 201
    sent = response.json()
    assert len(sent["messages"]) == 2
    assert {m["device_request"] for m in sent["messages"]} == {
        d.agreement.agreement_number for d in devices
    }
    assert {m["agreement"] for m in sent["messages"]} == {agreement.agreement_number}
    assert all(m["priority"] == "critical" and m["status"] == "queued" for m in sent["messages"])
    assert HanMessage.objects.filter(batch=sent["batch"]).count() == 2


def test_send_to_one_device_later(client, adapter):
    user, _meter, _agreement, (first, _second) = messaging_ready(macs=2)
    start = (NOW + timedelta(hours=2)).isoformat()
    body = {"devices": [first.agreement.agreement_number], "text": "Later", "start_at": start}
    response = post(client, "/han/messages", body, bearer(user))
    assert response.status_code == 201
    (message,) = response.json()["messages"]
    assert message["start_at"] == "2026-03-02T11:00:00-06:00"  # ISO 8601 with its offset


def test_a_refused_send_names_every_field_and_queues_nothing(client, adapter):
    user, meter, _agreement, _devices = messaging_ready()
    body = {"esiids": [meter.premise.esiid, "10443720000099999"], "text": "x" * 81}
    response = post(client, "/han/messages", body, bearer(user))
    assert response.status_code == 400
    refusal = response.json()
    assert refusal["code"] == "REFUSED"
    assert refusal["errors"]["text"] == ["The message is 81 characters long; the limit is 80."]
    assert refusal["errors"]["esiids"] == [
        "ESIID 10443720000099999: no paired HAN device you provisioned is on this meter."
    ]
    assert HanMessage.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "Hi"}, "esiids"),
        ({"esiids": ["1"]}, "text"),
        ({"esiids": "10443720000000000", "text": "Hi"}, "esiids"),
        ({"esiids": ["1"], "text": "Hi", "duration_minutes": 0}, "duration_minutes"),
        ({"esiids": ["1"], "text": "Hi", "priority": "urgent"}, "priority"),
        ({"esiids": ["1"], "text": "Hi", "start_at": "tomorrow"}, "start_at"),
        ({"esiids": [str(n) for n in range(101)], "text": "Hi"}, "esiids"),
    ],
)
def test_a_malformed_send_is_400_naming_the_field(client, body, field):
    response = post(client, "/han/messages", body, bearer(third_party_admin()))
    assert error_of(response) == (400, "INVALID", field)


def test_messages_are_listed_queried_and_read_with_their_timeline(client, adapter):
    user, meter, _agreement, (device,) = messaging_ready()
    (message,) = compose(user, meter)
    headers = bearer(user)
    listed = client.get(f"{API}/han/messages", {"status": "queued"}, **headers).json()
    assert [row["id"] for row in listed["results"]] == [message.pk]
    assert listed["results"][0]["device_mac"] == device.masked_mac
    none = client.get(f"{API}/han/messages", {"status": "delivered"}, **headers).json()
    assert none["results"] == []
    bad = client.get(
        f"{API}/han/messages", {"date_from": "2026-03-05", "date_to": "2026-03-01"}, **headers
    )
    assert error_of(bad) == (400, "INVALID", "date_to")
    one = client.get(f"{API}/han/messages/{message.pk}", **headers).json()
    assert [row["to_status"] for row in one["timeline"]] == ["queued"]
    assert one["timeline"][0]["by"] == user.username


def test_cancel_a_queued_message_and_not_a_cancelled_one(client, adapter):
    user, meter, _agreement, _devices = messaging_ready()
    (message,) = compose(user, meter, start_at=NOW + timedelta(hours=1))
    headers = bearer(user)
    cancelled = post(client, f"/han/messages/{message.pk}/cancel", {}, headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = post(client, f"/han/messages/{message.pk}/cancel", {}, headers)
    assert error_of(again)[:2] == (400, "REFUSED")


def test_another_companys_message_is_404(client, adapter):  # SEC-1
    user, meter, _agreement, _devices = messaging_ready()
    (message,) = compose(user, meter, start_at=NOW + timedelta(hours=1))
    headers = bearer(third_party_admin())
    assert error_of(client.get(f"{API}/han/messages/{message.pk}", **headers))[0] == 404
    assert error_of(post(client, f"/han/messages/{message.pk}/cancel", {}, headers))[0] == 404
    assert HanMessage.objects.get().status == HanMessage.Status.QUEUED


def test_han_messages_need_in_home_device_services(client):  # ACC-19
    user = UserFactory(third_party=True, can_energy_data=True)
    headers = bearer(user)
    assert error_of(client.get(f"{API}/han/messages", **headers)) == (403, "FORBIDDEN", "")
    body = {"esiids": ["1"], "text": "Hi"}
    assert error_of(post(client, "/han/messages", body, headers)) == (403, "FORBIDDEN", "")


# --- the OpenAPI document and the docs (API-2) ----------------------------------------------------


def test_the_openapi_document_describes_every_endpoint(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert {
        f"{API}/me",
        f"{API}/agreements",
        f"{API}/agreements/{{number}}",
        f"{API}/agreements/{{number}}/resend",
        f"{API}/agreements/{{number}}/terminate",
        f"{API}/agreements/{{number}}/extension",
        f"{API}/han/requests",
        f"{API}/han/requests/{{number}}",
        f"{API}/han/requests/{{number}}/remove",
        f"{API}/han/messages",
        f"{API}/han/messages/{{id}}",
        f"{API}/han/messages/{{id}}/cancel",
    } <= set(document["paths"])
    assert all(path.startswith(f"{API}/") for path in document["paths"])
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    yaml = client.get(f"{API}/openapi.yaml")
    assert yaml.status_code == 200 and yaml.content.startswith(b"openapi: 3.")


def test_the_docs_page_loads_nothing_from_a_cdn(client):
    response = client.get(f"{API}/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "https://" not in html and "http://" not in html
