"""Login and logout, the access rule and the lockout (ACC-10, ACC-11)."""

import pytest
from django.urls import reverse

from accounts.models import Company, Duns, User
from accounts.services import LOCKOUT_FAILURES
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def sign_in(client, user_id, password=DEFAULT_PASSWORD):
    return client.post(LOGIN, {"username": user_id, "password": password})


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
    home = client.get(reverse("home"))
    assert "Welcome, Maria" in home.content.decode()


def test_login_redirects_to_the_page_asked_for(client):
    user = UserFactory()
    response = client.post(
        LOGIN + "?next=/my-account/profile/",
        {"username": user.username, "password": DEFAULT_PASSWORD, "next": "/my-account/profile/"},
    )
    assert response.url == "/my-account/profile/"


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
    assert sign_in(client, user.username).status_code == 302


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
    sign_in(client, user.username)
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
    assert sign_in(client, user.username).status_code == 302


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
