"""Temporary passwords, first log in, forgot password / user ID, My Profile
(ACC-5, ACC-6, ACC-11 .. ACC-14, SEC-5)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import SECURITY_QUESTIONS, Company, StatusChange, User
from accounts.services import (
    LOCKOUT_FAILURES,
    TEMPORARY_PASSWORD_DAYS,
    password_reset_question,
    security_answer_hash,
    user_issue_temporary_password,
)
from notifications.models import OutboundEmail
from tests.factories import DEFAULT_PASSWORD, UserFactory

# Real commits: emails are dispatched on commit, as in a real request.
pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = str(SECURITY_QUESTIONS[0])
NEW_PASSWORD = "Brand-New-Pass-77"


def temporary_password_from(message) -> str:
    # "...this temporary password: X" (approved) or "...a new password:\n\n    X" (reset)
    return re.search(r"password:\s+(\S+)", message.body).group(1)


def issue(user, purpose="approved"):
    user_issue_temporary_password(user=user, purpose=purpose)
    return temporary_password_from(mail.outbox[-1])


def sign_in(client, user_id, password):
    return client.post(reverse("accounts:login"), {"username": user_id, "password": password})


def set_up_data(**overrides):
    return {
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
        "security_question": QUESTION,
        "security_answer": "Sparky",
        **overrides,
    }


# --- ACC-6 -------------------------------------------------------------------------------


def test_temporary_password_is_emailed_stored_hashed_and_scrubbed_from_the_log():  # ACC-6
    user = UserFactory(status=User.Status.APPROVED)
    password = issue(user)
    user.refresh_from_db()
    assert user.check_password(password)
    assert password not in user.password
    assert user.must_change_password
    # A customer's first temporary password comes in the welcome email (issue 15).
    email = OutboundEmail.objects.get(template="accounts/temporary_password_welcome")
    assert password not in str(email.context)


def test_first_log_in_forces_a_permanent_password_and_security_question(client):  # ACC-6
    company = Company.objects.create(
        kind=Company.Kind.THIRD_PARTY,
        name="New Co",
        status=Company.Status.APPROVED,
        address1="1 Main",
        city="Austin",
        zip_code="78701",
        phone="1",
        email="c@example.com",
    )
    user = UserFactory(third_party_admin=True, company=company, status=User.Status.APPROVED)
    password = issue(user)
    response = sign_in(client, user.username, password)
    assert response.status_code == 302
    assert client.get(reverse("home")).url == reverse("accounts:set_up")

    response = client.post(reverse("accounts:set_up"), set_up_data())
    assert response.url == reverse("home")
    user.refresh_from_db()
    company.refresh_from_db()
    assert user.status == User.Status.ACTIVE
    assert company.status == Company.Status.ACTIVE
    assert not user.must_change_password
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("home")).status_code == 200
    assert StatusChange.objects.filter(to_status="active").count() == 2  # SEC-7


def test_temporary_password_works_only_once(client):  # ACC-6
    user = UserFactory(status=User.Status.APPROVED)
    password = issue(user)
    sign_in(client, user.username, password)
    client.post(reverse("accounts:set_up"), set_up_data())
    client.post(reverse("accounts:logout"))
    assert sign_in(client, user.username, password).status_code == 200


@pytest.mark.parametrize(
    "age, signs_in",
    [
        (timedelta(days=TEMPORARY_PASSWORD_DAYS) - timedelta(minutes=1), True),
        (timedelta(days=TEMPORARY_PASSWORD_DAYS), False),
    ],
)
def test_temporary_password_dies_after_14_days(client, age, signs_in):  # ACC-6
    user = UserFactory(status=User.Status.APPROVED)
    password = issue(user)
    with time_machine.travel(timezone.now() + age):
        response = sign_in(client, user.username, password)
    assert (response.status_code == 302) is signs_in
    if not signs_in:
        assert "Your temporary password has expired" in response.content.decode()


def test_set_up_keeps_what_was_typed_and_explains_errors(client):  # ACC-5
    user = UserFactory(status=User.Status.APPROVED)
    sign_in(client, user.username, issue(user))
    response = client.post(
        reverse("accounts:set_up"), set_up_data(new_password2="Something-Else-1")
    )
    html = response.content.decode()
    assert "The two passwords do not match." in html
    assert 'value="Sparky"' in html


@pytest.mark.parametrize(
    "password, accepted",
    [("Abcdef-1", True), ("Abcde-1", False), ("A1-" + "x" * 125, True), ("A1-" + "x" * 126, False)],
)
def test_new_password_length_is_8_to_128(client, password, accepted):  # ACC-5
    user = UserFactory(status=User.Status.APPROVED)
    sign_in(client, user.username, issue(user))
    response = client.post(
        reverse("accounts:set_up"),
        set_up_data(new_password1=password, new_password2=password),
    )
    assert (response.status_code == 302) is accepted


def test_new_password_cannot_be_the_user_id(client):  # ACC-5
    user = UserFactory(username="Sunny.Day.2026", status=User.Status.APPROVED)
    sign_in(client, user.username, issue(user))
    response = client.post(
        reverse("accounts:set_up"),
        set_up_data(new_password1="sunny.day.2026", new_password2="sunny.day.2026"),
    )
    assert "cannot be the same as your User ID" in response.content.decode()


# --- ACC-12 forgot password --------------------------------------------------------------


def reset_user(**fields):
    return UserFactory(
        security_question=QUESTION, security_answer_hash=security_answer_hash("Sparky"), **fields
    )


def start_reset(client, user):
    return client.post(reverse("accounts:forgot_password"), {"username": user.username.upper()})


def test_right_answer_emails_a_temporary_password_never_shown(client):  # ACC-12
    user = reset_user()
    response = start_reset(client, user)
    assert response.url == reverse("accounts:forgot_password_answer")
    page = client.get(response.url).content.decode()
    assert QUESTION in page
    response = client.post(response.url, {"security_answer": "  SPARKY "})
    password = temporary_password_from(mail.outbox[-1])
    assert password not in response.content.decode()
    assert "has been sent to the email address in your profile" in response.content.decode()
    assert mail.outbox[-1].to == [user.email]
    assert sign_in(client, user.username, password).url == reverse("home")
    assert client.get(reverse("home")).url == reverse("accounts:set_up")
    response = client.post(
        reverse("accounts:set_up"), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.url == reverse("home")


def test_forgot_password_unlocks_a_locked_account(client):  # ACC-11, ACC-12
    user = reset_user(status=User.Status.LOCKED)
    start_reset(client, user)
    client.post(reverse("accounts:forgot_password_answer"), {"security_answer": "sparky"})
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE
    assert (
        sign_in(client, user.username, temporary_password_from(mail.outbox[-1])).status_code == 302
    )


def test_wrong_answers_count_toward_the_lockout(client):  # ACC-12
    user = reset_user()
    start_reset(client, user)
    url = reverse("accounts:forgot_password_answer")
    for _ in range(LOCKOUT_FAILURES - 1):
        response = client.post(url, {"security_answer": "rex"})
        assert "does not match" in response.content.decode()
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE
    response = client.post(url, {"security_answer": "rex"})
    user.refresh_from_db()
    assert user.status == User.Status.LOCKED
    assert "Your account is locked" in response.content.decode()
    assert mail.outbox == []


def test_a_wrong_answer_for_a_locked_account_says_it_is_locked(client):  # ACC-11, ACC-12
    user = reset_user(status=User.Status.LOCKED)
    start_reset(client, user)
    response = client.post(reverse("accounts:forgot_password_answer"), {"security_answer": "rex"})
    assert "Your account is locked" in response.content.decode()
    assert "does not match" not in response.content.decode()
    user.refresh_from_db()
    assert user.status == User.Status.LOCKED
    assert mail.outbox == []


def test_answer_page_needs_the_first_step(client):
    assert client.get(reverse("accounts:forgot_password_answer")).url == reverse(
        "accounts:forgot_password"
    )


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def forgot_password_pages(client, user_id, answer="rex"):
    """Step 1, step 2 and a wrong answer, as the person sees them."""
    step1 = client.post(reverse("accounts:forgot_password"), {"username": user_id})
    step2 = client.get(reverse("accounts:forgot_password_answer"))
    wrong = client.post(reverse("accounts:forgot_password_answer"), {"security_answer": answer})
    return step1, step2, wrong


@pytest.mark.parametrize(
    "account, answer_page_equal",
    [
        ({}, True),  # an Active account with a security question
        ({"status": User.Status.LOCKED}, False),  # a wrong answer says locked (ACC-11)
        ({"status": User.Status.SUSPENDED}, True),  # cannot reset: a decoy, as for no account
        ({"status": User.Status.APPROVED, "security_answer_hash": ""}, True),  # no question
    ],
)
def test_forgot_password_does_not_tell_whether_a_user_id_exists(
    client, account, answer_page_equal
):  # ACC-12
    known_id = "somebody.here"
    question = password_reset_question(user_id=known_id)
    # An unknown ID whose decoy is that question, so the two pages can be equal.
    unknown_id = next(
        user_id
        for user_id in (f"nobody.{n}" for n in range(100))
        if password_reset_question(user_id=user_id) == question
    )
    fields = {"security_question": question, "security_answer_hash": security_answer_hash("x")}
    UserFactory(username=known_id, **(fields | account))
    unknown = forgot_password_pages(client, unknown_id)
    client.cookies.clear()
    known = forgot_password_pages(client, known_id)
    pages = 3 if answer_page_equal else 2
    for unknown_page, known_page in zip(unknown[:pages], known[:pages], strict=True):
        assert unknown_page.status_code == known_page.status_code
        assert unknown_page.get("Location") == known_page.get("Location")
        assert without_csrf(unknown_page.content.decode()) == without_csrf(
            known_page.content.decode()
        )
    assert unknown[0].url == reverse("accounts:forgot_password_answer")
    assert question in unknown[1].content.decode()
    assert "does not match" in unknown[2].content.decode()


def test_an_unknown_user_id_always_gets_the_same_question_and_never_resets(client):  # ACC-12
    client.post(reverse("accounts:forgot_password"), {"username": "nobody.here"})
    first = client.get(reverse("accounts:forgot_password_answer")).content.decode()
    client.post(reverse("accounts:forgot_password"), {"username": "NOBODY.HERE"})
    again = client.get(reverse("accounts:forgot_password_answer")).content.decode()
    assert without_csrf(first) == without_csrf(again)
    for answer in ("Sparky", "", "nobody.here"):
        client.post(reverse("accounts:forgot_password_answer"), {"security_answer": answer})
    assert mail.outbox == []
    assert password_reset_question(user_id="nobody.here") in {
        str(question) for question in SECURITY_QUESTIONS
    }


# --- ACC-13 forgot user ID ---------------------------------------------------------------


def test_forgot_user_id_emails_every_user_id_with_that_address(client):  # ACC-13
    UserFactory(username="first.account", email="pat@example.com")
    UserFactory(username="second.account", email="PAT@example.com")
    response = client.post(reverse("accounts:forgot_user_id"), {"email": "pat@example.com"})
    assert len(mail.outbox) == 1
    assert "first.account" in mail.outbox[0].body
    assert "second.account" in mail.outbox[0].body
    assert "first.account" not in response.content.decode()


def test_forgot_user_id_answers_the_same_for_an_unknown_address(client):  # ACC-13
    UserFactory(email="known@example.com")
    known = client.post(reverse("accounts:forgot_user_id"), {"email": "known@example.com"})
    unknown = client.post(reverse("accounts:forgot_user_id"), {"email": "other@example.com"})

    def normalise(html):
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return html.replace("known@example.com", "X").replace("other@example.com", "X")

    assert normalise(known.content.decode()) == normalise(unknown.content.decode())
    assert len(mail.outbox) == 1


# --- SEC-5 rate limits --------------------------------------------------------------------


def test_forgot_user_id_is_limited_to_3_an_hour_per_address(client):  # SEC-5
    UserFactory(email="pat@example.com")
    for _ in range(3):
        client.post(reverse("accounts:forgot_user_id"), {"email": "pat@example.com"})
    response = client.post(reverse("accounts:forgot_user_id"), {"email": "pat@example.com"})
    assert "Too many attempts" in response.content.decode()
    assert len(mail.outbox) == 3


# --- ACC-14 My Profile --------------------------------------------------------------------


@pytest.mark.parametrize(
    "traits, shows_duns",
    [
        ({"rep": True}, True),
        ({"third_party": True}, True),
        ({}, False),
        ({"tdsp_admin": True}, False),
    ],
)
def test_my_profile_shows_duns_and_permissions_to_rep_and_3rd_party_people(
    client, traits, shows_duns
):  # ACC-14
    client.force_login(UserFactory(**traits))
    html = client.get(reverse("accounts:profile")).content.decode()
    assert ("In-Home Device Services" in html) is shows_duns


def test_profile_edit_saves_and_keeps_the_user_id(client):  # ACC-14
    user = UserFactory(username="keep.me")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile_edit"),
        {
            "first_name": "Ana",
            "last_name": "Ruiz",
            "phone": "512-555-0000",
            "email": "ana@example.com",
            "email2": "ANA@example.com",
            "username": "changed",
            "language": "es",
        },
    )
    assert response.url == reverse("accounts:profile")
    user.refresh_from_db()
    assert (user.first_name, user.email, user.language) == ("Ana", "ana@example.com", "es")
    assert user.username == "keep.me"


def test_profile_edit_refuses_mismatched_emails_and_keeps_the_input(client):  # ACC-14
    client.force_login(UserFactory())
    response = client.post(
        reverse("accounts:profile_edit"),
        {
            "first_name": "Ana",
            "last_name": "Ruiz",
            "phone": "5",
            "email": "a@example.com",
            "email2": "b@example.com",
        },
    )
    html = response.content.decode()
    assert "The two email addresses do not match." in html
    assert 'value="Ana"' in html


def test_change_password_needs_the_current_one_and_a_different_new_one(client):  # ACC-5
    user = UserFactory()
    client.force_login(user)
    url = reverse("accounts:password_change")
    wrong = client.post(
        url,
        {"current_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "Your current password is not correct." in wrong.content.decode()
    same = client.post(
        url,
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password1": DEFAULT_PASSWORD,
            "new_password2": DEFAULT_PASSWORD,
        },
    )
    assert "cannot be the same as your previous password" in same.content.decode()
    done = client.post(
        url,
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert done.url == reverse("accounts:profile")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("home")).status_code == 200  # still signed in


def test_change_security_question_stores_the_answer_hashed(client):  # ACC-12, ACC-14
    user = UserFactory()
    client.force_login(user)
    client.post(
        reverse("accounts:security_question_change"),
        {"security_question": str(SECURITY_QUESTIONS[1]), "security_answer": "Austin"},
    )
    user.refresh_from_db()
    assert user.security_question == str(SECURITY_QUESTIONS[1])
    assert "Austin" not in user.security_answer_hash
