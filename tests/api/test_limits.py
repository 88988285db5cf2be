"""Published API limits (BEY-3, SEC-5): per token on the 3rd-party API, per token user on the
SMT-compatible API, per client address without a live token; `RateLimit-*` headers on every
answer, 429 with `Retry-After` past a limit, allowed again when the window ends."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from accounts.ratelimit import RateLimit
from accounts.services.api_tokens import personal_token_create
from smt.api.compat import limits as compat_limits
from smt.api.thirdparty import limits
from tests.agreements.helpers import third_party_admin
from tests.factories import DEFAULT_PASSWORD, CustomerPremiseFactory, MeterFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, 15, tzinfo=UTC)  # 45 s left in the minute
API = "/tp-api/v1"
HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def token(user=None, name="limits"):
    made, raw = personal_token_create(user=user or third_party_admin(), name=name)
    return made, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def used(limit: RateLimit, key: str, count: int) -> None:
    """`count` calls of `key` already made in this window of `limit`."""
    cache.set(limit._cache_key(key, time.time()), count, timeout=limit.window_seconds)


def rate_headers(response) -> tuple[str, str, str]:
    return (
        response["RateLimit-Limit"],
        response["RateLimit-Remaining"],
        response["RateLimit-Reset"],
    )


# --- the 3rd-party API ---------------------------------------------------------------------------


def test_every_answer_carries_the_headers_errors_included(client):  # BEY-3
    _made, headers = token()
    answers = [
        client.get(f"{API}/me", **headers),  # 200
        client.get(f"{API}/agreements/NOPE", **headers),  # 404 of a view
        client.get(f"{API}/no-such-endpoint", **headers),  # 404 of the catch-all
        client.post(f"{API}/han/messages", "{}", content_type="application/json", **headers),
        client.get(f"{API}/me"),  # 401
    ]
    assert [a.status_code for a in answers] == [200, 404, 404, 400, 401]
    for answer in answers:
        assert all(answer.has_header(name) for name in HEADERS)
    assert rate_headers(answers[0]) == ("600", "599", "45")
    assert rate_headers(answers[2]) == ("600", "597", "45")  # reads of this token, counted
    assert rate_headers(answers[3]) == ("60", "59", "45")  # writes counted apart
    assert rate_headers(answers[4]) == ("30", "29", "45")  # no token: the address's count
    assert answers[0]["RateLimit-Policy"] == "600;w=60, 50000;w=86400"


def test_the_600th_read_a_minute_is_allowed_the_601st_is_429_until_the_minute_ends(
    client, clock
):  # BEY-3
    made, headers = token()
    used(limits.TOKEN_READS, f"token:{made.pk}", limits.READS_PER_MINUTE - 1)
    last = client.get(f"{API}/me", **headers)
    assert last.status_code == 200
    assert rate_headers(last) == ("600", "0", "45")

    refused = client.get(f"{API}/me", **headers)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert rate_headers(refused) == ("600", "0", "45")
    assert refused.json() == {
        "code": "RATE_LIMITED",
        "message": "Too many requests: the limit is 600 in its window. Try again in 45 seconds.",
        "retryAfter": 45,
    }

    clock.shift(timedelta(seconds=44))  # one second before the window ends: still refused
    assert client.get(f"{API}/me", **headers).status_code == 429
    clock.shift(timedelta(seconds=1))  # Retry-After seconds after the refusal
    again = client.get(f"{API}/me", **headers)
    assert again.status_code == 200
    assert rate_headers(again) == ("600", "599", "60")


def test_the_61st_write_a_minute_is_429_while_reads_go_on(client):  # BEY-3
    made, headers = token()
    used(limits.TOKEN_WRITES, f"token:{made.pk}", limits.WRITES_PER_MINUTE)
    refused = client.post(f"{API}/han/messages", "{}", content_type="application/json", **headers)
    assert refused.status_code == 429
    assert refused.json()["code"] == "RATE_LIMITED"
    assert refused["Retry-After"] == "45"
    assert client.get(f"{API}/me", **headers).status_code == 200


def test_the_daily_ceiling_refuses_until_midnight_utc(client, clock):  # BEY-3
    made, headers = token()
    used(limits.TOKEN_DAY, f"token:{made.pk}", limits.CALLS_PER_DAY - 1)
    last = client.get(f"{API}/me", **headers)
    assert last.status_code == 200
    until_midnight = str(9 * 3600 - 15)  # 15:00:15 UTC
    assert rate_headers(last) == ("50000", "0", until_midnight)
    refused = client.get(f"{API}/me", **headers)
    assert refused.status_code == 429
    assert refused["Retry-After"] == until_midnight
    clock.move_to(datetime(2026, 3, 3, 0, 0, tzinfo=UTC))
    assert client.get(f"{API}/me", **headers).status_code == 200


def test_each_token_has_its_own_count(client):  # BEY-3: per token
    user = third_party_admin()
    used_up, first = token(user)
    _other, second = token(user, name="second")
    used(limits.TOKEN_READS, f"token:{used_up.pk}", limits.READS_PER_MINUTE)
    assert client.get(f"{API}/me", **first).status_code == 429
    assert client.get(f"{API}/me", **second).status_code == 200


def test_calls_without_a_live_token_are_limited_per_address(client):  # SEC-5
    guess = {"HTTP_AUTHORIZATION": "Bearer smt_live_guess"}
    answers = [client.get(f"{API}/me", **guess) for _ in range(limits.ANONYMOUS_PER_MINUTE)]
    assert {a.status_code for a in answers} == {401}
    assert rate_headers(answers[-1]) == ("30", "0", "45")
    refused = client.get(f"{API}/me", **guess)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    other_address = client.get(f"{API}/me", REMOTE_ADDR="192.0.2.7", **guess)
    assert other_address.status_code == 401
    _made, headers = token()
    assert client.get(f"{API}/me", **headers).status_code == 200  # a live token: its own count


def test_the_openapi_document_publishes_the_limits_and_idempotency_key(client):  # BEY-3
    document = client.get(f"{API}/openapi.json").json()
    assert "600 reads" in document["info"]["description"]
    assert "50,000 calls a day" in document["info"]["description"]
    me = document["paths"]["/tp-api/v1/me"]["get"]["responses"]
    assert "429" in me
    assert set(HEADERS) <= set(me["200"]["headers"])
    send = document["paths"]["/tp-api/v1/han/messages"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in send["parameters"]]


# --- the SMT-compatible API ----------------------------------------------------------------------


def compat_post(client, name, body, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        reverse(f"api:{name}"), json.dumps(body), content_type="application/json", **headers
    )


@pytest.fixture
def customer():
    link = CustomerPremiseFactory(customer__username="api.customer")
    MeterFactory(premise=link.premise, meter_number="113777001")
    return link.customer


def test_the_compatible_api_limits_per_token_user_in_its_own_shape(
    client, customer, clock
):  # BEY-3, API-1
    signed_in = compat_post(
        client, "api_authenticate", {"username": "api.customer", "password": DEFAULT_PASSWORD}
    )
    assert all(signed_in.has_header(name) for name in HEADERS)
    smt_token = signed_in.json()["token"]
    used(compat_limits.USER_MINUTE, f"user:{customer.pk}", compat_limits.CALLS_PER_MINUTE - 1)

    last = compat_post(client, "api_meter", {"esiid": "*"}, smt_token)
    assert last.status_code == 200
    assert list(last.json()) == ["data"]  # SMT's body, unchanged
    assert rate_headers(last) == ("120", "0", "45")

    refused = compat_post(client, "api_meter", {"esiid": "*"}, smt_token)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert refused.json() == {
        "errorCode": "RATE_LIMITED",
        "errormessage": "Too many requests: the limit is 120 in its window. "
        "Try again in 45 seconds.",
        "retryAfter": 45,
    }
    clock.shift(timedelta(seconds=45))
    assert compat_post(client, "api_meter", {"esiid": "*"}, smt_token).status_code == 200


def test_the_compatible_api_counts_calls_without_a_live_token_per_address(client):  # SEC-5
    used(compat_limits.ANONYMOUS_MINUTE, "address:127.0.0.1", compat_limits.ANONYMOUS_PER_MINUTE)
    refused = compat_post(client, "api_meter", {"esiid": "*"}, "not-a-token")
    assert refused.status_code == 429
    assert refused.json()["errorCode"] == "RATE_LIMITED"
    assert rate_headers(refused) == ("30", "0", "45")
    elsewhere = client.post(
        reverse("api:api_meter"),
        "{}",
        content_type="application/json",
        REMOTE_ADDR="192.0.2.7",
        HTTP_AUTHORIZATION="Bearer not-a-token",
    )
    assert elsewhere.status_code == 401
    assert rate_headers(elsewhere) == ("30", "29", "45")
