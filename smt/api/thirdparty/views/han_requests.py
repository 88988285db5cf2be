"""API-2 HAN provisioning (HAN-1..HAN-8): request (one per device), list and query the
requests and devices, one with its history, and Remove (de-provision) — through the same
services and selectors as Provision HAN Device and Customer Meters (3rd Party) / HAN Devices."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from agreements.forms.company import mac_address_terms
from han import models as han_models
from han.models import HanProvisionRequest
from han.selectors import han_request_get_for_user, han_requests_for_company
from han.services.provisioning import han_provision_request_create
from han.services.tdsp import han_device_remove
from smt.lib.errors import Refused

from ..auth import caller
from ..errors import refusal_response
from ..pagination import NewestFirst
from ..permissions import IN_HOME_DEVICES
from ..query import SEARCH_HELP, search_param
from ..serializers import HanRequestDetailSerializer, HanRequestSerializer
from ..serializers_requests import CustomerInput, HanProvisionInput, contact_of

HAN_STATUSES = [str(status) for status in han_models.HAN_STATUSES]
QUERY = [
    OpenApiParameter("esiid", OpenApiTypes.STR, description=SEARCH_HELP),
    OpenApiParameter("mac_address", OpenApiTypes.STR, description=SEARCH_HELP),
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=HAN_STATUSES,
        description="`device_added` lists the paired devices",
    ),
]


class NewestRequestFirst(NewestFirst):
    ordering = ("-agreement__created_at", "-pk")


def requests_queried(request: Request) -> QuerySet[HanProvisionRequest]:
    found = han_requests_for_company(user=caller(request))
    esiids = search_param(request, "esiid")
    if esiids:
        found = found.filter(esiids.q("agreement__premise__esiid", case_sensitive=True))
    macs = search_param(request, "mac_address")
    if macs:
        found = found.filter(mac_address_terms(macs).q("mac_address", case_sensitive=True))
    wanted = request.query_params.get("status")
    if wanted:
        if wanted not in HAN_STATUSES:
            raise ValidationError({"status": [f"Not a HAN status: {wanted}."]})
        found = found.filter(agreement__status=wanted)
    return found


@extend_schema_view(
    get=extend_schema(
        operation_id="han_requests_list",
        summary="HAN provision requests and devices",
        description="Your company's HAN requests, newest first (HAN-8); `status=device_added` "
        "gives the paired devices.",
        parameters=QUERY,
    ),
    post=extend_schema(
        operation_id="han_requests_create",
        summary="Provision HAN devices (one request per device)",
        description="HAN-1, HAN-2: the customer (a registered one by `customer_id`), one meter, "
        "up to 5 devices; refused as a whole with the page's messages (MAC address, "
        "installation code, the meter's 5 slots).",
        request=HanProvisionInput,
        responses={201: HanRequestSerializer(many=True)},
    ),
)
class HanRequestList(generics.ListCreateAPIView):
    permission_classes = [IN_HOME_DEVICES]
    pagination_class = NewestRequestFirst
    serializer_class = HanRequestSerializer

    def get_queryset(self) -> QuerySet[HanProvisionRequest]:
        return requests_queried(self.request)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = HanProvisionInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        data, user = incoming.validated_data, caller(request)
        try:
            made = han_provision_request_create(
                user=user,
                customer=CustomerInput().details(data["customer"]),
                customer_id=data.get("customer_id", ""),
                meter=incoming.meter_pair(),
                devices=incoming.devices_details(),
                contact=contact_of(data.get("contact"), user),
                comments=data.get("comments", ""),
            )
        except Refused as refused:
            return refusal_response(refused)
        body = HanRequestSerializer(made, many=True).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        operation_id="han_requests_read", summary="One HAN request or device with its history"
    )
)
class HanRequestDetail(generics.RetrieveAPIView):
    permission_classes = [IN_HOME_DEVICES]
    serializer_class = HanRequestDetailSerializer

    def get_object(self) -> HanProvisionRequest:
        return han_request_get_for_user(
            user=caller(self.request), agreement_number=self.kwargs["number"]
        )


class HanRequestRemove(generics.GenericAPIView):
    permission_classes = [IN_HOME_DEVICES]
    serializer_class = HanRequestDetailSerializer

    @extend_schema(
        operation_id="han_requests_remove",
        summary="Remove (de-provision) a paired HAN device (HAN-8)",
        request=None,
    )
    def post(self, request: Request, number: str) -> Response:
        user = caller(request)
        found = han_request_get_for_user(user=user, agreement_number=number)
        try:
            han_device_remove(user=user, request=found)
        except Refused as refused:
            return refusal_response(refused)
        found = han_request_get_for_user(user=user, agreement_number=number)
        return Response(HanRequestDetailSerializer(found).data)
