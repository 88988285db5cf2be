"""A TDSP's Move-Out ends the leaving customer's ongoing agreements in the same transaction
(MTR-2 Decision, API-3), and a 3rd party loses the meter at once (USG-12)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement
from tests.agreements.helpers import active_ongoing
from tests.factories import MeterFactory, RorPeriodFactory
from tests.support.tdsp import send_tdsp_message
from usage.tdsp.credentials import tdsp_credential_issue

pytestmark = pytest.mark.django_db


def test_a_move_out_through_the_tdsp_api_terminates_the_ongoing_agreement(client):
    meter = MeterFactory()
    RorPeriodFactory(premise=meter.premise)
    agreement = active_ongoing(meter=meter)
    key = tdsp_credential_issue(tdsp=meter.premise.tdsp)
    client.force_login(agreement.initiated_by)
    report = reverse("usage:usage_report", args=[meter.premise.esiid])
    assert client.get(report).status_code == 200

    response = send_tdsp_message(
        client,
        key,
        message_id="mo-1",
        type="move_out",
        esiid=meter.premise.esiid,
        effective_date=str(timezone.localdate()),
    )

    assert response.json()["result"] == "accepted"
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    assert agreement.termination_reason == "Move-Out"
    assert client.get(report).status_code == 404
