"""API-2: who am I: the token's user, company and functions (ACC-19)."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import Capability, user_has_capability

from ..serializers import MeSerializer

FUNCTIONS = {
    "energy_data": Capability.THIRD_PARTY_ENERGY_DATA,
    "in_home_devices": Capability.THIRD_PARTY_HAN,
}


class MeView(APIView):
    @extend_schema(
        operation_id="me",
        summary="The token's user",
        description="The user the token acts for, its company and the functions it may use "
        "(`energy_data`, `in_home_devices`): the API allows exactly what the pages allow.",
        responses=MeSerializer,
    )
    def get(self, request: Request) -> Response:
        functions = [
            name for name, cap in FUNCTIONS.items() if user_has_capability(request.user, cap)
        ]
        context = {"functions": functions, "token": request.auth}
        return Response(MeSerializer(request.user, context=context).data)
