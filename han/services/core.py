"""What every HAN service shares (SPEC §6): the rules' numbers, the one status move (through
the HAN Device agreement's, so history and locking are the agreements' own), and the slot
count (HAN-2)."""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from agreements.models import Agreement
from agreements.services.core import agreement_lock, agreement_transition, history_record
from agreements.workflow import Role
from smt.lib.errors import Refused

from ..emails import STATUS_EVENTS, han_event_notify
from ..models import CLOSED_STATUSES, HanProvisionRequest

SLOTS_PER_METER = 5  # HAN-2
PAIRING_START_DAYS = 35  # HAN-5 (seed 004): days the customer has to start pairing
REMINDER_DAYS = (14, 3)  # HAN-5 decision: "you have N days" this many days before the end
METER_READY_PAIRING_DAYS = 14  # HAN-5 decision: days to pair once the meter is ready
CLEAR_AFTER_DAYS = 10  # HAN-5 (seed 004): calendar days a closed request stays listed
SEND_SWEEP_AFTER = timedelta(minutes=10)  # SEC-6: a request whose send task went missing

S = Agreement.Status

# AGR-18: who caused a change when it was no signed-in person.
# Stored in English like the reasons below; pages show them through the catalogue (UX-3).
CUSTOMER_LINK = gettext_noop("customer link")
SYSTEM_EMAIL = gettext_noop("system: provision request email")
SYSTEM_35_DAYS = gettext_noop("system: 35-day rule")
SYSTEM_PAIRING_WINDOW = gettext_noop("system: pairing window")
SYSTEM_CLEAN_UP = gettext_noop("system: 10-day clean-up")
# The history reason of the 35-day rule (PAIRING_START_DAYS), a fixed text so that it is a
# catalogue message, shown in the reader's language.
NO_ANSWER_REASON = gettext_noop("No answer within 35 days.")
TDSP_ACTOR = "TDSP"


class HanRefused(Refused):
    """A HAN request or action the rules refuse; the message is for the user."""


def han_request_lock(request_pk: int) -> HanProvisionRequest:
    """The request with its agreement locked (select_for_update) for a status move."""
    request = HanProvisionRequest.objects.get(pk=request_pk)
    request.agreement = agreement_lock(request.agreement_id)
    return request


def han_transition(
    request: HanProvisionRequest,
    *,
    to_status: str,
    role: Role,
    actor: User | None = None,
    actor_label: str = "",
    reason: str = "",
    **changes: Any,
) -> HanProvisionRequest:
    """HAN-3: the one place a HAN request's status moves (its agreement's transition:
    checked against `agreements.workflow.HAN_DEVICE_TRANSITIONS`, conditional UPDATE, history
    row). Sets `closed_at` on a closing status and sends the status's emails (HAN-6)."""
    now = timezone.now()
    agreement_changes = {}
    if to_status in (*CLOSED_STATUSES, S.REMOVED):
        agreement_changes["end_date"] = timezone.localdate(now)
        changes.setdefault("closed_at", now)
    agreement_transition(
        request.agreement,
        to_status=to_status,
        role=role,
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        **agreement_changes,
    )
    if changes:
        for name, value in changes.items():
            setattr(request, name, value)
        request.save(update_fields=list(changes))
    return request


def han_status_notify(request: HanProvisionRequest, status: str, **extra: Any) -> None:
    """HAN-6: the emails of the status just reached, if the matrix has any."""
    event = STATUS_EVENTS.get(status)
    if event:
        key = event
        if status in (S.REMOVED, S.REMOVE_FAILED):
            key = f"{event}-{request.removal_request_id}"  # one per removal asked
        han_event_notify(request, event, key=key, **extra)


def han_note(
    request: HanProvisionRequest, *, reason: str, actor: User | None = None, actor_label: str
) -> None:
    """SEC-7: an event that moves no status (an Add Failed after Meter Ready, a Move-Out, the
    clean-up) still goes on the request's history."""
    status = request.agreement.status
    history_record(
        request.agreement,
        from_status=status,
        to_status=status,
        actor=actor,
        actor_label=actor_label,
        reason=reason,
    )


def slot_holders(*, premise_id: int) -> QuerySet[HanProvisionRequest]:
    """HAN-2, HAN-5: the requests holding one of the meter's 5 slots: every request not yet
    cleared from the lists (closed ones hold theirs for 10 days, seed 004), except a device
    whose removal the TDSP confirmed."""
    return HanProvisionRequest.objects.filter(
        agreement__premise=premise_id, cleared_at__isnull=True
    ).exclude(agreement__status=S.REMOVED)


def pairing_deadline(start: datetime) -> datetime:
    """HAN-5: the end of the 35 days to start pairing."""
    return start + timedelta(days=PAIRING_START_DAYS)
