"""Beat-driven agreement jobs (OPS-2); thin wrappers around agreements.services."""

from celery import shared_task

from agreements.services.answers import agreement_reports_notify_ready
from agreements.services.jobs import agreement_expire_ended, agreement_expire_pending


@shared_task(acks_late=True)
def agreement_expire_pending_task() -> str:
    """AGR-9, AGR-14: unanswered invitations and extension requests; safe to run twice."""
    return str(agreement_expire_pending())


@shared_task(acks_late=True)
def agreement_expire_ended_task() -> int:
    """AGR-14: ongoing agreements past their end date become Expired; safe to run twice."""
    return agreement_expire_ended()


@shared_task(acks_late=True)
def agreement_reports_notify_ready_task() -> int:
    """AGR-10 EM204: One-Time reports that finished are announced once."""
    return agreement_reports_notify_ready()
