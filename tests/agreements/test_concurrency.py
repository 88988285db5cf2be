"""Races that only a real database proves (CONVENTIONS: SQLite ignores select_for_update):
accept against expire, a double click on Accept, and agreement numbers taken at once.
Run on PostgreSQL; on SQLite the conditional UPDATE is proven by the deterministic test."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from agreements.models import Agreement, AgreementHistory
from agreements.services.answers import LINK_NOT_VALID, agreement_accept
from agreements.services.core import AgreementChanged, LinkRefused, agreement_number_next
from agreements.services.core import agreement_transition as _transition
from agreements.services.jobs import agreement_expire_pending
from agreements.workflow import Role

from .helpers import emails, one_time, token_of

S = Agreement.Status
needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


def pending_with_token():
    """The token is read before commit: once the email is sent the log no longer has it."""
    with transaction.atomic():
        agreement = one_time()
        return agreement, token_of(agreement)


def run_together(*calls):
    """Start the calls at the same moment in threads; return their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the loser's refusal is a result here
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(5))
def test_accept_and_expire_racing_exactly_one_wins(attempt):  # AGR-9, SEC-6
    agreement, token = pending_with_token()
    later = timezone.now() + timedelta(days=31)  # the job's clock says it is overdue
    accepted, expired = run_together(
        lambda: agreement_accept(token=token),
        lambda: agreement_expire_pending(now=later),
    )
    agreement.refresh_from_db()
    changes = AgreementHistory.objects.filter(agreement=agreement).exclude(from_status="")
    assert changes.count() == 1
    if agreement.status == S.COMPLETE:
        assert expired.not_accepted == 0 and accepted.changed
    else:
        assert agreement.status == S.NOT_ACCEPTED
        assert expired.not_accepted == 1
        assert isinstance(accepted, LinkRefused) and str(accepted) != LINK_NOT_VALID


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_double_click_on_accept_in_parallel_changes_once_and_emails_once():  # AGR-8
    agreement, token = pending_with_token()
    results = run_together(*[lambda: agreement_accept(token=token)] * 4)
    assert sorted(r.changed for r in results) == [False, False, False, True]
    assert AgreementHistory.objects.filter(agreement=agreement).count() == 2
    assert len(emails("accepted")) == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_agreement_numbers_taken_at_once_are_unique():  # AGR-1
    day = timezone.localdate()
    numbers = run_together(*[lambda: agreement_number_next(on=day)] * 8)
    assert len(set(numbers)) == 8
    assert sorted(n[-6:] for n in numbers) == [f"{i:06d}" for i in range(1, 9)]


@pytest.mark.django_db
def test_a_stale_caller_loses_the_conditional_update():  # AGR-9: exactly one wins anywhere
    agreement = one_time()
    stale = Agreement.objects.get(pk=agreement.pk)  # read before the customer answered
    agreement_accept(token=token_of(agreement))
    with pytest.raises(AgreementChanged), transaction.atomic():
        _transition(stale, to_status=S.NOT_ACCEPTED, role=Role.SYSTEM)
    agreement.refresh_from_db()
    assert agreement.status == S.COMPLETE
