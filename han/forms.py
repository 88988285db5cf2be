"""Forms of the HAN pages: the Provision HAN Device page (HAN-1; seed 001 P1.3) with its
devices formset, the HAN Devices searches (HAN-8, ACC-20), the customer's answer (HAN-4), and
HAN Device Messages: compose and the history's query (HAN-9).

Validation and cleaning only. The MAC address and installation code rules, the customer and
meter checks and the slots (HAN-2) are the service's (`han_provision_request_create`), which
answers with errors keyed by field; the view puts each next to its input.
"""

import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from agreements.forms.company import mac_address_terms, unregistered_customer_details
from agreements.models import Agreement
from agreements.services.creation import Contact, CustomerDetails, MeterPair
from smt.lib.i18n import interpolate_lazy
from smt.lib.listing import ListSearchForm, OneCriterionSearchForm, SearchField

from .message_text import MAX_CHARACTERS
from .models import HanMessage, HanProvisionRequest
from .services.messages import MAX_DURATION_MINUTES, MAX_ESIIDS, MessageDraft
from .services.provisioning import MAX_DEVICES, DeviceDetails

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# HAN-1: what a customer who is not registered must give (phone and title are optional).
CUSTOMER_REQUIRED = ("first_name", "last_name", "street", "city", "state", "zip_code", "email")
DEVICES_PREFIX = "devices"
START, REJECT = "start", "reject"  # HAN-4: the two answers of the emailed link


