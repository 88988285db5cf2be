"""The parts every agreement service shares (SPEC §5): numbers (AGR-1), links (SEC-2),
history (AGR-18), who a user is to an agreement, and the one status transition.

A status changes only in `agreement_transition`: the caller has locked the row
(`agreement_lock`, `select_for_update`), the move is checked against `workflow.TRANSITIONS`,
the row is saved by a conditional UPDATE on the status it was read in (so two racing callers
cannot both win, even where the database ignores row locks), a history row is written, and
the emails are recorded in the same transaction and sent by the worker after commit (NTF-3).
"""

import secrets
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import Capability, user_has_capability
from agreements.models import (
    Agreement,
    AgreementDaySequence,
    AgreementHistory,
    AgreementInvitation,
)
from agreements.selectors import customer_sees_agreement
from agreements.workflow import Role, check_transition
from smt.lib.errors import Refused
from smt.lib.events import event_publish
from usage.services.intervals import MARKET_TZ
from usage.services.sharing import share_token_hash

SEQUENCE_MAX = 999_999  # AGR-1: six digits of sequence per day


TOKEN_BYTES = 32  # SEC-2: 256 random bits


ONGOING_KINDS = (Agreement.Kind.ONGOING, Agreement.Kind.ONGOING_HAN)


OPEN_STATUSES = (
    Agreement.Status.PENDING,
    Agreement.Status.ACTIVE,
    Agreement.Status.EXTENSION_PENDING,
)


STATUS_CHANGED = (
    "The invitation has expired due to a change in the agreement status. Please go to My "
    "Account / 3rd Party Agreements to review your agreements."
)


class AgreementRefused(Refused):
    """A request the rules refuse; `errors` maps a field ("meter_1", "__all__") to messages,
    for the forms that show each next to its input. As a `Refused`, the message is all of
    them joined, and the field is the one field they are about (None for several, or none)."""

    def __init__(self, errors: dict[str, list[str]] | str):
        if isinstance(errors, str):
            errors = {"__all__": [errors]}
        self.errors = errors
        fields = [key for key in errors if key != "__all__"]
        super().__init__(
            " ".join(m for messages in errors.values() for m in messages),
            field=fields[0] if len(errors) == 1 and fields else None,
        )


class LinkRefused(Refused):
    """An emailed Accept/Reject link that cannot be used; the message is for the customer."""


class AgreementChanged(Refused):
    """The agreement's status changed under the caller (lost a race)."""


def chicago_date(moment: datetime | None = None) -> date:
    """AGR-1, AGR-14: the agreement number's day and end dates are Central time."""
    return timezone.localtime(moment or timezone.now(), MARKET_TZ).date()


def agreement_number_next(*, on: date) -> str:
    """AGR-1: MMDDYY of the Central-time day + its 6-digit sequence. The day's counter row
    stays locked until the caller's transaction ends, so numbers are never shared."""
    with transaction.atomic():
        AgreementDaySequence.objects.get_or_create(day=on)
        counter = AgreementDaySequence.objects.select_for_update().get(day=on)
        if counter.last >= SEQUENCE_MAX:
            raise AgreementRefused(_("No more agreements can be created today."))
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"{on:%m%d%y}{counter.last:06d}"


def invitation_issue(
    agreement: Agreement, *, purpose: str, expires_at: datetime
) -> tuple[AgreementInvitation, str]:
    """SEC-2: a fresh 256-bit token; only its hash is stored. Bound to the agreement and to
    the status it is issued in, so any status change voids it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = AgreementInvitation.objects.create(
        agreement=agreement,
        token_hash=share_token_hash(token),
        purpose=purpose,
        issued_for_status=agreement.status,
        created_at=timezone.now(),
        expires_at=expires_at,
    )
    return invitation, token


def history_record(
    agreement: Agreement,
    *,
    from_status: str,
    to_status: str,
    actor: User | None,
    actor_label: str,
    reason: str,
) -> AgreementHistory:
    """AGR-18, SEC-7."""
    return AgreementHistory.objects.create(
        agreement=agreement,
        created_at=timezone.now(),
        actor=actor,
        actor_label=actor_label or (actor.username if actor else ""),
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )


def agreement_lock(pk: int) -> Agreement:
    # Only the agreement's row: the premise and company are read, never changed, here.
    return (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("premise", "company")
        .get(pk=pk)
    )


def agreement_transition(
    locked: Agreement,
    *,
    to_status: str,
    role: Role,
    actor: User | None = None,
    actor_label: str = "",
    reason: str = "",
    **changes: Any,
) -> Agreement:
    """The one place an agreement's status changes (CONVENTIONS). `locked` was read with
    select_for_update in the caller's transaction."""
    check_transition(locked.kind, locked.status, to_status, role)
    values_from = locked.status
    now = timezone.now()
    values = {"status": to_status, "status_changed_at": now, **changes}
    # Conditional on the status read: of two racing callers exactly one updates a row.
    if not Agreement.objects.filter(pk=locked.pk, status=locked.status).update(**values):
        raise AgreementChanged(STATUS_CHANGED)
    history_record(
        locked,
        from_status=locked.status,
        to_status=to_status,
        actor=actor,
        actor_label=actor_label,
        reason=reason,
    )
    for name, value in values.items():
        setattr(locked, name, value)
    _status_event(locked, from_status=str(values_from), to_status=to_status)
    return locked


def _status_event(agreement: Agreement, *, from_status: str, to_status: str) -> None:
    """BEY-2: the company's webhooks learn the move (ids and states only). A HAN Device
    agreement is the HAN request, so it is its own event."""
    if agreement.kind == Agreement.Kind.HAN_DEVICE:
        event_publish(
            kind="han_request.status_changed",
            company_id=agreement.company_id,
            data={
                "number": agreement.agreement_number,
                "from": from_status,
                "to": to_status,
                "sandbox": agreement.premise.is_sandbox,  # BEY-5
            },
        )
        return
    event_publish(
        kind="agreement.status_changed",
        company_id=agreement.company_id,
        data={
            "number": agreement.agreement_number,
            "kind": agreement.kind,
            "from": from_status,
            "to": to_status,
            "sandbox": agreement.premise.is_sandbox,  # BEY-5
        },
    )


def kind_capability(kind: str) -> Capability:
    if kind in (Agreement.Kind.ONGOING_HAN, Agreement.Kind.HAN_DEVICE):
        return Capability.THIRD_PARTY_HAN
    return Capability.THIRD_PARTY_ENERGY_DATA


def role_of(agreement: Agreement, user: User) -> Role:
    """Which side of the agreement this user is on; anyone else is refused."""
    if user.is_customer and customer_sees_agreement(customer=user, agreement=agreement):
        return Role.CUSTOMER
    if (
        user.company_id
        and user.company_id == agreement.company_id
        and user_has_capability(user, kind_capability(agreement.kind))
    ):
        return Role.THIRD_PARTY
    raise AgreementRefused(_("You cannot change this agreement."))
