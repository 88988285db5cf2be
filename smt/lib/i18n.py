"""Translation helpers every app may use (UX-3)."""

from typing import Any

from django.utils.functional import lazy


def _interpolate(message: Any, values: dict[str, Any]) -> str:
    return str(message) % values


# A lazy message with its values filled in when it is shown, in the reader's language.
# `gettext_lazy("... %(max)d ...") % {...}` would fill it in, and so translate it, at import.
interpolate_lazy = lazy(_interpolate, str)
