"""HAN timers and clean-up (HAN-5, OPS-2; seed 004), each a beat job and a management
command, safe to run twice or at once: every change is a conditional UPDATE or a status move
under the row lock, and every email has its event key.

- reminders: "you have N days" to both sides, `REMINDER_DAYS` before the 35 days end;
- expiry: no answer in 35 days → Customer Did NOT Initiate Pairing Window;
- pairing windows: Meter Ready and no Device Added in `METER_READY_PAIRING_DAYS` → Add Failed;
- clean-up: closed requests (and removed devices) leave the HAN lists, and free their slot,
  10 calendar days after they closed;
- sending: a started request (or a removal) whose send task went missing is queued again.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from agreements.models import Agreement
from agreements.services.core import AgreementChanged
from agreements.services.jobs import COMPANY_CLOSED_REASON, SYSTEM_COMPANY_CLOSED
from agreements.workflow import Role, TransitionNotAllowed
from usage.models import Premise

from .. import emails
from ..models import CLOSED_STATUSES, DEVICE_STATUSES, IN_PROGRESS_STATUSES, HanProvisionRequest
from .answers import han_send_dispatch
from .core import (
    CLEAR_AFTER_DAYS,
    METER_READY_PAIRING_DAYS,
    NO_ANSWER_REASON,
    REMINDER_DAYS,
    SEND_SWEEP_AFTER,
    SYSTEM_35_DAYS,
    SYSTEM_CLEAN_UP,
    SYSTEM_PAIRING_WINDOW,
    han_note,
    han_request_lock,
    han_status_notify,
    han_transition,
)
from .messages import han_messages_fail_for_closed_company, han_messages_fail_for_move_out
from .tdsp import han_removal_dispatch

S = Agreement.Status
MOVE_OUT = "TDSP: Move-Out"


def _reminder_due(expires_at: datetime, now: datetime) -> int | None:
    """The smallest reminder whose day has come (a job that was down sends only the latest)."""
    due = [days for days in REMINDER_DAYS if expires_at - timedelta(days=days) <= now]
    return min(due) if due else None


def han_reminders_send(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """HAN-5: the "you have N days to start pairing" emails to the customer and the 3rd
    party, once per reminder. Returns how many requests were (or would be) reminded."""
    now = now or timezone.now()
    waiting = HanProvisionRequest.objects.filter(
        agreement__status=S.REQUEST_EMAIL_SENT,
        agreement__expires_at__gt=now,
        agreement__expires_at__lte=now + timedelta(days=max(REMINDER_DAYS)),
    ).select_related("agreement")
    sent = 0
    for request in waiting:
        days = _reminder_due(request.agreement.expires_at, now)
        if days is None or (request.reminded_days is not None and request.reminded_days <= days):
            continue
        sent += 1
        if dry_run:
            continue
        with transaction.atomic():
            claimed = HanProvisionRequest.objects.filter(
                Q(reminded_days__isnull=True) | Q(reminded_days__gt=days), pk=request.pk
            ).update(reminded_days=days)
            if claimed:
                request.reminded_days = days
                emails.han_event_notify(request, emails.REMINDER, key=f"reminder-{days}", days=days)
            else:
                sent -= 1
    return sent


def _move_each(pks: list[int], move: Callable[[HanProvisionRequest], bool]) -> int:
    moved = 0
    for pk in pks:
        try:
            with transaction.atomic():
                if move(han_request_lock(pk)):
                    moved += 1
        except (AgreementChanged, TransitionNotAllowed):  # answered while the job ran
            continue
    return moved


def han_requests_expire(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """HAN-5: a request not started or rejected within 35 days becomes Customer Did NOT
    Initiate Pairing Window, with its emails. Returns how many."""
    now = now or timezone.now()
    due = HanProvisionRequest.objects.filter(
        agreement__status=S.REQUEST_EMAIL_SENT, agreement__expires_at__lte=now
    ).values_list("pk", flat=True)
    if dry_run:
        return due.count()

    def expire(request: HanProvisionRequest) -> bool:
        agreement = request.agreement
        if agreement.status != S.REQUEST_EMAIL_SENT or agreement.expires_at > now:
            return False
        han_transition(
            request,
            to_status=S.PAIRING_NOT_INITIATED,
            role=Role.SYSTEM,
            actor_label=SYSTEM_35_DAYS,
            reason=NO_ANSWER_REASON,
        )
        emails.han_event_notify(request, emails.NOT_INITIATED)
        return True

    return _move_each(list(due), expire)


def han_pairing_windows_close(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """HAN-5 decision: Meter Ready and no Device Added within `METER_READY_PAIRING_DAYS`
    → Add Failed, with the Add Failed emails. Returns how many."""
    now = now or timezone.now()
    due = HanProvisionRequest.objects.filter(
        agreement__status=S.METER_READY, pairing_window_ends_at__lte=now
    ).values_list("pk", flat=True)
    if dry_run:
        return due.count()

    def close(request: HanProvisionRequest) -> bool:
        ends = request.pairing_window_ends_at
        if request.agreement.status != S.METER_READY or ends is None or ends > now:
            return False
        han_transition(
            request,
            to_status=S.ADD_FAILED,
            role=Role.SYSTEM,
            actor_label=SYSTEM_PAIRING_WINDOW,
            reason=_("The device was not paired within %(days)d days of Meter Ready.")
            % {"days": METER_READY_PAIRING_DAYS},
        )
        han_status_notify(request, S.ADD_FAILED)
        return True

    return _move_each(list(due), close)


def han_requests_clear(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """HAN-5 (seed 004): closed requests and removed devices leave the HAN lists and free
    their slot 10 calendar days after they closed. Returns how many."""
    now = now or timezone.now()
    due = HanProvisionRequest.objects.filter(
        cleared_at__isnull=True,
        closed_at__lte=now - timedelta(days=CLEAR_AFTER_DAYS),
        agreement__status__in=(*CLOSED_STATUSES, S.REMOVED),
    ).values_list("pk", flat=True)
    if dry_run:
        return due.count()
    cleared = 0
    for pk in list(due):
        with transaction.atomic():
            if HanProvisionRequest.objects.filter(pk=pk, cleared_at__isnull=True).update(
                cleared_at=now
            ):
                request = HanProvisionRequest.objects.select_related("agreement").get(pk=pk)
                han_note(
                    request,
                    reason=_("Cleared from the HAN lists after %(days)d days; slot freed.")
                    % {"days": CLEAR_AFTER_DAYS},
                    actor_label=SYSTEM_CLEAN_UP,
                )
                cleared += 1
    return cleared


def han_requests_send_missing(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """SEC-6: a started request, or a removal, not handed to the TDSP `SEND_SWEEP_AFTER`
    after its status changed (its task was lost) is queued again. Returns how many."""
    now = now or timezone.now()
    before = now - SEND_SWEEP_AFTER
    provisions = list(
        HanProvisionRequest.objects.filter(
            agreement__status=S.PAIRING_INITIATED,
            sent_to_tdsp_at__isnull=True,
            agreement__status_changed_at__lte=before,
        ).values_list("pk", flat=True)
    )
    removals = list(
        HanProvisionRequest.objects.filter(
            agreement__status=S.REMOVE_REQUESTED,
            removal_sent_at__isnull=True,
            agreement__status_changed_at__lte=before,
        ).values_list("pk", flat=True)
    )
    if not dry_run:
        for pk in provisions:
            han_send_dispatch(pk)
        for pk in removals:
            han_removal_dispatch(pk)
    return len(provisions) + len(removals)


def han_messaging_end_for_move_out(*, premise: Premise, effective: date | None = None) -> int:
    """HAN-8, MTR-2 (seed 001): a Move-Out does not de-provision the premise's devices, but
    ends the 3rd parties' right to message them; recorded on each device's history. Called
    in the TDSP's transaction (`ROR_MOVE_OUT_HOOKS`). Returns how many devices."""
    now = timezone.now()
    when = f" ({formats.date_format(effective, 'SHORT_DATE_FORMAT')})" if effective else ""
    ended = 0
    requests = HanProvisionRequest.objects.filter(
        agreement__premise=premise,
        agreement__status__in=(*IN_PROGRESS_STATUSES, *DEVICE_STATUSES),
        messaging_ended_at__isnull=True,
    ).select_related("agreement")
    for request in requests:
        if HanProvisionRequest.objects.filter(
            pk=request.pk, messaging_ended_at__isnull=True
        ).update(messaging_ended_at=now):
            han_note(
                request,
                reason=_(
                    "Move-Out%(when)s: the device stays paired; the 3rd party may no longer "
                    "send it messages."
                )
                % {"when": when},
                actor_label=MOVE_OUT,
            )
            ended += 1
    han_messages_fail_for_move_out(
        premise=premise,
        reason=_("Move-Out%(when)s: the right to message the device ended.") % {"when": when},
    )
    return ended


