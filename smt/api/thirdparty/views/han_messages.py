"""API-2 HAN device messages (HAN-9): send, list with the history's query, one message with
its timeline, cancel — through the same services and selectors as My Account / HAN Device
Messages, so the same rules and messages."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from han.forms import HanMessageSearchForm
from han.models import HanMessage
from han.selectors import han_message_get_for_user, han_messages_for_company
from han.services.messages import han_message_cancel, han_messages_compose
from smt.lib.errors import Refused

from ..auth import caller
from ..errors import refusal_response
from ..pagination import NewestFirst
from ..permissions import IN_HOME_DEVICES
from ..query import SEARCH_HELP
from ..serializers import (
    HanMessageBatchSerializer,
    HanMessageDetailSerializer,
    HanMessageSendSerializer,
    HanMessageSerializer,
)

QUERY = [
    OpenApiParameter("esiid", OpenApiTypes.STR, description=SEARCH_HELP),
    OpenApiParameter("mac_address", OpenApiTypes.STR, description=SEARCH_HELP),
    OpenApiParameter("status", OpenApiTypes.STR, enum=HanMessage.Status.values),
    OpenApiParameter(
        "date_from", OpenApiTypes.DATE, description="start time on or after (Central)"
    ),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="start time on or before (Central)"),
]


def messages_queried(request: Request) -> QuerySet[HanMessage]:
    """The company's messages matching the query parameters (the page's query form)."""
    messages = han_messages_for_company(user=caller(request))
    form = HanMessageSearchForm(request.query_params)
    if not form.is_valid():
        raise ValidationError(
            {
                field: [error["message"] for error in errors]
                for field, errors in form.errors.get_json_data().items()
            }
        )
    return form.filter(messages) if form.has_criteria() else messages


class HanMessageList(generics.ListCreateAPIView):
    permission_classes = [IN_HOME_DEVICES]
    pagination_class = NewestFirst
    serializer_class = HanMessageSerializer

    def get_queryset(self) -> QuerySet[HanMessage]:
        return messages_queried(self.request)

    @extend_schema(
        operation_id="han_messages_list",
        summary="HAN device messages",
        description="Your company's messages, newest first, queried like My Account / HAN "
        "Device Messages.",
        parameters=QUERY,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="han_messages_send",
        summary="Send a HAN device message",
        description="One message per device: to `devices` (HAN Device agreement numbers), or "
        "to every paired device you provisioned on `esiids` (up to 100). Refused as a whole, "
        "naming each device or ESIID without the right (an Active Ongoing HAN Services "
        "agreement in its period, a paired device, no Move-Out), an 81st character, or the "
        "rate limit (4 messages per device per hour).",
        request=HanMessageSendSerializer,
        responses={201: HanMessageBatchSerializer},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = HanMessageSendSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            sent = han_messages_compose(
                user=caller(request),
                draft=incoming.draft(),
                esiids=data.get("esiids") or [],
                devices=data.get("devices") or [],
            )
        except Refused as refused:
            return refusal_response(refused)
        body = {"batch": sent[0].batch, "messages": sent}
        return Response(HanMessageBatchSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        operation_id="han_messages_read", summary="One HAN device message with its timeline"
    )
)
class HanMessageDetail(generics.RetrieveAPIView):
    permission_classes = [IN_HOME_DEVICES]
    serializer_class = HanMessageDetailSerializer

    def get_object(self) -> HanMessage:
        return han_message_get_for_user(user=caller(self.request), pk=self.kwargs["pk"])


class HanMessageCancel(generics.GenericAPIView):
    permission_classes = [IN_HOME_DEVICES]
    serializer_class = HanMessageDetailSerializer

    @extend_schema(
        operation_id="han_messages_cancel",
        summary="Cancel a Queued HAN device message",
        request=None,
        responses=HanMessageDetailSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        message = han_message_get_for_user(user=caller(request), pk=pk)
        try:
            message = han_message_cancel(user=caller(request), message=message)
        except Refused as refused:
            return refusal_response(refused)
        return Response(HanMessageDetailSerializer(message).data)
