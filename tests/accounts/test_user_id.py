"""User ID rules (ACC-4)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import Company, User
from accounts.validators import USER_ID_MAX_LENGTH, USER_ID_MIN_LENGTH, validate_user_id
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db

# Letters of both cases, digits and the punctuation people use in user IDs (ACC-4).
ALLOWED = "Jd9.-_@"
LENGTH_MESSAGE = "User ID must be at least 5 and no more than 100 characters long."
REQUEST_DETAILS = {
    "first_name": "Ana",
    "last_name": "Lopez",
    "phone": "512-555-0101",
    "email": "ana@example.com",
    "email2": "ana@example.com",
    "terms": "on",
}


def user_id_of(length: int) -> str:
    return (ALLOWED * length)[:length]


def request_access(client, user_id):
    """ACC-2: ask to join an Active REP company with this user ID (a real registration)."""
    company = CompanyFactory(kind=Company.Kind.REP)
    url = reverse("accounts:join_company_form", args=["rep", company.pk, "user"])
    return client.post(url, {**REQUEST_DETAILS, "user_id": user_id})


@pytest.mark.parametrize(
    "user_id",
    [
        user_id_of(USER_ID_MIN_LENGTH),
        user_id_of(USER_ID_MAX_LENGTH),
        "jane.doe@example.com",
        "Jane_Doe-1",
    ],
)
def test_user_id_of_5_to_100_allowed_characters_is_accepted(client, user_id):  # ACC-4
    validate_user_id(user_id)
    response = request_access(client, user_id)
    assert "has been sent to its administrators" in response.content.decode()
    account = User.objects.get(username__iexact=user_id)
    assert account.username == user_id  # kept exactly as typed, case included


@pytest.mark.parametrize("length", [USER_ID_MIN_LENGTH - 1, USER_ID_MAX_LENGTH + 1])
def test_user_id_of_4_or_101_characters_is_refused_with_the_message(client, length):  # ACC-4
    assert (USER_ID_MIN_LENGTH, USER_ID_MAX_LENGTH) == (5, 100)
    response = request_access(client, user_id_of(length))
    assert response.status_code == 200
    assert LENGTH_MESSAGE in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize("user_id", ["abcd", "a" * 101, ""])
def test_user_id_shorter_than_5_or_longer_than_100_is_refused(user_id):  # ACC-4
    with pytest.raises(ValidationError) as error:
        validate_user_id(user_id)
    assert error.value.code == "user_id_length"


@pytest.mark.parametrize("user_id", ["jane/doe", "jane'doe", 'jane"doe'])
def test_user_id_with_slash_or_quote_marks_is_refused(user_id):  # ACC-4
    with pytest.raises(ValidationError) as error:
        validate_user_id(user_id)
    assert error.value.code == "user_id_characters"


def test_user_id_with_outer_spaces_is_refused():  # ACC-4
    with pytest.raises(ValidationError):
        validate_user_id(" jane.doe ")


def test_user_ids_differing_only_in_case_cannot_both_exist():  # ACC-4
    UserFactory(username="Jane.Doe")
    with pytest.raises(IntegrityError):
        UserFactory(username="jane.doe")


def test_model_validation_reports_a_taken_user_id_in_another_case():  # ACC-4
    UserFactory(username="Jane.Doe")
    duplicate = User(username="JANE.DOE", email="x@example.com", kind=User.Kind.RESIDENTIAL)
    duplicate.set_unusable_password()
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "__all__" in error.value.message_dict or "username" in error.value.message_dict


def test_sign_in_ignores_the_case_of_the_user_id(client):  # ACC-4
    UserFactory(username="Jane.Doe")
    assert client.login(username="JANE.DOE", password=DEFAULT_PASSWORD)
