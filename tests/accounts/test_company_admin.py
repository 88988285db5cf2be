"""SMT staff's company and DUNS actions in Django admin, and the services behind them
(ACC-8, ACC-9, ACC-10, OPS-1, SEC-7)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Company, Duns, DunsGrant, StatusChange, User
from accounts.services.companies import (
    CompanyActionRefused,
    company_reinstate,
    company_revoke,
    company_suspend,
    duns_reinstate,
    duns_revoke,
    duns_suspend,
)
from accounts.workflow import TransitionNotAllowed
from notifications.models import OutboundEmail
from notifications.services import email_render
from tests.factories import CompanyFactory, DunsFactory, UserFactory

pytestmark = pytest.mark.django_db

C = Company.Status
D = Duns.Status


@pytest.fixture
def staff():
    return UserFactory(smt_staff=True, username="smt.staff")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def run_action(client, model, action, objects, comment="Because"):
    """Post an admin action as the confirmation page does (apply + comment)."""
    response = client.post(
        reverse(f"admin:accounts_{model}_changelist"),
        {
            "action": action,
            "_selected_action": [o.pk for o in objects],
            "apply": "1",
            "comment": comment,
        },
        follow=True,
    )
    assert response.status_code == 200
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


# --- every company transition through the admin (ACC-8) --------------------------------------

COMPANY_ACTIONS = {
    # action: {from status: status after, or None when refused}
    "company_approve": {C.PENDING: C.APPROVED},
    "company_suspend": {C.ACTIVE: C.SUSPENDED},
    "company_reinstate": {C.SUSPENDED: C.ACTIVE},
    "company_revoke": {C.APPROVED: C.REVOKED, C.ACTIVE: C.REVOKED, C.SUSPENDED: C.REVOKED},
}


@pytest.mark.parametrize(
    "action, from_status, to_status",
    [
        (action, status, allowed.get(status))
        for action, allowed in COMPANY_ACTIONS.items()
        for status in C.values
    ],
)
def test_every_company_action_from_every_status(
    staff_client, action, from_status, to_status
):  # ACC-8, OPS-1
    company = CompanyFactory(name="Watt Watchers", status=from_status)
    messages = run_action(staff_client, "company", action, [company])
    company.refresh_from_db()
    if to_status:
        assert company.status == to_status
        assert [level for level, _ in messages] == ["success"]
        assert "1 done" in messages[0][1]
        history = StatusChange.objects.get(subject_label="Watt Watchers", to_status=to_status)
        assert history.actor.username == "smt.staff"
    else:
        assert company.status == from_status
        assert [level for level, _ in messages] == ["error"]
        assert messages[0][1].startswith("Watt Watchers: ")
        assert not StatusChange.objects.exists()


DUNS_ACTIONS = {
    "duns_approve": {D.PENDING: D.ACTIVE},
    "duns_suspend": {D.ACTIVE: D.SUSPENDED},
    "duns_reinstate": {D.SUSPENDED: D.ACTIVE},
    "duns_revoke": {D.ACTIVE: D.REVOKED, D.SUSPENDED: D.REVOKED},
}


@pytest.mark.parametrize(
    "action, from_status, to_status",
    [
        (action, status, allowed.get(status))
        for action, allowed in DUNS_ACTIONS.items()
        for status in D.values
    ],
)
def test_every_duns_action_from_every_status(
    staff_client, action, from_status, to_status
):  # ACC-9, OPS-1
    duns = DunsFactory(number="123456789", status=from_status)
    messages = run_action(staff_client, "duns", action, [duns])
    duns.refresh_from_db()
    if to_status:
        assert duns.status == to_status
        assert [level for level, _ in messages] == ["success"]
    else:
        assert duns.status == from_status
        assert [level for level, _ in messages] == ["error"]
        assert messages[0][1].startswith("123456789: ")


def test_reinstating_is_not_a_back_door_to_activation(staff_client):  # ACC-8, ACC-9
    company = CompanyFactory(status=C.APPROVED)
    duns = DunsFactory(status=D.PENDING)
    (level, text), *_ = run_action(staff_client, "company", "company_reinstate", [company])
    assert (level, "Only a suspended company can be reinstated.") == ("error", text.split(": ")[1])
    (level, text), *_ = run_action(staff_client, "duns", "duns_reinstate", [duns])
    assert "Only a suspended DUNS number can be reinstated." in text


def test_one_refusal_does_not_stop_the_other_rows(staff_client):  # OPS-1
    active, revoked = CompanyFactory(status=C.ACTIVE), CompanyFactory(status=C.REVOKED)
    messages = run_action(staff_client, "company", "company_suspend", [active, revoked])
    assert sorted(level for level, _ in messages) == ["error", "success"]
    active.refresh_from_db()
    assert active.status == C.SUSPENDED


def test_approving_a_pending_companys_duns_alone_is_refused(staff_client):  # ACC-1, ACC-9
    duns = DunsFactory(status=D.PENDING, company=CompanyFactory(status=C.PENDING))
    (level, text), *_ = run_action(staff_client, "duns", "duns_approve", [duns])
    assert level == "error" and "waits for approval itself" in text


@pytest.mark.parametrize(
    "model, action",
    [("company", "company_suspend"), ("company", "company_revoke")]
    + [("duns", "duns_suspend"), ("duns", "duns_revoke")],
)
def test_suspend_and_revoke_ask_for_the_comment_first(staff_client, model, action):  # OPS-1
    obj = CompanyFactory() if model == "company" else DunsFactory()
    response = staff_client.post(
        reverse(f"admin:accounts_{model}_changelist"),
        {"action": action, "_selected_action": [obj.pk]},
    )
    assert 'name="comment"' in response.content.decode()
    response = staff_client.post(
        reverse(f"admin:accounts_{model}_changelist"),
        {"action": action, "_selected_action": [obj.pk], "apply": "1", "comment": " "},
    )
    assert "A comment is required." in response.content.decode()
    obj.refresh_from_db()
    assert obj.status == "active"


# --- what follows from a company's or a DUNS's status (ACC-8, ACC-9, ACC-10) -----------------


def test_revoking_a_company_revokes_every_account_of_it(staff_client):  # ACC-8
    admin = UserFactory(rep_admin=True)
    company = admin.company
    others = [
        UserFactory(rep=True, company=company, status=status)
        for status in (User.Status.APPROVED, User.Status.LOCKED, User.Status.SUSPENDED)
    ]
    already = UserFactory(rep=True, company=company, status=User.Status.REVOKED)
    request = UserFactory(rep=True, company=company, status=User.Status.PENDING)
    bystander = UserFactory(rep=True)
    messages = run_action(staff_client, "company", "company_revoke", [company], comment="Closed")
    assert [level for level, _ in messages] == ["success"]
    for account in (admin, *others):
        account.refresh_from_db()
        assert account.status == User.Status.REVOKED
    for account, status in ((already, "revoked"), (request, "pending"), (bystander, "active")):
        account.refresh_from_db()
        assert account.status == status
    assert StatusChange.objects.filter(to_status="revoked").count() == 5  # company + 4
    email = OutboundEmail.objects.get(template="accounts/company_status_changed")
    assert (email.recipient, email.context["comment"]) == (company.email, "Closed")
    assert email.context["status"] == "revoked"


def test_a_suspended_company_cannot_sign_in_until_reinstated(client, staff):  # ACC-8, ACC-10
    admin = UserFactory(rep_admin=True)
    company_suspend(actor=staff, company=admin.company, comment="Unpaid")
    login = {"username": admin.username, "password": "Correct-Horse-42"}
    response = client.post(reverse("accounts:login"), login)
    assert "Your company&#x27;s account is not active." in response.content.decode()
    company_reinstate(actor=staff, company=admin.company)
    assert client.post(reverse("accounts:login"), login).status_code == 302
    admin.refresh_from_db()
    assert admin.status == User.Status.ACTIVE  # the accounts themselves were untouched
    assert OutboundEmail.objects.filter(template="accounts/company_status_changed").count() == 2


@pytest.mark.parametrize("language", ["en", "es"])
def test_only_the_revocation_email_says_every_account_was_revoked(staff, language):  # ACC-8
    company = CompanyFactory()
    company_suspend(actor=staff, company=company, comment="Unpaid")
    company_revoke(actor=staff, company=company, comment="Closed")
    emails = OutboundEmail.objects.filter(template="accounts/company_status_changed")
    emails.update(language=language)
    suspended, revoked = (email_render(e).body for e in emails.order_by("pk"))
    sentence = {
        "en": "Every account of the company has been revoked",
        "es": "Todas las cuentas de la compañía fueron revocadas",
    }[language]
    assert sentence not in suspended
    assert sentence in revoked


def test_revoking_a_duns_revokes_only_the_accounts_left_without_one(staff_client):  # ACC-9
    admin = UserFactory(rep_admin=True)
    company = admin.company
    revoked_duns = admin.duns_grants.get()
    second = DunsFactory(company=company)
    suspended = DunsFactory(company=company, status=D.SUSPENDED)
    both = UserFactory(rep=True, company=company, with_active_duns=False)
    with_suspended = UserFactory(rep=True, company=company, with_active_duns=False)
    other_only = UserFactory(rep=True, company=company, with_active_duns=False)
    for user, duns in (
        (both, revoked_duns),
        (both, second),
        (with_suspended, revoked_duns),
        (with_suspended, suspended),
        (other_only, second),
    ):
        DunsGrant.objects.create(user=user, duns=duns)
    messages = run_action(staff_client, "duns", "duns_revoke", [revoked_duns], comment="TDSP")
    assert [level for level, _ in messages] == ["success"]
    expected = {
        admin: User.Status.REVOKED,  # it was their only DUNS
        both: User.Status.ACTIVE,
        with_suspended: User.Status.ACTIVE,  # a suspended DUNS may come back
        other_only: User.Status.ACTIVE,
    }
    for user, status in expected.items():
        user.refresh_from_db()
        assert user.status == status, user
    email = OutboundEmail.objects.get(template="accounts/duns_status_changed")
    assert (email.recipient, email.context["comment"]) == (company.email, "TDSP")


def test_a_suspended_duns_stops_sign_in_when_it_was_the_only_one(client, staff):  # ACC-10
    admin = UserFactory(rep_admin=True)
    duns = admin.duns_grants.get()
    duns_suspend(actor=staff, duns=duns, comment="TDSP request")
    login = {"username": admin.username, "password": "Correct-Horse-42"}
    assert (
        "None of your DUNS numbers is active."
        in client.post(reverse("accounts:login"), login).content.decode()
    )
    duns_reinstate(actor=staff, duns=duns)
    assert client.post(reverse("accounts:login"), login).status_code == 302


@pytest.mark.parametrize(
    "service, target",
    [
        (company_suspend, "company"),
        (company_revoke, "company"),
        (duns_suspend, "duns"),
        (duns_revoke, "duns"),
    ],
)
def test_the_services_need_a_comment_to_suspend_or_revoke(staff, service, target):  # ACC-8
    obj = CompanyFactory() if target == "company" else DunsFactory()
    with pytest.raises(CompanyActionRefused):
        service(actor=staff, comment="", **{target: obj})
    obj.refresh_from_db()
    assert obj.status == "active"


def test_a_revoked_company_is_final(staff):  # ACC-8
    company = CompanyFactory()
    company_revoke(actor=staff, company=company, comment="Fraud")
    for service in (company_suspend, company_reinstate, company_revoke):
        with pytest.raises(TransitionNotAllowed):
            service(actor=staff, company=company, comment="Again")


# --- the admin forms (OPS-1) ---------------------------------------------------------------


def test_statuses_are_read_only_in_the_admin_forms(staff_client):  # OPS-1
    duns = DunsFactory()
    company_html = staff_client.get(
        reverse("admin:accounts_company_change", args=[duns.company.pk])
    ).content.decode()
    assert 'name="status"' not in company_html
    assert 'name="duns_numbers-0-status"' not in company_html
    assert duns.number in company_html
    duns_html = staff_client.get(
        reverse("admin:accounts_duns_change", args=[duns.pk])
    ).content.decode()
    assert 'name="status"' not in duns_html and 'name="number"' not in duns_html


def test_a_duns_is_not_deleted_from_the_admin(staff_client):  # ACC-9, OPS-1
    duns = DunsFactory()
    response = staff_client.get(reverse("admin:accounts_duns_delete", args=[duns.pk]))
    assert response.status_code == 403
    assert Duns.objects.filter(pk=duns.pk).exists()


def test_the_history_is_shown_on_the_company(staff_client, staff):  # SEC-7
    company = CompanyFactory()
    company_suspend(actor=staff, company=company, comment="Unpaid invoices")
    html = staff_client.get(
        reverse("admin:accounts_company_change", args=[company.pk])
    ).content.decode()
    assert "Unpaid invoices" in html
