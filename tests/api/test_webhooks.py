"""Webhooks (BEY-2) through the 3rd-party API: endpoints (list, create, update, delete,
rotate the secret, test event, delivery log, retry), signed deliveries to a REAL receiver on
127.0.0.1 verified with the `standardwebhooks` library, retries on the beat job's clock,
giving up, disabling after 3 days of failures, the SSRF rule on both sides of its setting,
the events of agreement and HAN message status changes, tenancy."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from accounts.services.api_tokens import personal_token_create, personal_token_revoke
from smt.api.thirdparty.models import WebhookDelivery, WebhookEndpoint
from smt.api.thirdparty.tasks import webhook_deliveries_send_due_task
from smt.api.thirdparty.webhooks.services import (
    DISABLE_AFTER,
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    webhook_endpoint_create,
)
from tests.agreements.helpers import active_ongoing, third_party_admin
from tests.factories import UserFactory
from tests.han.helpers import compose, message_status, messaging_ready, use_recording_adapter

from .helpers import API, NOW, bearer, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what a request or service schedules on commit (the worker's tasks, eagerly)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def received(httpserver) -> list[tuple[bytes, dict[str, str]]]:
    return [(request.get_data(), dict(request.headers)) for request, _response in httpserver.log]


def endpoint_for(user, httpserver, path="/hook", events=("agreement.status_changed",)):
    return webhook_endpoint_create(
        user=user, url=httpserver.url_for(path), events=list(events), description="tests"
    )


def beat(on_commit) -> None:
    with on_commit():
        webhook_deliveries_send_due_task()


def test_a_test_event_arrives_signed_and_verifies(client, httpserver, on_commit):  # BEY-2
    user = third_party_admin()
    headers = bearer(user)
    response = post(
        client,
        "/webhooks",
        {"url": httpserver.url_for("/hook"), "events": ["agreement.status_changed"]},
        headers,
    )
    assert response.status_code == 201, response.json()
    secret = response.json()["secret"]
    assert secret.startswith("whsec_")
    endpoint_id = response.json()["id"]
    httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("ok")
    with on_commit():
        response = post(client, f"/webhooks/{endpoint_id}/test", {}, headers)
    assert response.status_code == 202
    ((body, sent_headers),) = received(httpserver)
    payload = Webhook(secret).verify(body, sent_headers)
    assert payload["type"] == "webhook.test"
    assert payload["data"]["endpoint_id"] == endpoint_id
    assert sent_headers["Content-Type"] == "application/json"
    log = client.get(f"{API}/webhooks/{endpoint_id}/deliveries", **headers).json()["results"]
    assert [(d["event"], d["status"], d["attempt_count"]) for d in log] == [
        ("webhook.test", "succeeded", 1)
    ]
    assert log[0]["webhook_id"] == sent_headers["Webhook-Id"]
    assert log[0]["attempts"][0]["response_code"] == 200
    # The secret is never shown again.
    assert "secret" not in client.get(f"{API}/webhooks/{endpoint_id}", **headers).json()


def test_an_old_timestamp_or_a_changed_body_is_refused_by_the_verifier(
    httpserver, on_commit, clock
):  # BEY-2: replay protection
    user = third_party_admin()
    endpoint, secret = endpoint_for(user, httpserver, events=["token.revoked"])
    httpserver.expect_oneshot_request("/hook").respond_with_data("ok")
    token, _raw = personal_token_create(user=user, name="to revoke")
    with on_commit():
        personal_token_revoke(actor=user, token=token)
    ((body, headers),) = received(httpserver)
    assert Webhook(secret).verify(body, headers)["data"]["prefix"] == token.shown_prefix
    clock.move_to(NOW + timedelta(minutes=10))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)  # replayed 10 minutes later
    clock.move_to(NOW)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"to revoke", b"to revokf"), headers)


def test_a_500_is_retried_by_the_beat_job_and_then_succeeds(httpserver, on_commit, clock):
    user = third_party_admin()
    endpoint, secret = endpoint_for(user, httpserver)
    httpserver.expect_oneshot_request("/hook").respond_with_data("down", status=500)
    httpserver.expect_oneshot_request("/hook").respond_with_data("ok")
    with on_commit():
        active_ongoing(user=user)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempt_count) == ("failed", 1)
    assert delivery.last_response_code == 500
    assert delivery.next_attempt_at == NOW + RETRY_DELAYS[0]
    clock.move_to(NOW + RETRY_DELAYS[0] - timedelta(seconds=1))
    beat(on_commit)  # not due yet
    assert len(httpserver.log) == 1
    clock.move_to(NOW + RETRY_DELAYS[0])
    beat(on_commit)
    beat(on_commit)  # safe to run twice
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)
    assert [a.response_code for a in delivery.attempts.all()] == [500, 200]
    (first_body, first), (second_body, second) = received(httpserver)
    assert first["Webhook-Id"] == second["Webhook-Id"] == delivery.message_id
    assert first_body == second_body
    assert Webhook(secret).verify(second_body, second)["data"]["to"] == "active"
    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)


def test_repeated_failure_gives_up_then_disables_the_endpoint_and_emails_admins(
    client, httpserver, on_commit, clock
):  # BEY-2: given up after a day; disabled after 3 days of failures
    admin = third_party_admin()
    endpoint, _secret = endpoint_for(admin, httpserver)
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    with on_commit():
        active_ongoing(user=admin)
    delivery = WebhookDelivery.objects.get()
    at = NOW
    for delay in RETRY_DELAYS:
        at += delay
        clock.move_to(at)
        beat(on_commit)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("given_up", MAX_ATTEMPTS)
    assert delivery.next_attempt_at is None
    assert at - NOW < timedelta(hours=24)
    clock.move_to(at + timedelta(days=1))
    beat(on_commit)
    assert delivery.attempts.count() == MAX_ATTEMPTS  # nothing more on its own
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since == NOW

    headers = bearer(admin)
    mail.outbox.clear()  # the agreement's own emails
    clock.move_to(NOW + DISABLE_AFTER - timedelta(seconds=1))
    with on_commit():
        post(client, f"/webhooks/{endpoint.pk}/test", {}, headers)
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert mail.outbox == []
    clock.move_to(NOW + DISABLE_AFTER)
    with on_commit():
        post(client, f"/webhooks/{endpoint.pk}/test", {}, headers)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason == "Every delivery failed for 3 days."
    (email,) = mail.outbox
    assert email.to == [admin.email]
    assert "webhook endpoint was disabled" in email.subject
    assert endpoint.url in email.body

    # Disabled: no more events, no test, no retry, until enabled again.
    sent = len(httpserver.log)
    with on_commit():
        active_ongoing(user=admin)
    assert len(httpserver.log) == sent
    response = post(client, f"/webhooks/{endpoint.pk}/test", {}, headers)
    assert response.status_code == 400
    response = client.patch(
        f"{API}/webhooks/{endpoint.pk}",
        data=json.dumps({"active": True}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200
    assert response.json()["active"] is True
    assert response.json()["consecutive_failures"] == 0


def test_a_given_up_delivery_can_be_retried_by_hand(client, httpserver, on_commit, clock):
    admin = third_party_admin()
    endpoint, secret = endpoint_for(admin, httpserver)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=httpserver.url_for("/down"))
    httpserver.expect_request("/down").respond_with_data("down", status=500)
    with on_commit():
        active_ongoing(user=admin)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="given_up", next_attempt_at=None)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=httpserver.url_for("/hook"))
    httpserver.expect_oneshot_request("/hook").respond_with_data("ok")
    headers = bearer(admin)
    with on_commit():
        response = post(client, f"/webhook-deliveries/{delivery.pk}/retry", {}, headers)
    assert response.status_code == 202
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)
    response = post(client, f"/webhook-deliveries/{delivery.pk}/retry", {}, headers)
    assert response.status_code == 400
    assert response.json()["message"] == "Only a failed or given-up delivery can be retried."


# --- SSRF ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://240.0.0.1/hook",
        "http://93.184.215.14/hook",
        "ftp://93.184.215.14/hook",
        "https://user:pw@93.184.215.14/hook",
    ],
)
def test_private_targets_and_http_are_refused_in_production(client, settings, url):  # SSRF
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    response = post(
        client,
        "/webhooks",
        {"url": url, "events": ["agreement.status_changed"]},
        bearer(third_party_admin()),
    )
    assert response.status_code == 400
    assert response.json()["field"] == "url"
    assert WebhookEndpoint.objects.count() == 0


def test_a_public_https_target_is_accepted_in_production(client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    response = post(
        client,
        "/webhooks",
        {"url": "https://93.184.215.14/hook", "events": ["agreement.status_changed"]},
        bearer(third_party_admin()),
    )
    assert response.status_code == 201


def test_private_targets_and_http_are_allowed_by_the_setting(client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    response = post(
        client,
        "/webhooks",
        {"url": "http://127.0.0.1:9/hook", "events": ["agreement.status_changed"]},
        bearer(third_party_admin()),
    )
    assert response.status_code == 201


def test_a_private_target_is_refused_again_at_delivery(settings, httpserver, on_commit):
    user = third_party_admin()
    endpoint, _secret = endpoint_for(user, httpserver)  # saved while private ones were allowed
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        url=endpoint.url.replace("http://", "https://")
    )
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with on_commit():
        active_ongoing(user=user)
    assert httpserver.log == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    (attempt,) = delivery.attempts.all()
    assert attempt.response_code is None
    assert "private" in attempt.error


def test_a_redirect_is_not_followed(httpserver, on_commit):
    user = third_party_admin()
    endpoint_for(user, httpserver)
    httpserver.expect_oneshot_request("/hook").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/elsewhere")}
    )
    with on_commit():
        active_ongoing(user=user)
    assert [request.path for request, _ in httpserver.log] == ["/hook"]
    assert WebhookDelivery.objects.get().status == "failed"


# --- events reach only the subscribed endpoints of the company ---------------------------------


def test_an_agreement_status_change_reaches_only_the_companys_subscribed_endpoints(
    httpserver, on_commit
):  # BEY-2
    company = third_party_admin()
    _subscribed, secret = endpoint_for(company, httpserver, "/a")
    endpoint_for(company, httpserver, "/b", events=["han_message.status_changed"])
    endpoint_for(third_party_admin(), httpserver, "/c")  # another company
    httpserver.expect_request("/a").respond_with_data("ok")
    with on_commit():
        agreement = active_ongoing(user=company)
    ((request, _response),) = httpserver.log
    assert request.path == "/a"
    body = Webhook(secret).verify(request.get_data(), dict(request.headers))
    assert body["type"] == "agreement.status_changed"
    assert body["data"] == {
        "number": agreement.agreement_number,
        "kind": "ongoing",
        "from": "pending",
        "to": "active",
        "sandbox": False,  # BEY-5: a live agreement
    }
    assert "Akin" not in request.get_data().decode()  # no customer data


def test_a_han_message_status_change_reaches_only_the_subscribed_endpoints(
    settings, httpserver, on_commit
):  # BEY-2, HAN-9
    use_recording_adapter(settings)
    company, meter, _agreement, _devices = messaging_ready()
    _han, secret = endpoint_for(company, httpserver, "/b", events=["han_message.status_changed"])
    endpoint_for(company, httpserver, "/a")  # agreements only
    other, _m, _a, _d = messaging_ready()
    endpoint_for(other, httpserver, "/c", events=["han_message.status_changed"])
    httpserver.expect_request("/b").respond_with_data("ok")
    with on_commit():
        (message,) = compose(company, meter)
    with on_commit():
        message_status(message, "delivered")
    paths = {request.path for request, _ in httpserver.log}
    assert paths == {"/b"}
    moves = [
        Webhook(secret).verify(request.get_data(), dict(request.headers))["data"]
        for request, _ in httpserver.log
    ]
    assert moves[-1]["id"] == message.pk
    assert moves[-1]["to"] == "delivered"
    assert moves[-1]["device_request"] == message.device.agreement.agreement_number


# --- the endpoints: refusals, tenancy, permission ---------------------------------------------


def test_it_refuses_an_unknown_event_and_no_events(client):
    headers = bearer(third_party_admin())
    response = post(client, "/webhooks", {"url": "http://127.0.0.1/x", "events": ["nope"]}, headers)
    assert (response.status_code, response.json()["field"]) == (400, "events.0")
    response = post(client, "/webhooks", {"url": "http://127.0.0.1/x", "events": []}, headers)
    assert (response.status_code, response.json()["field"]) == (400, "events")


def test_an_energy_data_user_cannot_subscribe_to_han_events(client):  # ACC-19
    user = UserFactory(third_party=True, can_energy_data=True)
    response = post(
        client,
        "/webhooks",
        {"url": "http://127.0.0.1/x", "events": ["han_message.status_changed"]},
        bearer(user),
    )
    assert (response.status_code, response.json()["field"]) == (400, "events")


def test_a_user_without_a_third_party_function_is_refused(client):  # ACC-19
    user = UserFactory(third_party=True)
    assert client.get(f"{API}/webhooks", **bearer(user)).status_code == 403


def test_another_companys_webhooks_are_404(client, httpserver, on_commit):  # SEC-1
    owner = third_party_admin()
    endpoint, _secret = endpoint_for(owner, httpserver)
    httpserver.expect_request("/hook").respond_with_data("no", status=500)
    with on_commit():
        active_ongoing(user=owner)
    delivery = WebhookDelivery.objects.get()
    headers = bearer(third_party_admin())
    assert client.get(f"{API}/webhooks", **headers).json()["results"] == []
    for method, path in [
        ("get", f"/webhooks/{endpoint.pk}"),
        ("patch", f"/webhooks/{endpoint.pk}"),
        ("delete", f"/webhooks/{endpoint.pk}"),
        ("post", f"/webhooks/{endpoint.pk}/rotate-secret"),
        ("post", f"/webhooks/{endpoint.pk}/test"),
        ("get", f"/webhooks/{endpoint.pk}/deliveries"),
        ("post", f"/webhook-deliveries/{delivery.pk}/retry"),
    ]:
        if method == "get":
            response = client.get(f"{API}{path}", **headers)
        else:
            response = getattr(client, method)(
                f"{API}{path}", data="{}", content_type="application/json", **headers
            )
        assert response.status_code == 404, path
        assert response.json()["code"] == "NOT_FOUND"
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_update_rotate_and_delete(client, httpserver):
    user = third_party_admin()
    endpoint, secret = endpoint_for(user, httpserver)
    headers = bearer(user)
    response = client.patch(
        f"{API}/webhooks/{endpoint.pk}",
        data=json.dumps({"description": "billing", "events": ["report.ready"]}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200
    assert (response.json()["description"], response.json()["events"]) == (
        "billing",
        ["report.ready"],
    )
    assert response.json()["url"] == endpoint.url
    response = post(client, f"/webhooks/{endpoint.pk}/rotate-secret", {}, headers)
    assert response.status_code == 200
    assert response.json()["secret"].startswith("whsec_")
    assert response.json()["secret"] != secret
    assert client.delete(f"{API}/webhooks/{endpoint.pk}", **headers).status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_the_management_command_queues_due_deliveries(httpserver, on_commit, clock, capsys):
    user = third_party_admin()
    endpoint_for(user, httpserver)
    httpserver.expect_oneshot_request("/hook").respond_with_data("down", status=500)
    httpserver.expect_oneshot_request("/hook").respond_with_data("ok")
    with on_commit():
        active_ongoing(user=user)
    clock.move_to(NOW + RETRY_DELAYS[0])
    call_command("send_webhook_deliveries", "--dry-run")
    assert "would queue 1" in capsys.readouterr().out
    with on_commit():
        call_command("send_webhook_deliveries")
    assert WebhookDelivery.objects.get().status == "succeeded"
