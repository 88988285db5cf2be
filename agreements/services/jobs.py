"""The agreements' scheduled work (OPS-2) and the Move-Out hook (MTR-2): invitations and
extension requests left unanswered (AGR-9, AGR-14) and agreements past their end date."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements import emails
from agreements.models import (
    IN_FORCE_STATUSES,
    Agreement,
)
from agreements.services.core import (
    ONGOING_KINDS,
    OPEN_STATUSES,
    agreement_lock,
    agreement_transition,
    chicago_date,
)
from agreements.workflow import Role
from usage.models import Premise

SYSTEM_30_DAYS = gettext_noop("system: 30-day rule")


SYSTEM_END_DATE = gettext_noop("system: end date")


TDSP_MOVE_OUT = "TDSP: Move-Out"


MOVE_OUT_REASON = "Move-Out"  # MTR-2 Decision


@dataclass
class ExpirySummary:
    not_accepted: int = 0
    extensions_lapsed: int = 0

    def __str__(self) -> str:
        return (
            f"Expired {self.not_accepted} invitation(s) to Not Accepted, "
            f"{self.extensions_lapsed} extension request(s) back to Active."
        )


@transaction.atomic
def agreements_end_for_move_out(*, premise: Premise, effective: date | None = None) -> int:
    """MTR-2 Decision: a Move-Out ends the leaving customer's ongoing agreements of the
    premise (Terminated, reason Move-Out), Pending invitations included. Called inside the
    TDSP transaction that detaches the customer. Returns how many ended."""
    reason = MOVE_OUT_REASON
    if effective:
        reason = f"{MOVE_OUT_REASON} ({formats.date_format(effective, 'SHORT_DATE_FORMAT')})"
    ended = 0
    candidates = Agreement.objects.filter(
        premise=premise, kind__in=ONGOING_KINDS, status__in=OPEN_STATUSES
    ).values_list("pk", flat=True)
    for pk in list(candidates):
        locked = agreement_lock(pk)
        if locked.status not in OPEN_STATUSES:
            continue
        agreement_transition(
            locked,
            to_status=Agreement.Status.TERMINATED,
            role=Role.TDSP,
            actor_label=TDSP_MOVE_OUT,
            reason=reason,
            termination_reason=MOVE_OUT_REASON,
            requested_end_date=None,
            extension_expires_at=None,
        )
        emails.terminated(agreement=locked, by_customer=False, move_out=True)
        ended += 1
    return ended


def _pending_expired(now: datetime) -> QuerySet[Agreement]:
    """AGR-9: the invitations no longer open (`Agreement.invitation_is_open`), for the sweep."""
    return Agreement.objects.filter(status=Agreement.Status.PENDING, expires_at__lte=now)


def _extensions_expired(now: datetime) -> QuerySet[Agreement]:
    return Agreement.objects.filter(
        status=Agreement.Status.EXTENSION_PENDING, extension_expires_at__lte=now
    )


def agreements_move_as_system(
    candidates: QuerySet[Agreement],
    *,
    notify: Callable[[Agreement], None] | None = None,
    **transition: Any,
) -> int:
    """Move each of `candidates` as the system (AGR-9, AGR-14), each agreement in its own
    short transaction and re-checked under its lock (skipped when another run holds it), so
    running twice, or at once, is harmless. `notify(locked)` sends the event's emails.
    Returns how many moved."""
    moved = 0
    for pk in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            locked = candidates.select_for_update(skip_locked=True).filter(pk=pk).first()
            if locked is None:  # answered meanwhile, or another run holds it
                continue
            agreement_transition(locked, role=Role.SYSTEM, **transition)
            if notify:
                notify(locked)
            moved += 1
    return moved


def agreement_expire_pending(
    *, now: datetime | None = None, dry_run: bool = False
) -> ExpirySummary:
    """AGR-9: invitations unanswered for 30 days → Not Accepted; AGR-14: extension requests
    unanswered for 30 days → Active with the old end date."""
    now = now or timezone.now()
    if dry_run:
        return ExpirySummary(
            not_accepted=_pending_expired(now).count(),
            extensions_lapsed=_extensions_expired(now).count(),
        )
    return ExpirySummary(
        not_accepted=agreements_move_as_system(
            _pending_expired(now),
            to_status=Agreement.Status.NOT_ACCEPTED,
            actor_label=SYSTEM_30_DAYS,
            reason=gettext_noop("No answer within 30 days."),
            notify=lambda locked: emails.not_accepted(agreement=locked),  # AGR-9
        ),
        extensions_lapsed=agreements_move_as_system(
            _extensions_expired(now),
            to_status=Agreement.Status.ACTIVE,
            actor_label=SYSTEM_30_DAYS,
            reason=_(
                "No answer to the extension request within 30 days; the end date is unchanged."
            ),
            requested_end_date=None,
            extension_expires_at=None,
            notify=lambda locked: emails.extension_answered(agreement=locked, accepted=False),
        ),
    )


def _ended(today: date) -> QuerySet[Agreement]:
    return Agreement.objects.filter(status__in=IN_FORCE_STATUSES, end_date__lt=today)


def agreement_expire_ended(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """AGR-14: an ongoing agreement is in force through its end date (Central time) and
    Expired the day after. Safe to run twice. Returns how many expired."""
    today = chicago_date(now)
    if dry_run:
        return _ended(today).count()
    return agreements_move_as_system(
        _ended(today),
        to_status=Agreement.Status.EXPIRED,
        actor_label=SYSTEM_END_DATE,
        reason=gettext_noop("The end date passed."),
        requested_end_date=None,
        extension_expires_at=None,
    )
