"""A 3rd party (or REP) asks to provision HAN devices on a customer's meter (HAN-1, HAN-2;
seed 001 P1.3–P1.8): the checks of the Provision HAN Device page and the creation of one
request per device, each with its emailed Start / Reject link."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import User
from agreements.models import Agreement, AgreementInvitation
from agreements.services.core import (
    AgreementRefused,
    agreement_number_next,
    chicago_date,
    history_record,
    invitation_issue,
)
from agreements.services.creation import (
    Contact,
    CustomerDetails,
    MeterPair,
    current_customer,
    customer_fields,
    meter_not_valid_messages,
    registered_fields,
    require_initiator,
)
from agreements.workflow import Role
from usage.models import Premise
from usage.services.meters import premise_for_meter

from .. import emails
from ..devices import DeviceIdInvalid, install_code_clean, mac_address_clean
from ..models import DEVICE_STATUSES, IN_PROGRESS_STATUSES, HanProvisionRequest
from .core import (
    PAIRING_START_DAYS,
    SLOTS_PER_METER,
    SYSTEM_EMAIL,
    han_transition,
    pairing_deadline,
    slot_holders,
)
from .sandbox import pairing_email_to_sandbox

MAX_DEVICES = SLOTS_PER_METER  # HAN-1: "Add another HAN device" up to a meter's slots

CUSTOMER_NOT_VALID = gettext_lazy(
    "The ESIID/Meter #/customer combination specified is not valid: the meter must be "
    "attached to this customer's Smart Meter Texas account."
)
CUSTOMER_NOT_FOUND = gettext_lazy("No registered customer has this user ID or email address.")


@dataclass(frozen=True)
class DeviceDetails:
    """HAN-1: one device of the request, as typed (cleaned by the service)."""

    device_type: str
    mac_address: str
    install_code: str


@dataclass(frozen=True)
class CleanDevice:
    device_type: str
    mac_address: str
    install_code: str


def _registered_customer(identifier: str) -> User | None:
    """HAN-1: a registered customer is named by their user ID or their email address."""
    identifier = identifier.strip()
    if not identifier:
        return None
    return (
        User.objects.filter(
            Q(username__iexact=identifier) | Q(email__iexact=identifier),
            kind__in=(User.Kind.RESIDENTIAL, User.Kind.BUSINESS),
            is_active=True,
        )
        .order_by("pk")
        .first()
    )


def _validate_customer(
    *, customer: CustomerDetails, customer_id: str, meter: MeterPair
) -> tuple[Premise, User | None]:
    """AGR-6 for HAN-1: the ESIID/meter pair exists; a registered customer's account holds
    it, a non-registered customer's meter is attached to no account."""
    premise = premise_for_meter(esiid=meter.esiid, meter_number=meter.meter_number)
    owner = current_customer(premise) if premise else None
    if customer.registered:
        named = _registered_customer(customer_id)
        if named is None:
            raise AgreementRefused({"customer_id": [str(CUSTOMER_NOT_FOUND)]})
        if premise is None or owner is None or owner.pk != named.pk:
            raise AgreementRefused({"meter": [str(CUSTOMER_NOT_VALID)]})
    elif premise is None or owner is not None:
        # As AGR-6: a meter attached to another account gets the answer of an unknown one.
        raise AgreementRefused({"meter": meter_not_valid_messages()})
    return premise, owner


def _clean_devices(devices: list[DeviceDetails]) -> list[CleanDevice]:
    """HAN-1: every device's type, MAC address (EUI-64) and installation code (CRC); all
    errors together, keyed device_<n>_<field>."""
    errors: dict[str, list[str]] = {}
    if not devices:
        raise AgreementRefused({"devices": [_("Enter at least one HAN device.")]})
    if len(devices) > MAX_DEVICES:
        raise AgreementRefused(
            {"devices": [_("Enter at most %(n)d HAN devices.") % {"n": MAX_DEVICES}]}
        )
    clean, seen = [], set()
    for index, device in enumerate(devices, start=1):
        prefix = f"device_{index}_"
        if device.device_type not in HanProvisionRequest.DeviceType.values:
            errors[f"{prefix}device_type"] = [_("Choose the type of HAN device.")]
        try:
            mac = mac_address_clean(device.mac_address)
        except DeviceIdInvalid as error:
            errors[f"{prefix}mac_address"] = [str(error)]
            mac = ""
        try:
            code = install_code_clean(device.install_code)
        except DeviceIdInvalid as error:
            errors[f"{prefix}install_code"] = [str(error)]
            code = ""
        if mac and mac in seen:
            errors[f"{prefix}mac_address"] = [_("This MAC address is entered more than once.")]
        seen.add(mac)
        clean.append(CleanDevice(device.device_type, mac, code))
    if errors:
        raise AgreementRefused(errors)
    return clean


