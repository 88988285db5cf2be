"""The customer's answer to a HAN provision request (HAN-4, HAN-5; seed 001 P2.1–P2.5, seed
004): Start the Pairing Process or Reject, by the emailed link or from My Account."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.http import Http404

from agreements.models import Agreement, AgreementInvitation
from agreements.services.answers import LINK_NOT_VALID
from agreements.services.core import STATUS_CHANGED, LinkRefused
from han.selectors import han_request_get_for_user, han_requests_for_customer
from han.services.answers import (
    PAIRING_EXPIRED,
    HanRefused,
    han_answer_by_link,
    han_answer_signed_in,
)
from han.services.core import CUSTOMER_LINK
from han.tasks import han_request_send_task
from tests.factories import MeterFactory

from .helpers import (
    S,
    history_of,
    one_request,
    provision_registered,
    registered_customer,
    templates_of,
    token_of,
    use_recording_adapter,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
END = NOW + timedelta(days=35)  # HAN-5
EXPIRED = str(PAIRING_EXPIRED) % {"days": 35}
REQUEST_EMAILS = ["han/request_sent_customer", "han/request_sent_third_party"]


@pytest.fixture(autouse=True)
def clock():
    """Every test starts at NOW; a test moves the clock with `clock.move_to`."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def requested(**kwargs):
    request = one_request(**kwargs)
    return request, token_of(request)


# --- Start the Pairing Process (P2.1–P2.5) -----------------------------------------------------


def test_start_opens_the_pairing_window_and_hands_the_request_to_the_tdsp(
    settings, django_capture_on_commit_callbacks
):  # HAN-4, seed 001 P2.5
    adapter = use_recording_adapter(settings)
    request, token = requested()
    with (
        time_machine.travel(NOW + timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = han_answer_by_link(token=token, start=True)
    assert result.changed is True
    request.refresh_from_db()
    assert request.agreement.status == S.PAIRING_INITIATED
    assert request.agreement.responded_at == NOW + timedelta(days=1)
    assert adapter.provisions == [request.tdsp_request_id]
    assert (request.sent_to_tdsp_at, request.send_attempts) == (NOW + timedelta(days=1), 1)
    assert history_of(request)[-1] == (S.REQUEST_EMAIL_SENT, S.PAIRING_INITIATED, CUSTOMER_LINK)
    # Seed 004: "Customer initiated pairing window": N/A to the customer, one to the 3rd party.
    assert templates_of(request) == [*REQUEST_EMAILS, "han/pairing_initiated_third_party"]


def test_a_second_delivery_of_the_send_task_sends_nothing_more(
    settings, django_capture_on_commit_callbacks
):  # SEC-6
    adapter = use_recording_adapter(settings)
    request, token = requested()
    with django_capture_on_commit_callbacks(execute=True):
        han_answer_by_link(token=token, start=True)
    han_request_send_task.delay(request.pk)
    assert adapter.provisions == [request.tdsp_request_id]


def test_nothing_goes_to_the_tdsp_before_the_answer_is_committed(
    settings, django_capture_on_commit_callbacks
):  # SEC-6
    adapter = use_recording_adapter(settings)
    request, token = requested()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        han_answer_by_link(token=token, start=True)
    assert adapter.provisions == [] and callbacks


# --- Reject ------------------------------------------------------------------------------------


def test_reject_closes_the_request_and_tells_both_sides(settings):  # HAN-4, seed 004
    adapter = use_recording_adapter(settings)
    request, token = requested()
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        result = han_answer_by_link(token=token, start=False)
    assert result.changed is True
    request.refresh_from_db()
    assert request.agreement.status == S.CUSTOMER_REJECTED
    assert request.closed_at == NOW + timedelta(hours=2)
    assert history_of(request)[-1] == (S.REQUEST_EMAIL_SENT, S.CUSTOMER_REJECTED, CUSTOMER_LINK)
    assert templates_of(request) == [
        *REQUEST_EMAILS,
        "han/customer_rejected_customer",
        "han/customer_rejected_third_party",
    ]
    assert adapter.provisions == []


# --- a link is used once (HAN-4 as AGR-8) ------------------------------------------------------


@pytest.mark.parametrize("start", [True, False], ids=["start", "reject"])
def test_the_same_answer_again_changes_nothing_and_sends_nothing(start):  # HAN-4, AGR-8
    request, token = requested()
    han_answer_by_link(token=token, start=start)
    history, emails = history_of(request), templates_of(request)
    again = han_answer_by_link(token=token, start=start)
    assert again.changed is False
    assert history_of(request) == history
    assert templates_of(request) == emails


@pytest.mark.parametrize("start", [True, False], ids=["start-then-reject", "reject-then-start"])
def test_the_other_answer_after_the_first_is_refused(start):  # HAN-4, AGR-8
    request, token = requested()
    han_answer_by_link(token=token, start=start)
    status, emails = Agreement.objects.get(pk=request.agreement_id).status, templates_of(request)
    with pytest.raises(LinkRefused) as refused:
        han_answer_by_link(token=token, start=not start)
    assert str(refused.value) == STATUS_CHANGED
    assert Agreement.objects.get(pk=request.agreement_id).status == status
    assert templates_of(request) == emails


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), id="last-char"),
        pytest.param(lambda t: t + "x", id="longer"),
        pytest.param(lambda t: t[:20], id="shorter"),
        pytest.param(lambda t: "", id="empty"),
    ],
)
def test_a_tampered_token_is_refused_and_changes_nothing(tamper):  # HAN-4, SEC-2
    request, token = requested()
    with pytest.raises(LinkRefused) as refused:
        han_answer_by_link(token=tamper(token), start=True)
    assert str(refused.value) == LINK_NOT_VALID
    assert Agreement.objects.get(pk=request.agreement_id).status == S.REQUEST_EMAIL_SENT


