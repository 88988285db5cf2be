"""The happy path end to end through the services (HAN-1, HAN-3, HAN-4, HAN-7)."""

import pytest

from tests.han.helpers import S, han_emails, started, status_of, tdsp_status

pytestmark = pytest.mark.django_db


def test_a_request_walks_from_acknowledged_to_device_added(settings):
    settings.TDSP_ADAPTERS = {}
    request = started()
    assert status_of(request) == S.PAIRING_INITIATED
    for status in ("ADD_PENDING", "METER_READY", "DEVICE_ADDED"):
        answer = tdsp_status(request, status)
        assert answer["status"] == "processed", answer
    assert status_of(request) == S.DEVICE_ADDED
    templates = [template for template, _to, _lang in han_emails(request)]
    assert templates == [
        "han/request_sent_customer",
        "han/request_sent_third_party",
        "han/pairing_initiated_third_party",
        "han/meter_ready_customer",
        "han/meter_ready_third_party",
        "han/device_added_customer",
        "han/device_added_third_party",
    ]
