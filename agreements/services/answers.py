"""The customer answers (AGR-8..AGR-11, AGR-14, AGR-16): by the emailed link or from My
Account, an invitation or an extension request; an accepted One-Time agreement's report
(AGR-10) and its EM204 notice."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from agreements import emails
from agreements.models import (
    Agreement,
    AgreementInvitation,
)
from agreements.services.core import (
    STATUS_CHANGED,
    AgreementRefused,
    LinkRefused,
    agreement_lock,
    agreement_transition,
    chicago_date,
    role_of,
)
from agreements.workflow import Role
from smt.lib.events import event_publish
from usage.models import ReportRequest
from usage.services import reports
from usage.services.report_requests import report_request_create
from usage.services.sharing import share_token_hash

logger = logging.getLogger(__name__)

# AGR-18: who caused a change when it was no signed-in person.
CUSTOMER_LINK = gettext_noop("customer link")  # stored in English, shown translated
# AGR-10, SEC-6: an accepted agreement whose EM203 is still missing this long after the
# acceptance (its task was lost: broker down at commit, retries spent) is queued again by
# the beat sweep, for a day.
COPY_SWEEP_AFTER = timedelta(minutes=10)
COPY_SWEEP_WITHIN = timedelta(days=1)


REPORT_DURATIONS: dict[str, relativedelta] = {  # AGR-3 → how far back the report reaches
    Agreement.ReportDuration.ONE_DAY: relativedelta(days=1),
    Agreement.ReportDuration.ONE_MONTH: relativedelta(months=1),
    Agreement.ReportDuration.THREE_MONTHS: relativedelta(months=3),
    Agreement.ReportDuration.SIX_MONTHS: relativedelta(months=6),
    Agreement.ReportDuration.ONE_YEAR: relativedelta(years=1),
}


REPORT_TYPES: dict[str, tuple[str, str]] = {  # AGR-3 report type → (USG type, file format)
    Agreement.ReportType.INTERVAL_CSV: (
        ReportRequest.ReportType.INTERVAL,
        ReportRequest.FileFormat.CSV,
    ),
    Agreement.ReportType.INTERVAL_XML: (
        ReportRequest.ReportType.INTERVAL,
        ReportRequest.FileFormat.GREEN_BUTTON,
    ),
    Agreement.ReportType.DAILY_CSV: (ReportRequest.ReportType.DAILY, ReportRequest.FileFormat.CSV),
    Agreement.ReportType.MONTHLY_CSV: (
        ReportRequest.ReportType.MONTHLY,
        ReportRequest.FileFormat.CSV,
    ),
}


# AGR-9 (seed 000 business rule 8, functional rule 14).
LINK_NOT_VALID = (
    "This link is not valid. Please use the link in the most recent email you received from "
    "Smart Meter Texas."
)


INVITATION_EXPIRED = (
    "The invitation has expired. The 30-day period to accept or reject this agreement has "
    "ended; please contact the 3rd party to request a new agreement invitation."
)


# The links these pages answer; a HAN pairing link is answered by the han app's page (HAN-4).
ANSWERED_HERE = (AgreementInvitation.Purpose.INVITATION, AgreementInvitation.Purpose.EXTENSION)


@dataclass(frozen=True)
class AnswerResult:
    agreement: Agreement
    changed: bool  # False for a repeated click on the same answer (nothing happened again)


def invitation_for_token(token: str) -> AgreementInvitation | None:
    """For the confirmation page (a GET changes nothing): the invitation, or None."""
    return (
        AgreementInvitation.objects.select_related("agreement__premise", "agreement__company")
        .filter(token_hash=share_token_hash(token), purpose__in=ANSWERED_HERE)
        .first()
    )


def invitation_refusal(*, invitation: AgreementInvitation, now: datetime | None = None) -> str:
    """Why this link cannot be used now, or "" (AGR-9)."""
    now = now or timezone.now()
    if invitation.expires_at <= now:
        return INVITATION_EXPIRED
    if invitation.used_at or invitation.agreement.status != invitation.issued_for_status:
        return STATUS_CHANGED
    return ""


@transaction.atomic
def agreement_answer(*, token: str, accept: bool, user: User | None = None) -> AnswerResult:
    """AGR-8..AGR-11, AGR-14: the customer's Accept or Reject through the emailed link.

    Single use: the link is spent by a conditional UPDATE under the agreement's row lock; a
    second click on the same answer returns the agreement unchanged (one status change, one
    email), any other use gets the AGR-9 message.
    """
    found = AgreementInvitation.objects.filter(
        token_hash=share_token_hash(token), purpose__in=ANSWERED_HERE
    ).first()
    if found is None:
        raise LinkRefused(LINK_NOT_VALID)
    locked = agreement_lock(found.agreement_id)
    invitation = AgreementInvitation.objects.get(pk=found.pk)  # re-read under the lock
    invitation.agreement = locked
    answer = AgreementInvitation.Answer.ACCEPT if accept else AgreementInvitation.Answer.REJECT
    if invitation.used_at and invitation.answer == answer:
        return AnswerResult(agreement=locked, changed=False)
    now = timezone.now()
    refusal = invitation_refusal(invitation=invitation, now=now)
    if refusal:
        raise LinkRefused(refusal)
    spent = AgreementInvitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
        used_at=now, answer=answer
    )
    if not spent:
        raise LinkRefused(STATUS_CHANGED)
    actor = user if user is not None and user.is_customer else None
    if invitation.purpose == AgreementInvitation.Purpose.EXTENSION:
        _extension_answer(locked, accept=accept, actor=actor)
    elif accept:
        _accept(locked, actor=actor, now=now)
    else:
        _reject(locked, actor=actor, now=now)
    return AnswerResult(agreement=locked, changed=True)


def agreement_accept(*, token: str, user: User | None = None) -> AnswerResult:
    return agreement_answer(token=token, accept=True, user=user)


def agreement_reject(*, token: str, user: User | None = None) -> AnswerResult:
    return agreement_answer(token=token, accept=False, user=user)


def _reject(
    locked: Agreement, *, actor: User | None, now: datetime, actor_label: str = CUSTOMER_LINK
) -> None:
    agreement_transition(
        locked,
        to_status=Agreement.Status.REJECTED,
        role=Role.CUSTOMER,
        actor=actor,
        actor_label=actor_label,
        reason=gettext_noop("Rejected by the customer."),
        responded_at=now,
    )
    emails.rejected(agreement=locked)  # EM205


def _accept(
    locked: Agreement, *, actor: User | None, now: datetime, actor_label: str = CUSTOMER_LINK
) -> None:
    today = chicago_date(now)
    one_time = locked.kind == Agreement.Kind.ONE_TIME
    agreement_transition(
        locked,
        to_status=Agreement.Status.COMPLETE if one_time else Agreement.Status.ACTIVE,
        role=Role.CUSTOMER,
        actor=actor,
        actor_label=actor_label,
        reason=gettext_noop("Accepted by the customer."),
        responded_at=now,
        start_date=today,
        **({} if one_time else {"end_date": _ongoing_end_date(locked, start=today)}),
    )
    if one_time:
        # AGR-10: the report request is written in this transaction; usage queues its build
        # on commit, and the 3rd party finds it in Report Request Status (USG-9).
        locked.report_request = _report_request_create(locked, today=today)
        locked.save(update_fields=["report_request"])
    # EM203 carries the PDF copy; the worker renders it after commit, not this request.
    transaction.on_commit(partial(_copy_dispatch, locked.pk))
    emails.accepted_notice(agreement=locked)  # AGR-10 notice to the 3rd party


def _copy_dispatch(agreement_id: int) -> None:
    from agreements.tasks import agreement_copy_send_task

    try:
        agreement_copy_send_task.delay(agreement_id)
    except Exception:
        logger.exception(
            "Could not queue EM203 of agreement %s; the beat sweep retries", agreement_id
        )


def agreement_copy_send(*, agreement_id: int) -> bool:
    """AGR-10 EM203: render the customer's PDF copy of an accepted agreement and record the
    email that carries it; once per agreement (the email's event key). Returns whether this
    call recorded it."""
    agreement = Agreement.objects.select_related(
        "company", "premise", "customer", "initiated_by"
    ).get(pk=agreement_id)
    return emails.accepted(agreement=agreement)


def agreement_copies_send_missing(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """AGR-10, SEC-6 beat sweep: agreements accepted between COPY_SWEEP_WITHIN and
    COPY_SWEEP_AFTER ago without their EM203 get the task queued again. Returns how many
    (`dry_run`: only counts them)."""
    now = now or timezone.now()
    # responded_at is written by _accept and _reject only; a rejected agreement stays so.
    accepted = Agreement.objects.filter(
        responded_at__gte=now - COPY_SWEEP_WITHIN, responded_at__lte=now - COPY_SWEEP_AFTER
    ).exclude(status=Agreement.Status.REJECTED)
    ids = sorted(accepted.values_list("pk", flat=True))
    recorded = emails.accepted_recorded(agreement_ids=ids)
    missing = [pk for pk in ids if pk not in recorded]
    if not dry_run:
        for pk in missing:
            _copy_dispatch(pk)
    return len(missing)


def _ongoing_end_date(agreement: Agreement, *, start: date) -> date:
    """AGR-14: an ongoing agreement runs its months from the day it is accepted."""
    if agreement.duration_months is None:  # the agreement_ongoing_duration_1_12 constraint
        raise ValueError(f"Ongoing agreement {agreement} has no duration.")
    return start + relativedelta(months=agreement.duration_months)


def report_period(agreement: Agreement, *, today: date) -> tuple[date, date]:
    """AGR-10: the agreed duration, ending with the latest available day (USG-6)."""
    end = reports.latest_available_day(today)
    start = end - REPORT_DURATIONS[agreement.report_duration] + timedelta(days=1)
    return start, end


def _report_request_create(agreement: Agreement, *, today: date) -> ReportRequest:
    report_type, file_format = REPORT_TYPES[agreement.report_type]
    start, end = report_period(agreement, today=today)
    # The request belongs to the user who initiated the agreement and their company.
    # ReportRequest.Party has no 3rd-party value yet; usage derives it from the user.
    return report_request_create(
        user=agreement.initiated_by,
        premises=[agreement.premise],
        report_type=report_type,
        start=start,
        end=end,
        file_format=file_format,
    )


def agreement_reports_notify_ready(*, now: datetime | None = None) -> int:
    """AGR-10 EM204: tell the 3rd party a One-Time report has finished. Beat-driven, so usage
    needs no hook; the conditional UPDATE sends each notice once. Returns how many."""
    now = now or timezone.now()
    ready = Agreement.objects.filter(
        kind=Agreement.Kind.ONE_TIME,
        report_notified_at__isnull=True,
        report_request__status__in=[
            ReportRequest.Status.COMPLETE,
            ReportRequest.Status.UNSUCCESSFUL,
        ],
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(ready):
        with transaction.atomic():
            if Agreement.objects.filter(pk=pk, report_notified_at__isnull=True).update(
                report_notified_at=now
            ):
                agreement = Agreement.objects.select_related(
                    "company", "premise", "report_request", "initiated_by"
                ).get(pk=pk)
                emails.report_ready(agreement=agreement)
                request = agreement.report_request
                event_publish(  # BEY-2
                    kind="report.ready",
                    company_id=agreement.company_id,
                    data={
                        "agreement": agreement.agreement_number,
                        "order_number": request.order_number if request else "",
                        "status": request.status if request else "",
                        "sandbox": agreement.premise.is_sandbox,  # BEY-5
                    },
                )
                sent += 1
    return sent


def _extension_answer(
    locked: Agreement, *, accept: bool, actor: User | None, actor_label: str = CUSTOMER_LINK
) -> None:
    changes: dict[str, date | None] = {"requested_end_date": None, "extension_expires_at": None}
    if accept:
        changes["end_date"] = locked.requested_end_date
    agreement_transition(
        locked,
        to_status=Agreement.Status.ACTIVE,
        role=Role.CUSTOMER,
        actor=actor,
        actor_label=actor_label,
        reason=_("Extension accepted by the customer.")
        if accept
        else _("Extension rejected by the customer; the end date is unchanged."),
        **changes,
    )
    emails.extension_answered(agreement=locked, accepted=accept)


@transaction.atomic
def agreement_answer_by_customer(*, agreement: Agreement, user: User, accept: bool) -> Agreement:
    """AGR-15, AGR-16: the signed-in customer accepts or rejects a Pending agreement, or a
    pending extension (AGR-14), from My Account / 3rd Party Agreements. Same transitions and
    emails as the emailed link; the history names the customer. The agreement's open links
    are voided, so a later click gets the AGR-9 "status changed" message (and an old
    extension link can never answer a later extension request)."""
    locked = agreement_lock(agreement.pk)
    if role_of(locked, user) != Role.CUSTOMER:
        raise AgreementRefused(_("You cannot change this agreement."))
    now = timezone.now()
    label = user.username
    if locked.is_pending:
        if not locked.invitation_is_open(now):
            raise AgreementRefused(INVITATION_EXPIRED)
        if accept:
            _accept(locked, actor=user, now=now, actor_label=label)
        else:
            _reject(locked, actor=user, now=now, actor_label=label)
    elif locked.status == Agreement.Status.EXTENSION_PENDING:
        if not locked.extension_request_is_open(now):
            raise AgreementRefused(INVITATION_EXPIRED)
        _extension_answer(locked, accept=accept, actor=user, actor_label=label)
    else:
        raise AgreementRefused(_("This agreement is not waiting for your answer."))
    AgreementInvitation.objects.filter(agreement=locked, used_at__isnull=True).update(used_at=now)
    return locked
