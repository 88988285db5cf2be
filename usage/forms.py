"""Validation of customer meter forms (ACC-3, ACC-23); no side effects."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import RegistrantForm
from accounts.models import Language

from .models import validate_esiid


class MeterPairForm(forms.Form):
    esiid = forms.CharField(
        label=_("ESI ID"),
        max_length=22,
        validators=[validate_esiid],
        help_text=_("17 to 22 digits, on your electricity bill."),
    )
    meter_number = forms.CharField(
        label=_("Meter number"),
        max_length=30,
        help_text=_("On your electricity bill or the meter itself."),
    )

    def clean_esiid(self):
        return self.cleaned_data["esiid"].strip()


class CustomerRegistrationForm(MeterPairForm, RegistrantForm):
    """Create a Residential / Business Account (ACC-3)."""

    field_order = [
        "first_name",
        "middle_initial",
        "last_name",
        "suffix",
        "business_name",
        "title",
        "phone",
        "email",
        "email2",
        "language",
        "esiid",
        "meter_number",
        "user_id",
        "terms",
    ]

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == "business":
            self.fields["business_name"] = forms.CharField(label=_("Business name"), max_length=120)
            self.fields["title"] = forms.CharField(label=_("Title"), max_length=60, required=False)
        else:  # ACC-3: the language preference is for residential customers only
            self.fields["language"] = forms.ChoiceField(
                label=_("Language preference"), choices=Language.choices, initial="en"
            )
        self.order_fields(self.field_order)

    def account_fields(self) -> dict:
        data = self.cleaned_data
        return {
            **self.registrant_fields(),
            "kind": self.kind,
            "language": data.get("language", "en"),
            "business_name": data.get("business_name", ""),
            "title": data.get("title", ""),
        }


class MeterShareForm(forms.Form):
    friend_email = forms.EmailField(
        label=_("Email of the person to share with"),
        help_text=_("They must log in with a customer account that uses this email address."),
    )
