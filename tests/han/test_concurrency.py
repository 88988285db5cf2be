"""HAN races that only a real database proves (CONVENTIONS: SQLite ignores select_for_update):
submissions for a meter's last slot at once, and a double click on the emailed link. Run on
PostgreSQL; the sequential rules are proven on SQLite too by test_provisioning/test_answers."""

import threading
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection, transaction
from django.utils import timezone

from agreements.models import AgreementHistory
from agreements.services.core import STATUS_CHANGED, AgreementRefused, LinkRefused
from han.models import HanProvisionRequest
from han.services.answers import han_answer_by_link
from han.services.core import slot_holders
from han.services.jobs import han_requests_expire
from han.services.provisioning import han_provision_request_create
from notifications.models import OutboundEmail
from tests.agreements.helpers import contact, details, pair, third_party_admin
from tests.factories import MeterFactory

from .helpers import S, device, new_mac, one_request, provision, token_of, use_recording_adapter

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)
pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    """Start the calls at the same moment in threads; return their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the losers' refusals are results here
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def requested_with_token(**kwargs):
    """The token is read before commit: once the email is sent the log no longer has it."""
    with transaction.atomic():
        request = one_request(**kwargs)
        return request, token_of(request)


def changes_to(request, status) -> int:
    return AgreementHistory.objects.filter(agreement=request.agreement_id, to_status=status).count()


@pytest.mark.parametrize("attempt", range(3))
def test_six_submissions_for_the_last_slot_at_once_create_exactly_one(attempt):  # HAN-2
    meter = MeterFactory()
    user = third_party_admin()
    provision(user=user, meter=meter, devices=[device() for _ in range(4)])
    submit = partial(
        han_provision_request_create,
        user=user,
        customer=details(),
        meter=pair(meter),
        contact=contact(),
    )
    results = run_together(*[partial(submit, devices=[device(new_mac())]) for _ in range(6)])
    created = [result for result in results if isinstance(result, list)]
    refused = [result for result in results if isinstance(result, AgreementRefused)]
    assert (len(created), len(refused)) == (1, 5), results
    assert all("0 free" in str(refusal) for refusal in refused)
    assert slot_holders(premise_id=meter.premise_id).count() == 5
    assert HanProvisionRequest.objects.filter(agreement__premise=meter.premise).count() == 5
    assert OutboundEmail.objects.filter(template="han/request_sent_customer").count() == 5


@pytest.mark.parametrize("attempt", range(3))
def test_a_double_click_on_start_changes_once_and_emails_once(settings, attempt):  # HAN-4
    adapter = use_recording_adapter(settings)
    request, token = requested_with_token()
    results = run_together(*[partial(han_answer_by_link, token=token, start=True)] * 2)
    assert sorted(result.changed for result in results) == [False, True], results
    assert changes_to(request, S.PAIRING_INITIATED) == 1
    assert OutboundEmail.objects.filter(template="han/pairing_initiated_third_party").count() == 1
    assert adapter.provisions == [request.tdsp_request_id]  # sent to the TDSP once


@pytest.mark.parametrize("attempt", range(3))
def test_start_and_reject_at_once_exactly_one_wins(settings, attempt):  # HAN-4
    use_recording_adapter(settings)
    request, token = requested_with_token()
    results = run_together(
        partial(han_answer_by_link, token=token, start=True),
        partial(han_answer_by_link, token=token, start=False),
    )
    winners = [result for result in results if not isinstance(result, Exception)]
    losers = [result for result in results if isinstance(result, LinkRefused)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert str(losers[0]) == STATUS_CHANGED
    request.refresh_from_db()
    assert request.agreement.status in (S.PAIRING_INITIATED, S.CUSTOMER_REJECTED)
    moves = AgreementHistory.objects.filter(
        agreement=request.agreement_id, from_status=S.REQUEST_EMAIL_SENT
    )
    assert moves.count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_start_and_the_expiry_job_at_once_exactly_one_wins(settings, attempt):  # HAN-5
    use_recording_adapter(settings)
    request, token = requested_with_token()
    later = timezone.now() + timedelta(days=36)  # the job's clock says it is overdue
    started, expired = run_together(
        partial(han_answer_by_link, token=token, start=True),
        partial(han_requests_expire, now=later),
    )
    request.refresh_from_db()
    moves = AgreementHistory.objects.filter(
        agreement=request.agreement_id, from_status=S.REQUEST_EMAIL_SENT
    )
    assert moves.count() == 1
    if request.agreement.status == S.PAIRING_INITIATED:
        assert started.changed and expired == 0
    else:
        assert request.agreement.status == S.PAIRING_NOT_INITIATED
        assert expired == 1 and isinstance(started, LinkRefused)
