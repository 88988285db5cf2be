"""BEY-2: the webhook worker tasks (thin: ids in, a service does the work)."""

from celery import shared_task

from .webhooks.services import webhook_deliveries_send_due, webhook_delivery_send


@shared_task(acks_late=True)
def webhook_delivery_send_task(delivery_id: int) -> str | None:
    """One attempt of a due delivery; nothing when it is not due or already claimed."""
    return webhook_delivery_send(delivery_id=delivery_id)


@shared_task(acks_late=True)
def webhook_deliveries_send_due_task() -> int:
    """Every minute: queue the due deliveries (retries, and sends whose task went missing)."""
    return webhook_deliveries_send_due()
