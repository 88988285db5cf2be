"""Field rules of SPEC §2 that more than one form needs."""

import re
from io import BytesIO
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps

USER_ID_MIN_LENGTH = 5  # ACC-4
USER_ID_MAX_LENGTH = 100  # ACC-4
USER_ID_FORBIDDEN = "/'\""  # ACC-4
DUNS_PATTERN = re.compile(r"\d{9}|\d{13}", re.ASCII)  # SPEC: 9 or 13 digits (ASCII, whole)
# ACC-1, SEC-4: a logo has at most one megapixel (1,000 × 1,000), read from the file's header
# before anything decodes it, so decoding one costs at most ~4 MB; it is stored re-encoded as
# PNG, scaled down to fit LOGO_BOX (pages show it at most 200 × 48 px, PDFs 50 × 18 mm).
LOGO_MAX_PIXELS = 1_000_000
LOGO_EXAMPLE_SIDE = 1000
LOGO_BOX = (300, 150)
LOGO_FORMATS = ("PNG", "JPEG", "GIF")  # what browsers, mail clients and WeasyPrint all show


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
    if not DUNS_PATTERN.fullmatch(value):
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


def _logo_too_large() -> ValidationError:
    return ValidationError(
        _(
            "The logo may have at most %(pixels)s pixels (for example %(side)s × %(side)s "
            "pixels); choose a smaller image."
        ),
        code="logo_pixels",
        params={
            "pixels": number_format(LOGO_MAX_PIXELS, force_grouping=True),
            "side": number_format(LOGO_EXAMPLE_SIDE, force_grouping=True),
        },
    )


def _logo_check_size(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > LOGO_MAX_PIXELS:
        raise _logo_too_large()


def validate_logo_header(upload: IO[bytes]) -> None:
    """ACC-1, SEC-4: refuse a logo that is not a PNG, JPEG or GIF, or has more than
    LOGO_MAX_PIXELS. Pillow reads both from the header without decoding the pixels; its
    decompression-bomb guard (IMAGE_MAX_PIXELS in settings) refuses a far larger image as it
    opens. A file that is not an image passes here: the image field says so."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            size, image_format = image.size, image.format
    except Image.DecompressionBombError as error:
        raise _logo_too_large() from error
    except Exception:  # not an image (or an unreadable one): the ImageField's message
        return
    finally:
        upload.seek(0)
    if image_format not in LOGO_FORMATS:
        raise ValidationError(_("The logo must be a PNG, JPEG or GIF image."), code="logo_format")
    _logo_check_size(size)


def logo_normalise(content: bytes) -> bytes:
    """ACC-1, SEC-4: the logo as stored: re-encoded as PNG (the first frame, turned upright,
    transparency kept) and scaled down to fit LOGO_BOX, never up. What the pages, emails and
    PDFs load is then small and written by Pillow, whatever the upload contained. Raises
    ValidationError for too many pixels, other exceptions for a file Pillow cannot decode."""
    with Image.open(BytesIO(content)) as opened:
        _logo_check_size(opened.size)  # checked again: nothing decodes a big image
        image = ImageOps.exif_transpose(opened)
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        image.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
        png = BytesIO()
        image.save(png, format="PNG", optimize=True)
    return png.getvalue()
