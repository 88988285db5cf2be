"""Requests to join a company, Pending Approval, Manage Users and the admin count
(ACC-2, ACC-16, ACC-17, ACC-18, ACC-19, ACC-20, SEC-1)."""

import pytest
from django.urls import reverse

from accounts.models import Company, DunsGrant, StatusChange, User
from accounts.services.members import MAX_ADMINS
from notifications.models import OutboundEmail
from smt.lib.listing import LIST_DIRECTLY_MAX, SHOW_ALL_MAX
from tests.factories import CompanyFactory, DunsFactory, UserFactory

pytestmark = pytest.mark.django_db

JOIN_DETAILS = {
    "first_name": "Ana",
    "last_name": "Lopez",
    "phone": "512-555-0101",
    "email": "ana@example.com",
    "email2": "ana@example.com",
    "user_id": "ana.lopez",
    "terms": "on",
}


def emails_to(template: str) -> list[str]:
    return sorted(
        OutboundEmail.objects.filter(template=template).values_list("recipient", flat=True)
    )


@pytest.fixture
def admin():
    """An Active 3rd-party admin whose company has two DUNS."""
    user = UserFactory(third_party_admin=True, username="tp.admin", email="tp.admin@example.com")
    DunsFactory(company=user.company)
    return user


def pending_request(company, **fields):
    return UserFactory(
        kind=company.kind,
        company=company,
        status=User.Status.PENDING,
        with_active_duns=False,
        **fields,
    )


def member(company, **fields):
    user = UserFactory(kind=company.kind, company=company, with_active_duns=False, **fields)
    DunsGrant.objects.create(user=user, duns=company.duns_numbers.first())
    return user


# --- ACC-2: find a company and ask to join ---------------------------------------------------


def test_company_finder_lists_only_active_companies_of_the_kind(client):  # ACC-2, ACC-8
    CompanyFactory(name="Bright Data", kind=Company.Kind.THIRD_PARTY)
    CompanyFactory(name="Pending Data", kind=Company.Kind.THIRD_PARTY, status="pending")
    CompanyFactory(name="Suspended Data", kind=Company.Kind.THIRD_PARTY, status="suspended")
    CompanyFactory(name="Power REP", kind=Company.Kind.REP)
    html = client.get(reverse("accounts:join_company", args=["third-party"])).content.decode()
    assert "Bright Data" in html
    assert "Pending Data" not in html and "Suspended Data" not in html and "Power REP" not in html


def _companies(count, kind=Company.Kind.REP):
    Company.objects.bulk_create(
        Company(
            kind=kind,
            name=f"Retailer {n:04d}",
            status=Company.Status.ACTIVE,
            address1="1 Main",
            city="Austin",
            zip_code="78701",
            phone="1",
            email=f"r{n}@example.com",
        )
        for n in range(count)
    )


@pytest.mark.parametrize(
    "count, shows_list, show_all",
    [
        (LIST_DIRECTLY_MAX, True, False),
        (LIST_DIRECTLY_MAX + 1, False, True),
        (SHOW_ALL_MAX, False, True),
        (SHOW_ALL_MAX + 1, False, False),
    ],
)
def test_finder_follows_the_25_and_500_rule(client, count, shows_list, show_all):  # ACC-20
    _companies(count)
    html = client.get(reverse("accounts:join_company", args=["rep"])).content.decode()
    assert ("Retailer 0000" in html) is shows_list
    assert ("show_all=1" in html) is show_all


def test_show_all_is_refused_above_500(client):  # ACC-20
    _companies(SHOW_ALL_MAX + 1)
    html = client.get(reverse("accounts:join_company", args=["rep"]) + "?show_all=1")
    assert "Retailer 0000" not in html.content.decode()


def test_show_all_lists_up_to_500_a_page_at_a_time(client):  # ACC-20
    _companies(SHOW_ALL_MAX)
    html = client.get(reverse("accounts:join_company", args=["rep"]) + "?show_all=1").content
    assert b"Retailer 0000" in html and b"Retailer 0025" not in html
    assert b"Page 1 of 20" in html


