from celery import shared_task
from celery.signals import worker_ready

from smt.health import worker_heartbeat_record
from smt.sandbox import sandbox_prepare, sandbox_prepare_all


@shared_task
def worker_heartbeat_task() -> None:
    """Beat sends this every 30 s; /healthz reads the time it was last run (OPS-4)."""
    worker_heartbeat_record()


@worker_ready.connect
def _heartbeat_on_start(**kwargs) -> None:
    worker_heartbeat_record()


@shared_task(acks_late=True)
def sandbox_prepare_task(company_id: int) -> int:
    """BEY-5: a company's sandbox, prepared after its first test token (safe to run twice)."""
    return sandbox_prepare(company_id=company_id).interval_days_created


@shared_task(acks_late=True)
def sandbox_prepare_all_task() -> int:
    """BEY-5: every sandbox gets the new day's data (daily)."""
    return sandbox_prepare_all().interval_days_created
