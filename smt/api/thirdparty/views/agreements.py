"""API-2 agreements: create (AGR-3, AGR-14, AGR-17), list and search with the AGR-2 criteria,
one agreement with its history (AGR-15, AGR-18), resend (AGR-13), terminate and request an
extension (AGR-14) — through the same selectors and services as My Account / Customer
Agreements, so with the same rules and messages."""

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from agreements.forms.company import mac_address_terms
from agreements.models import Agreement
from agreements.selectors import agreement_list_for_user
from agreements.services.actions import (
    agreement_request_extension,
    agreement_resend,
    agreement_terminate,
)
from agreements.services.creation import agreement_create_one_time, agreement_create_ongoing
from smt.lib.errors import Refused

from ..auth import caller
from ..errors import refusal_response
from ..pagination import NewestFirst
from ..permissions import AGREEMENTS
from ..query import SEARCH_HELP, search_param
from ..serializers import AgreementDetailSerializer, AgreementSerializer
from ..serializers_requests import (
    AgreementCreateInput,
    CustomerInput,
    ExtensionInput,
    TerminateInput,
    contact_of,
)

# AGR-2: each query parameter takes the ACC-20 input (up to 100 comma-separated values, or
# one value with a * wildcard) and filters this field.
SEARCHES = {
    "number": ("agreement_number", True),
    "last_name": ("customer_last_name", False),
    "esiid": ("premise__esiid", True),
    "meter_number": ("meter_number", True),
}
SEARCH_PARAMETERS = [
    OpenApiParameter(name, OpenApiTypes.STR, description=SEARCH_HELP)
    for name in (*SEARCHES, "mac_address")
] + [
    OpenApiParameter("kind", OpenApiTypes.STR, enum=Agreement.Kind.values),
    OpenApiParameter("status", OpenApiTypes.STR, enum=Agreement.Status.values),
]


def agreements_filtered(request: Request) -> QuerySet[Agreement]:
    agreements = agreement_list_for_user(user=caller(request))
    for name, (lookup, exact_case) in SEARCHES.items():
        terms = search_param(request, name)
        if terms:
            agreements = agreements.filter(terms.q(lookup, case_sensitive=exact_case))
    macs = search_param(request, "mac_address")
    if macs:
        mac_terms = mac_address_terms(macs)
        agreements = agreements.filter(mac_terms.q("han_request__mac_address", case_sensitive=True))
    for name in ("kind", "status"):
        value = request.query_params.get(name)
        if value:
            agreements = agreements.filter(Q(**{name: value}))
    return agreements


@extend_schema_view(
    post=extend_schema(
        operation_id="agreements_create",
        summary="Create agreements (one per meter)",
        description="One Pending agreement of `kind` per meter, each with its emailed "
        "invitation (AGR-3). Refused as a whole with the pages' messages (AGR-5, AGR-6: one "
        "agreement of a kind per meter, the meter and customer must match).",
        request=AgreementCreateInput,
        responses={201: AgreementSerializer(many=True)},
    ),
    get=extend_schema(
        operation_id="agreements_list",
        summary="Customer agreements",
        description="Your company's agreements of the kinds your user may see (AGR-2), newest "
        "first, searched like My Account / Customer Agreements.",
        parameters=SEARCH_PARAMETERS,
    ),
)
class AgreementList(generics.ListCreateAPIView):
    serializer_class = AgreementSerializer
    permission_classes = [AGREEMENTS]
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[Agreement]:
        return agreements_filtered(self.request)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = AgreementCreateInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        data, user = incoming.validated_data, caller(request)
        common = {
            "user": user,
            "customer": CustomerInput().details(data["customer"]),
            "meters": incoming.meter_pairs(),
            "contact": contact_of(data.get("contact"), user),
            "comments": data.get("comments", ""),
        }
        try:
            if data["kind"] == Agreement.Kind.ONE_TIME:
                made = agreement_create_one_time(
                    **common,
                    report_type=data["report_type"],
                    report_duration=data["report_duration"],
                )
            else:
                made = agreement_create_ongoing(
                    **common, duration_months=data["duration_months"], kind=data["kind"]
                )
        except Refused as refused:
            return refusal_response(refused)
        body = AgreementSerializer(made, many=True).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(operation_id="agreements_read", summary="One agreement with its history")
)
class AgreementDetail(generics.RetrieveAPIView):
    serializer_class = AgreementDetailSerializer
    permission_classes = [AGREEMENTS]
    lookup_field = "agreement_number"
    lookup_url_kwarg = "number"

    def get_queryset(self) -> QuerySet[Agreement]:
        return agreement_list_for_user(user=caller(self.request)).prefetch_related("history__actor")


def _agreement(request: Request, number: str) -> Agreement:
    return generics.get_object_or_404(
        agreement_list_for_user(user=caller(request)), agreement_number=number
    )


def _act(
    request: Request, agreement: Agreement, action: Callable[[Agreement, User], Any]
) -> Response:
    """One agreement action through its service; the agreement as it is afterwards. The
    caller found the agreement first, so another company's number is a 404 before any 400."""
    try:
        action(agreement, caller(request))
    except Refused as refused:
        return refusal_response(refused)
    return Response(AgreementDetailSerializer(_agreement(request, agreement.agreement_number)).data)


class AgreementResend(generics.GenericAPIView):
    permission_classes = [AGREEMENTS]
    serializer_class = AgreementDetailSerializer

    @extend_schema(
        operation_id="agreements_resend",
        summary="Resend a Pending agreement's invitation (AGR-13)",
        request=None,
    )
    def post(self, request: Request, number: str) -> Response:
        agreement = _agreement(request, number)
        return _act(request, agreement, lambda a, u: agreement_resend(agreement=a, user=u))


class AgreementTerminate(generics.GenericAPIView):
    permission_classes = [AGREEMENTS]
    serializer_class = AgreementDetailSerializer

    @extend_schema(
        operation_id="agreements_terminate",
        summary="Terminate an agreement in force, with a reason (AGR-14)",
        request=TerminateInput,
    )
    def post(self, request: Request, number: str) -> Response:
        agreement = _agreement(request, number)
        incoming = TerminateInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        reason = incoming.validated_data["reason"]
        return _act(
            request, agreement, lambda a, u: agreement_terminate(agreement=a, user=u, reason=reason)
        )


class AgreementExtension(generics.GenericAPIView):
    permission_classes = [AGREEMENTS]
    serializer_class = AgreementDetailSerializer

    @extend_schema(
        operation_id="agreements_request_extension",
        summary="Ask the customer for a later end date (AGR-14)",
        request=ExtensionInput,
    )
    def post(self, request: Request, number: str) -> Response:
        agreement = _agreement(request, number)
        incoming = ExtensionInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        day = incoming.validated_data["new_end_date"]
        return _act(
            request,
            agreement,
            lambda a, u: agreement_request_extension(agreement=a, user=u, new_end_date=day),
        )
