import logging

from celery import shared_task
from celery.signals import before_task_publish, worker_ready

from smt.health import scheduler_heartbeat_record, worker_heartbeat_record
from smt.sandbox import sandbox_prepare, sandbox_prepare_all
from smt.status import status_record

logger = logging.getLogger(__name__)


@shared_task
def worker_heartbeat_task() -> None:
    """Beat sends this every 30 s; /healthz reads the time it was last run (OPS-4)."""
    worker_heartbeat_record()


@worker_ready.connect
def _heartbeat_on_start(**kwargs) -> None:
    worker_heartbeat_record()


@before_task_publish.connect
def _scheduler_heartbeat_on_send(sender: str | None = None, **kwargs) -> None:
    """BEY-6: beat's process stamps each heartbeat it sends, so the status page tells a late
    scheduler (nothing sent) from a late worker (sent, not run). Only beat sends this task;
    a stamp that cannot be written must never stop the send."""
    if sender != worker_heartbeat_task.name:
        return
    try:
        scheduler_heartbeat_record()
    except Exception:
        logger.exception("the scheduler heartbeat could not be recorded")


@shared_task(acks_late=True)
def status_record_task() -> int:
    """BEY-6: every 5 minutes, one sample of each component for the status page's history."""
    return len(status_record())


@shared_task(acks_late=True)
def sandbox_prepare_task(company_id: int) -> int:
    """BEY-5: a company's sandbox, prepared after its first test token (safe to run twice)."""
    return sandbox_prepare(company_id=company_id).interval_days_created


@shared_task(acks_late=True)
def sandbox_prepare_all_task() -> int:
    """BEY-5: every sandbox gets the new day's data (daily)."""
    return sandbox_prepare_all().interval_days_created
