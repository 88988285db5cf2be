"""Idempotency-Key on the 3rd-party API's POSTs (API-2): a retry with the same key returns the
first answer and creates nothing; another body is 422; a bad key is 400; a key in use is 409;
after 24 hours a key is new again."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache

from accounts.services.api_tokens import personal_token_create
from han.models import HanMessage
from smt.api.thirdparty import idempotency
from tests.han.helpers import messaging_ready, use_recording_adapter

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
SEND = "/tp-api/v1/han/messages"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def adapter(settings):
    return use_recording_adapter(settings)


@pytest.fixture
def ready():
    user, meter, _agreement, _devices = messaging_ready()
    _token, raw = personal_token_create(user=user, name="idempotency")
    return user, meter, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def send(client, headers, meter, key=None, text="Peak 2-6 PM today."):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    body = {"esiids": [meter.premise.esiid], "text": text}
    return client.post(SEND, json.dumps(body), content_type="application/json", **headers, **extra)


def test_a_retry_with_the_same_key_returns_the_first_answer_and_sends_once(client, ready):  # API-2
    _user, meter, headers = ready
    first = send(client, headers, meter, key="order-42")
    assert first.status_code == 201
    assert not first.has_header("Idempotent-Replayed")

    retry = send(client, headers, meter, key="order-42")
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.has_header("RateLimit-Remaining")
    assert HanMessage.objects.count() == 1


def test_without_a_key_each_post_runs(client, ready):  # API-2: the header is optional
    _user, meter, headers = ready
    assert send(client, headers, meter).status_code == 201
    assert send(client, headers, meter).status_code == 201
    assert HanMessage.objects.count() == 2


def test_the_same_key_with_another_body_is_422(client, ready):  # API-2
    _user, meter, headers = ready
    assert send(client, headers, meter, key="order-42").status_code == 201
    reused = send(client, headers, meter, key="order-42", text="Another text.")
    assert reused.status_code == 422
    assert reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert reused.json()["field"] == "Idempotency-Key"
    assert HanMessage.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "tab\there"])
def test_a_bad_key_is_400_naming_the_header(client, ready, key):  # API-2, API-4
    _user, meter, headers = ready
    refused = send(client, headers, meter, key=key)
    assert refused.status_code == 400
    assert refused.json()["field"] == "Idempotency-Key"
    assert HanMessage.objects.count() == 0


@pytest.mark.parametrize("key", ["k", "x" * 255, "a b~!"])
def test_a_key_of_1_to_255_printable_characters_is_taken(client, ready, key):  # API-2
    _user, meter, headers = ready
    assert send(client, headers, meter, key=key).status_code == 201


def test_after_24_hours_the_key_is_new_again(client, ready, clock):  # API-2
    _user, meter, headers = ready
    assert send(client, headers, meter, key="order-42").status_code == 201
    clock.shift(timedelta(hours=24) - timedelta(seconds=1))
    assert send(client, headers, meter, key="order-42")["Idempotent-Replayed"] == "true"
    clock.shift(timedelta(seconds=1))
    fresh = send(client, headers, meter, key="order-42")
    assert fresh.status_code == 201
    assert not fresh.has_header("Idempotent-Replayed")
    assert HanMessage.objects.count() == 2


def test_a_key_still_running_is_409(client, ready):  # API-2
    user, meter, headers = ready
    body = json.dumps({"esiids": [meter.premise.esiid], "text": "Peak 2-6 PM today."})
    slot = idempotency._slot(user_id=user.pk, key="order-42", method="POST", path=SEND)
    # The first request with this key is running in another worker: it holds the slot.
    cache.add(
        slot,
        {"state": idempotency.RUNNING, "fingerprint": _fingerprint(body)},
        timeout=idempotency.RUNNING_SECONDS,
    )
    busy = send(client, headers, meter, key="order-42")
    assert busy.status_code == 409
    assert busy.json()["code"] == "IDEMPOTENCY_KEY_IN_USE"
    assert busy.json()["field"] == "Idempotency-Key"
    assert HanMessage.objects.count() == 0


def test_keys_are_per_user(client, ready):  # API-2: one user's key is not another's
    _user, meter, headers = ready
    assert send(client, headers, meter, key="order-42").status_code == 201
    other, other_meter, _agreement, _devices = messaging_ready()
    _token, raw = personal_token_create(user=other, name="other")
    theirs = send(client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}, other_meter, key="order-42")
    assert theirs.status_code == 201
    assert not theirs.has_header("Idempotent-Replayed")
    assert HanMessage.objects.count() == 2


def test_a_refusal_for_access_is_not_kept(client, ready):  # API-2: 401/403/404 run again
    _user, meter, headers = ready
    assert send(client, {}, meter, key="order-42").status_code == 401
    assert send(client, headers, meter, key="order-42").status_code == 201


def _fingerprint(body: str) -> str:
    """The request's fingerprint as the middleware takes it: query string, newline, body."""
    return hashlib.sha256(b"\n" + body.encode()).hexdigest()
