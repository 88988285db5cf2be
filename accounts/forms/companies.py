"""Company registration, Company Profile and TDSP approval forms (ACC-1, ACC-9, ACC-15);
validation only."""

import hashlib
import re
from pathlib import Path

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import Company, Duns
from ..services.companies import LOGO_MAX_BYTES, Logo
from ..validators import DUNS_PATTERN, logo_normalise, validate_logo_header
from . import RegistrantForm
from .members import COMMENT_MAX

US_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
]
COUNTRIES = ("United States", "Canada", "Mexico")


class LogoField(forms.ImageField):
    """ACC-1, SEC-4: an image whose format and pixel count are checked from its header
    before Pillow verifies it, so an oversized one gets its own message, not "not a valid
    image"."""

    def to_python(self, data):
        if data not in self.empty_values and hasattr(data, "seek"):
            validate_logo_header(data)
        return super().to_python(data)


class CompanyFieldsForm(forms.ModelForm):
    """The company fields of ACC-1, shared by registration and Company Profile (ACC-15)."""

    email2 = forms.EmailField(label=_("Re-enter account email"))
    url = forms.URLField(
        label=_("Company URL"),
        required=False,
        assume_scheme="https",
        help_text=_("Shown in emails to your customers."),
    )
    privacy_policy_url = forms.URLField(
        label=_("Privacy policy URL"),
        required=False,
        assume_scheme="https",
        help_text=_("Shown in emails to your customers."),
    )
    logo = LogoField(
        label=_("Company logo"),
        required=False,
        help_text=_(
            "An image file (PNG, JPEG or GIF) smaller than 20 KB and at most 1,000 × 1,000 "
            "pixels; it is shown at most 300 × 150 pixels."
        ),
    )

    class Meta:
        model = Company
        fields = [
            "name",
            "address1",
            "address2",
            "city",
            "state",
            "zip_code",
            "country",
            "phone",
            "email",
            "url",
            "privacy_policy_url",
            "has_privacy_seal",
        ]
        labels = {
            "name": _("Company name"),
            "address1": _("Address 1"),
            "address2": _("Address 2"),
            "city": _("City"),
            "state": _("State"),
            "zip_code": _("ZIP code"),
            "country": _("Country"),
            "phone": _("Phone"),
            "email": _("Account email"),
            "has_privacy_seal": _("My company meets the Smart Grid Privacy Seal requirements"),
        }
        help_texts = {
            "email": _("SMT's messages to your administrators go to this address."),
        }

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["state"] = forms.ChoiceField(
            label=_("State"), choices=[(s, s) for s in US_STATES], initial="TX"
        )
        self.fields["country"] = forms.ChoiceField(
            label=_("Country"), choices=[(c, c) for c in COUNTRIES], initial=COUNTRIES[0]
        )
        order = [*self.Meta.fields[:9], "email2", *self.Meta.fields[9:], "logo"]
        self.order_fields(order)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = Company.objects.filter(kind=self.kind, name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(gettext("A company with this name is already registered."))
        return name

    def clean_email2(self):
        if self.cleaned_data.get("email", "").casefold() != self.cleaned_data["email2"].casefold():
            raise forms.ValidationError(gettext("The two email addresses do not match."))
        return self.cleaned_data["email2"]

    def clean_logo(self):
        """ACC-1, SEC-4: a real image under 20 KB and within the pixel limit (the field has
        checked both), returned as the PNG that is stored (`logo_normalise`), its name
        carrying a hash of the content, so a new logo is a new file (and address)."""
        logo = self.cleaned_data.get("logo")
        if not logo:
            return logo
        if logo.size >= LOGO_MAX_BYTES:
            raise forms.ValidationError(
                gettext("The logo must be smaller than 20 KB; this file is %(size)s KB.")
                % {"size": f"{logo.size / 1024:.1f}"}
            )
        logo.seek(0)
        try:
            png = logo_normalise(logo.read())
        except forms.ValidationError:
            raise
        except Exception as error:  # SEC-4: a file Pillow cannot decode is a form error
            raise forms.ValidationError(
                self.fields["logo"].error_messages["invalid_image"], code="invalid_image"
            ) from error
        stem = slugify(Path(logo.name).stem)[:40] or "logo"
        name = f"{stem}-{hashlib.sha256(png).hexdigest()[:16]}.png"
        return SimpleUploadedFile(name, png, content_type="image/png")

    def company_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def logo_upload(self) -> Logo | None:
        logo = self.cleaned_data.get("logo")
        if not logo:
            return None
        logo.seek(0)
        return Logo(name=logo.name, content=logo.read())


def duns_numbers_parse(text: str) -> list[str]:
    """ACC-1: DUNS numbers separated by commas, spaces or new lines; each 9 or 13 digits
    and not registered yet."""
    numbers = list(dict.fromkeys(n for n in re.split(r"[\s,;]+", text.strip()) if n))
    if not numbers:
        raise forms.ValidationError(gettext("Enter at least one DUNS number."))
    wrong = [n for n in numbers if not DUNS_PATTERN.fullmatch(n)]
    if wrong:
        raise forms.ValidationError(
            gettext("A DUNS number has 9 or 13 digits: %(numbers)s.")
            % {"numbers": ", ".join(wrong)}
        )
    taken = list(Duns.objects.filter(number__in=numbers).values_list("number", flat=True))
    if taken:
        raise forms.ValidationError(
            gettext("Already registered: %(numbers)s.") % {"numbers": ", ".join(sorted(taken))}
        )
    return numbers


class CompanyRegistrationForm(CompanyFieldsForm):
    """ACC-1 page 1: the company, its DUNS numbers and logo. `has_saved_logo`: a logo chosen
    earlier is kept in the session, and can be dropped with "Remove the logo"."""

    duns_numbers = forms.CharField(
        label=_("DUNS numbers"),
        max_length=1000,
        help_text=_("At least one 9- or 13-digit DUNS number; separate several with commas."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo chosen before"), required=False)

    def __init__(self, *args, has_saved_logo: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_saved_logo:
            del self.fields["remove_logo"]
        order = list(self.fields)
        order.remove("duns_numbers")
        order.insert(order.index("email2") + 1, "duns_numbers")
        self.order_fields(order)

    def clean_duns_numbers(self):
        return duns_numbers_parse(self.cleaned_data["duns_numbers"])


class CompanyProfileForm(CompanyFieldsForm):
    """ACC-15: the re-entered email is needed only when the email changes."""

    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email2"].required = False
        if not self.instance.logo:
            del self.fields["remove_logo"]

    def clean_email2(self):
        email = self.cleaned_data.get("email", "")
        if email.casefold() == (self.instance.email or "").casefold():
            return self.cleaned_data.get("email2", "")
        return super().clean_email2()


class CompanyAdminForm(RegistrantForm):
    """ACC-1 page 2: the first administrator (seed 003 §2.1 steps 20-28: phone optional)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = False


class DunsAddForm(forms.Form):
    number = forms.CharField(label=_("New DUNS number"), max_length=13)

    def clean_number(self):
        return duns_numbers_parse(self.cleaned_data["number"])[0]


class DeclineForm(forms.Form):
    """TDSP approvals: a decline needs a comment for the registrant (ACC-1, ACC-9)."""

    comment = forms.CharField(
        label=_("Reason for declining"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Enter a comment saying why you decline.")},
    )