class ProvisionForm(forms.Form):
    """HAN-1 (seed 001 P1.3): the customer, the meter, the 3rd party's contact, comments and
    the terms. The devices are a formset of `DeviceForm`."""

    registered = forms.ChoiceField(
        label=_("Is the customer registered with Smart Meter Texas?"),
        choices=YES_NO,
        initial="no",
        widget=forms.RadioSelect,
    )
    customer_id = forms.CharField(
        label=_("Customer User ID or Email Address"),
        max_length=254,
        required=False,
        help_text=_("Only for a customer who is registered with Smart Meter Texas."),
    )
    customer_kind = forms.ChoiceField(
        label=_("Is the customer a residential or business user?"),
        choices=Agreement.CustomerKind.choices,
        initial=Agreement.CustomerKind.RESIDENTIAL,
        widget=forms.RadioSelect,
    )
    first_name = forms.CharField(label=_("First Name"), max_length=60, required=False)
    middle_initial = forms.CharField(label=_("Middle Initial"), max_length=1, required=False)
    last_name = forms.CharField(label=_("Last Name"), max_length=60, required=False)
    title = forms.CharField(label=_("Title (if applicable)"), max_length=60, required=False)
    company_name = forms.CharField(
        label=_("Company Name (if applicable)"), max_length=120, required=False
    )
    street = forms.CharField(label=_("Service Address"), max_length=120, required=False)
    city = forms.CharField(label=_("City"), max_length=60, required=False)
    state = forms.CharField(label=_("State"), max_length=2, initial="TX", required=False)
    zip_code = forms.CharField(label=_("Zip Code"), max_length=10, required=False)
    phone = forms.CharField(label=_("Phone Number"), max_length=20, required=False)
    email = forms.EmailField(label=_("Customer Email Address"), required=False)
    language = forms.ChoiceField(
        label=_("Language Preference"),
        choices=Language.choices,
        initial=Language.ENGLISH,
        required=False,
        help_text=_("Only for a residential customer who is not registered."),
    )
    esiid = forms.CharField(label=_("ESIID"), max_length=22)
    meter_number = forms.CharField(
        label=_("Meter Number"),
        max_length=30,
        help_text=_("If the meter number starts with a letter, please provide the letter."),
    )
    comments = forms.CharField(
        label=_("Comments to the customer"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 4}),
    )
    contact_name = forms.CharField(label=_("Contact Name"), max_length=120)
    contact_phone = forms.CharField(label=_("Contact Phone"), max_length=20, required=False)
    contact_email = forms.EmailField(label=_("Contact Email"))
    accept_terms = forms.BooleanField(
        label=_("I agree to use this web portal in accordance with the Terms and Conditions."),
        error_messages={"required": _("Please agree to the Terms and Conditions.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A registered customer is named by user ID or email; the rest comes from the account.
        if self.is_registered:
            self.fields["customer_id"].required = True
            self.fields["customer_kind"].required = False  # the account says which
        else:
            for name in CUSTOMER_REQUIRED:
                self.fields[name].required = True

    @property
    def is_registered(self) -> bool:
        if self.is_bound:
            return self.data.get(self.add_prefix("registered")) == "yes"
        return self.initial.get("registered") == "yes"  # a page redrawn by "Add another"

    def clean_middle_initial(self):
        return self.cleaned_data["middle_initial"].strip()

    def customer_details(self) -> CustomerDetails:
        data = self.cleaned_data
        if self.is_registered:
            identifier = data["customer_id"].strip()
            return CustomerDetails(registered=True, email=identifier if "@" in identifier else "")
        return unregistered_customer_details(data)

    def registered_customer_id(self) -> str:
        return self.cleaned_data["customer_id"].strip() if self.is_registered else ""

    def meter(self) -> MeterPair:
        return MeterPair(
            esiid=self.cleaned_data["esiid"].strip(),
            meter_number=self.cleaned_data["meter_number"].strip(),
        )

    def contact(self) -> Contact:
        return Contact(
            name=self.cleaned_data["contact_name"],
            email=self.cleaned_data["contact_email"],
            phone=self.cleaned_data["contact_phone"],
        )


class DeviceForm(forms.Form):
    """HAN-1: one HAN device of the request (one request, and one agreement, per device)."""

    device_type = forms.ChoiceField(
        label=_("Type of HAN Device"),
        choices=[("", _("Select the type of HAN device")), *HanProvisionRequest.DeviceType.choices],
    )
    mac_address = forms.CharField(
        label=_("HAN Device MAC Address"),
        max_length=40,
        help_text=_("16 hexadecimal digits (EUI-64), with or without separators."),
    )
    install_code = forms.CharField(
        label=_("Installation Code"),
        max_length=60,
        help_text=_("As printed on the device, with its 4-digit check code (CRC)."),
    )

    def device(self) -> DeviceDetails:
        return DeviceDetails(
            device_type=self.cleaned_data["device_type"],
            mac_address=self.cleaned_data["mac_address"],
            install_code=self.cleaned_data["install_code"],
        )


class BaseDeviceFormSet(forms.BaseFormSet):
    """The first device is required; a row added with "Add another HAN device" and left
    empty is ignored, also once it counts as an initial form of the redrawn page."""

    def _construct_form(self, i, **kwargs):
        kwargs.setdefault("empty_permitted", i >= self.min_num)
        return super()._construct_form(i, **kwargs)

    def filled_forms(self) -> list[DeviceForm]:
        """The rows with something typed, in page order (the service numbers them 1..n)."""
        return [form for form in self.forms if form.has_changed()]


DeviceFormSet = forms.formset_factory(
    DeviceForm,
    formset=BaseDeviceFormSet,
    extra=0,
    min_num=1,
    max_num=MAX_DEVICES,
    absolute_max=MAX_DEVICES,
    validate_max=True,
)


def device_formset(data=None, *, initial=None) -> BaseDeviceFormSet:
    return DeviceFormSet(data, initial=initial, prefix=DEVICES_PREFIX)


HAN_SEARCH_BY = [
    ("esiid", _("ESIID(s)")),
    ("mac_address", _("HAN Device MAC Address")),
    ("agreement_number", _("Agreement Number(s)")),
]


class HanDeviceSearchForm(OneCriterionSearchForm):
    """HAN-8 with ACC-20: Customer Meters (3rd Party) / HAN Devices, by ESIID, MAC address
    or agreement number."""

    search_by = forms.ChoiceField(
        label=_("Search HAN devices by"),
        choices=HAN_SEARCH_BY,
        initial="esiid",
        widget=forms.RadioSelect,
    )

    def search_q(self) -> Q:
        terms = self.cleaned_data["values"]
        search_by = self.cleaned_data["search_by"]
        if search_by == "mac_address":
            return mac_address_terms(terms).q("mac_address", case_sensitive=True)
        if search_by == "agreement_number":
            return terms.q("agreement__agreement_number", case_sensitive=True)
        return terms.q("agreement__premise__esiid", case_sensitive=True)


class PairingAnswerForm(forms.Form):
    """HAN-4: Start the Pairing Process or Reject, from the emailed link or My Account."""

    action = forms.ChoiceField(
        choices=[(START, _("Start the Pairing Process")), (REJECT, _("Reject"))],
        widget=forms.HiddenInput,
    )

    @property
    def start(self) -> bool:
        return self.cleaned_data["action"] == START


# --- HAN Device Messages (HAN-9) --------------------------------------------------------------

ESIID_SEPARATORS = re.compile(r"[\s,;]+")


class HanMessageComposeForm(forms.Form):
    """HAN-9: the message and where it goes: the chosen devices of one meter, or every paired
    device of up to 100 ESIIDs. The rules (text, times, rights, rate) are the service's."""

    esiids = forms.CharField(
        label=_("ESIIDs"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=interpolate_lazy(
            _(
                "One ESIID, or up to %(max)d separated by commas or new lines: the message goes to "
                "every paired HAN device you provisioned on them. With one ESIID you may choose "
                "its devices."
            ),
            {"max": MAX_ESIIDS},
        ),
    )
    devices = forms.MultipleChoiceField(
        label=_("HAN devices"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    text = forms.CharField(
        label=_("Message"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
        help_text=interpolate_lazy(
            _(
                "Plain text up to %(max)d characters (Spanish letters allowed; no HTML, no line "
                "breaks): a HAN display shows a line or two."
            ),
            {"max": MAX_CHARACTERS},
        ),
    )
    start_at = forms.DateTimeField(
        label=_("Start time (Central time)"),
        required=False,
        # UX-3: the picker's ISO value or the language's written form (smt/formats).
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty to send now; a later time waits in the queue until then."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        initial=60,
        # The range is the service's rule (its message comes with the others at once).
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_DURATION_MINUTES}),
        help_text=interpolate_lazy(
            _("How long the display shows it: 1 to %(max)d minutes."), {"max": MAX_DURATION_MINUTES}
        ),
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=HanMessage.Priority.choices,
        initial=HanMessage.Priority.NORMAL,
        widget=forms.RadioSelect,
    )
    confirmation_required = forms.BooleanField(
        label=_("Confirmation required: the customer confirms on the device"), required=False
    )

    def __init__(self, *args, devices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["devices"].choices = [
            (
                device.agreement.agreement_number,
                f"{device.get_device_type_display()} {device.masked_mac} "
                f"({device.agreement.agreement_number})",
            )
            for device in devices
        ]

    def esiid_values(self) -> list[str]:
        """The ESIIDs typed, split on commas, semicolons, spaces and new lines."""
        text = (self.data.get(self.add_prefix("esiids")) if self.is_bound else "") or ""
        if hasattr(self, "cleaned_data"):
            text = self.cleaned_data.get("esiids", text)
        return [value for value in ESIID_SEPARATORS.split(text) if value]

    def draft(self) -> MessageDraft:
        data = self.cleaned_data
        return MessageDraft(
            text=data["text"],
            duration_minutes=data["duration_minutes"],
            priority=data["priority"],
            confirmation_required=data["confirmation_required"],
            start_at=data["start_at"],
        )


class HanMessageSearchForm(ListSearchForm):
    """HAN-9 with ACC-20: query the message history by ESIID, device (MAC address), date
    range (of the start time, Central time) and status."""

    esiid = SearchField(label=_("ESIID"))
    mac_address = SearchField(label=_("HAN Device MAC Address"))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + HanMessage.Status.choices
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def search_q(self) -> Q:
        data = self.cleaned_data
        query = Q()
        if data.get("esiid"):
            query &= data["esiid"].q("device__agreement__premise__esiid", case_sensitive=True)
        if data.get("mac_address"):
            query &= mac_address_terms(data["mac_address"]).q(
                "device__mac_address", case_sensitive=True
            )
        if data.get("status"):
            query &= Q(status=data["status"])
        if data.get("date_from"):
            query &= Q(start_at__date__gte=data["date_from"])
        if data.get("date_to"):
            query &= Q(start_at__date__lte=data["date_to"])
        return query