@pytest.mark.parametrize(
    "name, found",
    [
        ("Re*", ["Retailer 0000", "Retailer 0024"]),  # begins with (first page)
        ("*30", ["Retailer 0030"]),  # ends with
        ("R*030", ["Retailer 0030"]),  # begins and ends with
        ("retailer 0030", ["Retailer 0030"]),  # exact, not case sensitive
    ],
)
def test_finder_wildcards(client, name, found):  # ACC-20
    _companies(40)
    url = reverse("accounts:join_company", args=["rep"])
    html = client.get(url, {"search": "1", "name": name}).content.decode()
    for company in found:
        assert company in html
    if len(found) == 1:
        assert "Retailer 0001" not in html


@pytest.mark.parametrize(
    "name, message",
    [
        ("R*", "at least 2 other characters"),
        ("R*t*r", "only use one wildcard"),
    ],
)
def test_finder_refuses_bad_wildcards_with_the_rule(client, name, message):  # ACC-20
    _companies(30)
    url = reverse("accounts:join_company", args=["rep"])
    html = client.get(url, {"search": "1", "name": name}).content.decode()
    assert message in html
    assert "Retailer 0000" not in html


def test_wildcard_with_exactly_two_other_characters_is_accepted(client):  # ACC-20
    _companies(30)
    html = client.get(
        reverse("accounts:join_company", args=["rep"]), {"search": "1", "name": "Re*"}
    ).content.decode()
    assert "Retailer 0000" in html


def test_letter_index_lists_companies_starting_with_the_letter(client):  # ACC-2
    _companies(30)
    CompanyFactory(name="Zeta Power", kind=Company.Kind.REP)
    html = client.get(reverse("accounts:join_company", args=["rep"]), {"letter": "Z"}).content
    assert b"Zeta Power" in html and b"Retailer 0000" not in html


def test_choosing_a_company_and_role_opens_the_details_form(client):  # ACC-2
    company = CompanyFactory(kind=Company.Kind.REP)
    url = reverse("accounts:join_company", args=["rep"])
    response = client.get(url, {"company": company.pk, "role": "user"})
    assert response.url == reverse("accounts:join_company_form", args=["rep", company.pk, "user"])


def test_choosing_a_role_without_a_company_says_so(client):  # ACC-2
    CompanyFactory(kind=Company.Kind.REP)
    response = client.get(reverse("accounts:join_company", args=["rep"]), {"role": "admin"})
    assert "Select the company you want to join." in response.content.decode()


def test_request_waits_in_the_queue_and_notifies_company_and_admins(client, admin):  # ACC-2
    other_admin = UserFactory(
        third_party_admin=True, company=admin.company, email="second@example.com"
    )
    url = reverse("accounts:join_company_form", args=["third-party", admin.company.pk, "user"])
    response = client.post(url, JOIN_DETAILS)
    assert "has been sent to its administrators" in response.content.decode()
    user = User.objects.get(username="ana.lopez")
    assert (user.status, user.company, user.is_company_admin) == ("pending", admin.company, False)
    assert not user.has_usable_password()
    assert emails_to("accounts/access_requested") == ["ana@example.com"]
    assert emails_to("accounts/access_request_pending") == sorted(
        [admin.company.email, admin.email, other_admin.email]
    )


def test_request_form_keeps_what_was_typed_on_an_error(client, admin):  # ACC-2
    url = reverse("accounts:join_company_form", args=["third-party", admin.company.pk, "admin"])
    html = client.post(url, {**JOIN_DETAILS, "email2": "other@example.com"}).content.decode()
    assert "The two email addresses do not match." in html
    assert 'value="ana.lopez"' in html and 'value="Lopez"' in html
    assert not User.objects.filter(username="ana.lopez").exists()


