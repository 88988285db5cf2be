"""Beat-driven account jobs (OPS-2); thin wrappers around accounts.services.jobs."""

from celery import shared_task

from .services.jobs import accounts_delete_unapproved, third_parties_purge_inactive


@shared_task(acks_late=True)
def accounts_delete_unapproved_task() -> str:
    """ACC-7, ACC-8, ACC-9: the 14-day deletions; safe to run twice."""
    return str(accounts_delete_unapproved())


@shared_task(acks_late=True)
def third_parties_purge_inactive_task() -> int:
    """ACC-21: the 13-month purge of inactive 3rd parties; safe to run twice."""
    return third_parties_purge_inactive()
