"""BEY-2: the webhook endpoint form of My Account / Webhooks (cleaning only; the rules,
the URL's SSRF check included, are the service's)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .events import event_choices_for
from .services import DESCRIPTION_MAX, URL_MAX


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=URL_MAX,
        help_text=_("An https address of your system that receives the events."),
        widget=forms.URLInput,
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    description = forms.CharField(
        label=_("Description"), max_length=DESCRIPTION_MAX, required=False
    )
    active = forms.BooleanField(
        label=_("Active (send events to this endpoint)"), required=False, initial=True
    )

    def __init__(self, *args: Any, user: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        events = self.fields["events"]
        assert isinstance(events, forms.MultipleChoiceField)
        events.choices = event_choices_for(user)
        if not editing:
            del self.fields["active"]