def test_only_active_companies_accept_requests(client):  # ACC-8
    company = CompanyFactory(kind=Company.Kind.REP, status=Company.Status.APPROVED)
    url = reverse("accounts:join_company_form", args=["rep", company.pk, "user"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("admins, accepted", [(MAX_ADMINS - 1, True), (MAX_ADMINS, False)])
def test_admin_request_needs_room_for_another_admin(client, admins, accepted):  # ACC-18
    company = CompanyFactory(kind=Company.Kind.REP)
    DunsFactory(company=company)
    for _n in range(admins):
        member(company, is_company_admin=True)
    url = reverse("accounts:join_company_form", args=["rep", company.pk, "admin"])
    html = client.post(url, JOIN_DETAILS).content.decode()
    assert User.objects.filter(username="ana.lopez").exists() is accepted
    assert ("already has 4 administrators" in html) is not accepted


# --- ACC-16: Pending Approval ------------------------------------------------------------------


def test_users_and_other_roles_cannot_open_pending_approval(client, admin):  # ACC-19
    for user in (member(admin.company), UserFactory(), UserFactory(rep=True)):
        client.force_login(user)
        assert client.get(reverse("accounts:pending_approval")).status_code == 404


def test_bulk_approve_gives_every_duns_no_permissions_and_a_temporary_password(
    client, admin
):  # ACC-16, ACC-6
    first = pending_request(admin.company, username="first.req")
    second = pending_request(admin.company, username="second.req")
    client.force_login(admin)
    response = client.post(
        reverse("accounts:pending_approval"),
        {"accounts": [first.pk, second.pk], "action": "approve"},
        follow=True,
    )
    assert "Approved: first.req, second.req" in response.content.decode()
    for user in (first, second):
        user.refresh_from_db()
        assert user.status == User.Status.APPROVED
        assert set(user.duns_grants.all()) == set(admin.company.duns_numbers.all())
        assert not user.can_energy_data and not user.can_in_home_devices
    assert emails_to("accounts/temporary_password_approved") == sorted([first.email, second.email])
    assert StatusChange.objects.filter(subject_id=str(first.pk), to_status="approved").exists()


def test_decline_needs_a_comment(client, admin):  # ACC-16
    request_user = pending_request(admin.company)
    client.force_login(admin)
    html = client.post(
        reverse("accounts:pending_approval"),
        {"accounts": [request_user.pk], "action": "decline", "comment": " "},
    ).content.decode()
    assert "Enter a comment" in html
    assert User.objects.filter(pk=request_user.pk).exists()


def test_bulk_decline_deletes_the_requests_and_emails_the_comment(client, admin):  # ACC-16
    first, second = pending_request(admin.company), pending_request(admin.company)
    client.force_login(admin)
    client.post(
        reverse("accounts:pending_approval"),
        {"accounts": [first.pk, second.pk], "action": "decline", "comment": "Not our staff"},
    )
    assert not User.objects.filter(pk__in=[first.pk, second.pk]).exists()
    declined = OutboundEmail.objects.filter(template="accounts/access_declined")
    assert sorted(declined.values_list("recipient", flat=True)) == sorted(
        [first.email, second.email]
    )
    assert all(email.context["comment"] == "Not our staff" for email in declined)
    assert StatusChange.objects.filter(subject_id=str(first.pk), to_status="declined").exists()


def test_edit_permissions_is_for_one_request_at_a_time(client, admin):  # ACC-16
    first, second = pending_request(admin.company), pending_request(admin.company)
    client.force_login(admin)
    url = reverse("accounts:pending_approval")
    html = client.post(url, {"accounts": [first.pk, second.pk], "action": "edit"}).content
    assert b"Select exactly one account to edit." in html
    response = client.post(url, {"accounts": [first.pk], "action": "edit"})
    assert response.url == reverse("accounts:pending_edit", args=[first.pk])


def test_edit_permissions_approves_with_the_chosen_access_and_comment(client, admin):  # ACC-16
    request_user = pending_request(admin.company)
    chosen = admin.company.duns_numbers.order_by("number").last()
    client.force_login(admin)
    client.post(
        reverse("accounts:pending_edit", args=[request_user.pk]),
        {
            "duns": [chosen.pk],
            "can_energy_data": "on",
            "decision": "approve",
            "comment": "Welcome aboard",
        },
    )
    request_user.refresh_from_db()
    assert request_user.status == User.Status.APPROVED
    assert list(request_user.duns_grants.all()) == [chosen]
    assert request_user.can_energy_data and not request_user.can_in_home_devices
    email = OutboundEmail.objects.get(template="accounts/temporary_password_approved")
    assert email.context["comment"] == "Welcome aboard"


def test_approving_needs_at_least_one_duns(client, admin):  # ACC-16
    request_user = pending_request(admin.company)
    client.force_login(admin)
    html = client.post(
        reverse("accounts:pending_edit", args=[request_user.pk]), {"decision": "approve"}
    ).content.decode()
    assert "Select at least one DUNS number." in html
    request_user.refresh_from_db()
    assert request_user.status == User.Status.PENDING


def test_another_companys_request_is_not_found(client, admin):  # SEC-1
    stranger = pending_request(CompanyFactory(kind=Company.Kind.THIRD_PARTY))
    client.force_login(admin)
    assert client.get(reverse("accounts:pending_edit", args=[stranger.pk])).status_code == 404
    client.post(
        reverse("accounts:pending_approval"), {"accounts": [stranger.pk], "action": "approve"}
    )
    stranger.refresh_from_db()
    assert stranger.status == User.Status.PENDING


def test_a_request_handled_by_another_admin_is_reported_not_redone(client, admin):  # ACC-16
    request_user = pending_request(admin.company)
    second_admin = UserFactory(third_party_admin=True, company=admin.company)
    client.force_login(second_admin)
    duns = admin.company.duns_numbers.first()
    client.post(
        reverse("accounts:pending_edit", args=[request_user.pk]),
        {"decision": "approve", "duns": [duns.pk]},
    )
    client.force_login(admin)
    # The first admin's stale page still posts the same request.
    response = client.post(
        reverse("accounts:pending_approval"), {"accounts": [request_user.pk], "action": "approve"}
    )
    assert response.status_code == 200  # no longer in the queue: a form error, nothing done
    assert (
        OutboundEmail.objects.filter(template="accounts/temporary_password_approved").count() == 1
    )


@pytest.mark.parametrize("admins, approved", [(MAX_ADMINS - 1, True), (MAX_ADMINS, False)])
def test_an_admin_request_is_approved_only_while_there_is_room(client, admins, approved):
    # ACC-18: at most 4 administrators.
    company = CompanyFactory(kind=Company.Kind.REP)
    DunsFactory(company=company)
    acting = member(company, is_company_admin=True)
    for _n in range(admins - 1):
        member(company, is_company_admin=True)
    request_user = pending_request(company, is_company_admin=True)
    client.force_login(acting)
    response = client.post(
        reverse("accounts:pending_approval"),
        {"accounts": [request_user.pk], "action": "approve"},
        follow=True,
    )
    request_user.refresh_from_db()
    assert (request_user.status == User.Status.APPROVED) is approved
    assert ("already has 4 administrators" in response.content.decode()) is not approved


# --- ACC-17: Manage Users ----------------------------------------------------------------------


def test_manage_users_lists_up_to_25_accounts_directly(client, admin):  # ACC-17, ACC-20
    for n in range(LIST_DIRECTLY_MAX - 1):
        member(admin.company, last_name=f"Member{n:02d}")
    pending_request(admin.company, last_name="Waiting")
    client.force_login(admin)
    html = client.get(reverse("accounts:manage_users")).content.decode()
    assert "Member00" in html and "Member23" in html
    assert "Waiting" not in html  # requests live in Pending Approval
    assert "show_all=1" not in html


def test_manage_users_above_25_shows_the_search_screen(client, admin):  # ACC-20
    for n in range(LIST_DIRECTLY_MAX):
        member(admin.company, last_name=f"Member{n:02d}")
    client.force_login(admin)
    html = client.get(reverse("accounts:manage_users")).content.decode()
    assert "Member00" not in html
    assert "There are 26 entries" in html and "show_all=1" in html


def test_manage_users_help_names_the_acc_20_limits(client, admin):  # ACC-20
    client.force_login(admin)
    html = client.get(reverse("accounts:manage_users")).content.decode()
    assert f"With more than {LIST_DIRECTLY_MAX} accounts" in html
    assert f"Show All (up to {SHOW_ALL_MAX})" in html


def test_manage_users_search_by_fields_duns_and_status(client, admin):  # ACC-17
    other_duns = admin.company.duns_numbers.order_by("number").last()
    for n in range(LIST_DIRECTLY_MAX):
        member(admin.company, last_name=f"Member{n:02d}", first_name="Pat")
    target = member(admin.company, last_name="Quintero", first_name="Rosa")
    DunsGrant.objects.create(user=target, duns=other_duns)
    suspended = member(admin.company, last_name="Quiroga", status=User.Status.SUSPENDED)
    client.force_login(admin)
    url = reverse("accounts:manage_users")

    def search(**criteria):
        return client.get(url, {"search": "1", **criteria}).content.decode()

    html = search(last_name="Qu*")
    assert "Quintero" in html and "Quiroga" in html and "Member00" not in html
    html = search(last_name="Qu*", status="suspended")
    assert "Quiroga" in html and "Quintero" not in html
    html = search(duns=[other_duns.pk])
    assert "Quintero" in html and "Member00" not in html
    html = search(first_name="rosa, nobody")
    assert "Quintero" in html and "Quiroga" not in html
    html = search(letter="Q")
    assert "Quintero" in html and "Quiroga" in html and "Member00" not in html
    assert suspended.pk


def test_search_takes_100_values_but_not_101(client, admin):  # ACC-20
    for n in range(LIST_DIRECTLY_MAX + 1):
        member(admin.company, username=f"member{n:03d}")
    client.force_login(admin)
    url = reverse("accounts:manage_users")
    hundred = ",".join(f"member{n:03d}" for n in range(100))
    html = client.get(url, {"search": "1", "user_id": hundred}).content.decode()
    assert "26 entries match your search" in html
    html = client.get(url, {"search": "1", "user_id": hundred + ",extra"}).content.decode()
    assert "at most 100 values" in html


def test_wildcard_cannot_be_mixed_with_other_values(client, admin):  # ACC-20
    for _n in range(LIST_DIRECTLY_MAX + 1):
        member(admin.company)
    client.force_login(admin)
    html = client.get(
        reverse("accounts:manage_users"), {"search": "1", "user_id": "mem*, other"}
    ).content.decode()
    assert "cannot be combined with other values" in html


def test_manage_users_queries_do_not_grow_with_the_rows(
    client, admin, django_assert_max_num_queries
):  # ACC-20
    for _n in range(LIST_DIRECTLY_MAX - 1):
        member(admin.company)
    client.force_login(admin)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("accounts:manage_users") + "?sort=-user_id")
    assert response.status_code == 200


def test_columns_sort_both_ways(client, admin):  # ACC-20
    member(admin.company, last_name="Aaron")
    member(admin.company, last_name="Zimmer")
    client.force_login(admin)
    url = reverse("accounts:manage_users")
    html = client.get(url, {"sort": "last_name"}).content.decode()
    assert html.index("Aaron") < html.index("Zimmer")
    html = client.get(url, {"sort": "-last_name"}).content.decode()
    assert html.index("Zimmer") < html.index("Aaron")


def test_bulk_suspend_needs_a_comment_and_emails_each_owner(client, admin):  # ACC-17
    first, second = member(admin.company), member(admin.company)
    client.force_login(admin)
    url = reverse("accounts:manage_users")
    client.post(url, {"accounts": [first.pk], "action": "suspend", "comment": ""})
    first.refresh_from_db()
    assert first.status == User.Status.ACTIVE
    client.post(url, {"accounts": [first.pk, second.pk], "action": "suspend", "comment": "Audit"})
    for user in (first, second):
        user.refresh_from_db()
        assert user.status == User.Status.SUSPENDED
    emails = OutboundEmail.objects.filter(template="accounts/status_changed")
    assert sorted(emails.values_list("recipient", flat=True)) == sorted([first.email, second.email])
    assert all(email.context["reason"] == "Audit" for email in emails)


def test_reinstate_only_brings_back_suspended_accounts(client, admin):  # ACC-17
    active = member(admin.company, username="still.active")
    suspended = member(admin.company, status=User.Status.SUSPENDED)
    client.force_login(admin)
    response = client.post(
        reverse("accounts:manage_users"),
        {"accounts": [active.pk, suspended.pk], "action": "reinstate"},
        follow=True,
    )
    suspended.refresh_from_db()
    assert suspended.status == User.Status.ACTIVE
    assert "still.active cannot be reinstated: the account is Active." in response.content.decode()


def test_revoke_is_final(client, admin):  # ACC-7, ACC-17
    user = member(admin.company)
    client.force_login(admin)
    url = reverse("accounts:manage_users")
    client.post(url, {"accounts": [user.pk], "action": "revoke", "comment": "Left"})
    client.post(url, {"accounts": [user.pk], "action": "reinstate"})
    user.refresh_from_db()
    assert user.status == User.Status.REVOKED
    html = client.get(reverse("accounts:user_edit", args=[user.pk])).content.decode()
    assert "Revoked accounts cannot be changed." in html and "Save Account" not in html
    response = client.post(reverse("accounts:user_edit", args=[user.pk]), {}, follow=True)
    assert "Revoked accounts cannot be changed." in response.content.decode()


def test_an_admin_cannot_suspend_themselves(client, admin):  # ACC-18
    client.force_login(admin)
    response = client.post(
        reverse("accounts:manage_users"),
        {"accounts": [admin.pk], "action": "suspend", "comment": "oops"},
        follow=True,
    )
    admin.refresh_from_db()
    assert admin.status == User.Status.ACTIVE
    assert "You cannot suspend or revoke your own account." in response.content.decode()


def test_another_companys_account_is_not_found(client, admin):  # SEC-1
    stranger = UserFactory(third_party=True)
    client.force_login(admin)
    assert client.get(reverse("accounts:user_edit", args=[stranger.pk])).status_code == 404
    client.post(
        reverse("accounts:manage_users"),
        {"accounts": [stranger.pk], "action": "revoke", "comment": "x"},
    )
    stranger.refresh_from_db()
    assert stranger.status == User.Status.ACTIVE


def test_users_cannot_manage_users(client, admin):  # ACC-19
    client.force_login(member(admin.company))
    assert client.get(reverse("accounts:manage_users")).status_code == 404
    assert client.get(reverse("accounts:user_edit", args=[admin.pk])).status_code == 404


# --- ACC-17 Edit User ---------------------------------------------------------------------------


def test_edit_user_offers_only_the_valid_status_actions(client, admin):  # ACC-17
    suspended = member(admin.company, status=User.Status.SUSPENDED)
    active = member(admin.company)
    client.force_login(admin)
    html = client.get(reverse("accounts:user_edit", args=[suspended.pk])).content.decode()
    assert 'value="reinstate"' in html and 'value="revoke"' in html
    assert 'value="suspend"' not in html
    html = client.get(reverse("accounts:user_edit", args=[active.pk])).content.decode()
    assert 'value="suspend"' in html and 'value="reinstate"' not in html


def test_edit_user_changes_access_and_emails_the_owner(client, admin):  # ACC-17
    user = member(admin.company)
    duns = list(admin.company.duns_numbers.order_by("number"))
    client.force_login(admin)
    client.post(
        reverse("accounts:user_edit", args=[user.pk]),
        {"duns": [d.pk for d in duns], "can_in_home_devices": "on", "comment": "New project"},
    )
    user.refresh_from_db()
    assert set(user.duns_grants.all()) == set(duns)
    assert user.can_in_home_devices and not user.can_energy_data
    email = OutboundEmail.objects.get(template="accounts/access_changed")
    assert email.recipient == user.email and email.context["comment"] == "New project"
    assert email.context["duns_numbers"] == [d.number for d in duns]


def test_edit_user_needs_a_duns_and_a_comment_to_suspend(client, admin):  # ACC-17
    user = member(admin.company)
    client.force_login(admin)
    html = client.post(
        reverse("accounts:user_edit", args=[user.pk]), {"action": "suspend"}
    ).content.decode()
    assert "Select at least one DUNS number." in html
    assert "Enter a comment for the account owner." in html
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE


def test_edit_user_suspends_with_one_status_email(client, admin):  # ACC-17
    user = member(admin.company)
    client.force_login(admin)
    client.post(
        reverse("accounts:user_edit", args=[user.pk]),
        {"duns": [user.duns_grants.get().pk], "action": "suspend", "comment": "Audit"},
    )
    user.refresh_from_db()
    assert user.status == User.Status.SUSPENDED
    assert OutboundEmail.objects.filter(recipient=user.email).count() == 1


@pytest.mark.parametrize("admins, allowed", [(MAX_ADMINS - 1, True), (MAX_ADMINS, False)])
def test_making_an_administrator_respects_the_maximum_of_4(client, admins, allowed):  # ACC-18
    company = CompanyFactory(kind=Company.Kind.REP)
    DunsFactory(company=company)
    acting = member(company, is_company_admin=True)
    for _n in range(admins - 1):
        member(company, is_company_admin=True)
    user = member(company)
    client.force_login(acting)
    html = client.post(
        reverse("accounts:user_edit", args=[user.pk]),
        {"duns": [user.duns_grants.get().pk], "is_company_admin": "on"},
    ).content.decode()
    user.refresh_from_db()
    assert user.is_company_admin is allowed
    assert ("already has 4 administrators" in html) is not allowed


def test_a_company_keeps_at_least_one_administrator(client, admin):  # ACC-18
    other = member(admin.company, is_company_admin=True)
    client.force_login(other)
    # The other admin may remove the first one's role while they remain...
    client.post(
        reverse("accounts:user_edit", args=[admin.pk]),
        {"duns": [admin.duns_grants.first().pk]},
    )
    admin.refresh_from_db()
    assert not admin.is_company_admin
    # ...but not their own: then nobody would be left.
    html = client.post(
        reverse("accounts:user_edit", args=[other.pk]), {"duns": [other.duns_grants.first().pk]}
    ).content.decode()
    other.refresh_from_db()
    assert other.is_company_admin
    assert "Another administrator must remove your own role." in html


S = User.Status
# ACC-17 / seed 003 §5.4: which bulk action fits which status.
ACTION_TABLE = [
    ("suspend", S.ACTIVE, True),
    ("suspend", S.LOCKED, True),
    ("suspend", S.APPROVED, False),
    ("suspend", S.SUSPENDED, False),
    ("suspend", S.REVOKED, False),
    ("reinstate", S.SUSPENDED, True),
    ("reinstate", S.ACTIVE, False),
    ("reinstate", S.LOCKED, False),
    ("reinstate", S.APPROVED, False),
    ("reinstate", S.REVOKED, False),
    ("revoke", S.APPROVED, True),
    ("revoke", S.ACTIVE, True),
    ("revoke", S.LOCKED, True),
    ("revoke", S.SUSPENDED, True),
    ("revoke", S.REVOKED, False),
]
TARGETS = {"suspend": S.SUSPENDED, "reinstate": S.ACTIVE, "revoke": S.REVOKED}


@pytest.mark.parametrize("action, status, allowed", ACTION_TABLE)
def test_every_status_action_is_allowed_or_refused_by_the_table(
    client, admin, action, status, allowed
):  # ACC-7, ACC-17
    user = member(admin.company, status=status)
    client.force_login(admin)
    response = client.post(
        reverse("accounts:manage_users"),
        {"accounts": [user.pk], "action": action, "comment": "Reason"},
        follow=True,
    )
    user.refresh_from_db()
    assert user.status == (TARGETS[action] if allowed else status)
    assert ("cannot be" in response.content.decode()) is not allowed
