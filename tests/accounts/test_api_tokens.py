"""Personal tokens of the 3rd-party API (API-2, BEY-5): the service's rules, and My Profile /
API Tokens, where a user makes and revokes them and a company admin revokes the company's
users' tokens (SEC-1, SEC-3, ACC-19). The POST endpoints are also in
tests/smt/test_post_endpoints.py."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Company, PersonalApiToken, User
from accounts.services.api_tokens import (
    ACTIVE_TOKENS_MAX,
    LAST_USED_EVERY,
    TokenRefused,
    company_tokens_for_admin,
    personal_token_create,
    personal_token_revoke,
    personal_token_user,
    personal_tokens_of,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKENS = reverse("accounts:profile_api_tokens")
NOW = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)  # 9:00 AM in Chicago (CST)
LIVE_SECRET = re.compile(r"smt_live_[A-Za-z0-9_-]{43}")
TEST_SECRET = re.compile(r"smt_test_[A-Za-z0-9_-]{43}")


def revoke_url(token: PersonalApiToken) -> str:
    return reverse("accounts:profile_api_token_revoke", args=[token.pk])


def colleague_of(user: User, **fields) -> User:
    """Another user of the same company, able to sign in (their own Active DUNS, ACC-10)."""
    return UserFactory(kind=user.kind, company=user.company, **fields)


@pytest.fixture
def admin():
    return UserFactory(third_party_admin=True)


@pytest.fixture
def member(admin):
    return colleague_of(admin)


# --- the service: making a token ----------------------------------------------------------


@pytest.mark.parametrize("traits", [{"rep": True}, {"third_party": True}, {"rep_admin": True}])
def test_rep_and_third_party_users_get_a_live_token_shown_once(traits):  # API-2
    user = UserFactory(**traits)
    token, secret = personal_token_create(user=user, name="  Billing   system ")
    assert LIVE_SECRET.fullmatch(secret)
    assert (token.user, token.name, token.sandbox) == (user, "Billing system", False)
    assert token.shown_prefix == secret[:13]
    assert token.is_active and token.last_used_at is None


def test_a_sandbox_token_says_so_in_its_prefix():  # BEY-5
    _token, secret = personal_token_create(
        user=UserFactory(third_party=True), name="Tests", sandbox=True
    )
    assert TEST_SECRET.fullmatch(secret)


def test_only_the_hash_of_the_secret_is_stored():  # API-2
    token, secret = personal_token_create(user=UserFactory(third_party=True), name="Billing")
    row = PersonalApiToken.objects.filter(pk=token.pk).values().get()
    assert row["key_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in row.values())


def test_two_tokens_never_share_a_secret():
    user = UserFactory(third_party=True)
    secrets = {personal_token_create(user=user, name=f"t{n}")[1] for n in range(5)}
    assert len(secrets) == 5


@pytest.mark.parametrize("name", ["", "   ", None])
def test_a_blank_name_is_refused_on_the_name(name):  # API-2
    with pytest.raises(TokenRefused) as refused:
        personal_token_create(user=UserFactory(third_party=True), name=name)
    assert refused.value.field == "name"
    assert "Name the token" in str(refused.value)
    assert not PersonalApiToken.objects.exists()


def test_a_name_of_60_characters_is_kept_61_are_refused_with_the_count():  # API-2
    user = UserFactory(third_party=True)
    token, _secret = personal_token_create(user=user, name="n" * 60)
    assert token.name == "n" * 60
    with pytest.raises(TokenRefused) as refused:
        personal_token_create(user=user, name="m" * 61)
    assert refused.value.field == "name"
    assert str(refused.value) == "The name is 61 characters long; the limit is 60."


def test_an_active_name_is_refused_again_until_that_token_is_revoked():  # API-2
    user = UserFactory(third_party=True)
    first, _secret = personal_token_create(user=user, name="Billing")
    with pytest.raises(TokenRefused) as refused:
        personal_token_create(user=user, name="Billing")
    assert refused.value.field == "name"
    assert str(refused.value) == "You already have an active token named “Billing”."
    personal_token_revoke(actor=user, token=first)
    second, _secret = personal_token_create(user=user, name="Billing")
    assert second.is_active
    assert user.personal_api_tokens.count() == 2


def test_another_user_may_use_the_same_name(admin, member):
    personal_token_create(user=admin, name="Billing")
    personal_token_create(user=member, name="Billing")
    assert PersonalApiToken.objects.filter(name="Billing").count() == 2


def test_the_eleventh_active_token_is_refused_and_a_revoked_one_frees_a_place():  # API-2
    user = UserFactory(third_party=True)
    tokens = [personal_token_create(user=user, name=f"System {n}")[0] for n in range(10)]
    assert ACTIVE_TOKENS_MAX == 10
    with pytest.raises(TokenRefused) as refused:
        personal_token_create(user=user, name="System 11")
    assert str(refused.value) == "You have 10 active tokens, the most allowed; revoke one first."
    assert refused.value.field is None
    personal_token_revoke(actor=user, token=tokens[0])
    personal_token_create(user=user, name="System 11")
    assert user.personal_api_tokens.filter(revoked_at=None).count() == 10


@pytest.mark.parametrize(
    "user",
    [
        pytest.param(lambda: UserFactory(), id="residential customer"),
        pytest.param(lambda: UserFactory(business=True), id="business customer"),
        pytest.param(lambda: UserFactory(tdsp_admin=True), id="TDSP admin"),
        pytest.param(lambda: UserFactory(smt_staff=True), id="SMT staff"),
        pytest.param(
            lambda: UserFactory(kind=User.Kind.THIRD_PARTY, with_active_duns=False),
            id="3rd party without a company",
        ),
    ],
)
def test_users_the_api_does_not_serve_are_refused(user):  # API-2
    with pytest.raises(TokenRefused, match="API tokens are for REP and 3rd-party users."):
        personal_token_create(user=user(), name="Billing")
    assert not PersonalApiToken.objects.exists()


# --- the service: revoking and listing ----------------------------------------------------


def test_the_owner_revokes_and_revoking_again_keeps_the_first_time(admin, member):
    token, _secret = personal_token_create(user=member, name="Billing")
    with time_machine.travel(NOW, tick=False):
        personal_token_revoke(actor=member, token=token)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        personal_token_revoke(actor=admin, token=token)
    token.refresh_from_db()
    assert (token.revoked_at, token.revoked_by) == (NOW, member)


def test_an_admin_of_the_same_company_revokes_a_users_token(admin, member):
    token, _secret = personal_token_create(user=member, name="Billing")
    personal_token_revoke(actor=admin, token=token)
    token.refresh_from_db()
    assert token.revoked_by == admin and not token.is_active


@pytest.mark.parametrize(
    "actor",
    [
        pytest.param(lambda admin: UserFactory(third_party_admin=True), id="another company"),
        pytest.param(lambda admin: colleague_of(admin), id="a plain user of the company"),
    ],
)
def test_nobody_else_may_revoke_a_token(admin, member, actor):  # SEC-1
    token, _secret = personal_token_create(user=member, name="Billing")
    with pytest.raises(TokenRefused, match="You cannot revoke this token."):
        personal_token_revoke(actor=actor(admin), token=token)
    token.refresh_from_db()
    assert token.is_active


def test_a_users_list_has_their_own_tokens_active_first(admin, member):
    old, _secret = personal_token_create(user=member, name="Old")
    personal_token_revoke(actor=member, token=old)
    new, _secret = personal_token_create(user=member, name="New")
    personal_token_create(user=admin, name="The admin's")
    assert list(personal_tokens_of(user=member)) == [new, old]


def test_an_admin_sees_the_active_tokens_of_the_companys_other_users(admin, member):
    active, _secret = personal_token_create(user=member, name="Active")
    revoked, _secret = personal_token_create(user=member, name="Revoked")
    personal_token_revoke(actor=member, token=revoked)
    personal_token_create(user=admin, name="The admin's own")
    personal_token_create(user=UserFactory(third_party=True), name="Another company's")
    assert list(company_tokens_for_admin(admin=admin)) == [active]
    assert list(company_tokens_for_admin(admin=member)) == []


# --- the service: a secret on a call ------------------------------------------------------


def test_a_live_secret_gives_its_user_and_token():  # API-2
    user = UserFactory(third_party=True)
    token, secret = personal_token_create(user=user, name="Billing")
    assert personal_token_user(secret) == (user, token)


def _suspend_company(user: User) -> None:
    Company.objects.filter(pk=user.company_id).update(status=Company.Status.SUSPENDED)


def _lock(user: User) -> None:
    User.objects.filter(pk=user.pk).update(status=User.Status.LOCKED)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda user, token, secret: "", id="empty"),
        pytest.param(lambda user, token, secret: secret[:-1] + "x", id="unknown"),
        pytest.param(lambda user, token, secret: secret[9:], id="without its prefix"),
        pytest.param(
            lambda user, token, secret: personal_token_revoke(actor=user, token=token) and secret,
            id="revoked",
        ),
        pytest.param(lambda user, token, secret: _lock(user) or secret, id="locked user"),
        pytest.param(
            lambda user, token, secret: _suspend_company(user) or secret, id="suspended company"
        ),
    ],
)
def test_a_secret_that_may_not_act_gives_nobody(spoil):  # API-2, ACC-10, ACC-11
    user = UserFactory(third_party=True)
    token, secret = personal_token_create(user=user, name="Billing")
    assert personal_token_user(spoil(user, token, secret)) is None
    token.refresh_from_db()
    assert token.last_used_at is None


def test_last_used_is_written_at_most_once_a_minute():  # API-2
    token, secret = personal_token_create(user=UserFactory(third_party=True), name="Billing")
    with time_machine.travel(NOW, tick=False) as traveller:
        personal_token_user(secret)
        token.refresh_from_db()
        assert token.last_used_at == NOW
        traveller.shift(LAST_USED_EVERY - timedelta(seconds=1))
        personal_token_user(secret)
        token.refresh_from_db()
        assert token.last_used_at == NOW
        traveller.shift(timedelta(seconds=1))
        personal_token_user(secret)
        token.refresh_from_db()
        assert token.last_used_at == NOW + LAST_USED_EVERY


# --- My Profile / API Tokens: making one --------------------------------------------------


def test_a_new_token_is_shown_once_with_an_example(client):  # API-2
    user = UserFactory(third_party=True)
    client.force_login(user)
    response = client.post(TOKENS, {"name": "Billing system"})
    assert response.status_code == 200
    html = response.content.decode()
    (secret,) = set(LIVE_SECRET.findall(html))
    assert f"<code>{secret}</code>" in html
    assert "it will not be shown again" in html
    assert f'curl -H "Authorization: Bearer {secret}" http://testserver/tp-api/v1/me' in html
    assert "no-store" in response["Cache-Control"]
    token = user.personal_api_tokens.get()
    assert (token.name, token.sandbox) == ("Billing system", False)
    # Nowhere to find it again: not on the page, not in the session.
    again = client.get(TOKENS).content.decode()
    assert secret not in again
    assert f"{token.shown_prefix}…" in again
    assert secret not in str(dict(client.session.items()))


def test_a_sandbox_token_is_made_from_the_checkbox(client):  # BEY-5
    user = UserFactory(rep=True)
    client.force_login(user)
    html = client.post(TOKENS, {"name": "Tests", "sandbox": "on"}).content.decode()
    assert TEST_SECRET.search(html)
    assert "Sandbox (test data only)" in html
    assert user.personal_api_tokens.get().sandbox


def test_the_form_explains_the_sandbox_checkbox(client):
    client.force_login(UserFactory(third_party=True))
    html = client.get(TOKENS).content.decode()
    assert "Sandbox token" in html
    assert "For test data only" in html


def test_a_refused_name_shows_the_message_on_the_field(client):  # API-2
    user = UserFactory(third_party=True)
    personal_token_create(user=user, name="Billing")
    client.force_login(user)
    response = client.post(TOKENS, {"name": "Billing"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'id="id_name_error">You already have an active token named “Billing”.<', html)
    assert not LIVE_SECRET.search(html)
    assert user.personal_api_tokens.count() == 1


def test_a_blank_name_is_refused_by_the_form(client):
    user = UserFactory(third_party=True)
    client.force_login(user)
    response = client.post(TOKENS, {"name": "  "})
    assert 'id="id_name_error"' in response.content.decode()
    assert not user.personal_api_tokens.exists()


def test_the_eleventh_token_is_refused_above_the_form(client):  # API-2
    user = UserFactory(third_party=True)
    for n in range(ACTIVE_TOKENS_MAX):
        personal_token_create(user=user, name=f"System {n}")
    client.force_login(user)
    response = client.post(TOKENS, {"name": "One more"})
    assert "You have 10 active tokens, the most allowed; revoke one first." in (
        response.content.decode()
    )
    assert user.personal_api_tokens.count() == ACTIVE_TOKENS_MAX


# --- My Profile / API Tokens: the list ----------------------------------------------------


def test_with_no_tokens_the_page_says_so(client):
    client.force_login(UserFactory(third_party=True))
    html = client.get(TOKENS).content.decode()
    assert "You have no API tokens yet." in html
    assert "Your company's users' tokens" not in html


def test_the_list_shows_each_token_by_its_prefix_never_its_secret(client, admin, member):
    with time_machine.travel(NOW, tick=False):
        live, live_secret = personal_token_create(user=member, name="Billing")
        test, test_secret = personal_token_create(user=member, name="Tests", sandbox=True)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        personal_token_user(live_secret)
        personal_token_revoke(actor=admin, token=test)
    client.force_login(member)
    html = client.get(TOKENS).content.decode()
    assert live_secret not in html and test_secret not in html
    assert live.key_hash not in html
    assert f"<code>{live.shown_prefix}…</code>" in html
    assert f"<code>{test.shown_prefix}…</code>" in html
    assert "01/15/2026 9:00 AM" in html  # created, in America/Chicago
    assert "01/15/2026 10:00 AM" in html  # last used
    assert f"01/15/2026 10:00 AM by {admin.username}" in html  # revoked
    assert ">Live<" in html and ">Sandbox<" in html
    assert ">Never<" in html  # the sandbox token was never used
    assert ">Active<" in html and ">Revoked<" in html
    # A revoked token has no Revoke button.
    assert revoke_url(live) in html and revoke_url(test) not in html


def test_the_list_stays_at_a_few_queries(client, admin, django_assert_max_num_queries):
    for n in range(5):
        token, _secret = personal_token_create(user=admin, name=f"Own {n}")
        personal_token_revoke(actor=admin, token=token)
        personal_token_create(user=colleague_of(admin), name=f"Theirs {n}")
    client.force_login(admin)
    with django_assert_max_num_queries(6):
        response = client.get(TOKENS)
    assert response.content.decode().count('<td data-label="Name">Theirs ') == 5


def test_a_company_admin_sees_the_other_users_active_tokens(client, admin, member):
    token, _secret = personal_token_create(user=member, name="Member's billing")
    revoked, _secret = personal_token_create(user=member, name="Member's old one")
    personal_token_revoke(actor=member, token=revoked)
    personal_token_create(user=UserFactory(third_party=True), name="Another company's")
    client.force_login(admin)
    html = client.get(TOKENS).content.decode()
    assert "Your company's users' tokens" in html
    assert member.username in html and "Member&#x27;s billing" in html
    assert f"<code>{token.shown_prefix}…</code>" in html
    assert revoke_url(token) in html
    assert "Member&#x27;s old one" not in html
    assert "Another company" not in html


def test_a_company_admin_with_no_users_tokens_sees_the_empty_text(client, admin):
    client.force_login(admin)
    html = client.get(TOKENS).content.decode()
    assert "No other user of your company has an active API token." in html


def test_a_user_without_admin_rights_sees_only_their_own_tokens(client, admin, member):
    personal_token_create(user=member, name="Mine")
    theirs, _secret = personal_token_create(user=admin, name="The admin's")
    client.force_login(member)
    html = client.get(TOKENS).content.decode()
    assert "Mine" in html
    assert "The admin&#x27;s" not in html and theirs.shown_prefix not in html
    assert "Your company's users' tokens" not in html


# --- My Profile / API Tokens: revoking ----------------------------------------------------


def test_the_owner_confirms_then_revokes(client, member):
    token, secret = personal_token_create(user=member, name="Billing")
    client.force_login(member)
    page = client.get(revoke_url(token))
    assert page.status_code == 200
    assert "Revoke your token “Billing”" in page.content.decode()
    token.refresh_from_db()
    assert token.is_active  # GET changes nothing
    response = client.post(revoke_url(token))
    assert response.status_code == 302 and response.url == TOKENS
    token.refresh_from_db()
    assert token.revoked_by == member and not token.is_active
    assert personal_token_user(secret) is None
    html = client.get(TOKENS).content.decode()
    assert f"The token “Billing” of {member.username} has been revoked" in html


def test_a_company_admin_revokes_a_users_token(client, admin, member):
    token, secret = personal_token_create(user=member, name="Billing")
    client.force_login(admin)
    page = client.get(revoke_url(token)).content.decode()
    assert f"Revoke the token “Billing” ({token.shown_prefix}…) of {member.username}?" in page
    assert client.post(revoke_url(token)).status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == admin
    assert personal_token_user(secret) is None


def test_a_revoked_token_goes_back_to_the_list(client, member):
    token, _secret = personal_token_create(user=member, name="Billing")
    personal_token_revoke(actor=member, token=token)
    client.force_login(member)
    response = client.get(revoke_url(token), follow=True)
    assert response.redirect_chain == [(TOKENS, 302)]
    assert "This token has already been revoked." in response.content.decode()


@pytest.mark.parametrize(
    "outsider",
    [
        pytest.param(lambda admin: UserFactory(third_party_admin=True), id="another admin"),
        pytest.param(lambda admin: UserFactory(third_party=True), id="another company's user"),
        pytest.param(lambda admin: colleague_of(admin), id="a plain user of the company"),
        pytest.param(lambda admin: UserFactory(rep_admin=True), id="a REP admin"),
    ],
)
def test_anyone_else_gets_a_404_and_nothing_changes(client, admin, member, outsider):  # SEC-1
    token, secret = personal_token_create(user=member, name="Billing")
    client.force_login(outsider(admin))
    assert client.get(revoke_url(token)).status_code == 404
    assert client.post(revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.is_active
    assert personal_token_user(secret) == (member, token)


def test_an_admin_cannot_reach_a_users_token_already_revoked(client, admin, member):  # SEC-1
    token, _secret = personal_token_create(user=member, name="Billing")
    personal_token_revoke(actor=member, token=token)
    client.force_login(admin)
    assert client.get(revoke_url(token)).status_code == 404


# --- who may open the pages (ACC-19) and CSRF (SEC-3) -------------------------------------


@pytest.mark.parametrize(
    "traits",
    [{}, {"business": True}, {"tdsp_admin": True}, {"smt_staff": True}],
    ids=["residential", "business", "tdsp_admin", "smt_staff"],
)
def test_users_without_tokens_get_a_404_and_no_link(client, traits):  # ACC-19
    user = UserFactory(**traits)
    client.force_login(user)
    assert client.get(TOKENS).status_code == 404
    assert client.post(TOKENS, {"name": "Billing"}).status_code == 404
    assert not PersonalApiToken.objects.exists()
    token, _secret = personal_token_create(user=UserFactory(third_party=True), name="Billing")
    assert client.get(revoke_url(token)).status_code == 404
    assert TOKENS not in client.get(reverse("accounts:profile")).content.decode()


@pytest.mark.parametrize("traits", [{"rep": True}, {"third_party": True}, {"rep_admin": True}])
def test_my_profile_links_to_api_tokens(client, traits):
    client.force_login(UserFactory(**traits))
    html = client.get(reverse("accounts:profile")).content.decode()
    assert f'href="{TOKENS}">API Tokens<' in html


def test_the_pages_sign_in_first(client):
    response = client.get(TOKENS)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_pages_highlight_my_profile(client, member):  # UX-1
    token, _secret = personal_token_create(user=member, name="Billing")
    client.force_login(member)
    for url in (TOKENS, revoke_url(token)):
        html = client.get(url).content.decode()
        assert re.search(r'aria-current="page" class="active">My Profile<', html), url


def test_posts_need_a_csrf_token(member):  # SEC-3
    token, _secret = personal_token_create(user=member, name="Billing")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(TOKENS, {"name": "Another"}).status_code == 403
    assert client.post(revoke_url(token)).status_code == 403
    token.refresh_from_db()
    assert token.is_active
    assert member.personal_api_tokens.count() == 1


# --- Django admin (OPS-1) -----------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(smt_staff=True))
    return client


def test_staff_see_tokens_read_only_and_never_a_hash(staff_client, member):  # OPS-1
    token, secret = personal_token_create(user=member, name="Billing")
    changelist = reverse("admin:accounts_personalapitoken_changelist")
    html = staff_client.get(changelist).content.decode()
    assert member.username in html and token.shown_prefix in html
    page = staff_client.get(reverse("admin:accounts_personalapitoken_change", args=[token.pk]))
    assert page.status_code == 200
    detail = page.content.decode()
    assert "Billing" in detail
    for hidden in (token.key_hash, secret, "key_hash", "Key hash"):
        assert hidden not in html and hidden not in detail
    assert 'name="_save"' not in detail
    add = reverse("admin:accounts_personalapitoken_add")
    assert staff_client.get(add).status_code == 403
    delete = reverse("admin:accounts_personalapitoken_delete", args=[token.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert PersonalApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize("query", ["user_id", "prefix"])
def test_staff_find_a_token_by_user_id_or_prefix(staff_client, admin, member, query):
    token, _secret = personal_token_create(user=member, name="Billing")
    other, _secret = personal_token_create(user=admin, name="Other")
    changelist = reverse("admin:accounts_personalapitoken_changelist")
    q = member.username if query == "user_id" else token.shown_prefix
    html = staff_client.get(changelist, {"q": q}).content.decode()
    assert token.shown_prefix in html
    assert other.shown_prefix not in html
