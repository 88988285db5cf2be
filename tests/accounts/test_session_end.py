"""A status change that ends access ends the sessions and API tokens it leaves behind at once,
and every request checks the access rule again (ACC-10, ACC-11, API-1)."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, Duns, DunsGrant, User
from accounts.services import LOCKOUT_FAILURES, users_end_access
from accounts.services.companies import (
    company_revoke,
    company_suspend,
    duns_remove,
    duns_revoke,
    duns_suspend,
)
from accounts.services.members import (
    REVOKE,
    SUSPEND,
    account_change_status_by_staff,
    member_change_status,
    member_update,
)
from tests.factories import (
    DEFAULT_PASSWORD,
    CustomerPremiseFactory,
    DunsFactory,
    MeterFactory,
    UserFactory,
)

# Real commits: sessions and tokens end when the status change commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rep_admin():
    """An Active REP admin whose company has a second DUNS, held by the admin only."""
    admin = UserFactory(rep_admin=True, username="rep.admin")
    DunsGrant.objects.create(user=admin, duns=DunsFactory(company=admin.company))
    return admin


@pytest.fixture
def rep(rep_admin):
    """An Active REP user holding one DUNS of the admin's company."""
    user = UserFactory(
        kind=User.Kind.REP, company=rep_admin.company, username="rep.user", with_active_duns=False
    )
    DunsGrant.objects.create(user=user, duns=rep_admin.company.duns_numbers.first())
    return user


@pytest.fixture
def staff():
    return UserFactory(smt_staff=True, username="smt.staff")


def signed_in(user) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return client


