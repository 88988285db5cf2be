"""TDSP Approvals: new companies and new DUNS numbers wait for a TDSP administrator
(ACC-1, ACC-6, ACC-8, ACC-9, ACC-10, ACC-19, NTF-2)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import SECURITY_QUESTIONS, Company, Duns, DunsGrant, StatusChange, User
from accounts.services.companies import (
    CompanyActionRefused,
    company_approve,
    company_decline,
    duns_approve,
    duns_decline,
)
from notifications.models import OutboundEmail
from notifications.services import email_render
from tests.accounts.test_companies import emails_to, register
from tests.factories import CompanyFactory, DunsFactory, UserFactory

pytestmark = pytest.mark.django_db

APPROVALS = reverse("accounts:tdsp_approvals")


@pytest.fixture
def tdsp_admin():
    return UserFactory(tdsp_admin=True, username="oncor.admin", email="admin@oncor.example")


@pytest.fixture
def pending_company(client, tdsp_admin):
    register(client, company={"duns_numbers": "987654321, 1234567890123"})
    client.logout()
    return Company.objects.get(name="Watt Watchers")


def decide_company(client, company, **data):
    url = reverse("accounts:tdsp_company_decide", args=[company.pk])
    return client.post(url, data, follow=True)


def decide_duns(client, duns, **data):
    url = reverse("accounts:tdsp_duns_decide", args=[duns.pk])
    return client.post(url, data, follow=True)


# --- who may see it ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [
        {"rep_admin": True},
        {"third_party_admin": True},
        {"rep": True},
        {"tdsp_admin": True, "is_company_admin": False},  # a TDSP user, not an admin
        {},  # a residential customer
    ],
)
def test_only_tdsp_admins_see_and_decide_approvals(client, pending_company, role):  # ACC-19
    duns = DunsFactory(status=Duns.Status.PENDING)
    client.force_login(UserFactory(**role))
    assert client.get(APPROVALS).status_code == 404
    url = reverse("accounts:tdsp_company_decide", args=[pending_company.pk])
    assert client.post(url, {"approve": "1"}).status_code == 404
    assert client.post(reverse("accounts:tdsp_duns_decide", args=[duns.pk])).status_code == 404
    pending_company.refresh_from_db()
    duns.refresh_from_db()
    assert (pending_company.status, duns.status) == ("pending", "pending")


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert reverse("accounts:login") in client.get(APPROVALS).url


def test_the_page_lists_pending_companies_and_new_duns_of_approved_ones(
    client, tdsp_admin, pending_company
):  # ACC-1, ACC-9
    new_duns = DunsFactory(number="555555555", status=Duns.Status.PENDING)
    DunsFactory(number="666666666")  # Active: nothing to decide
    CompanyFactory(name="Old Active Co")
    client.force_login(tdsp_admin)
    html = client.get(APPROVALS).content.decode()
    assert "Watt Watchers" in html and "1234567890123, 987654321" in html
    assert "Wendy Watts (wendy.watts)" in html
    assert "wendy@watt.example.com" in html
    assert new_duns.number in html and new_duns.company.name in html
    assert "666666666" not in html and "Old Active Co" not in html
    # The new company's own DUNS are decided with it, not listed on their own.
    assert html.count("987654321") == 1


def test_the_lists_are_paginated_with_few_queries(
    client, tdsp_admin, django_assert_max_num_queries
):  # ACC-20
    for n in range(30):
        company = CompanyFactory(status=Company.Status.PENDING)
        DunsFactory(company=company, status=Duns.Status.PENDING)
        UserFactory(
            rep_admin=True, company=company, status=User.Status.PENDING, with_active_duns=False
        )
        DunsFactory(number=f"{200000000 + n}", status=Duns.Status.PENDING)
    client.force_login(tdsp_admin)
    with django_assert_max_num_queries(12):
        html = client.get(APPROVALS).content.decode()
    assert "Page 1 of 2" in html
    assert "duns_page=2" in html
    html = client.get(APPROVALS, {"duns_page": 2}).content.decode()
    assert "200000029" in html and "200000000" not in html


# --- companies -------------------------------------------------------------------------------


def test_approving_a_company_sends_the_temporary_password(
    client, tdsp_admin, pending_company
):  # ACC-1, ACC-6
    client.force_login(tdsp_admin)
    response = decide_company(client, pending_company, approve="1")
    assert "Watt Watchers is approved" in response.content.decode()
    pending_company.refresh_from_db()
    admin = User.objects.get(username="wendy.watts")
    assert pending_company.status == Company.Status.APPROVED
    assert admin.status == User.Status.APPROVED and admin.must_change_password
    assert set(pending_company.duns_numbers.values_list("status", flat=True)) == {"active"}
    assert emails_to("accounts/temporary_password_approved") == ["wendy@watt.example.com"]
    assert StatusChange.objects.filter(
        subject_label="Watt Watchers", to_status="approved", actor=tdsp_admin
    ).exists()


def test_approving_twice_changes_and_sends_nothing_more(
    client, tdsp_admin, pending_company
):  # ACC-1
    client.force_login(tdsp_admin)
    decide_company(client, pending_company, approve="1")
    # A second click, or a second TDSP administrator.
    client.force_login(UserFactory(tdsp_admin=True))
    for data in ({"approve": "1"}, {"decline": "1", "comment": "Late"}):
        response = decide_company(client, pending_company, **data)
        assert response.status_code == 200
        assert "no longer waiting for approval" in response.content.decode()
    assert len(emails_to("accounts/temporary_password_approved")) == 1
    assert Company.objects.get(pk=pending_company.pk).status == Company.Status.APPROVED


def test_the_service_refuses_a_company_no_longer_pending(tdsp_admin, pending_company):  # ACC-1
    company_approve(actor=tdsp_admin, company=pending_company)
    with pytest.raises(CompanyActionRefused):
        company_approve(actor=tdsp_admin, company=pending_company)
    with pytest.raises(CompanyActionRefused):
        company_decline(actor=tdsp_admin, company=pending_company, comment="No")


@pytest.mark.django_db(transaction=True)
def test_the_first_log_in_makes_company_and_admin_active(client):  # ACC-1, ACC-6, ACC-8
    tdsp = UserFactory(tdsp_admin=True, email="admin@oncor.example")
    register(client)
    company = Company.objects.get(name="Watt Watchers")
    client.force_login(tdsp)
    decide_company(client, company, approve="1")
    client.logout()
    message = [m for m in mail.outbox if m.to == ["wendy@watt.example.com"]][-1]
    password = re.search(r"password:\s+(\S+)", message.body).group(1)

    response = client.post(
        reverse("accounts:login"), {"username": "WENDY.WATTS", "password": password}
    )
    assert response.status_code == 302
    new_password = "Watt-Watch-2026"
    client.post(
        reverse("accounts:set_up"),
        {
            "new_password1": new_password,
            "new_password2": new_password,
            "security_question": str(SECURITY_QUESTIONS[0]),
            "security_answer": "Sparky",
        },
    )
    company.refresh_from_db()
    admin = User.objects.get(username="wendy.watts")
    assert (company.status, admin.status) == ("active", "active")
    assert client.get(reverse("accounts:company_profile")).status_code == 200


def test_declining_needs_a_comment_shown_next_to_the_box(
    client, tdsp_admin, pending_company
):  # ACC-1
    client.force_login(tdsp_admin)
    url = reverse("accounts:tdsp_company_decide", args=[pending_company.pk])
    response = client.post(url, {"decline": "1", "comment": "   "})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="field-error-text"' in html
    assert "Enter a comment saying why you decline." in html
    assert "<details open>" in html
    assert Company.objects.filter(pk=pending_company.pk).exists()
    assert not OutboundEmail.objects.filter(template="accounts/company_declined").exists()


def test_declining_deletes_everything_and_emails_the_reason(
    client, tdsp_admin, pending_company
):  # ACC-1
    client.force_login(tdsp_admin)
    response = decide_company(client, pending_company, decline="1", comment="Unknown company")
    assert "Watt Watchers was declined and deleted." in response.content.decode()
    assert not Company.objects.filter(pk=pending_company.pk).exists()
    assert not User.objects.filter(username="wendy.watts").exists()
    assert not Duns.objects.filter(number__in=["987654321", "1234567890123"]).exists()
    assert not DunsGrant.objects.exists()
    email = OutboundEmail.objects.get(template="accounts/company_declined")
    assert (email.recipient, email.context["comment"]) == (
        "wendy@watt.example.com",
        "Unknown company",
    )
    history = StatusChange.objects.get(subject_label="Watt Watchers", to_status="declined")
    assert (history.from_status, history.reason, history.actor) == (
        "pending",
        "Unknown company",
        tdsp_admin,
    )
    # The name and DUNS numbers are free again for a corrected registration.
    client.logout()
    register(client, company={"duns_numbers": "987654321"})
    assert Company.objects.filter(name="Watt Watchers").exists()


def test_the_decline_service_needs_a_comment(tdsp_admin, pending_company):  # ACC-1
    with pytest.raises(CompanyActionRefused):
        company_decline(actor=tdsp_admin, company=pending_company, comment=" ")
    assert Company.objects.filter(pk=pending_company.pk).exists()


# --- DUNS numbers of approved companies ------------------------------------------------------


@pytest.fixture
def rep_admin():
    return UserFactory(rep_admin=True, username="rep.admin")


def test_approving_a_duns_grants_it_to_every_admin_not_to_users(
    client, rep_admin, tdsp_admin
):  # ACC-9, seed 003 §5.5
    second_admin = UserFactory(rep_admin=True, company=rep_admin.company)
    user = UserFactory(rep=True, company=rep_admin.company)
    duns = DunsFactory(company=rep_admin.company, status=Duns.Status.PENDING)
    client.force_login(tdsp_admin)
    response = decide_duns(client, duns, approve="1")
    assert f"DUNS {duns.number} is approved." in response.content.decode()
    duns.refresh_from_db()
    assert duns.status == Duns.Status.ACTIVE
    assert set(duns.granted_users.all()) == {rep_admin, second_admin}
    assert not DunsGrant.objects.filter(user=user, duns=duns).exists()
    email = OutboundEmail.objects.get(template="accounts/duns_decided")
    assert email.recipient == rep_admin.company.email and email.context["approved"]
    # Twice is harmless.
    response = decide_duns(client, duns, approve="1")
    assert "no longer waiting for approval" in response.content.decode()
    assert OutboundEmail.objects.filter(template="accounts/duns_decided").count() == 1
    with pytest.raises(CompanyActionRefused):
        duns_approve(actor=tdsp_admin, duns=duns)


def test_declining_a_duns_needs_a_reason_then_removes_it(client, rep_admin, tdsp_admin):  # ACC-9
    duns = DunsFactory(company=rep_admin.company, status=Duns.Status.PENDING)
    client.force_login(tdsp_admin)
    html = client.post(
        reverse("accounts:tdsp_duns_decide", args=[duns.pk]), {"decline": "1", "comment": ""}
    ).content.decode()
    assert "Enter a comment saying why you decline." in html
    assert Duns.objects.filter(pk=duns.pk).exists()
    decide_duns(client, duns, decline="1", comment="Not ERCOT")
    assert not Duns.objects.filter(pk=duns.pk).exists()
    email = OutboundEmail.objects.get(template="accounts/duns_decided")
    assert not email.context["approved"] and email.context["comment"] == "Not ERCOT"
    assert email.recipient == rep_admin.company.email
    assert StatusChange.objects.filter(subject_label=duns.number, to_status="declined").exists()


def test_a_new_companys_duns_is_decided_with_the_company(
    client, tdsp_admin, pending_company
):  # ACC-1, ACC-9
    duns = pending_company.duns_numbers.first()
    client.force_login(tdsp_admin)
    response = decide_duns(client, duns, decline="1", comment="Sneaky")
    assert "no longer waiting for approval" in response.content.decode()
    assert Duns.objects.filter(pk=duns.pk).exists()
    with pytest.raises(CompanyActionRefused):
        duns_decline(actor=tdsp_admin, duns=duns, comment="Sneaky")
    with pytest.raises(CompanyActionRefused):
        duns_approve(actor=tdsp_admin, duns=duns)


def test_an_approved_duns_lets_the_admin_in_again(client, tdsp_admin):  # ACC-10
    admin = UserFactory(rep_admin=True, with_active_duns=False)
    duns = DunsFactory(company=admin.company, status=Duns.Status.PENDING)
    DunsGrant.objects.create(user=admin, duns=duns)
    client.force_login(tdsp_admin)
    decide_duns(client, duns, approve="1")
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": admin.username, "password": "Correct-Horse-42"}
    )
    assert response.status_code == 302


# --- the emails (NTF-1, NTF-2) ---------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_company_email_renders_in_both_languages(
    client, tdsp_admin, pending_company, rep_admin, language
):  # NTF-1, NTF-2
    client.force_login(tdsp_admin)
    decide_company(client, pending_company, decline="1", comment="Unknown company")
    for number, data in (("555555555", {"approve": "1"}), ("666666666", {"decline": "1"})):
        duns = DunsFactory(number=number, company=rep_admin.company, status=Duns.Status.PENDING)
        decide_duns(client, duns, comment="Not ERCOT", **data)
    templates = {
        "accounts/company_registration_received": "Watt Watchers",
        "accounts/company_awaiting_approval": "987654321",
        "accounts/company_declined": "Unknown company",
        "accounts/duns_decided": "555555555",
    }
    for template, expected in templates.items():
        for email in OutboundEmail.objects.filter(template=template):
            email.language = language
            message = email_render(email)
            assert expected in message.body or "666666666" in message.body
            assert message.subject and "{%" not in message.body
    spanish = OutboundEmail.objects.get(template="accounts/company_declined")
    spanish.language = "es"
    assert "rechazó" in email_render(spanish).body
