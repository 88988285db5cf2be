"""Agreement jobs (OPS-2) and EM203's PDF copy (AGR-10); thin wrappers around
agreements.services."""

from celery import shared_task

from agreements.services.answers import (
    agreement_copies_send_missing,
    agreement_copy_send,
    agreement_reports_notify_ready,
)
from agreements.services.jobs import (
    agreement_expire_ended,
    agreement_expire_pending,
    agreement_reminders_send,
)
from agreements.services.sandbox import sandbox_invitation_answer


@shared_task(acks_late=True)
def agreement_expire_pending_task() -> str:
    """AGR-9, AGR-14: unanswered invitations and extension requests; safe to run twice."""
    return str(agreement_expire_pending())


@shared_task(acks_late=True)
def agreement_expire_ended_task() -> int:
    """AGR-14: ongoing agreements past their end date become Expired; safe to run twice."""
    return agreement_expire_ended()


@shared_task(acks_late=True)
def agreement_reminders_send_task() -> str:
    """BEY-1: the 30-day and 7-day reminders of ongoing agreements' end dates; safe to run
    twice."""
    return str(agreement_reminders_send())


@shared_task(acks_late=True)
def agreement_reports_notify_ready_task() -> int:
    """AGR-10 EM204: One-Time reports that finished are announced once."""
    return agreement_reports_notify_ready()


# Retries wait 1, 2, 4, 8, 16 s (jittered) in the worker, well inside the broker's
# visibility timeout; after the last, the beat sweep tries again every 15 minutes for a day.
@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=5,
)
def agreement_copy_send_task(agreement_id: int) -> bool:
    """AGR-10 EM203: render the accepted agreement's PDF copy and record the email carrying
    it; queued on commit by the acceptance. Safe to run twice (one email per agreement)."""
    return agreement_copy_send(agreement_id=agreement_id)


@shared_task(acks_late=True)
def agreement_copies_send_missing_task() -> int:
    """AGR-10, SEC-6: EM203s whose task went missing are queued again."""
    return agreement_copies_send_missing()


@shared_task(acks_late=True)
def sandbox_invitation_answer_task(agreement_id: int, token: str) -> str:
    """BEY-5: a sandbox test customer answers an invitation (or lets it lapse)."""
    return sandbox_invitation_answer(agreement_id=agreement_id, token=token)
