"""My Profile / API Tokens (API-2): naming a new token. The rules (a name, not repeated among
the active tokens, at most ten) are the service's; it refuses with a message on its field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import PersonalApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=PersonalApiToken._meta.get_field("name").max_length,
        help_text=_("For example, the system that will use it."),
    )
    sandbox = forms.BooleanField(
        label=_("Sandbox token"),
        required=False,
        help_text=_(
            "For test data only: a sandbox token reaches the sandbox's test meters and "
            "agreements, never a real customer's."
        ),
    )
