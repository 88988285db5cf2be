"""Forms of the 3rd party's (and REP's) agreement pages: the two-page request (AGR-3, AGR-14,
AGR-17), the Customer Agreements search (AGR-2, ACC-20), termination and extension (AGR-15).

Validation and cleaning only: the rules about meters, limits and dates are the services'
(AgreementRefused), and the views show their messages next to these fields.
"""

import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import Language
from agreements.services.creation import MAX_METERS, Contact, CustomerDetails, MeterPair
from smt.lib.i18n import interpolate_lazy
from smt.lib.listing import OneCriterionSearchForm, SearchTerms

from ..models import MAX_DURATION_MONTHS, MIN_DURATION_MONTHS, Agreement

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# Fields a non-registered customer must fill in (AGR-3; a registered one gives the email).
CUSTOMER_REQUIRED = ("first_name", "last_name", "street", "city", "state", "zip_code")
DURATION_CHOICES = [("", _("Select duration"))] + [
    (str(n), interpolate_lazy(ngettext_lazy("%(n)d month", "%(n)d months", n), {"n": n}))
    for n in range(MIN_DURATION_MONTHS, MAX_DURATION_MONTHS + 1)
]


def meter_field_names(index: int) -> tuple[str, str]:
    return f"meter_{index}_esiid", f"meter_{index}_number"


def unregistered_customer_details(data: dict) -> CustomerDetails:
    """AGR-3 (and HAN-1): a customer not registered, as the 3rd party typed them."""
    residential = data["customer_kind"] == Agreement.CustomerKind.RESIDENTIAL
    return CustomerDetails(
        registered=False,
        email=data["email"],
        kind=data["customer_kind"],
        first_name=data["first_name"],
        middle_initial=data["middle_initial"],
        last_name=data["last_name"],
        title=data["title"],
        # Seed 000 functional rule 1: language only for residential non-registered.
        language=(data["language"] or Language.ENGLISH) if residential else Language.ENGLISH,
        company_name=data["company_name"],
        street=data["street"],
        city=data["city"],
        state=data["state"] or "TX",
        zip_code=data["zip_code"],
        phone=data["phone"],
    )