def api_token(user) -> str:
    response = Client().post(
        reverse("api:api_authenticate"),
        json.dumps({"username": user.username, "password": DEFAULT_PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()["token"]


def api_meters(token):
    return Client().post(
        reverse("api:api_meter"),
        json.dumps({"esiid": "*"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def sessions_of(user) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(user.pk))


@pytest.fixture
def rep_in_session(rep):
    """The REP user signed in on the web and holding an API token."""
    client, token = signed_in(rep), api_token(rep)
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert api_meters(token).status_code == 200
    assert sessions_of(rep) == 1
    return client, token


def assert_access_ended(user, client, token):
    # Ended when the change committed, before the next request comes.
    assert sessions_of(user) == 0
    assert not ApiToken.objects.filter(user=user).exists()
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 302
    assert page.url.startswith(reverse("accounts:login"))
    assert api_meters(token).status_code == 401


def assert_access_kept(user, client, token):
    assert sessions_of(user) == 1
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert api_meters(token).status_code == 200


# --- every change that ends access -----------------------------------------------------------


def test_an_admin_suspending_a_user_signs_them_out(rep, rep_admin, rep_in_session):  # ACC-10
    member_change_status(admin=rep_admin, user=rep, action=SUSPEND, comment="Left the team")
    assert_access_ended(rep, *rep_in_session)


def test_an_admin_revoking_a_user_signs_them_out(rep, rep_admin, rep_in_session):  # ACC-10
    member_change_status(admin=rep_admin, user=rep, action=REVOKE, comment="Left the company")
    assert_access_ended(rep, *rep_in_session)


def test_smt_staff_suspending_an_account_signs_it_out(rep, staff, rep_in_session):  # ACC-10
    account_change_status_by_staff(staff=staff, user=rep, action=SUSPEND, comment="Audit")
    assert_access_ended(rep, *rep_in_session)


def test_a_lockout_from_elsewhere_signs_the_user_out(rep, rep_in_session):  # ACC-10, ACC-11
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(LOCKOUT_FAILURES):
        elsewhere.post(reverse("accounts:login"), {"username": "rep.user", "password": "nope"})
    rep.refresh_from_db()
    assert rep.status == User.Status.LOCKED
    assert_access_ended(rep, *rep_in_session)


def test_suspending_the_company_signs_its_people_out(rep, staff, rep_in_session):  # ACC-8
    company_suspend(actor=staff, company=rep.company, comment="Unpaid fees")
    assert_access_ended(rep, *rep_in_session)


def test_revoking_the_company_signs_its_people_out(rep, staff, rep_in_session):  # ACC-8
    company_revoke(actor=staff, company=rep.company, comment="Out of business")
    assert_access_ended(rep, *rep_in_session)


def test_removing_the_users_last_duns_signs_them_out_and_no_one_else(
    rep, rep_admin, rep_in_session
):  # ACC-9, ACC-10
    admin_session = (signed_in(rep_admin), api_token(rep_admin))
    duns_remove(admin=rep_admin, duns=rep.duns_grants.get())
    assert_access_ended(rep, *rep_in_session)
    assert_access_kept(rep_admin, *admin_session)  # the admin still holds the other DUNS


def test_revoking_the_users_last_duns_signs_them_out(rep, staff, rep_in_session):  # ACC-9
    duns_revoke(actor=staff, duns=rep.duns_grants.get(), comment="Sold")
    rep.refresh_from_db()
    assert rep.status == User.Status.REVOKED
    assert_access_ended(rep, *rep_in_session)


def test_suspending_the_users_only_duns_signs_them_out(rep, staff, rep_in_session):  # ACC-10
    duns_suspend(actor=staff, duns=rep.duns_grants.get(), comment="TDSP request")
    assert_access_ended(rep, *rep_in_session)


def test_edit_user_leaving_no_active_duns_signs_them_out(
    rep, rep_admin, rep_in_session
):  # ACC-10, ACC-17
    pending = DunsFactory(company=rep.company, status=Duns.Status.PENDING)
    member_update(
        admin=rep_admin,
        user=rep,
        duns=[pending],
        energy_data=False,
        in_home_devices=False,
        is_company_admin=False,
    )
    assert_access_ended(rep, *rep_in_session)


# --- and what does not end it ---------------------------------------------------------------


def test_losing_one_of_two_active_duns_keeps_the_session(rep_admin, staff):  # ACC-10
    admin_session = (signed_in(rep_admin), api_token(rep_admin))
    duns_suspend(actor=staff, duns=rep_admin.duns_grants.first(), comment="TDSP request")
    assert_access_kept(rep_admin, *admin_session)


def test_a_colleague_suspended_leaves_the_others_signed_in(
    rep, rep_admin, rep_in_session
):  # ACC-10
    admin_session = (signed_in(rep_admin), api_token(rep_admin))
    member_change_status(admin=rep_admin, user=rep, action=SUSPEND, comment="Left the team")
    assert_access_kept(rep_admin, *admin_session)


def test_ending_access_leaves_accounts_that_may_still_sign_in(rep, rep_in_session):  # ACC-10
    assert users_end_access(user_ids=[rep.pk]) == []
    assert_access_kept(rep, *rep_in_session)


# --- the check on every request ------------------------------------------------------------


def test_a_change_made_behind_the_services_back_ends_the_next_request(
    rep, rep_in_session
):  # ACC-10
    client, token = rep_in_session
    User.objects.filter(pk=rep.pk).update(status=User.Status.SUSPENDED)
    page = client.get(reverse("accounts:profile"), follow=True)
    assert page.redirect_chain[0][0].startswith(reverse("accounts:login"))
    assert "Your account is not active." in page.content.decode()
    assert sessions_of(rep) == 0  # the session was flushed, not only ignored
    assert api_meters(token).status_code == 401


def test_a_csv_export_stops_with_the_suspension(staff):  # ACC-10, USG-10
    link = CustomerPremiseFactory(attached_at=timezone.now() - timedelta(days=10))
    MeterFactory(premise=link.premise)
    client = signed_in(link.customer)
    url = reverse("usage:usage_report_csv", args=[link.premise.esiid])
    day = (timezone.localdate() - timedelta(days=5)).isoformat()
    query = {
        "report_type": "interval",
        "view": "current",
        "start_date": day,
        "end_date": day,
    }
    assert client.get(url, query)["Content-Type"] == "text/csv"
    account_change_status_by_staff(staff=staff, user=link.customer, action=SUSPEND, comment="Abuse")
    response = client.get(url, query)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_access_check_costs_no_query_of_its_own(rep, rep_in_session, settings):  # ACC-10
    signed_in_client, _ = rep_in_session

    def profile_queries() -> int:
        client = Client()  # a new client loads the middleware settings say now
        client.cookies = signed_in_client.cookies
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("accounts:profile")).status_code == 200
        return len(queries)

    checked = profile_queries()
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "accounts.middleware.AccountAccessMiddleware"
    ]
    assert checked == profile_queries()
