"""Django admin for accounts: status actions with the pages' rules and emails (OPS-1, SEC-7)."""

import pytest
from django.urls import reverse

from accounts.models import Company, DunsGrant, StatusChange, User
from notifications.models import OutboundEmail
from tests.factories import CompanyFactory, DunsFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_user_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(smt_staff=True))
    return client


def run_action(client, action, users, **extra):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [u.pk for u in users], **extra},
        follow=True,
    )


def test_suspend_asks_for_a_comment_first(staff_client):  # OPS-1, ACC-17
    user = UserFactory(rep=True)
    response = run_action(staff_client, "account_suspend", [user])
    assert 'name="comment"' in response.content.decode()
    response = run_action(staff_client, "account_suspend", [user], apply="1", comment="")
    assert "A comment is required." in response.content.decode()
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE


def test_suspend_with_a_comment_changes_status_emails_and_records_history(
    staff_client,
):  # OPS-1, SEC-7
    user = UserFactory(rep=True)
    run_action(staff_client, "account_suspend", [user], apply="1", comment="Fraud check")
    user.refresh_from_db()
    assert user.status == User.Status.SUSPENDED
    email = OutboundEmail.objects.get(template="accounts/status_changed")
    assert (email.recipient, email.context["reason"]) == (user.email, "Fraud check")
    change = StatusChange.objects.get(subject_id=str(user.pk), to_status="suspended")
    assert change.reason == "Fraud check" and change.actor.is_staff
    html = staff_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content
    assert b"Fraud check" in html  # the history inline


def test_refused_actions_are_reported_per_account(staff_client):  # OPS-1, ACC-7
    active = UserFactory(username="still.active")
    suspended = UserFactory(status=User.Status.SUSPENDED)
    response = run_action(staff_client, "account_reinstate", [active, suspended], apply="1")
    html = response.content.decode()
    assert "still.active cannot be reinstated: the account is Active." in html
    assert "1 done" in html
    suspended.refresh_from_db()
    assert suspended.status == User.Status.ACTIVE


def test_status_cannot_be_edited_directly(staff_client):  # OPS-1
    user = UserFactory()
    html = staff_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content
    assert b'name="status"' not in html


# --- companies and DUNS (ACC-8, ACC-9) ---------------------------------------------------------


def run_model_action(client, model, action, objects, **extra):
    return client.post(
        reverse(f"admin:accounts_{model}_changelist"),
        {"action": action, "_selected_action": [o.pk for o in objects], **extra},
        follow=True,
    )


def test_revoking_a_company_revokes_all_its_accounts(staff_client):  # ACC-8, OPS-1
    admin = UserFactory(rep_admin=True)
    user = UserFactory(rep=True, company=admin.company)
    company = admin.company
    run_model_action(
        staff_client, "company", "company_revoke", [company], apply="1", comment="Closed"
    )
    company.refresh_from_db()
    assert company.status == Company.Status.REVOKED
    for account in (admin, user):
        account.refresh_from_db()
        assert account.status == User.Status.REVOKED
    email = OutboundEmail.objects.get(template="accounts/company_status_changed")
    assert (email.recipient, email.context["comment"]) == (company.email, "Closed")


def test_a_revoked_company_cannot_be_reinstated(staff_client):  # ACC-8
    company = CompanyFactory(status=Company.Status.REVOKED)
    response = run_model_action(staff_client, "company", "company_reinstate", [company], apply="1")
    assert "cannot go from revoked to active" in response.content.decode()
    company.refresh_from_db()
    assert company.status == Company.Status.REVOKED


def test_approving_a_pending_company_from_admin(staff_client):  # ACC-1, OPS-1
    company = CompanyFactory(status=Company.Status.PENDING)
    admin = UserFactory(
        rep_admin=True, company=company, status=User.Status.PENDING, with_active_duns=False
    )
    run_model_action(staff_client, "company", "company_approve", [company], apply="1")
    admin.refresh_from_db()
    assert admin.status == User.Status.APPROVED
    assert OutboundEmail.objects.filter(template="accounts/temporary_password_approved").exists()


def test_revoking_a_duns_revokes_accounts_left_without_one(staff_client):  # ACC-9
    admin = UserFactory(rep_admin=True)
    only_duns = admin.duns_grants.get()
    second = DunsFactory(company=admin.company)
    both = UserFactory(rep=True, company=admin.company, with_active_duns=False)
    DunsGrant.objects.create(user=both, duns=only_duns)
    DunsGrant.objects.create(user=both, duns=second)
    run_model_action(staff_client, "duns", "duns_revoke", [only_duns], apply="1", comment="TDSP")
    admin.refresh_from_db()
    both.refresh_from_db()
    assert admin.status == User.Status.REVOKED
    assert both.status == User.Status.ACTIVE


def test_suspending_a_duns_needs_a_comment(staff_client):  # ACC-9, OPS-1
    duns = DunsFactory()
    response = run_model_action(staff_client, "duns", "duns_suspend", [duns], apply="1")
    assert "A comment is required." in response.content.decode()
    run_model_action(staff_client, "duns", "duns_suspend", [duns], apply="1", comment="TDSP")
    duns.refresh_from_db()
    assert duns.status == "suspended"