def han_end_for_closed_company(*, company_id: int) -> int:
    """ACC-21, ACC-8 (`COMPANY_CLOSED_HOOKS`): a closed 3rd party's HAN provision requests
    still waiting for the customer (Request Email Sent) die as Customer Did NOT Initiate
    Pairing Window (the system's move of HAN-5; no emails: the emailed Start link then says
    the request changed), and its Queued HAN messages fail. Requests already with the TDSP
    and paired devices are left alone: the device is the customer's, and the right to
    message it ended with the company's Ongoing HAN Services agreements. Called in the
    transaction that closes the company. Returns how many requests ended."""
    waiting = HanProvisionRequest.objects.filter(
        agreement__company_id=company_id, agreement__status=S.REQUEST_EMAIL_SENT
    ).values_list("pk", flat=True)

    def end(request: HanProvisionRequest) -> bool:
        if request.agreement.status != S.REQUEST_EMAIL_SENT:
            return False
        han_transition(
            request,
            to_status=S.PAIRING_NOT_INITIATED,
            role=Role.SYSTEM,
            actor_label=SYSTEM_COMPANY_CLOSED,
            reason=COMPANY_CLOSED_REASON,
        )
        return True

    ended = _move_each(list(waiting), end)
    han_messages_fail_for_closed_company(company_id=company_id, reason=COMPANY_CLOSED_REASON)
    return ended
