"""Validation of customer meter forms (ACC-3, ACC-23); no side effects."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from accounts.validators import validate_user_id

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


class CustomerRegistrationForm(MeterPairForm):
    """Create a Residential / Business Account (ACC-3)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    middle_initial = forms.CharField(label=_("Middle initial"), max_length=1, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    suffix = forms.CharField(label=_("Suffix"), max_length=10, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    email = forms.EmailField(label=_("Email"))
    email2 = forms.EmailField(label=_("Re-enter email"))
    user_id = forms.CharField(
        label=_("User ID"),
        max_length=100,
        validators=[validate_user_id],
        help_text=_(
            "5 to 100 characters, no slashes (/), single (') or double (\") quote "
            "marks. Not case sensitive; it can never be changed."
        ),
    )
    terms = forms.BooleanField(
        label=_("I accept the Smart Meter Texas Terms of Use"),
        error_messages={"required": _("You must accept the Terms of Use to register.")},
    )

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

    def clean_user_id(self):
        user_id = self.cleaned_data["user_id"]
        if get_user_model().objects.filter(username__iexact=user_id).exists():
            raise forms.ValidationError(gettext("That user ID is already taken."))
        return user_id

    def clean_email2(self):
        if self.cleaned_data.get("email", "").casefold() != self.cleaned_data["email2"].casefold():
            raise forms.ValidationError(gettext("The two email addresses do not match."))
        return self.cleaned_data["email2"]

    def account_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": self.kind,
            "user_id": data["user_id"],
            "email": data["email"],
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "middle_initial": data["middle_initial"],
            "suffix": data["suffix"],
            "phone": data["phone"],
            "language": data.get("language", "en"),
            "business_name": data.get("business_name", ""),
            "title": data.get("title", ""),
        }


class MeterShareForm(forms.Form):
    friend_email = forms.EmailField(
        label=_("Email of the person to share with"),
        help_text=_("They must log in with a customer account that uses this email address."),
    )
