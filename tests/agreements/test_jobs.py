"""Scheduled agreement jobs as services, tasks and management commands (AGR-9, AGR-14,
OPS-2): both sides of every boundary, dry runs, and running twice."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from agreements.models import Agreement, AgreementHistory
from agreements.services.actions import agreement_request_extension
from agreements.services.answers import INVITATION_EXPIRED, agreement_accept
from agreements.services.core import LinkRefused
from agreements.services.jobs import (
    SYSTEM_30_DAYS,
    SYSTEM_END_DATE,
    agreement_expire_ended,
    agreement_expire_pending,
)
from agreements.tasks import (
    agreement_expire_ended_task,
    agreement_expire_pending_task,
    agreement_reports_notify_ready_task,
)
from notifications.services import email_render

from .helpers import active_ongoing, emails, one_time, ongoing, third_party_admin, token_of

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
# In UTC: 30 days are 30 x 24 hours, also across the spring DST change (2026-03-08).
INVITED = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
DAY_30 = INVITED + timedelta(days=30, seconds=-1)
DAY_31 = INVITED + timedelta(days=30)
S = Agreement.Status


def status(agreement) -> str:
    agreement.refresh_from_db()
    return agreement.status


# --- AGR-9 invitations ---------------------------------------------------------------------------


def test_unanswered_invitation_is_pending_on_day_30_and_not_accepted_on_day_31():  # AGR-9
    with time_machine.travel(INVITED, tick=False):
        one, other = one_time(), ongoing()
    with time_machine.travel(DAY_30, tick=False):
        assert agreement_expire_pending().not_accepted == 0
    assert status(one) == S.PENDING
    with time_machine.travel(DAY_31, tick=False):
        summary = agreement_expire_pending()
    assert summary.not_accepted == 2
    assert (status(one), status(other)) == (S.NOT_ACCEPTED, S.NOT_ACCEPTED)
    last = AgreementHistory.objects.filter(agreement=one).last()
    assert (last.from_status, last.to_status, last.actor_label) == (
        S.PENDING,
        S.NOT_ACCEPTED,
        SYSTEM_30_DAYS,
    )


def test_expiry_job_is_safe_to_run_twice():  # OPS-2
    with time_machine.travel(INVITED, tick=False):
        agreement = one_time()
    with time_machine.travel(DAY_31, tick=False):
        assert agreement_expire_pending().not_accepted == 1
        assert agreement_expire_pending().not_accepted == 0
    assert AgreementHistory.objects.filter(agreement=agreement).count() == 2


def test_accept_after_the_job_says_expired_and_never_revives():  # AGR-9, seed BR 6, 8
    with time_machine.travel(INVITED, tick=False):
        agreement = one_time()
    with time_machine.travel(DAY_31, tick=False):
        agreement_expire_pending()
        with pytest.raises(LinkRefused) as refused:
            agreement_accept(token=token_of(agreement))
    assert str(refused.value) == INVITATION_EXPIRED
    assert status(agreement) == S.NOT_ACCEPTED


def test_job_leaves_an_agreement_answered_before_it_ran():  # AGR-9: accept wins if first
    with time_machine.travel(INVITED, tick=False):
        agreement = one_time()
    with time_machine.travel(DAY_30, tick=False):
        agreement_accept(token=token_of(agreement))
    with time_machine.travel(DAY_31, tick=False):
        assert agreement_expire_pending().not_accepted == 0
    assert status(agreement) == S.COMPLETE


def test_dry_run_counts_and_changes_nothing():  # OPS-2
    with time_machine.travel(INVITED, tick=False):
        agreement = one_time()
    out = StringIO()
    with time_machine.travel(DAY_31, tick=False):
        call_command("expire_pending_agreements", "--dry-run", stdout=out)
    assert "Would expire 1 invitation(s)" in out.getvalue()
    assert status(agreement) == S.PENDING
    out = StringIO()
    with time_machine.travel(DAY_31, tick=False):
        call_command("expire_pending_agreements", stdout=out)
    assert "Expired 1 invitation(s) to Not Accepted" in out.getvalue()
    assert status(agreement) == S.NOT_ACCEPTED


def test_expiry_task_calls_the_service():  # OPS-2
    with time_machine.travel(INVITED, tick=False):
        agreement = one_time()
    with time_machine.travel(DAY_31, tick=False):
        assert "Expired 1" in agreement_expire_pending_task()
    assert status(agreement) == S.NOT_ACCEPTED


def test_the_third_party_is_told_once_when_the_invitation_expires():  # AGR-9, NTF-3
    spanish = third_party_admin(language="es")
    with time_machine.travel(INVITED, tick=False):
        agreement, answered = one_time(), one_time()
        in_spanish = ongoing(user=spanish)
    with time_machine.travel(DAY_30, tick=False):
        agreement_accept(token=token_of(answered))
        agreement_expire_pending_task()
    assert emails("not_accepted") == []  # not before day 31
    with time_machine.travel(DAY_31, tick=False):
        agreement_expire_pending_task()
        agreement_expire_pending_task()  # a second run sends nothing more
    sent = {email.related_id: email for email in emails("not_accepted")}
    assert sent.keys() == {str(agreement.pk), str(in_spanish.pk)}
    notice, spanish_notice = sent[str(agreement.pk)], sent[str(in_spanish.pk)]
    assert notice.recipient == "james@green.example"
    assert notice.language == "en"
    message = email_render(notice)
    assert agreement.agreement_number in message.subject
    assert "Not Accepted" in message.body and "Chika Akin" in message.body
    assert "*" * 10 + agreement.premise.esiid[-7:] in message.body  # NTF-4
    assert spanish_notice.language == "es"
    assert "No aceptado" in email_render(spanish_notice).body


# --- AGR-14 extension requests -------------------------------------------------------------------


def test_unanswered_extension_returns_to_active_with_the_old_date_after_30_days():  # AGR-14
    with time_machine.travel(INVITED - timedelta(days=10), tick=False):
        agreement = active_ongoing(months=6)
    old_end = agreement.end_date
    with time_machine.travel(INVITED, tick=False):
        agreement_request_extension(
            agreement=agreement,
            user=agreement.initiated_by,
            new_end_date=old_end + timedelta(days=30),
        )
    with time_machine.travel(DAY_30, tick=False):
        assert agreement_expire_pending().extensions_lapsed == 0
    assert status(agreement) == S.EXTENSION_PENDING
    with time_machine.travel(DAY_31, tick=False):
        assert agreement_expire_pending().extensions_lapsed == 1
        with pytest.raises(LinkRefused):
            agreement_accept(token=token_of(agreement))
    agreement.refresh_from_db()
    assert (agreement.status, agreement.end_date) == (S.ACTIVE, old_end)
    assert agreement.requested_end_date is None
    assert emails("extension_answered")[-1].context["accepted"] is False


# --- AGR-14 end date -------------------------------------------------------------------------


def test_ongoing_agreement_is_in_force_through_its_end_date_and_expired_after():  # AGR-14
    with time_machine.travel(datetime(2026, 1, 15, 9, 0, tzinfo=CHICAGO), tick=False):
        agreement = active_ongoing(months=1)
    assert agreement.end_date == date(2026, 2, 15)
    with time_machine.travel(datetime(2026, 2, 15, 23, 59, tzinfo=CHICAGO), tick=False):
        assert agreement_expire_ended() == 0
    assert status(agreement) == S.ACTIVE
    with time_machine.travel(datetime(2026, 2, 16, 0, 1, tzinfo=CHICAGO), tick=False):
        assert agreement_expire_ended(dry_run=True) == 1
        assert status(agreement) == S.ACTIVE
        assert agreement_expire_ended() == 1
        assert agreement_expire_ended() == 0  # safe twice
    assert status(agreement) == S.EXPIRED
    last = AgreementHistory.objects.filter(agreement=agreement).last()
    assert last.actor_label == SYSTEM_END_DATE


def test_pending_extension_expires_with_the_end_date():  # AGR-14
    with time_machine.travel(datetime(2026, 1, 15, 9, 0, tzinfo=CHICAGO), tick=False):
        agreement = active_ongoing(months=1)
    with time_machine.travel(datetime(2026, 2, 10, 9, 0, tzinfo=CHICAGO), tick=False):
        agreement_request_extension(
            agreement=agreement, user=agreement.initiated_by, new_end_date=date(2026, 6, 1)
        )
    with time_machine.travel(datetime(2026, 2, 16, 0, 1, tzinfo=CHICAGO), tick=False):
        assert agreement_expire_ended_task() == 1
    assert status(agreement) == S.EXPIRED


def test_expire_ended_command_reports_what_it_did():  # OPS-2
    with time_machine.travel(datetime(2026, 1, 15, 9, 0, tzinfo=CHICAGO), tick=False):
        active_ongoing(months=1)
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=CHICAGO), tick=False):
        out = StringIO()
        call_command("expire_ended_agreements", "--dry-run", stdout=out)
        assert out.getvalue().strip() == "Would expire 1 agreement(s) past their end date."
        out = StringIO()
        call_command("expire_ended_agreements", stdout=out)
        assert out.getvalue().strip() == "Expired 1 agreement(s) past their end date."


def test_report_notice_task_runs():  # AGR-10
    assert agreement_reports_notify_ready_task() == 0


def test_beat_schedules_the_agreement_jobs(settings):  # OPS-2
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "agreements.tasks.agreement_expire_pending_task",
        "agreements.tasks.agreement_expire_ended_task",
        "agreements.tasks.agreement_reports_notify_ready_task",
    } <= tasks
