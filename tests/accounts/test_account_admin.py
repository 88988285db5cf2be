"""Django admin for accounts: status actions with the pages' rules and emails (OPS-1, SEC-7).
Companies and DUNS: tests/accounts/test_company_admin.py."""

import pytest
from django.urls import reverse

from accounts.models import StatusChange, User
from notifications.models import OutboundEmail
from tests.factories import UserFactory

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