def test_the_link_of_another_purpose_is_not_a_pairing_link():  # HAN-4, SEC-2
    from tests.agreements.helpers import one_time
    from tests.agreements.helpers import token_of as invitation_token_of

    agreement = one_time()
    with pytest.raises(LinkRefused) as refused:
        han_answer_by_link(token=invitation_token_of(agreement), start=True)
    assert str(refused.value) == LINK_NOT_VALID


# --- 35 days to answer (HAN-5) -----------------------------------------------------------------


@pytest.mark.parametrize("start", [True, False], ids=["start", "reject"])
def test_the_link_works_until_one_second_before_35_days(start):  # HAN-5
    request, token = requested()
    with time_machine.travel(END - timedelta(seconds=1), tick=False):
        assert han_answer_by_link(token=token, start=start).changed is True
    expected = S.PAIRING_INITIATED if start else S.CUSTOMER_REJECTED
    assert Agreement.objects.get(pk=request.agreement_id).status == expected


@pytest.mark.parametrize("at", [END, END + timedelta(seconds=1)], ids=["35-days", "35-days+1s"])
@pytest.mark.parametrize("start", [True, False], ids=["start", "reject"])
def test_the_link_is_refused_with_the_expired_text_after_35_days(at, start):  # HAN-5
    request, token = requested()
    with time_machine.travel(at, tick=False), pytest.raises(LinkRefused) as refused:
        han_answer_by_link(token=token, start=start)
    assert str(refused.value) == EXPIRED
    assert Agreement.objects.get(pk=request.agreement_id).status == S.REQUEST_EMAIL_SENT
    assert AgreementInvitation.objects.get(agreement=request.agreement_id).used_at is None


# --- signed in, from My Account (HAN-4, HAN-8) -------------------------------------------------


def registered_request():
    meter = MeterFactory()
    customer = registered_customer(meter)
    (request,) = provision_registered(customer, meter)
    return customer, request, token_of(request)


@pytest.mark.parametrize("start", [True, False], ids=["start", "reject"])
def test_a_signed_in_answer_spends_the_emailed_link(start):  # HAN-4
    customer, request, token = registered_request()
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        han_answer_signed_in(user=customer, request=request, start=start)
    expected = S.PAIRING_INITIATED if start else S.CUSTOMER_REJECTED
    assert Agreement.objects.get(pk=request.agreement_id).status == expected
    assert history_of(request)[-1] == (S.REQUEST_EMAIL_SENT, expected, customer.username)
    link = AgreementInvitation.objects.get(agreement=request.agreement_id)
    assert link.used_at == NOW + timedelta(days=3)
    emails = templates_of(request)
    with pytest.raises(LinkRefused):
        han_answer_by_link(token=token, start=not start)  # the link is spent
    assert han_answer_by_link(token=token, start=start).changed is False
    with pytest.raises(HanRefused) as refused:
        han_answer_signed_in(user=customer, request=request, start=start)
    assert str(refused.value) == STATUS_CHANGED
    assert templates_of(request) == emails


def test_a_signed_in_answer_after_35_days_is_refused_with_the_expired_text():  # HAN-5
    customer, request, _token = registered_request()
    with time_machine.travel(END - timedelta(seconds=1), tick=False):
        assert han_request_get_for_user(
            user=customer, agreement_number=request.agreement.agreement_number
        )
    with time_machine.travel(END, tick=False), pytest.raises(HanRefused) as refused:
        han_answer_signed_in(user=customer, request=request, start=True)
    assert str(refused.value) == EXPIRED
    assert Agreement.objects.get(pk=request.agreement_id).status == S.REQUEST_EMAIL_SENT


def test_a_customer_of_another_meter_cannot_find_the_request():  # HAN-8, SEC-1
    customer, request, _token = registered_request()
    stranger = registered_customer(MeterFactory())
    number = request.agreement.agreement_number
    assert list(han_requests_for_customer(user=customer)) == [request]
    assert list(han_requests_for_customer(user=stranger)) == []
    with pytest.raises(Http404):
        han_request_get_for_user(user=stranger, agreement_number=number)
    assert han_request_get_for_user(user=customer, agreement_number=number) == request
