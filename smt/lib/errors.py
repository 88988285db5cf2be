"""The one "the service said no" error every app's refusals derive from.

A service raises a subclass of `Refused` with a message for the person (or the API caller)
and, when the refusal is about one input, the name of that field. Views, admin actions and
APIs catch `Refused` alone and show the message on its field (a form error, a page message,
the API-4 JSON body), so no caller keeps a list of exception classes.
"""

from __future__ import annotations

from typing import Any

from django import forms


class Refused(Exception):
    """A rule refused the request: `message` says why, `field` names the input it is about."""

    default_message: Any = ""

    def __init__(self, message: Any = None, field: str | None = None) -> None:
        self.message = self.default_message if message is None else message
        self.field = field
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


def refusal_add_to_form(form: forms.BaseForm, refusal: Refused) -> None:
    """Show a refusal on a bound form: on its field when the form has that field, else above
    the form (a non-field error)."""
    field = refusal.field if refusal.field in form.fields else None
    form.add_error(field, refusal.message)
