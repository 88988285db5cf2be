"""Worker tasks of the han app; thin: they take ids and call a service (CONVENTIONS)."""

from celery import shared_task

from han import simulated
from han.services import jobs, messages, sandbox, tdsp

RETRY_DELAY_SECONDS = 30  # below the broker's visibility timeout (SEC-6)
# A hand-over to the TDSP: retried on any error with backoff, then left to the beat sweeps.
TDSP_SEND = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (Exception,),
    "max_retries": 5,
    "retry_backoff": True,
    "retry_backoff_max": RETRY_DELAY_SECONDS,
}


@shared_task(**TDSP_SEND)
def han_request_send_task(self, request_pk: int) -> str:
    """HAN-4 P2.5: send a started request to the TDSP (idempotent; retried on errors, and
    the beat sweep queues it again if every retry failed)."""
    return tdsp.han_request_send(request_pk=request_pk).agreement.status


@shared_task(**TDSP_SEND)
def han_removal_send_task(self, request_pk: int) -> str:
    """HAN-8: send a de-provision request to the TDSP (idempotent)."""
    return tdsp.han_removal_send(request_pk=request_pk).agreement.status


@shared_task(acks_late=True)
def han_reminders_send_task() -> int:
    """HAN-5: the "you have N days" reminders; safe to run twice."""
    return jobs.han_reminders_send()


@shared_task(acks_late=True)
def han_requests_expire_task() -> str:
    """HAN-5: 35 days without an answer → Did NOT Initiate; Meter Ready windows closed."""
    expired = jobs.han_requests_expire()
    closed = jobs.han_pairing_windows_close()
    return f"{expired} expired, {closed} pairing windows closed"


@shared_task(acks_late=True)
def han_requests_clear_task() -> int:
    """HAN-5: closed requests leave the lists and free their slot after 10 days."""
    return jobs.han_requests_clear()


@shared_task(acks_late=True)
def han_requests_send_missing_task() -> int:
    """SEC-6: started requests and removals whose send task was lost are queued again."""
    return jobs.han_requests_send_missing()


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=3, retry_backoff=True)
def simulated_tdsp_han_step_task(request_pk: int, purpose: str, step: int) -> dict | None:
    """The simulated TDSP's next HAN status (development, demos, tests)."""
    return simulated.simulated_han_step(request_pk=request_pk, purpose=purpose, step=step)


@shared_task(**TDSP_SEND)
def han_message_send_task(self, message_pk: int) -> str:
    """HAN-9: hand a due message to the TDSP (idempotent; retried on adapter errors, then
    the beat sweep queues it again until its display time is over)."""
    return messages.han_message_send(message_pk=message_pk).status


@shared_task(acks_late=True)
def han_messages_send_due_task() -> int:
    """HAN-9: Queued messages whose start time came go out; safe to run twice."""
    return messages.han_messages_send_due()


@shared_task(acks_late=True, autoretry_for=(Exception,), max_retries=3, retry_backoff=True)
def simulated_tdsp_han_message_step_task(message_pk: int, step: int) -> dict | None:
    """The simulated TDSP's next status for a HAN device message."""
    return simulated.simulated_message_step(message_pk=message_pk, step=step)


@shared_task(acks_late=True)
def sandbox_pairing_answer_task(token: str, start: bool) -> str:
    """BEY-5: a sandbox test customer starts (or rejects) the pairing."""
    return sandbox.sandbox_pairing_answer(token=token, start=start)
