"""The TDSP side of HAN provisioning (HAN-4 P2.5, HAN-7, HAN-8): sending provision and
de-provision requests through the TDSP's adapter (`usage.tdsp.adapter`), and applying the
statuses the TDSP reports back through the TDSP API (API-3).

A TDSP status moves a request forward only (`agreements.workflow.HAN_DEVICE_TRANSITIONS`):
a status the table has no move for (a late Add Pending after Meter Ready, anything after
Device Added except a removal's result) is recorded and ignored. An Add Failed after Meter
Ready keeps Meter Ready and sends the "issue setting up meter" emails (seed 004).
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Tdsp, User
from accounts.permissions import Capability, user_has_capability
from agreements.models import Agreement
from agreements.workflow import Role, can_transition
from usage.tdsp.adapter import adapter_for

from .. import emails
from ..models import WITH_TDSP_STATUSES, HanProvisionRequest
from .core import (
    METER_READY_PAIRING_DAYS,
    TDSP_ACTOR,
    HanRefused,
    han_note,
    han_request_lock,
    han_status_notify,
    han_transition,
)

logger = logging.getLogger(__name__)

S = Agreement.Status

# HAN-7: the statuses a TDSP reports (the API's `status` values) → the request's status.
TDSP_STATUSES = {
    "ADD_PENDING": S.ADD_PENDING,
    "ADD_REJECTED": S.ADD_REJECTED,
    "METER_READY": S.METER_READY,
    "ADD_FAILED": S.ADD_FAILED,
    "DEVICE_ADDED": S.DEVICE_ADDED,
    "REMOVE_PENDING": S.REMOVE_PENDING,
    "REMOVED": S.REMOVED,
    "REMOVE_FAILED": S.REMOVE_FAILED,
}
REMOVAL_RESULTS = (S.REMOVE_PENDING, S.REMOVED, S.REMOVE_FAILED)


# --- sending ---------------------------------------------------------------------------------


def han_request_send(*, request_pk: int) -> HanProvisionRequest:
    """P2.5: hand a started request to its TDSP's adapter, once (idempotent). An adapter
    error rolls the attempt back, so the task's retry sends it again."""
    with transaction.atomic():
        request = (
            HanProvisionRequest.objects.select_for_update(of=("self",))
            .select_related("agreement__premise__tdsp")
            .get(pk=request_pk)
        )
        if request.agreement.status not in WITH_TDSP_STATUSES or request.sent_to_tdsp_at:
            return request
        adapter_for(request.agreement.premise.tdsp).request_han_provision(request)
        request.sent_to_tdsp_at = timezone.now()
        request.send_attempts += 1
        request.save(update_fields=["sent_to_tdsp_at", "send_attempts"])
    return request


def han_removal_send(*, request_pk: int) -> HanProvisionRequest:
    """HAN-8: hand a removal to the TDSP's adapter, once per removal asked."""
    with transaction.atomic():
        request = (
            HanProvisionRequest.objects.select_for_update(of=("self",))
            .select_related("agreement__premise__tdsp")
            .get(pk=request_pk)
        )
        if request.agreement.status != S.REMOVE_REQUESTED or request.removal_sent_at:
            return request
        adapter_for(request.agreement.premise.tdsp).request_han_deprovision(request)
        request.removal_sent_at = timezone.now()
        request.save(update_fields=["removal_sent_at"])
    return request


def han_removal_dispatch(request_pk: int) -> None:
    from han.tasks import han_removal_send_task

    try:
        han_removal_send_task.delay(request_pk)
    except Exception:  # broker down: `han_requests_send_missing` picks it up
        logger.exception("Could not queue HAN removal %s; the sweep will send it", request_pk)


def _role_for_removal(user: User, request: HanProvisionRequest) -> Role:
    if user.is_customer:
        return Role.CUSTOMER
    if user.company_id == request.agreement.company_id and user_has_capability(
        user, Capability.THIRD_PARTY_HAN
    ):
        return Role.THIRD_PARTY
    raise HanRefused(_("You cannot remove this HAN device."))


