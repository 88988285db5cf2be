"""Scheduled account jobs: 14-day deletions and the 13-month purge, as services, tasks and
management commands (ACC-7, ACC-8, ACC-9, ACC-21, OPS-2)."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Company, Duns, StatusChange, User
from accounts.services.jobs import (
    APPROVAL_DAYS,
    accounts_delete_unapproved,
    third_parties_purge_inactive,
)
from accounts.tasks import accounts_delete_unapproved_task, third_parties_purge_inactive_task
from notifications.models import OutboundEmail
from tests.factories import (
    CompanyFactory,
    CustomerPremiseFactory,
    DunsFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
# In UTC: 14 days are 14 × 24 hours even across the spring DST change (2026-03-08).
START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
JUST_BEFORE = START + timedelta(days=APPROVAL_DAYS) - timedelta(seconds=1)
ON_THE_DAY = START + timedelta(days=APPROVAL_DAYS)


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        return accounts_delete_unapproved()


def deleted_emails() -> list[str]:
    return sorted(
        OutboundEmail.objects.filter(template="accounts/deleted_after_14_days").values_list(
            "recipient", flat=True
        )
    )


def exists(obj) -> bool:
    return type(obj).objects.filter(pk=obj.pk).exists()


# --- ACC-7 accounts ----------------------------------------------------------------------------


@pytest.fixture
def company():
    company = CompanyFactory(kind=Company.Kind.THIRD_PARTY)
    DunsFactory(company=company)
    return company


def pending_request(company):
    return UserFactory(
        third_party=True,
        company=company,
        status=User.Status.PENDING,
        status_changed_at=START,
        with_active_duns=False,
    )


@pytest.mark.parametrize("moment, deleted", [(JUST_BEFORE, False), (ON_THE_DAY, True)])
def test_a_request_not_approved_in_14_days_is_deleted(company, moment, deleted):  # ACC-7
    request_user = pending_request(company)
    summary = run_at(moment)
    assert exists(request_user) is not deleted
    assert summary.accounts == int(deleted)
    assert deleted_emails() == ([request_user.email] if deleted else [])


@pytest.mark.parametrize("moment, deleted", [(JUST_BEFORE, False), (ON_THE_DAY, True)])
def test_an_approved_account_never_set_up_in_14_days_is_deleted(moment, deleted):  # ACC-7
    customer = UserFactory(status=User.Status.APPROVED, status_changed_at=START)
    link = CustomerPremiseFactory(customer=customer)
    run_at(moment)
    assert exists(customer) is not deleted
    # ACC-23: the meter is free for its real owner again.
    assert exists(link) is not deleted


def test_working_accounts_are_never_deleted(company):  # ACC-7
    long_ago = START - timedelta(days=400)
    kept = [
        UserFactory(status=status, status_changed_at=long_ago)
        for status in (User.Status.ACTIVE, User.Status.LOCKED, User.Status.SUSPENDED)
    ]
    run_at(ON_THE_DAY)
    assert all(exists(user) for user in kept)


def test_running_twice_deletes_and_emails_once(company):  # OPS-2
    pending_request(company)
    first = run_at(ON_THE_DAY)
    second = run_at(ON_THE_DAY + timedelta(hours=1))
    assert (first.accounts, second.accounts) == (1, 0)
    assert len(deleted_emails()) == 1


def test_the_deletion_is_kept_in_the_history(company):  # SEC-7
    request_user = pending_request(company)
    run_at(ON_THE_DAY)
    change = StatusChange.objects.get(subject_id=str(request_user.pk), to_status="deleted")
    assert change.actor_label == "system: 14-day rule"
    assert change.reason == "Not approved within 14 days."


def test_an_approval_just_before_the_run_saves_the_request(client, company):  # ACC-16
    request_user = pending_request(company)
    admin = UserFactory(third_party_admin=True, company=company)
    with time_machine.travel(ON_THE_DAY - timedelta(minutes=1), tick=False):
        client.force_login(admin)
        client.post(
            reverse("accounts:pending_approval"),
            {"accounts": [request_user.pk], "action": "approve"},
        )
    run_at(ON_THE_DAY)
    request_user.refresh_from_db()
    assert request_user.status == User.Status.APPROVED


# --- ACC-8 companies and ACC-9 DUNS ------------------------------------------------------------


def waiting_company(status):
    company = CompanyFactory(status=status, status_changed_at=START)
    duns = DunsFactory(company=company, status=Duns.Status.PENDING, status_changed_at=START)
    admin = UserFactory(
        rep_admin=True,
        company=company,
        status=User.Status.PENDING if status == Company.Status.PENDING else User.Status.APPROVED,
        status_changed_at=START,
        with_active_duns=False,
    )
    return company, duns, admin


@pytest.mark.parametrize("status", [Company.Status.PENDING, Company.Status.APPROVED])
@pytest.mark.parametrize("moment, deleted", [(JUST_BEFORE, False), (ON_THE_DAY, True)])
def test_a_company_waiting_14_days_goes_with_its_admin_and_duns(status, moment, deleted):  # ACC-8
    company, duns, admin = waiting_company(status)
    summary = run_at(moment)
    assert [exists(company), exists(duns), exists(admin)] == [not deleted] * 3
    assert (summary.companies, summary.accounts, summary.duns) == (int(deleted), 0, 0)
    assert deleted_emails() == ([admin.email] if deleted else [])


@pytest.mark.parametrize("moment, deleted", [(JUST_BEFORE, False), (ON_THE_DAY, True)])
def test_a_duns_not_approved_in_14_days_is_removed(moment, deleted):  # ACC-9
    admin = UserFactory(rep_admin=True)
    duns = DunsFactory(company=admin.company, status=Duns.Status.PENDING, status_changed_at=START)
    run_at(moment)
    assert exists(duns) is not deleted
    assert exists(admin)
    emails = OutboundEmail.objects.filter(template="accounts/duns_deleted_after_14_days")
    assert list(emails.values_list("recipient", flat=True)) == (
        [admin.company.email] if deleted else []
    )


# --- the command and the task ------------------------------------------------------------------


def test_the_command_has_a_dry_run_and_a_summary(company):  # OPS-2
    request_user = pending_request(company)
    out = StringIO()
    with time_machine.travel(ON_THE_DAY, tick=False):
        call_command("delete_unapproved_accounts", "--dry-run", stdout=out)
        assert exists(request_user)
        assert "Would delete 1 account(s), 0 company(ies), 0 DUNS number(s)." in out.getvalue()
        call_command("delete_unapproved_accounts", stdout=out)
    assert not exists(request_user)
    assert "Deleted 1 account(s)" in out.getvalue()


def test_the_beat_task_runs_the_job(company):  # OPS-2
    pending_request(company)
    with time_machine.travel(ON_THE_DAY, tick=False):
        assert accounts_delete_unapproved_task.delay().get() == (
            "Deleted 1 account(s), 0 company(ies), 0 DUNS number(s)."
        )


# --- ACC-21: 13 months -------------------------------------------------------------------------

LAST_SIGN_IN = datetime(2025, 1, 15, 12, 0, tzinfo=CHICAGO)
THIRTEEN_MONTHS_LATER = datetime(2026, 2, 15, 12, 0, tzinfo=CHICAGO)


def third_party_with_users(last_login=LAST_SIGN_IN):
    admin = UserFactory(third_party_admin=True, last_login=last_login)
    user = UserFactory(third_party=True, company=admin.company, last_login=None)
    return admin.company, admin, user


def purge_at(moment) -> int:
    with time_machine.travel(moment, tick=False):
        return third_parties_purge_inactive()


@pytest.mark.parametrize(
    "moment, purged",
    [
        (THIRTEEN_MONTHS_LATER - timedelta(days=1), False),
        (THIRTEEN_MONTHS_LATER, True),
    ],
)
def test_a_third_party_unused_for_13_months_is_purged(moment, purged):  # ACC-21
    company, admin, user = third_party_with_users()
    assert purge_at(moment) == int(purged)
    company.refresh_from_db()
    admin.refresh_from_db()
    user.refresh_from_db()
    assert (company.purged_at is not None) is purged
    expected = User.Status.REVOKED if purged else User.Status.ACTIVE
    assert admin.status == user.status == expected
    assert (company.status == Company.Status.REVOKED) is purged


def test_one_recent_sign_in_keeps_the_company(client):  # ACC-21
    company, admin, user = third_party_with_users()
    User.objects.filter(pk=user.pk).update(last_login=THIRTEEN_MONTHS_LATER - timedelta(days=3))
    assert purge_at(THIRTEEN_MONTHS_LATER) == 0


def test_rep_companies_are_never_purged():  # ACC-21 concerns 3rd parties only
    admin = UserFactory(rep_admin=True, last_login=LAST_SIGN_IN)
    assert purge_at(THIRTEEN_MONTHS_LATER) == 0
    admin.refresh_from_db()
    assert admin.status == User.Status.ACTIVE


def test_a_purged_company_leaves_the_lists_and_is_emailed_once(client):  # ACC-21
    company, _admin, _user = third_party_with_users()
    purge_at(THIRTEEN_MONTHS_LATER)
    purge_at(THIRTEEN_MONTHS_LATER + timedelta(days=1))
    emails = OutboundEmail.objects.filter(template="accounts/third_party_purged")
    assert list(emails.values_list("recipient", flat=True)) == [company.email]
    html = client.get(reverse("accounts:join_company", args=["third-party"])).content.decode()
    assert company.name not in html


def test_the_purge_command_and_task(client):  # OPS-2
    third_party_with_users()
    out = StringIO()
    with time_machine.travel(THIRTEEN_MONTHS_LATER, tick=False):
        call_command("purge_inactive_third_parties", "--dry-run", stdout=out)
        assert "Would purge 1 inactive 3rd-party company(ies)." in out.getvalue()
        assert third_parties_purge_inactive_task.delay().get() == 1
        call_command("purge_inactive_third_parties", stdout=out)
    assert "Purged 0 inactive 3rd-party company(ies)." in out.getvalue()
