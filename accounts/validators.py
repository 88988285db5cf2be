"""Field rules of SPEC §2 that more than one form needs."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

USER_ID_MIN_LENGTH = 5  # ACC-4
USER_ID_MAX_LENGTH = 100  # ACC-4
USER_ID_FORBIDDEN = "/'\""  # ACC-4
DUNS_PATTERN = re.compile(r"^(\d{9}|\d{13})$")  # SPEC words: 9- or 13-digit number


def validate_user_id(value: str) -> None:
    """ACC-4: 5-100 characters, no slash or quote marks, no spaces at either end."""
    if not USER_ID_MIN_LENGTH <= len(value) <= USER_ID_MAX_LENGTH:
        raise ValidationError(
            _("User ID must be at least %(min)d and no more than %(max)d characters long."),
            code="user_id_length",
            params={"min": USER_ID_MIN_LENGTH, "max": USER_ID_MAX_LENGTH},
        )
    if any(char in value for char in USER_ID_FORBIDDEN):
        raise ValidationError(
            _(
                "User ID cannot contain slashes (/), single quote marks (') "
                'or double quote marks (").'
            ),
            code="user_id_characters",
        )
    if value != value.strip():
        raise ValidationError(_("User ID cannot start or end with a space."), code="user_id_space")


def validate_duns_number(value: str) -> None:
    if not DUNS_PATTERN.match(value):
        raise ValidationError(_("A DUNS number has 9 or 13 digits."), code="duns_format")


class MaximumLengthValidator:
    """ACC-5: passwords up to 128 characters (a longer one is refused with a message)."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max)d character.",
                    "This password is too long. It must contain at most %(max)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max": self.max_length},
            )

    def get_help_text(self):
        return _("Your password can contain at most %(max)d characters.") % {"max": self.max_length}


class NotUserIdValidator:
    """ACC-5: a password may not be the user ID (compared without case)."""

    def validate(self, password, user=None):
        if user is not None and user.username and password.lower() == user.username.lower():
            raise ValidationError(
                _("Your password cannot be the same as your User ID."), code="password_is_user_id"
            )

    def get_help_text(self):
        return _("Your password cannot be the same as your User ID.")
