from celery import shared_task

from .services import email_deliver, email_dispatch_stale, email_retry_delay


@shared_task(bind=True, acks_late=True, max_retries=None)
def email_send_task(self, email_id: int) -> bool:
    """Deliver one recorded email; retried with backoff until its attempts run out."""
    outcome = email_deliver(email_id=email_id)
    if outcome.retry:
        raise self.retry(countdown=email_retry_delay(self.request.retries))
    return outcome.sent


@shared_task(acks_late=True)
def email_dispatch_pending_task() -> int:
    """Beat sweep: queued emails whose task went missing are dispatched again."""
    return email_dispatch_stale()