class AgreementRequestForm(forms.Form):
    """AGR-3 page 1 (and AGR-14/AGR-17 page 1 with a duration instead of the report)."""

    registered = forms.ChoiceField(
        label=_("Is customer already registered with SMT?"),
        choices=YES_NO,
        initial="no",
        widget=forms.RadioSelect,
    )
    customer_kind = forms.ChoiceField(
        label=_("Is customer a residential or business user?"),
        choices=Agreement.CustomerKind.choices,
        initial=Agreement.CustomerKind.RESIDENTIAL,
        widget=forms.RadioSelect,
    )
    first_name = forms.CharField(label=_("First Name"), max_length=60, required=False)
    middle_initial = forms.CharField(label=_("Middle Initial"), max_length=1, required=False)
    last_name = forms.CharField(label=_("Last Name"), max_length=60, required=False)
    title = forms.CharField(label=_("Title"), max_length=60, required=False)
    language = forms.ChoiceField(
        label=_("Language Preference"),
        choices=Language.choices,
        initial=Language.ENGLISH,
        required=False,
        help_text=_("Only for a residential customer who is not registered."),
    )
    company_name = forms.CharField(
        label=_("Company Name (if applicable)"), max_length=120, required=False
    )
    street = forms.CharField(label=_("Street"), max_length=120, required=False)
    city = forms.CharField(label=_("City"), max_length=60, required=False)
    state = forms.CharField(label=_("State"), max_length=2, initial="TX", required=False)
    zip_code = forms.CharField(label=_("Zip"), max_length=10, required=False)
    phone = forms.CharField(label=_("Phone Number"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email Address"))

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        # AGR-3: up to three ESIID / meter number pairs, and never a fourth field.
        for index in range(1, MAX_METERS + 1):
            esiid, number = meter_field_names(index)
            self.fields[esiid] = forms.CharField(
                label=_("Meter %(n)d: ESIID") % {"n": index},
                max_length=22,
                required=index == 1,
            )
            self.fields[number] = forms.CharField(
                label=_("Meter %(n)d: Meter Number") % {"n": index},
                max_length=30,
                required=index == 1,
            )
        if kind == Agreement.Kind.ONE_TIME:
            self.fields["report_type"] = forms.ChoiceField(
                label=_("Report Type"),
                choices=Agreement.ReportType.choices,
                widget=forms.RadioSelect,
            )
            self.fields["report_duration"] = forms.ChoiceField(
                label=_("Report Duration"),
                choices=[("", _("Select report duration")), *Agreement.ReportDuration.choices],
            )
        else:
            self.fields["duration_months"] = forms.TypedChoiceField(
                label=_("Duration"),
                choices=DURATION_CHOICES,
                coerce=int,
                help_text=_("From the day the customer accepts; 1 to 12 months."),
            )
        # A registered customer gives only the email; the rest comes from their account.
        if not self.is_registered:
            for name in CUSTOMER_REQUIRED:
                self.fields[name].required = True

    @property
    def is_registered(self) -> bool:
        value = self.data.get(self.add_prefix("registered")) if self.is_bound else None
        return value == "yes"

    def clean_middle_initial(self):
        return self.cleaned_data["middle_initial"].strip()

    def clean(self):
        cleaned = super().clean()
        for index in range(2, MAX_METERS + 1):
            esiid, number = meter_field_names(index)
            if bool(cleaned.get(esiid)) != bool(cleaned.get(number)):
                missing = number if cleaned.get(esiid) else esiid
                self.add_error(missing, _("Enter both the ESIID and its meter number."))
        return cleaned

    def meter_fields(self) -> list[tuple]:
        """(index, ESIID field, meter number field) for the template's table."""
        return [
            (index, self[esiid], self[number])
            for index in range(1, MAX_METERS + 1)
            for esiid, number in [meter_field_names(index)]
        ]

    def meter_pairs(self) -> list[tuple[int, MeterPair]]:
        """The filled-in pairs with the number of their row (1..3)."""
        pairs = []
        for index in range(1, MAX_METERS + 1):
            esiid, number = meter_field_names(index)
            if self.cleaned_data.get(esiid):
                pairs.append(
                    (
                        index,
                        MeterPair(
                            esiid=self.cleaned_data[esiid].strip(),
                            meter_number=self.cleaned_data[number].strip(),
                        ),
                    )
                )
        return pairs

    def customer_details(self) -> CustomerDetails:
        if self.is_registered:
            return CustomerDetails(registered=True, email=self.cleaned_data["email"])
        return unregistered_customer_details(self.cleaned_data)

    def terms(self) -> dict:
        """The keyword arguments of the kind's create service besides customer and meters."""
        if self.kind == Agreement.Kind.ONE_TIME:
            return {
                "report_type": self.cleaned_data["report_type"],
                "report_duration": self.cleaned_data["report_duration"],
            }
        return {"duration_months": self.cleaned_data["duration_months"]}


class AgreementContactForm(forms.Form):
    """AGR-3 page 2: the 3rd party's contact (from My Profile, editable), comments, terms."""

    contact_name = forms.CharField(label=_("Contact Name"), max_length=120)
    contact_phone = forms.CharField(label=_("Contact Phone"), max_length=20, required=False)
    contact_email = forms.EmailField(label=_("Contact Email"))
    comments = forms.CharField(
        label=_("Comments"), required=False, max_length=2000, widget=forms.Textarea({"rows": 4})
    )
    accept_terms = forms.BooleanField(
        label=_("I agree to use this web portal in accordance with the Terms and Conditions."),
        error_messages={"required": _("Please agree to the Terms and Conditions.")},
    )

    def contact(self) -> Contact:
        return Contact(
            name=self.cleaned_data["contact_name"],
            email=self.cleaned_data["contact_email"],
            phone=self.cleaned_data["contact_phone"],
        )


SEARCH_BY = [
    ("agreement_number", _("Agreement Number(s)")),
    ("last_name", _("Customer Last Name")),
    ("esiid", _("ESIID(s)")),
    ("meter_number", _("Meter Number(s)")),
]
# AGR-2: the Customer Agreements list also finds a HAN Device agreement by its device.
COMPANY_SEARCH_BY = [*SEARCH_BY, ("mac_address", _("HAN Device MAC Address"))]
# HAN-1: a MAC address is stored as 16 upper-case hex digits without separators; typed ones
# are read the same way (`00:0d:6f:…`, `000D-6F…`). Written here because agreements may not
# import han (its path below is the ORM's only).
MAC_SEPARATORS = re.compile(r"[\s:.\-]")
HAN_MAC_ADDRESS = "han_request__mac_address"


def mac_address_terms(terms: SearchTerms) -> SearchTerms:
    """Typed MAC addresses (and a wildcard) in the stored form, for a search (AGR-2, HAN-8)."""

    def clean(value: str) -> str:
        return MAC_SEPARATORS.sub("", value).upper()

    return SearchTerms(
        values=tuple(clean(value) for value in terms.values), wildcard=clean(terms.wildcard)
    )


class AgreementSearchForm(OneCriterionSearchForm):
    """AGR-2 (and the Customer Meters (3rd Party) list): ACC-20 search by one criterion."""

    search_by = forms.ChoiceField(
        label=_("Select type of agreement search criteria"),
        choices=SEARCH_BY,
        initial="agreement_number",
        widget=forms.RadioSelect,
    )

    def search_q(self) -> Q:
        terms = self.cleaned_data["values"]
        search_by = self.cleaned_data["search_by"]
        if search_by == "last_name":
            return terms.q("customer_last_name")
        if search_by == "esiid":
            return terms.q("premise__esiid", case_sensitive=True)
        if search_by == "meter_number":
            return terms.q("meter_number", case_sensitive=True)
        if search_by == "mac_address":
            return mac_address_terms(terms).q(HAN_MAC_ADDRESS, case_sensitive=True)
        return terms.q("agreement_number", case_sensitive=True)


class CustomerAgreementSearchForm(AgreementSearchForm):
    """AGR-2: My Account / Customer Agreements, also by HAN Device MAC Address."""

    search_by = forms.ChoiceField(
        label=_("Select type of agreement search criteria"),
        choices=COMPANY_SEARCH_BY,
        initial="agreement_number",
        widget=forms.RadioSelect,
    )


class TerminateForm(forms.Form):
    """AGR-14, AGR-15: a reason is required."""

    reason = forms.CharField(
        label=_("Reason for termination"),
        max_length=1000,
        widget=forms.Textarea({"rows": 3}),
        error_messages={"required": _("Please give a reason for the termination.")},
    )


class ExtensionForm(forms.Form):
    """AGR-14: the new end date (the service checks it against the current one)."""

    new_end_date = forms.DateField(
        label=_("New end date"),
        # UX-3: ISO from the date picker, or the reader's language's written date
        # (DATE_INPUT_FORMATS in smt/formats), never another language's order.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
