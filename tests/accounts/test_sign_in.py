"""Login and logout, the access rule and the lockout (ACC-10, ACC-11), and the reasons
`user_sign_in` gives every path (pages, admin, API)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Company, Duns, User
from accounts.services import (
    LOCKOUT_FAILURES,
    TEMPORARY_PASSWORD_DAYS,
    SignInReason,
    SignInResult,
    user_sign_in,
)
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
MOMENT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
LOCKED_MESSAGE = "Your account is locked after too many failed log in attempts."


def sign_in(client, user_id, password=DEFAULT_PASSWORD):
    return client.post(LOGIN, {"username": user_id, "password": password})


def assert_signed_in(client, response, user, target=None):
    """The login redirected to `target` (Home by default) and the session is `user`'s."""
    assert response.status_code == 302
    assert response.url == (target or reverse("home"))
    assert client.session["_auth_user_id"] == str(user.pk)


def attempt(user, password="wrong-password"):
    return user_sign_in(user_id=user.username, password=password)


def test_login_page_renders_the_form(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_active_customer_signs_in_and_lands_on_home(client):
    user = UserFactory(first_name="Maria")
    response = sign_in(client, user.username)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)
    home = client.get(reverse("home"))
    assert "Welcome, Maria" in home.content.decode()


def test_login_redirects_to_the_page_asked_for(client):
    user = UserFactory()
    response = client.post(
        LOGIN + "?next=/my-account/profile/",
        {"username": user.username, "password": DEFAULT_PASSWORD, "next": "/my-account/profile/"},
    )
    assert response.url == "/my-account/profile/"
    assert_signed_in(client, response, user, target="/my-account/profile/")
    assert client.get("/my-account/profile/").status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_answer(client):  # ACC-11
    user = UserFactory()
    wrong = sign_in(client, user.username, "not-the-password").content.decode()
    unknown = sign_in(client, "nobody.here", "not-the-password").content.decode()
    message = "The User ID or password you entered is incorrect."
    assert message in wrong
    assert message in unknown


def test_user_id_typed_is_kept_after_a_failed_login(client):
    response = sign_in(client, "someone.typed", "bad-password")
    assert 'value="someone.typed"' in response.content.decode()


def test_fourth_consecutive_failure_does_not_lock(client):  # ACC-11
    user = UserFactory()
    for _ in range(LOCKOUT_FAILURES - 1):
        sign_in(client, user.username, "wrong-password")
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE
    response = sign_in(client, user.username)
    assert response.status_code == 302
    assert_signed_in(client, response, user)


def test_fifth_consecutive_failure_locks_the_account(client):  # ACC-11
    user = UserFactory()
    for _ in range(LOCKOUT_FAILURES - 1):
        sign_in(client, user.username, "wrong-password")
    response = sign_in(client, user.username, "wrong-password")
    user.refresh_from_db()
    assert user.status == User.Status.LOCKED
    assert "Your account is locked" in response.content.decode()


def test_locked_account_cannot_sign_in_with_the_right_password(client):  # ACC-11
    user = UserFactory(status=User.Status.LOCKED)
    response = sign_in(client, user.username)
    assert response.status_code == 200
    assert "Your account is locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_resets_the_failure_count(client):  # ACC-11: failures must be consecutive
    user = UserFactory()
    for _ in range(LOCKOUT_FAILURES - 1):
        sign_in(client, user.username, "wrong-password")
    assert_signed_in(client, sign_in(client, user.username), user)
    client.logout()
    for _ in range(LOCKOUT_FAILURES - 1):
        sign_in(client, user.username, "wrong-password")
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE
    assert user.failed_login_count == LOCKOUT_FAILURES - 1


def test_failures_on_the_admin_login_count_too(client):  # ACC-11: every path counts
    user = UserFactory(smt_staff=True)
    for _ in range(LOCKOUT_FAILURES):
        client.post(
            reverse("admin:login"), {"username": user.username, "password": "wrong-password"}
        )
    user.refresh_from_db()
    assert user.status == User.Status.LOCKED


