"""Rate limits (SEC-5): sign-in failures per user ID and per client address on every path
(login page, Django admin, API), forgot password and forgot user ID; every refusal is a 429
with Retry-After and says when to try again."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts import ratelimit
from accounts.models import SECURITY_QUESTIONS, User
from accounts.services import (
    LOCKOUT_FAILURES,
    SignInReason,
    password_reset_answer,
    security_answer_hash,
    user_sign_in,
)
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
OFFICE = "203.0.113.7"
# 5 minutes into a 15-minute window (they start at :00, :15, :30, :45 UTC): 10 minutes left.
MOMENT = datetime(2026, 3, 2, 15, 5, tzinfo=UTC)
WINDOW_END = datetime(2026, 3, 2, 15, 15, tzinfo=UTC)
ADDRESS_LIMIT = ratelimit.SIGN_IN_FAILURES_PER_ADDRESS.limit
USER_ID_LIMIT = ratelimit.SIGN_IN_FAILURES_PER_USER_ID.limit


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MOMENT, tick=False) as traveller:
        yield traveller


def sign_in(user_id, password=DEFAULT_PASSWORD, address=OFFICE, **headers):
    """One person at `address`, with their own browser."""
    return Client(REMOTE_ADDR=address, **headers).post(
        LOGIN, {"username": user_id, "password": password}
    )


def fail_from(address, count):
    """`count` wrong sign-ins from `address`, each for another (unknown) user ID."""
    for n in range(count):
        result = user_sign_in(user_id=f"guess.{n:04d}", password="nope", address=address)
        assert result.reason is not SignInReason.RATE_LIMITED


def assert_limited(response, seconds=600, wait="10 minutes"):
    assert response.status_code == 429
    assert response["Retry-After"] == str(seconds)
    assert f"Too many attempts. Please try again in {wait}." in response.content.decode()


# --- per client address: failures only -------------------------------------------------------


def test_200_people_of_one_office_sign_in_within_15_minutes():  # SEC-5
    users = [UserFactory(username=f"office.{n:03d}") for n in range(200)]
    signed_in = 0
    for n, user in enumerate(users):
        if n % 4 == 0:  # every fourth person mistypes their password first
            assert sign_in(user.username, "typo").status_code == 200
        if sign_in(user.username).status_code == 302:
            signed_in += 1
    assert signed_in == 200


def test_failures_from_one_address_past_the_limit_are_refused():  # SEC-5
    fail_from(OFFICE, ADDRESS_LIMIT - 1)
    last_allowed = sign_in("someone.else", "nope")
    assert last_allowed.status_code == 200
    assert "The User ID or password you entered is incorrect." in last_allowed.content.decode()
    refused = sign_in("someone.else", "nope")
    assert_limited(refused)
    assert 'value="someone.else"' in refused.content.decode()  # the form, as typed
    assert sign_in("someone.else", "nope", address="198.51.100.1").status_code == 200


def test_a_correct_password_from_a_limited_address_still_signs_in():  # SEC-5
    user = UserFactory()
    fail_from(OFFICE, ADDRESS_LIMIT)
    assert_limited(sign_in("someone.else", "nope"))
    response = sign_in(user.username)
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_wrong_passwords_from_a_limited_address_still_lock_the_account():  # ACC-11, SEC-5
    user = UserFactory()
    fail_from(OFFICE, ADDRESS_LIMIT)
    for _ in range(LOCKOUT_FAILURES):
        assert_limited(sign_in(user.username, "nope"))
    user.refresh_from_db()
    assert user.status == User.Status.LOCKED


def test_the_address_limit_ends_with_its_window(frozen):  # SEC-5
    fail_from(OFFICE, ADDRESS_LIMIT)
    frozen.move_to(WINDOW_END - timedelta(seconds=1))
    assert_limited(sign_in("someone.else", "nope"), seconds=1, wait="1 minute")
    frozen.move_to(WINDOW_END)
    assert sign_in("someone.else", "nope").status_code == 200


# --- per user ID ---------------------------------------------------------------------------


def test_a_user_id_past_its_limit_is_refused_from_any_address():  # SEC-5
    for n in range(USER_ID_LIMIT):
        assert sign_in("no.such.user", "nope", address=f"198.51.100.{n}").status_code == 200
    assert_limited(sign_in("no.such.user", "nope", address="192.0.2.200"))


def test_a_locked_account_gets_the_same_answer_as_an_unknown_user_id():  # SEC-5, ACC-11
    user = UserFactory()
    for n in range(USER_ID_LIMIT):
        sign_in(user.username, "nope", address=f"198.51.100.{n}")
    assert_limited(sign_in(user.username, address="192.0.2.200"))
    assert_limited(sign_in(user.username.upper(), "nope", address="192.0.2.201"))


def test_successful_sign_ins_never_count():  # SEC-5
    user = UserFactory()
    for _ in range(3 * USER_ID_LIMIT):
        assert user_sign_in(user_id=user.username, password=DEFAULT_PASSWORD, address=OFFICE).user
    assert sign_in(user.username, "nope").status_code == 200


def test_unlocking_with_forgot_password_clears_the_user_ids_failures(
    mailoutbox, django_capture_on_commit_callbacks
):  # SEC-5
    user = UserFactory(
        security_question=str(SECURITY_QUESTIONS[0]),
        security_answer_hash=security_answer_hash("Sparky"),
    )
    for _ in range(USER_ID_LIMIT):
        user_sign_in(user_id=user.username, password="nope", address=OFFICE)
    assert user_sign_in(user_id=user.username, password="nope").reason is (
        SignInReason.RATE_LIMITED
    )
    with django_capture_on_commit_callbacks(execute=True):  # the email goes on commit
        assert password_reset_answer(user_id=user.username, answer="sparky").reset
    temporary = re.search(r"password:\s+(\S+)", mailoutbox[-1].body).group(1)
    assert user_sign_in(user_id=user.username, password=temporary, address=OFFICE).user


# --- the client address ----------------------------------------------------------------------


def request_from(remote, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


@pytest.mark.parametrize(
    "behind_proxy, forwarded, address",
    [
        (False, "192.0.2.1", "10.0.0.2"),  # anyone can send the header
        (False, None, "10.0.0.2"),
        (True, "192.0.2.1", "192.0.2.1"),
        (True, "203.0.113.99, 192.0.2.1", "192.0.2.1"),  # the left entries come from the client
        (True, " 1.1.1.1 ,192.0.2.1 ", "192.0.2.1"),
        (True, None, "10.0.0.2"),
        (True, "", "10.0.0.2"),
    ],
)
def test_the_client_address(settings, behind_proxy, forwarded, address):  # SEC-5
    settings.BEHIND_TLS_PROXY = behind_proxy
    assert ratelimit.client_address(request_from("10.0.0.2", forwarded)) == address


def test_x_forwarded_for_does_not_escape_the_limit_without_the_proxy(settings):  # SEC-5
    settings.BEHIND_TLS_PROXY = False
    fail_from(OFFICE, ADDRESS_LIMIT)
    assert_limited(sign_in("someone.else", "nope", HTTP_X_FORWARDED_FOR="192.0.2.55"))


def test_behind_the_proxy_only_the_hop_it_added_counts(settings):  # SEC-5
    settings.BEHIND_TLS_PROXY = True
    proxy = "10.0.0.2"
    fail_from(OFFICE, ADDRESS_LIMIT)
    spoofed = f"192.0.2.55, {OFFICE}"  # the client wrote the first entry, the proxy the last
    assert_limited(sign_in("someone.else", "nope", proxy, HTTP_X_FORWARDED_FOR=spoofed))
    other_office = sign_in("someone.else", "nope", proxy, HTTP_X_FORWARDED_FOR="192.0.2.56")
    assert other_office.status_code == 200


# --- Django admin and the API share the limits ---------------------------------------------------


def admin_sign_in(user_id, password=DEFAULT_PASSWORD):
    return Client(REMOTE_ADDR=OFFICE).post(
        reverse("admin:login"), {"username": user_id, "password": password}
    )


def test_the_admin_login_is_limited_the_same_way():  # SEC-5
    staff = UserFactory(smt_staff=True)
    fail_from(OFFICE, ADDRESS_LIMIT)
    assert_limited(admin_sign_in("someone.else", "nope"))
    assert admin_sign_in(staff.username).status_code == 302  # a correct password still works


def test_the_admin_login_counts_toward_the_address_limit():  # SEC-5
    fail_from(OFFICE, ADDRESS_LIMIT - 1)
    assert admin_sign_in("someone.else", "nope").status_code == 200
    assert_limited(sign_in("someone.else", "nope"))


def api_sign_in(user_id, password=DEFAULT_PASSWORD):
    return Client(REMOTE_ADDR=OFFICE).post(
        reverse("api:api_authenticate"),
        json.dumps({"username": user_id, "password": password}),
        content_type="application/json",
    )


def test_the_api_sign_in_is_limited_with_429_and_retry_after():  # SEC-5, API-4
    user = UserFactory()
    fail_from(OFFICE, ADDRESS_LIMIT - 1)
    assert api_sign_in("someone.else", "nope").status_code == 400  # the 100th failure
    refused = api_sign_in("someone.else", "nope")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "600"
    assert refused.json() == {
        "errorCode": "RATE_LIMITED",
        "errormessage": "Too many attempts. Please try again in 10 minutes.",
        "retryAfter": 600,
    }
    assert api_sign_in(user.username).status_code == 200  # a correct password still works


def test_api_failures_count_toward_the_pages_limit():  # SEC-5
    for _ in range(USER_ID_LIMIT):
        api_sign_in("no.such.user", "nope")
    assert_limited(sign_in("no.such.user", "nope"))


# --- forgot password and forgot user ID ----------------------------------------------------------


def test_forgot_password_is_limited_per_address_with_retry_after():  # SEC-5
    client = Client(REMOTE_ADDR=OFFICE)
    url = reverse("accounts:forgot_password")
    for n in range(ratelimit.FORGOT_PASSWORD_PER_ADDRESS.limit):
        assert client.post(url, {"username": f"someone.{n}"}).status_code == 302
    refused = client.post(url, {"username": "someone.more"})
    # Hourly windows: 55 minutes left at 15:05.
    assert_limited(refused, seconds=55 * 60, wait="55 minutes")
    assert 'value="someone.more"' in refused.content.decode()


def test_forgot_password_answers_are_limited_per_user_id():  # SEC-5
    client = Client(REMOTE_ADDR=OFFICE)
    client.post(reverse("accounts:forgot_password"), {"username": "no.such.user"})
    url = reverse("accounts:forgot_password_answer")
    for _ in range(ratelimit.FORGOT_PASSWORD_PER_USER_ID.limit):
        assert client.post(url, {"security_answer": "rex"}).status_code == 200
    refused = client.post(url, {"security_answer": "rex"})
    assert_limited(refused, seconds=55 * 60, wait="55 minutes")
    assert "Security question" in refused.content.decode()


def test_forgot_user_id_is_limited_with_retry_after():  # SEC-5
    client = Client(REMOTE_ADDR=OFFICE)
    url = reverse("accounts:forgot_user_id")
    for _ in range(ratelimit.FORGOT_USER_ID_PER_EMAIL.limit):
        assert client.post(url, {"email": "pat@example.com"}).status_code == 200
    refused = client.post(url, {"email": "pat@example.com"})
    assert_limited(refused, seconds=55 * 60, wait="55 minutes")
    assert 'value="pat@example.com"' in refused.content.decode()


def test_the_wait_is_said_in_minutes_rounded_up():  # SEC-5
    assert ratelimit.too_many_message(1) == "Too many attempts. Please try again in 1 minute."
    assert ratelimit.too_many_message(61) == "Too many attempts. Please try again in 2 minutes."
