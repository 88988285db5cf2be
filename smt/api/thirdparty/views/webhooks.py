"""API-2, BEY-2: a company's webhook endpoints: list, create, read, update, delete, rotate
the secret, send a test event, the delivery log, and a manual retry. For the company's users
with either 3rd-party function (admins and users alike), through the same services as My
Account / Webhooks; another company's ids are 404."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from smt.lib.errors import Refused

from ..auth import caller
from ..errors import refusal_response
from ..models import WebhookDelivery, WebhookEndpoint
from ..pagination import NewestFirst
from ..permissions import AGREEMENTS
from ..webhooks.selectors import (
    webhook_deliveries_for_endpoint,
    webhook_delivery_get_for_user,
    webhook_endpoint_get_for_user,
    webhook_endpoints_for_user,
)
from ..webhooks.serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointSerializer,
    WebhookEndpointWithSecretSerializer,
    WebhookEndpointWriteSerializer,
)
from ..webhooks.services import (
    webhook_delivery_retry,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
    webhook_secret_rotate,
    webhook_test_send,
)

EVENTS_HELP = (
    "Events: `agreement.status_changed` (number, kind, from, to), "
    "`han_request.status_changed` (number, from, to), `han_message.status_changed` (id, "
    "device_request, from, to, failure_reason), `report.ready` (agreement, order_number, "
    "status), `token.revoked` (prefix, name, sandbox); `webhook.test` from the test button. "
    "Each body is `{type, timestamp, data}`, signed per Standard Webhooks (webhook-id, "
    "webhook-timestamp, webhook-signature)."
)


class WebhookList(generics.ListCreateAPIView):
    permission_classes = [AGREEMENTS]
    serializer_class = WebhookEndpointSerializer
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return webhook_endpoints_for_user(user=caller(self.request))

    @extend_schema(operation_id="webhooks_list", summary="Webhook endpoints")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="webhooks_create",
        summary="Register a webhook endpoint",
        description="An https URL (refused when it resolves to a private, loopback, "
        "link-local, multicast or reserved address) and the events it receives. The answer "
        "carries the signing secret, shown only this once. " + EVENTS_HELP,
        request=WebhookEndpointWriteSerializer,
        responses={201: WebhookEndpointWithSecretSerializer},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = WebhookEndpointWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            endpoint, secret = webhook_endpoint_create(
                user=caller(request),
                url=data["url"],
                events=data["events"],
                description=data.get("description", ""),
            )
        except Refused as refused:
            return refusal_response(refused)
        body = WebhookEndpointWithSecretSerializer(endpoint, context={"secret": secret}).data
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookDetail(APIView):
    permission_classes = [AGREEMENTS]

    def _endpoint(self, request: Request, pk: int) -> WebhookEndpoint:
        return webhook_endpoint_get_for_user(user=caller(request), pk=pk)

    @extend_schema(
        operation_id="webhooks_read",
        summary="One webhook endpoint",
        responses=WebhookEndpointSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(WebhookEndpointSerializer(self._endpoint(request, pk)).data)

    @extend_schema(
        operation_id="webhooks_update",
        summary="Change a webhook endpoint",
        description="Give only what changes. `active: true` enables an endpoint that was "
        "disabled after failing for 3 days; `active: false` pauses it.",
        request=WebhookEndpointWriteSerializer(partial=True),
        responses=WebhookEndpointSerializer,
    )
    def patch(self, request: Request, pk: int) -> Response:
        endpoint = self._endpoint(request, pk)
        incoming = WebhookEndpointWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        changes = incoming.changes()
        try:
            endpoint = webhook_endpoint_update(
                user=caller(request),
                endpoint=endpoint,
                url=changes.get("url"),
                events=changes.get("events"),
                description=changes.get("description"),
                active=changes.get("active"),
            )
        except Refused as refused:
            return refusal_response(refused)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhooks_delete",
        summary="Delete a webhook endpoint",
        description="The endpoint and its delivery log are deleted.",
        responses={204: None},
    )
    def delete(self, request: Request, pk: int) -> Response:
        endpoint = self._endpoint(request, pk)
        try:
            webhook_endpoint_delete(user=caller(request), endpoint=endpoint)
        except Refused as refused:
            return refusal_response(refused)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecret(APIView):
    permission_classes = [AGREEMENTS]

    @extend_schema(
        operation_id="webhooks_rotate_secret",
        summary="Rotate the signing secret",
        description="A new secret signs every delivery from now on (the old one at once "
        "stops); shown only in this answer.",
        request=None,
        responses=WebhookEndpointWithSecretSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        endpoint = webhook_endpoint_get_for_user(user=caller(request), pk=pk)
        try:
            endpoint, secret = webhook_secret_rotate(user=caller(request), endpoint=endpoint)
        except Refused as refused:
            return refusal_response(refused)
        return Response(
            WebhookEndpointWithSecretSerializer(endpoint, context={"secret": secret}).data
        )


class WebhookTest(APIView):
    permission_classes = [AGREEMENTS]

    @extend_schema(
        operation_id="webhooks_test",
        summary="Send a test event",
        description="A `webhook.test` event to this endpoint only, delivered by the worker "
        "like any other (its delivery is in the log).",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        endpoint = webhook_endpoint_get_for_user(user=caller(request), pk=pk)
        try:
            delivery = webhook_test_send(user=caller(request), endpoint=endpoint)
        except Refused as refused:
            return refusal_response(refused)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveries(generics.ListAPIView):
    permission_classes = [AGREEMENTS]
    serializer_class = WebhookDeliverySerializer
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        endpoint = webhook_endpoint_get_for_user(user=caller(self.request), pk=self.kwargs["pk"])
        return webhook_deliveries_for_endpoint(endpoint=endpoint)

    @extend_schema(
        operation_id="webhooks_deliveries",
        summary="The delivery log of an endpoint",
        description="Newest first, each with its attempts (time, response code, duration, "
        "error). Retries wait 1 min, 5 min, 30 min, 2 h, 3 h, 6 h, 12 h, then the delivery "
        "is given up.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class WebhookDeliveryRetry(APIView):
    permission_classes = [AGREEMENTS]

    @extend_schema(
        operation_id="webhook_deliveries_retry",
        summary="Retry a delivery now",
        description="A failed or given-up delivery is sent again by the worker (same "
        "webhook-id, a new timestamp and signature).",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        delivery = webhook_delivery_get_for_user(user=caller(request), pk=pk)
        try:
            delivery = webhook_delivery_retry(user=caller(request), delivery=delivery)
        except Refused as refused:
            return refusal_response(refused)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