@pytest.mark.parametrize(
    "status",
    [User.Status.PENDING, User.Status.APPROVED, User.Status.SUSPENDED, User.Status.REVOKED],
)
def test_accounts_that_are_not_active_cannot_sign_in(client, status):  # ACC-7, ACC-10
    user = UserFactory(status=status)
    response = sign_in(client, user.username)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_rep_user_signs_in_while_account_company_and_a_duns_are_active(client):  # ACC-10
    user = UserFactory(rep=True)
    response = sign_in(client, user.username)
    assert response.status_code == 302
    assert_signed_in(client, response, user)


@pytest.mark.parametrize("status", [Company.Status.APPROVED, Company.Status.SUSPENDED])
def test_rep_user_of_a_company_that_is_not_active_cannot_sign_in(client, status):  # ACC-10
    user = UserFactory(rep=True)
    Company.objects.filter(pk=user.company_id).update(status=status)
    response = sign_in(client, user.username)
    assert "Your company&#x27;s account is not active." in response.content.decode()


def test_rep_user_without_an_active_duns_cannot_sign_in(client):  # ACC-10
    user = UserFactory(rep=True)
    user.duns_grants.update(status=Duns.Status.SUSPENDED)
    response = sign_in(client, user.username)
    assert "None of your DUNS numbers is active." in response.content.decode()


