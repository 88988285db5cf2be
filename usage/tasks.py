"""Worker tasks of the usage app; thin: they take ids and call a service (CONVENTIONS)."""

from celery import shared_task

from usage.services import freshness, odr, partitions, report_requests
from usage.tdsp import files, simulated

# Retry countdowns are spent in the worker holding the task unacknowledged: they stay far
# below the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT, 90 s; SEC-6).
RETRY_DELAY_SECONDS = 30
RETRY_BACKOFF_MAX_SECONDS = 30


@shared_task(bind=True, acks_late=True, max_retries=2, default_retry_delay=RETRY_DELAY_SECONDS)
def report_request_build_task(self, request_id: int) -> str:
    """USG-7: build the next part of an offline report (each part queues the next, so no run
    is long: SEC-6); a crash retries, the last one marks it failed."""
    try:
        return report_requests.report_request_build(request_id=request_id).status
    except Exception as error:
        if self.request.retries >= self.max_retries:
            report_requests.report_request_fail(request_id=request_id, reason=str(error))
            raise
        raise self.retry(exc=error) from error


@shared_task(acks_late=True)
def report_requests_requeue_stale_task() -> int:
    """SEC-6 beat sweep: no report request stays Processing for ever."""
    return report_requests.report_requests_requeue_stale()


@shared_task(acks_late=True)
def report_files_purge_task() -> int:
    """OPS-2: remove report files past their retention."""
    return report_requests.report_files_purge_expired()


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=RETRY_DELAY_SECONDS)
def tdsp_file_load_task(self, message_pk: int) -> str:
    """USG-2: load a file a TDSP uploaded; a crash retries, the last one records the failure."""
    try:
        return files.tdsp_file_process(message_pk=message_pk)["result"]
    except Exception as error:
        if self.request.retries >= self.max_retries:
            files.tdsp_file_fail(message_pk=message_pk, reason=str(error))
            raise
        raise self.retry(exc=error) from error


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    max_retries=odr.MAX_SEND_ATTEMPTS - 1,
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
)
def on_demand_read_send_task(read_id: int) -> str:
    """USG-11: hand one Pending read to its TDSP's adapter, once; an adapter error is
    retried, and a read never sent is failed by the timeout sweep (SEC-6)."""
    return odr.on_demand_read_send(read_id=read_id).status


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    max_retries=3,
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
)
def simulated_tdsp_odr_answer_task(read_id: int) -> dict | None:
    """The simulated TDSP's answer (USG-11), through the TDSP API; a rerun is a replay."""
    return simulated.simulated_odr_answer(read_id=read_id)


@shared_task(acks_late=True)
def on_demand_reads_fail_stale_task() -> int:
    """SEC-6 beat sweep: no On Demand Read stays Pending for ever."""
    return odr.on_demand_reads_fail_stale()


@shared_task(acks_late=True)
def tdsp_files_purge_task() -> int:
    """OPS-2: remove uploaded TDSP files past their retention."""
    return files.tdsp_files_purge_expired()


@shared_task(acks_late=True)
def interval_partitions_ensure_task() -> list[str]:
    """USG-2, daily: the interval table's monthly partitions exist months ahead (PostgreSQL)."""
    return partitions.interval_partitions_ensure()


@shared_task(acks_late=True)
def meters_freshness_refresh_task() -> int:
    """BEY-4 nightly: every meter's freshness recomputed (the 90-day gap window moved)."""
    return freshness.meters_freshness_refresh_all().premises
