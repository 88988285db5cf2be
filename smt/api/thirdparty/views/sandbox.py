"""BEY-5: the caller's sandbox: its test meters and how each answers invitations. Only a
test token (`smt_test_…`) has a sandbox; a live token is answered 404."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from smt.lib.sandbox import SANDBOX_CASES, sandbox_case_of, sandbox_company
from usage.selectors import SandboxMeter, sandbox_meters

ANSWERS = sorted({meter.answer for meter in SANDBOX_CASES})


class SandboxMeterSerializer(serializers.Serializer):
    esiid = serializers.CharField(source="premise.esiid", help_text="in full: it is a test ESIID")
    meter_number = serializers.CharField()
    answers = serializers.ChoiceField(
        choices=ANSWERS, help_text="what its test customer does with every invitation"
    )
    solar = serializers.BooleanField(help_text="surplus generation on a second channel")
    description = serializers.CharField()
    data_from = serializers.DateField(source="first_day", allow_null=True)
    data_through = serializers.DateField(source="last_day", allow_null=True)


class SandboxSerializer(serializers.Serializer):
    ready = serializers.BooleanField(
        help_text="false while the worker still prepares the test meters (a minute or so "
        "after the first test token)"
    )
    meters = SandboxMeterSerializer(many=True)


def _row(found: SandboxMeter) -> dict[str, Any]:
    meter = sandbox_case_of(found.premise.esiid)
    assert meter is not None  # sandbox_meters lists test ESIIDs only
    return {
        "premise": found.premise,
        "meter_number": found.meter_number,
        "first_day": found.first_day,
        "last_day": found.last_day,
        "answers": meter.answer,
        "solar": meter.solar,
        "description": meter.description,
    }


class SandboxView(APIView):
    @extend_schema(
        operation_id="sandbox",
        summary="Your sandbox's test meters (test tokens only)",
        description="BEY-5: the test ESIIDs and meter numbers to use with a test token, and "
        "how each test customer answers: `accept` (two years of 15-minute data; one with "
        "rooftop solar), `reject`, or `no_answer` (the invitation lapses to Not Accepted "
        "after a couple of minutes). HAN requests on an accepting meter walk through the "
        "simulated TDSP. Sandbox objects say `sandbox: true`, answers carry "
        "`SMT-Sandbox: true`, and nothing of the sandbox reaches a real customer.",
        responses=SandboxSerializer,
    )
    def get(self, request: Request) -> Response:
        company_id = sandbox_company()
        if company_id is None:
            raise NotFound(_("Only a test token (smt_test_…) has a sandbox."))
        meters = [_row(found) for found in sandbox_meters(company_id=company_id)]
        body = {"ready": len(meters) == len(SANDBOX_CASES), "meters": meters}
        return Response(SandboxSerializer(body).data)
