"""The agreements' scheduled work (OPS-2) and the Move-Out hook (MTR-2): invitations and
extension requests left unanswered (AGR-9, AGR-14), agreements past their end date, the
reminders before it (BEY-1), and the hook that ends a closed 3rd party's agreements (ACC-21,
ACC-8, `COMPANY_CLOSED_HOOKS`)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
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


SYSTEM_COMPANY_CLOSED = gettext_noop("system: 3rd party closed")  # ACC-21, ACC-8


COMPANY_CLOSED_REASON = gettext_noop("The 3rd party's account was closed.")


REMINDER_DAYS = (30, 7)  # BEY-1: reminders before an ongoing agreement's end date


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
        notify=lambda locked: emails.expired(agreement=locked),  # BEY-1 receipts
    )


# --- BEY-1: reminders before the end date ------------------------------------------------------


@dataclass
class ReminderSummary:
    thirty_days: int = 0
    seven_days: int = 0

    def __str__(self) -> str:
        return (
            f"{self.thirty_days} 30-day and {self.seven_days} 7-day reminder(s) "
            "of an agreement's end date."
        )


def reminder_due(agreement: Agreement, *, today: date) -> int | None:
    """BEY-1: which reminder of the end date is due on `today` (Central time), or None.

    "N days before" is the day `end_date - N`: the job running that day sends it. The
    30-day reminder is due while 8 to 30 days remain, the 7-day one while 0 to 7 remain
    (the end date itself is the last day in force), so a job that missed days still sends
    the reminder of the window it runs in, never both on one day (inside the 7 days a
    missed 30-day reminder is skipped). A reminder whose day came before the agreement's
    start date is not sent: an agreement granted (or extended to a date) inside a window
    already had its end date in the grant's receipt."""
    end, start = agreement.end_date, agreement.start_date
    if end is None or start is None:
        return None
    days_left = (end - today).days
    if days_left < 0:
        return None
    for days in sorted(REMINDER_DAYS):
        if days_left <= days:
            return days if end - timedelta(days=days) >= start else None
    return None


def _reminder_candidates(today: date) -> QuerySet[Agreement]:
    """Ongoing agreements in force (Active or Extension Pending) ending within 30 days;
    One-Time agreements have no end date to remind of."""
    return Agreement.objects.filter(
        kind__in=ONGOING_KINDS,
        status__in=IN_FORCE_STATUSES,
        end_date__gte=today,
        end_date__lte=today + timedelta(days=max(REMINDER_DAYS)),
    ).select_related("company", "premise", "customer", "initiated_by")


def agreement_reminders_send(
    *, now: datetime | None = None, dry_run: bool = False
) -> ReminderSummary:
    """BEY-1: the 30-day and 7-day reminders of an ongoing agreement's end date, to the
    customer and the 3rd party (`reminder_due` says which is due). Daily by beat. Safe to
    run twice, or at once: each email's event key names the reminder and the end date
    (`agreement-<pk>-reminder-<30|7>-<end date>-customer` / `-third-party`), so an accepted
    extension starts a new cycle and nothing is sent twice. `dry_run` only counts."""
    today = chicago_date(now)
    summary = ReminderSummary()
    for agreement in _reminder_candidates(today):
        days = reminder_due(agreement, today=today)
        if days is None or emails.expiry_reminder_recorded(agreement=agreement, days=days):
            continue
        if not dry_run:
            with transaction.atomic():
                emails.expiry_reminder(agreement=agreement, days=days, today=today)
        if days == max(REMINDER_DAYS):
            summary.thirty_days += 1
        else:
            summary.seven_days += 1
    return summary


# --- ACC-21, ACC-8: a closed 3rd party's agreements end ------------------------------------------


def _closed_company_open(company_id: int) -> QuerySet[Agreement]:
    return Agreement.objects.filter(company_id=company_id).filter(
        Q(kind__in=ONGOING_KINDS, status__in=OPEN_STATUSES)
        | Q(kind=Agreement.Kind.ONE_TIME, status=Agreement.Status.PENDING)
    )


def agreements_end_for_closed_company(*, company_id: int) -> int:
    """ACC-21, ACC-8, BEY-1: a 3rd party whose account is closed (purged for inactivity, or
    revoked by SMT staff) keeps no access. Its ongoing agreements (Pending, Active or
    Extension Pending) become Terminated, its One-Time invitations still Pending become
    Not Accepted (One-Time has no Terminated); both by the system, with the reason in the
    history, and a receipt to the customer. Its emailed links then say the invitation
    expired (AGR-9). Called in the transaction that closes the company, through
    `settings.COMPANY_CLOSED_HOOKS` (accounts imports no agreements); each agreement is
    locked and moved on its own and re-checked under the lock, so a second call does
    nothing. Returns how many ended."""
    ended = 0
    for pk in list(_closed_company_open(company_id).values_list("pk", flat=True)):
        with transaction.atomic():
            locked = agreement_lock(pk)
            if not _closed_company_open(company_id).filter(pk=pk).exists():
                continue  # answered or ended meanwhile
            was_pending = locked.status == Agreement.Status.PENDING
            changes: dict[str, Any] = {}
            to_status = Agreement.Status.NOT_ACCEPTED
            if locked.kind in ONGOING_KINDS:
                to_status = Agreement.Status.TERMINATED
                changes = {
                    "termination_reason": COMPANY_CLOSED_REASON,
                    "requested_end_date": None,
                    "extension_expires_at": None,
                }
            agreement_transition(
                locked,
                to_status=to_status,
                role=Role.SYSTEM,
                actor_label=SYSTEM_COMPANY_CLOSED,
                reason=COMPANY_CLOSED_REASON,
                **changes,
            )
            emails.company_closed(agreement=locked, was_pending=was_pending)
            ended += 1
    return ended
