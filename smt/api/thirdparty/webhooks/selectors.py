"""BEY-2: the webhook endpoints and deliveries a user may see: their company's, when they
may manage webhooks; anything else is a 404 (SEC-1)."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User

from ..models import WebhookDelivery, WebhookEndpoint
from .services import webhooks_allowed


def webhook_endpoints_for_user(*, user: User) -> QuerySet[WebhookEndpoint]:
    if not webhooks_allowed(user) or user.company_id is None:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(company_id=user.company_id).select_related("created_by")


def webhook_endpoint_get_for_user(*, user: User, pk: int) -> WebhookEndpoint:
    endpoint = webhook_endpoints_for_user(user=user).filter(pk=pk).first()
    if endpoint is None:
        raise Http404
    return endpoint


def webhook_deliveries_for_endpoint(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint).prefetch_related("attempts")


def webhook_delivery_get_for_user(*, user: User, pk: int) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.filter(endpoint__in=webhook_endpoints_for_user(user=user), pk=pk)
        .select_related("endpoint")
        .first()
    )
    if delivery is None:
        raise Http404
    return delivery
