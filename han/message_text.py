"""HAN-9: what a HAN device message's text may be (pure rules, no database).

A ZigBee Smart Energy in-home display gets the text in the Messaging cluster's Display
Message command, whose `Message` field is a ZCL character string: one length octet, so at
most 254 octets of UTF-8. Displays show a line or two and scroll the rest, so we keep
messages short: **80 characters** (docs/decisions.md, "HAN device messages"). Only printable
Latin-1 characters are accepted (the Spanish letters and marks included: á é í ó ú ñ ü ¿ ¡),
as a display's font has no others; at 2 UTF-8 octets each at most, 80 characters always fit
in the 254 octets. The text is plain: no HTML, no line breaks (runs of white space become one
space).
"""

import re
import unicodedata

from django.utils.translation import gettext as _

from smt.lib.errors import Refused

MAX_CHARACTERS = 80  # HAN-9 decision
ZCL_STRING_MAX_OCTETS = 254  # a ZCL character string's length octet (0xFF is "invalid")
_WHITESPACE = re.compile(r"\s+")
_HTML = re.compile(r"<[^>]*>|&[#A-Za-z0-9]+;")


class MessageTextRefused(Refused):
    """The message text breaks a HAN-9 rule; the message says which, for the `text` field."""

    def __init__(self, message: str):
        super().__init__(message, field="text")


def _is_allowed(character: str) -> bool:
    """Printable Latin-1: ASCII 0x20–0x7E and 0xA1–0xFF except the invisible soft hyphen
    (no controls, no NBSP, no others)."""
    code = ord(character)
    return 0x20 <= code <= 0x7E or (0xA1 <= code <= 0xFF and code != 0xAD)


def message_text_clean(text: str) -> str:
    """The text as it goes to the display, or MessageTextRefused naming the problem."""
    # NFC first: an "ñ" typed or pasted as "n" + combining tilde (NFD, as macOS and iOS may
    # send it) is the one Latin-1 letter, not a refused character and two counted ones.
    cleaned = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text or "")).strip()
    if not cleaned:
        raise MessageTextRefused(_("Type the message to show on the HAN device."))
    if _HTML.search(cleaned) or "<" in cleaned or ">" in cleaned:
        raise MessageTextRefused(
            _("HTML is not allowed: the display shows plain text (remove < and >).")
        )
    others = sorted({c for c in cleaned if not _is_allowed(c)})
    if others:
        raise MessageTextRefused(
            _("A HAN display cannot show these characters: %(characters)s")
            % {"characters": " ".join(others)}
        )
    if len(cleaned) > MAX_CHARACTERS:
        raise MessageTextRefused(
            _("The message is %(count)d characters long; the limit is %(limit)d.")
            % {"count": len(cleaned), "limit": MAX_CHARACTERS}
        )
    assert len(cleaned.encode()) <= ZCL_STRING_MAX_OCTETS  # Latin-1: ≤ 2 octets each
    return cleaned
