"""User ID rules (ACC-4)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import User
from accounts.validators import validate_user_id
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("user_id", ["abcde", "a" * 100, "jane.doe@example.com", "Jane_Doe-1"])
def test_user_id_of_5_to_100_allowed_characters_is_accepted(user_id):  # ACC-4
    validate_user_id(user_id)


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
