"""API-2: the request bodies that create agreements (AGR-3, AGR-14, AGR-17) and HAN provision
requests (HAN-1), and the agreement actions (AGR-13, AGR-14). Only shapes are checked here;
every rule (meters, customers, slots, one agreement per meter…) is the services', which
answer with the same messages as the pages."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Language, User
from agreements.models import MAX_DURATION_MONTHS, MIN_DURATION_MONTHS, Agreement
from agreements.services.creation import Contact, CustomerDetails, MeterPair
from han.models import HanProvisionRequest
from han.services.provisioning import MAX_DEVICES, DeviceDetails

METERS_MAX = 100  # AGR-3 with ACC-20's input rule: up to 100 meters at once


class CustomerInput(serializers.Serializer):
    """AGR-3: a registered customer gives only `email` (and `registered: true`)."""

    registered = serializers.BooleanField(default=False)
    email = serializers.EmailField()
    kind = serializers.ChoiceField(
        choices=Agreement.CustomerKind.choices, default=Agreement.CustomerKind.RESIDENTIAL
    )
    first_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    middle_initial = serializers.CharField(max_length=1, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    title = serializers.CharField(max_length=60, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=Language.choices, default=Language.ENGLISH)
    company_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    street = serializers.CharField(max_length=120, required=False, allow_blank=True)
    city = serializers.CharField(max_length=60, required=False, allow_blank=True)
    state = serializers.CharField(max_length=2, default="TX")
    zip_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)

    def details(self, data: dict[str, Any]) -> CustomerDetails:
        return CustomerDetails(**data)


class MeterInput(serializers.Serializer):
    esiid = serializers.CharField(max_length=40)
    meter_number = serializers.CharField(max_length=30)


class ContactInput(serializers.Serializer):
    """AGR-3 page 2: the 3rd party's contact; the token's user's profile when left out."""

    name = serializers.CharField(max_length=120)
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


def contact_of(data: dict[str, Any] | None, user: User) -> Contact:
    if data:
        return Contact(name=data["name"], email=data["email"], phone=data.get("phone", ""))
    name = f"{user.first_name} {user.last_name}".strip() or user.username
    return Contact(name=name, email=user.email, phone=user.phone)


class AgreementCreateInput(serializers.Serializer):
    """One Pending agreement (and invitation) per meter, of one kind."""

    kind = serializers.ChoiceField(
        choices=[
            (Agreement.Kind.ONE_TIME, Agreement.Kind.ONE_TIME.label),
            (Agreement.Kind.ONGOING, Agreement.Kind.ONGOING.label),
            (Agreement.Kind.ONGOING_HAN, Agreement.Kind.ONGOING_HAN.label),
        ]
    )
    customer = CustomerInput()
    meters = serializers.ListField(child=MeterInput(), min_length=1, max_length=METERS_MAX)
    report_type = serializers.ChoiceField(
        choices=Agreement.ReportType.choices,
        required=False,
        help_text=_("One-Time only"),
    )
    report_duration = serializers.ChoiceField(
        choices=Agreement.ReportDuration.choices,
        required=False,
        help_text=_("One-Time only"),
    )
    duration_months = serializers.IntegerField(
        min_value=MIN_DURATION_MONTHS,
        max_value=MAX_DURATION_MONTHS,
        required=False,
        help_text=_("Ongoing kinds only"),
    )
    contact = ContactInput(required=False)
    comments = serializers.CharField(max_length=1000, required=False, allow_blank=True)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["kind"] == Agreement.Kind.ONE_TIME:
            missing = [f for f in ("report_type", "report_duration") if not data.get(f)]
        else:
            missing = [] if data.get("duration_months") else ["duration_months"]
        if missing:
            raise serializers.ValidationError(
                {name: [_("This field is required for this kind.")] for name in missing}
            )
        return data

    def meter_pairs(self) -> list[MeterPair]:
        return [MeterPair(**meter) for meter in self.validated_data["meters"]]


class TerminateInput(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class ExtensionInput(serializers.Serializer):
    new_end_date = serializers.DateField()


class DeviceInput(serializers.Serializer):
    device_type = serializers.ChoiceField(choices=HanProvisionRequest.DeviceType.choices)
    mac_address = serializers.CharField(max_length=40, help_text=_("EUI-64: 16 hex digits"))
    install_code = serializers.CharField(max_length=60)


class HanProvisionInput(serializers.Serializer):
    """HAN-1: the customer (a registered one by `customer_id`, their user ID or email), one
    meter, up to 5 devices: one request per device."""

    customer = CustomerInput()
    customer_id = serializers.CharField(max_length=254, required=False, allow_blank=True)
    meter = MeterInput()
    devices = serializers.ListField(child=DeviceInput(), min_length=1, max_length=MAX_DEVICES)
    contact = ContactInput(required=False)
    comments = serializers.CharField(max_length=1000, required=False, allow_blank=True)

    def meter_pair(self) -> MeterPair:
        return MeterPair(**self.validated_data["meter"])

    def devices_details(self) -> list[DeviceDetails]:
        return [DeviceDetails(**device) for device in self.validated_data["devices"]]
