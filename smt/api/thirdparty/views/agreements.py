"""API-2 agreements: list and search with the AGR-2 criteria, and one agreement with its
history (AGR-15, AGR-18), through the same selectors as My Account / Customer Agreements."""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import ValidationError as Invalid
from rest_framework.request import Request

from agreements.forms.company import mac_address_terms
from agreements.models import Agreement
from agreements.selectors import agreement_list_for_user
from smt.lib.listing import SearchTerms, search_terms_parse

from ..pagination import NewestFirst
from ..permissions import AGREEMENTS
from ..serializers import AgreementDetailSerializer, AgreementSerializer

# AGR-2: each query parameter takes the ACC-20 input (up to 100 comma-separated values, or
# one value with a * wildcard) and filters this field.
SEARCHES = {
    "number": ("agreement_number", True),
    "last_name": ("customer_last_name", False),
    "esiid": ("premise__esiid", True),
    "meter_number": ("meter_number", True),
}
SEARCH_PARAMETERS = [
    OpenApiParameter(
        name,
        OpenApiTypes.STR,
        description="ACC-20: up to 100 values separated by commas, or one value with a * wildcard",
    )
    for name in (*SEARCHES, "mac_address")
] + [
    OpenApiParameter("kind", OpenApiTypes.STR, enum=Agreement.Kind.values),
    OpenApiParameter("status", OpenApiTypes.STR, enum=Agreement.Status.values),
]


def _terms(request: Request, name: str) -> SearchTerms:
    """A search parameter's terms; a bad one is a 400 naming the parameter."""
    try:
        return search_terms_parse(request.query_params.get(name, ""))
    except ValidationError as error:
        raise Invalid({name: error.messages}) from None


def agreements_filtered(request: Request) -> QuerySet[Agreement]:
    agreements = agreement_list_for_user(user=request.user)
    for name, (lookup, exact_case) in SEARCHES.items():
        terms = _terms(request, name)
        if terms:
            agreements = agreements.filter(terms.q(lookup, case_sensitive=exact_case))
    macs = _terms(request, "mac_address")
    if macs:
        mac_terms = mac_address_terms(macs)
        agreements = agreements.filter(mac_terms.q("han_request__mac_address", case_sensitive=True))
    for name in ("kind", "status"):
        value = request.query_params.get(name)
        if value:
            agreements = agreements.filter(Q(**{name: value}))
    return agreements


@extend_schema_view(
    get=extend_schema(
        operation_id="agreements_list",
        summary="Customer agreements",
        description="Your company's agreements of the kinds your user may see (AGR-2), newest "
        "first, searched like My Account / Customer Agreements.",
        parameters=SEARCH_PARAMETERS,
    )
)
class AgreementList(generics.ListAPIView):
    serializer_class = AgreementSerializer
    permission_classes = [AGREEMENTS]
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[Agreement]:
        return agreements_filtered(self.request)


@extend_schema_view(
    get=extend_schema(operation_id="agreements_read", summary="One agreement with its history")
)
class AgreementDetail(generics.RetrieveAPIView):
    serializer_class = AgreementDetailSerializer
    permission_classes = [AGREEMENTS]
    lookup_field = "agreement_number"
    lookup_url_kwarg = "number"

    def get_queryset(self) -> QuerySet[Agreement]:
        return agreement_list_for_user(user=self.request.user).prefetch_related("history__actor")