@transaction.atomic
def han_device_remove(*, user: User, request: HanProvisionRequest) -> HanProvisionRequest:
    """HAN-8: Remove a paired device (or try again after a failed removal): a de-provision
    request goes to the TDSP; the slot frees when the TDSP confirms (Removed). The caller
    found the request through a selector scoped to the user (the customer of the meter, or
    the company that provisioned it; the customer need not be registered, seed 001)."""
    locked = han_request_lock(request.pk)
    if not locked.may_be_removed:
        raise HanRefused(
            _("This HAN device cannot be removed in its status (%(status)s).")
            % {"status": locked.agreement.get_status_display()}
        )
    han_transition(
        locked,
        to_status=S.REMOVE_REQUESTED,
        role=_role_for_removal(user, locked),
        actor=user,
        reason=gettext_noop("Removal of the HAN device requested."),
        removal_request_id=uuid.uuid4().hex,
        removal_sent_at=None,
    )
    transaction.on_commit(partial(han_removal_dispatch, locked.pk))
    return locked


# --- the TDSP's answers (HAN-7) ----------------------------------------------------------------


def han_request_for_tdsp(*, tdsp: Tdsp, request_id: str) -> HanProvisionRequest | None:
    """API-3: a request the TDSP may answer, by its provision or current removal id; another
    TDSP's meter's request is None (a 404)."""
    return (
        HanProvisionRequest.objects.filter(
            Q(tdsp_request_id=request_id) | Q(removal_request_id=request_id),
            agreement__premise__tdsp=tdsp,
        )
        .only("pk")
        .first()
    )


@dataclass(frozen=True)
class HanStatusOutcome:
    status: str  # the request's status after the message
    changed: bool
    note: str = ""  # why nothing moved


@transaction.atomic
def han_status_apply(
    *, request_pk: int, request_id: str, tdsp_status: str, message_id: str, reason: str = ""
) -> HanStatusOutcome:
    """HAN-7: apply one status the TDSP reported; never moves a request backwards. The TDSP
    API has recorded the message id, so a replay never reaches here."""
    request = han_request_lock(request_pk)
    current, target = request.agreement.status, TDSP_STATUSES[tdsp_status]
    actor_label = f"{TDSP_ACTOR} message {message_id}"
    removal = target in REMOVAL_RESULTS
    if removal and request_id != request.removal_request_id:
        note = "A removal result names the removal's request_id, not the provision's."
        return HanStatusOutcome(current, False, note)
    if target == S.ADD_FAILED and current == S.METER_READY:
        return _setup_issue(request, actor_label=actor_label, reason=reason)
    if not can_transition(request.agreement.kind, current, target, Role.TDSP):
        note = f"{S(target).label} does not follow {S(current).label}: ignored."
        return HanStatusOutcome(current, False, note)
    now = timezone.now()
    changes: dict = {}
    if target == S.METER_READY:
        changes = {
            "meter_ready_at": now,
            "pairing_window_ends_at": now + timedelta(days=METER_READY_PAIRING_DAYS),
        }
    elif target == S.DEVICE_ADDED:
        changes = {"device_added_at": now}
    han_transition(
        request,
        to_status=target,
        role=Role.TDSP,
        actor_label=actor_label,
        reason=reason or gettext_noop("Reported by the TDSP."),
        **changes,
    )
    extra: dict[str, Any] = {"reason": reason}
    if target == S.METER_READY:
        extra["days"] = METER_READY_PAIRING_DAYS
    han_status_notify(request, target, **extra)
    return HanStatusOutcome(target, True)


def _setup_issue(
    request: HanProvisionRequest, *, actor_label: str, reason: str
) -> HanStatusOutcome:
    """Seed 004: an Add Failed after Meter Ready keeps Meter Ready and tells both sides the
    meter had an issue (once per request)."""
    han_note(
        request,
        reason=_("Add Failed after Meter Ready: the status stays Meter Ready. %(reason)s")
        % {"reason": reason},
        actor_label=actor_label,
    )
    if request.setup_issue_at is None:
        request.setup_issue_at = timezone.now()
        request.save(update_fields=["setup_issue_at"])
        emails.han_event_notify(request, emails.SETUP_ISSUE, reason=reason)
    return HanStatusOutcome(
        S.METER_READY, False, "Add Failed after Meter Ready: stays Meter Ready."
    )