def test_logout_is_a_post_and_ends_the_session(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.url == LOGIN
    assert client.get(reverse("home")).status_code == 302


def test_pages_need_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_spanish_speaking_customer_sees_spanish_pages(client):  # UX-3
    client.force_login(UserFactory(language="es"))
    response = client.get(reverse("home"))
    assert response.headers["Content-Language"] == "es"
    assert "Cerrar sesión" in response.content.decode()


# --- the reason of `user_sign_in` (ACC-6, ACC-7, ACC-10, ACC-11) ---------------------------------


@pytest.mark.parametrize(
    "failures, reason",
    [(LOCKOUT_FAILURES - 1, SignInReason.OK), (LOCKOUT_FAILURES, SignInReason.LOCKED)],
)
def test_the_right_password_after_4_failures_signs_in_and_after_5_is_locked(
    failures, reason
):  # ACC-11
    user = UserFactory()
    # Failures days apart still count: the rule is consecutive failures, not a time window.
    for day in range(failures):
        with time_machine.travel(MOMENT + timedelta(days=day), tick=False):
            locks = day + 1 == LOCKOUT_FAILURES
            expected = SignInReason.LOCKED if locks else SignInReason.WRONG_CREDENTIALS
            assert attempt(user).reason is expected
    with time_machine.travel(MOMENT + timedelta(days=failures), tick=False):
        result = attempt(user, DEFAULT_PASSWORD)
    assert result.reason is reason
    assert result.user == (user if reason is SignInReason.OK else None)
    user.refresh_from_db()
    expected_status = User.Status.ACTIVE if reason is SignInReason.OK else User.Status.LOCKED
    assert user.status == expected_status


def test_the_4th_failure_is_wrong_credentials_and_the_5th_locked():  # ACC-11
    user = UserFactory()
    with time_machine.travel(MOMENT, tick=False):
        for _ in range(LOCKOUT_FAILURES - 1):
            result = attempt(user)
            assert (result.user, result.reason) == (None, SignInReason.WRONG_CREDENTIALS)
            assert result.error == "The User ID or password you entered is incorrect."
        fifth = attempt(user)
    assert (fifth.user, fifth.reason) == (None, SignInReason.LOCKED)
    assert fifth.error.startswith(LOCKED_MESSAGE)


def test_a_locked_account_stays_locked_as_time_passes():  # ACC-11: unlock = Forgot Password
    user = UserFactory(status=User.Status.LOCKED)
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        result = attempt(user, DEFAULT_PASSWORD)
    assert (result.user, result.reason) == (None, SignInReason.LOCKED)


@pytest.mark.parametrize(
    "age, reason",
    [
        (timedelta(days=TEMPORARY_PASSWORD_DAYS, seconds=-1), SignInReason.OK),
        (timedelta(days=TEMPORARY_PASSWORD_DAYS), SignInReason.TEMPORARY_PASSWORD_EXPIRED),
    ],
)
def test_a_temporary_password_signs_in_until_its_14th_day(age, reason):  # ACC-6
    with time_machine.travel(MOMENT, tick=False):
        user = UserFactory(
            status=User.Status.APPROVED,
            must_change_password=True,
            temporary_password_expires_at=MOMENT + timedelta(days=TEMPORARY_PASSWORD_DAYS),
        )
    with time_machine.travel(MOMENT + age, tick=False):
        assert attempt(user, DEFAULT_PASSWORD).reason is reason


def test_each_refusal_of_the_access_rule_has_its_reason():  # ACC-7, ACC-8, ACC-10
    unknown = user_sign_in(user_id="nobody.here", password=DEFAULT_PASSWORD)
    suspended = UserFactory(status=User.Status.SUSPENDED)
    company_suspended = UserFactory(rep=True)
    Company.objects.filter(pk=company_suspended.company_id).update(status=Company.Status.SUSPENDED)
    without_duns = UserFactory(rep=True)
    without_duns.duns_grants.update(status=Duns.Status.SUSPENDED)
    assert unknown.reason is SignInReason.WRONG_CREDENTIALS
    assert attempt(suspended, DEFAULT_PASSWORD).reason is SignInReason.INACTIVE
    assert attempt(company_suspended, DEFAULT_PASSWORD).reason is SignInReason.COMPANY_INACTIVE
    assert attempt(without_duns, DEFAULT_PASSWORD).reason is SignInReason.NO_ACTIVE_DUNS


# --- the SMT-compatible API answers from the reason (API-1, ACC-11) ------------------------------


def api_authenticate(client, user_id, password=DEFAULT_PASSWORD):
    return client.post(
        reverse("api:api_authenticate"),
        json.dumps({"username": user_id, "password": password}),
        content_type="application/json",
    )


def test_the_api_answers_400_until_the_failure_that_locks_then_403(client):  # API-1, ACC-11
    user = UserFactory()
    with time_machine.travel(MOMENT, tick=False):
        for _ in range(LOCKOUT_FAILURES - 1):
            response = api_authenticate(client, user.username, "wrong-password")
            assert response.status_code == 400
            assert response.json()["errorCode"] == "ERR-USR-INVALIDPASSWORDERROR"
        fifth = api_authenticate(client, user.username, "wrong-password")
        right = api_authenticate(client, user.username)
    for response in (fifth, right):
        assert response.status_code == 403
        assert response.json()["errorCode"] == "ERR-USR-LOCKED"
        assert response.json()["errormessage"].startswith(LOCKED_MESSAGE)


def test_the_api_takes_403_from_the_reason_not_from_another_query(client, monkeypatch):  # API-1
    # The database says Active; only the sign-in result says Locked. The API must follow it.
    user = UserFactory()
    monkeypatch.setattr(
        "smt.api.compat.views.user_sign_in",
        lambda **kwargs: SignInResult.refused(SignInReason.LOCKED),
    )
    response = api_authenticate(client, user.username)
    assert response.status_code == 403
    assert response.json()["errorCode"] == "ERR-USR-LOCKED"


@pytest.mark.parametrize(
    "status", [User.Status.SUSPENDED, User.Status.REVOKED, User.Status.PENDING]
)
def test_the_api_answers_400_for_an_account_that_is_not_active(client, status):  # API-1
    user = UserFactory(status=status)
    response = api_authenticate(client, user.username)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ERR-USR-INVALIDPASSWORDERROR"
