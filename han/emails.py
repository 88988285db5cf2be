"""Which emails each HAN provision event sends (HAN-6, seed 004's status × email table;
NTF-1..NTF-4).

`MATRIX[event] = (to the customer, to the 3rd party)`. An event's templates are
`han/<event>_customer` and `han/<event>_third_party` in the recipient's language. Customer
emails show the ESIID masked to its last seven digits and the MAC address to its last six
characters (NTF-4); 3rd-party emails name the customer (seed 001 P2 notes). Each email is
recorded once per event (the event key, NTF-3).
"""

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from agreements.emails import customer_language, email_context, email_day, third_party_language
from agreements.models import Agreement
from notifications.services import send_email

from .models import HanProvisionRequest

# Events, as seed 004 names the rows (and the de-provision decision of HAN-8).
REQUEST_SENT = "request_sent"  # HAN Provision Req Email sent to Customer (P1.7, P1.8)
REMINDER = "reminder"  # <waiting for customer to initiate pairing>: "you have <xx> days"
NOT_INITIATED = "not_initiated"  # Customer did NOT initiate pairing window
CUSTOMER_REJECTED = "customer_rejected"
PAIRING_INITIATED = "pairing_initiated"  # Customer initiated pairing window
ADD_REJECTED = "add_rejected"
METER_READY = "meter_ready"
ADD_FAILED = "add_failed"  # Add Failed before Meter Ready (or the pairing window closed)
SETUP_ISSUE = "setup_issue"  # Add Failed after Meter Ready: stays Meter Ready
DEVICE_ADDED = "device_added"
REMOVED = "removed"  # HAN-8 decision
REMOVE_FAILED = "remove_failed"  # HAN-8 decision

MATRIX: dict[str, tuple[bool, bool]] = {
    REQUEST_SENT: (True, True),
    REMINDER: (True, True),
    NOT_INITIATED: (True, True),
    CUSTOMER_REJECTED: (True, True),
    PAIRING_INITIATED: (False, True),  # seed 004: N/A to the customer
    ADD_REJECTED: (True, True),
    METER_READY: (True, True),
    ADD_FAILED: (True, True),
    SETUP_ISSUE: (True, True),
    DEVICE_ADDED: (True, True),
    REMOVED: (True, True),
    REMOVE_FAILED: (True, True),
}
# Add Acknowledged and Add Pending send nothing (seed 004: N/A, N/A).

# The status a TDSP message moves to → its event (HAN-7).
STATUS_EVENTS: dict[str, str] = {
    Agreement.Status.ADD_REJECTED: ADD_REJECTED,
    Agreement.Status.METER_READY: METER_READY,
    Agreement.Status.ADD_FAILED: ADD_FAILED,
    Agreement.Status.DEVICE_ADDED: DEVICE_ADDED,
    Agreement.Status.REMOVED: REMOVED,
    Agreement.Status.REMOVE_FAILED: REMOVE_FAILED,
}


def answer_url(token: str, *, start: bool) -> str:
    """HAN-4: the emailed Start the Pairing Process / Reject link: a confirmation page (a GET
    changes nothing) with the answer preselected."""
    action = "start" if start else "reject"
    return f"{settings.SITE_URL}{reverse('han:answer', args=[token])}?action={action}"


def _context(request: HanProvisionRequest, *, language: str) -> dict[str, Any]:
    agreement = request.agreement
    with translation.override(language):
        device_type = str(HanProvisionRequest.DeviceType(request.device_type).label)
        # UX-3: the one date-and-time format of the recipient's language, with seconds.
        requested_at = formats.date_format(
            timezone.localtime(agreement.created_at), "DATETIME_FORMAT"
        )
    return {
        **email_context(agreement, language=language),
        "device_type": device_type,
        "mac_masked": request.masked_mac,
        "requested_at": requested_at,
        "pairing_expires_on": email_day(agreement.expires_at, language),
        "pairing_window_ends_on": email_day(request.pairing_window_ends_at, language),
    }


def _to_customer(request: HanProvisionRequest, event: str, key: str, extra: dict) -> None:
    agreement = request.agreement
    language = customer_language(agreement)
    send_email(
        to=agreement.customer_email,
        template=f"han/{event}_customer",
        language=language,
        related=agreement,
        event_key=f"han-{agreement.pk}-{key}-customer",
        # NTF-1: `to_customer` adds the 3rd party's privacy-policy disclaimer (emails/base).
        context={**_context(request, language=language), "to_customer": True, **extra},
        secret_keys=tuple(k for k in ("start_url", "reject_url") if k in extra),
        sandbox=agreement.premise.is_sandbox,
    )


def _to_third_party(request: HanProvisionRequest, event: str, key: str, extra: dict) -> None:
    agreement = request.agreement
    language = third_party_language(agreement)
    send_email(
        to=agreement.contact_email,
        template=f"han/{event}_third_party",
        language=language,
        related=agreement,
        event_key=f"han-{agreement.pk}-{key}-third-party",
        context={**_context(request, language=language), **extra},
    )


def han_event_notify(
    request: HanProvisionRequest,
    event: str,
    *,
    key: str = "",
    customer_extra: dict | None = None,
    **extra: Any,
) -> None:
    """Record the emails of one event as `MATRIX` says (HAN-6); sent by the worker after
    commit. `key` tells apart events that can happen more than once (each reminder, each
    removal); `customer_extra` holds what only the customer's email carries (the links)."""
    to_customer, to_third_party = MATRIX[event]
    key = key or event
    if to_customer:
        _to_customer(request, event, key, {**extra, **(customer_extra or {})})
    if to_third_party:
        _to_third_party(request, event, key, extra)
