"""Worker tasks of the usage app; thin: they take ids and call a service (CONVENTIONS)."""

from celery import shared_task

from . import report_requests


@shared_task(bind=True, acks_late=True, max_retries=2, default_retry_delay=30)
def report_request_build_task(self, request_id: int) -> str:
    """USG-7: build one offline report; a crash retries, the last one marks it failed."""
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
