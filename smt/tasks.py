from celery import shared_task
from celery.signals import worker_ready

from smt.health import worker_heartbeat_record


@shared_task
def worker_heartbeat_task() -> None:
    """Beat sends this every 30 s; /healthz reads the time it was last run (OPS-4)."""
    worker_heartbeat_record()


@worker_ready.connect
def _heartbeat_on_start(**kwargs) -> None:
    worker_heartbeat_record()