def _check_slots_and_macs(*, premise: Premise, devices: list[CleanDevice]) -> None:
    """HAN-2: the meter's free slots, and no MAC already in progress (or paired) on it. The
    caller holds the premise's row lock, so concurrent submissions are counted exactly."""
    holders = slot_holders(premise_id=premise.pk)
    busy = set(
        holders.filter(
            agreement__status__in=(*IN_PROGRESS_STATUSES, *DEVICE_STATUSES),
            mac_address__in=[device.mac_address for device in devices],
        ).values_list("mac_address", flat=True)
    )
    errors = {
        f"device_{index}_mac_address": [
            _("A request for this HAN device is already in progress on this meter.")
        ]
        for index, device in enumerate(devices, start=1)
        if device.mac_address in busy
    }
    if errors:
        raise AgreementRefused(errors)
    free = SLOTS_PER_METER - holders.count()
    if len(devices) > free:
        raise AgreementRefused(
            {
                "devices": [
                    _(
                        "Meter %(meter)s (ESIID %(esiid)s) has %(free)d free HAN slot(s) of "
                        "%(slots)d; this request asks for %(asked)d."
                    )
                    % {
                        "meter": premise.meters.filter(removed_on__isnull=True)
                        .values_list("meter_number", flat=True)
                        .first(),
                        "esiid": premise.esiid,
                        "free": max(free, 0),
                        "slots": SLOTS_PER_METER,
                        "asked": len(devices),
                    }
                ]
            }
        )


@transaction.atomic
def han_provision_request_create(
    *,
    user: User,
    customer: CustomerDetails,
    meter: MeterPair,
    devices: list[DeviceDetails],
    contact: Contact,
    customer_id: str = "",
    comments: str = "",
) -> list[HanProvisionRequest]:
    """HAN-1, HAN-2 (seed 001 P1.3–P1.8): one request per device on the meter, each Add
    Acknowledged, then Provision Request Email Sent to Customer once its email (with the
    Start / Reject links, HAN-4) and the 3rd party's confirmation are recorded. Refused as a
    whole, nothing created, on any invalid field, a mismatched customer or too few slots."""
    company = require_initiator(user, Agreement.Kind.HAN_DEVICE)
    premise, owner = _validate_customer(customer=customer, customer_id=customer_id, meter=meter)
    clean = _clean_devices(devices)
    premise = Premise.objects.select_for_update().get(pk=premise.pk)
    _check_slots_and_macs(premise=premise, devices=clean)
    now = timezone.now()
    person = registered_fields(owner, premise) if owner is not None else customer_fields(customer)
    return [
        _create_one(
            user=user,
            company_id=company.pk,
            premise=premise,
            meter=meter,
            person=person,
            device=device,
            contact=contact,
            comments=comments,
            now=now,
        )
        for device in clean
    ]


def _create_one(
    *,
    user: User,
    company_id: int,
    premise: Premise,
    meter: MeterPair,
    person: dict,
    device: CleanDevice,
    contact: Contact,
    comments: str,
    now: datetime,
) -> HanProvisionRequest:
    agreement = Agreement.objects.create(
        agreement_number=agreement_number_next(on=chicago_date(now)),
        kind=Agreement.Kind.HAN_DEVICE,
        status=Agreement.Status.ADD_ACKNOWLEDGED,  # P1.5
        company_id=company_id,
        initiated_by=user,
        premise=premise,
        meter_number=meter.meter_number.strip(),
        contact_name=contact.name.strip(),
        contact_phone=contact.phone.strip(),
        contact_email=contact.email.strip(),
        comments=comments.strip(),
        created_at=now,
        invited_at=now,
        expires_at=pairing_deadline(now),  # HAN-5
        start_date=chicago_date(now),
        status_changed_at=now,
        **person,
    )
    history_record(
        agreement,
        from_status="",
        to_status=agreement.status,
        actor=user,
        actor_label="",
        reason=gettext_noop("HAN device provision request submitted."),
    )
    request = HanProvisionRequest.objects.create(
        agreement=agreement,
        device_type=device.device_type,
        mac_address=device.mac_address,
        install_code=device.install_code,
        tdsp_request_id=uuid.uuid4().hex,
    )
    # P1.6, P1.7: the email with its links is recorded, so the status says it was sent.
    han_transition(
        request,
        to_status=Agreement.Status.REQUEST_EMAIL_SENT,
        role=Role.SYSTEM,
        actor_label=SYSTEM_EMAIL,
        reason=gettext_noop("Provision request email sent to the customer."),
    )
    _invitation, token = invitation_issue(
        agreement, purpose=AgreementInvitation.Purpose.PAIRING, expires_at=agreement.expires_at
    )
    emails.han_event_notify(
        request,
        emails.REQUEST_SENT,
        days=PAIRING_START_DAYS,
        customer_extra={
            "start_url": emails.answer_url(token, start=True),
            "reject_url": emails.answer_url(token, start=False),
        },
    )
    pairing_email_to_sandbox(request, token=token)  # BEY-5: a test meter answers itself
    return request
