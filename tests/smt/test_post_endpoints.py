"""Every endpoint that changes state on POST, healthchecks-style: where only a POST may act,
GET is a 405 that changes nothing; a caller who may not act is turned away and nothing
changes (SEC-1 tenancy, SEC-3 POST and CSRF, ACC-19, API-1, API-3).

ENDPOINTS lists each one with how to build its URL, who may use it and who may not. The
first test walks the URL resolver and fails when a POST endpoint appears that the table
does not list, so a new endpoint gets these tests the day it is added.
"""

import inspect
import json
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Company, Duns, DunsGrant, User
from accounts.services import api_token_issue
from accounts.services.api_tokens import personal_token_create
from han.services.answers import han_answer_signed_in
from han.services.messages import han_messages_compose
from tests.agreements.helpers import active_ongoing, details, one_time, token_of
from tests.factories import (
    CompanyFactory,
    CustomerPremiseFactory,
    DunsFactory,
    MeterFactory,
    RorPeriodFactory,
    TdspFactory,
    UserFactory,
)
from tests.han.helpers import device_added as han_device_added
from tests.han.helpers import draft as han_draft
from tests.han.helpers import messaging_ready as han_messaging_ready
from tests.han.helpers import one_request as han_one_request
from tests.han.helpers import provision as han_provision_requests
from tests.han.helpers import tdsp_status as han_tdsp_status
from tests.han.helpers import token_of as han_token_of
from usage.models import MeterShare
from usage.services import odr
from usage.services.sharing import share_token_hash
from usage.tdsp.credentials import tdsp_credential_issue

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")

# --- finding the POST endpoints -----------------------------------------------------------

# Django's own: the staff admin (OPS-1) and the language switch.
NOT_OURS_NAMESPACES = {"admin"}
NOT_OURS_MODULES = ("django.views.i18n", "django.views.static")
READS_A_POST = ("request.POST", "request.FILES", "request.method")


def _patterns(resolver=None, namespaces=()):
    """(URL name, view) of every pattern, through every include."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in NOT_OURS_NAMESPACES:
                continue
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _patterns(pattern, inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join((*namespaces, pattern.name)) if pattern.name else str(pattern.pattern)
            yield name, pattern.callback


def allowed_methods(view) -> frozenset[str] | None:
    """The methods that `require_http_methods` (`require_POST`, `require_GET`,
    `json_endpoint`) lets through to `view`, read from the decorators' closures; None when
    no decorator limits them."""
    allowed, seen, todo = None, set(), [view]
    while todo:
        function = todo.pop()
        if not inspect.isfunction(function) or id(function) in seen:
            continue
        seen.add(id(function))
        cells = dict(zip(function.__code__.co_freevars, function.__closure__ or (), strict=True))
        for name, cell in cells.items():
            try:
                value = cell.cell_contents
            except ValueError:  # a cell not filled yet
                continue
            if name == "request_method_list":
                methods = frozenset(value)
                allowed = methods if allowed is None else allowed & methods
            todo.append(value)
        todo.append(getattr(function, "__wrapped__", None))
    return allowed


def accepts_post(view) -> bool:
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return "post" in view_class.http_method_names and hasattr(view_class, "post")
    methods = allowed_methods(view)
    if methods is not None:
        return "POST" in methods
    # No method decorator: a view that reads the POST would act on one.
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return False
    return any(word in source for word in READS_A_POST)


def post_endpoints() -> set[str]:
    return {
        name
        for name, view in _patterns()
        if not view.__module__.startswith(NOT_OURS_MODULES) and accepts_post(view)
    }


# --- who calls ----------------------------------------------------------------------------

Caller = Callable[[Client], dict[str, str]]  # prepares the client, returns request headers


def anyone(client: Client) -> dict[str, str]:
    return {}


def signed_in(user: User) -> Caller:
    def sign_in(client: Client) -> dict[str, str]:
        client.force_login(user)
        return {}

    return sign_in


def bearer(user: User) -> Caller:
    """The SMT-compatible API's token (API-1), as /commonapi/user/authenticate issues it."""
    token = api_token_issue(user=user)
    return lambda client: {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def personal_token(user: User) -> Caller:
    """A personal token of the 3rd-party API (API-2), as My Profile / API Tokens makes it."""
    _token, raw = personal_token_create(user=user, name="post endpoints")
    return lambda client: {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def tdsp_key(key: str) -> Caller:
    """A TDSP's API key (API-3)."""
    return lambda client: {"HTTP_AUTHORIZATION": f"Token {key}"}


@dataclass
class Outsider:
    """A signed-in caller who may not act here, and what the portal answers them. ACC-19: a
    capability the user lacks is a 404; SEC-1: so is an object that is not theirs."""

    who: str
    caller: Caller
    status: int = 404
    redirect: str | None = None  # for a 302: where to
    hidden: str | None = None  # what the answer must not show


@dataclass
class Case:
    url: str
    user: Caller  # who may use it
    outsiders: list[Outsider] = field(default_factory=list)
    body: dict = field(default_factory=dict)  # what the right user posts to get in
    json: bool = False
    get_status: int = 200  # GET shows the form or confirmation (302: a step comes first)


@dataclass(frozen=True)
class Endpoint:
    build: Callable[[], Case]
    get: bool  # GET shows a form or a confirmation page; False: GET must be a 405
    public: bool = False  # anyone may use it, signed in or not: no access to require
    api: bool = False  # a machine interface: anonymous is a 401, not the login page


# --- people and things --------------------------------------------------------------------


def customer_with_meter():
    """A customer with one smart meter attached: (customer, link, meter)."""
    meter = MeterFactory()
    link = CustomerPremiseFactory(premise=meter.premise)
    return link.customer, link, meter


def rep_serving(premise) -> User:
    rep = UserFactory(rep=True)
    RorPeriodFactory(premise=premise, ror_duns=rep.duns_grants.get().number)
    return rep


def company_member(admin: User, **fields) -> User:
    """A plain user of the admin's company, holding its DUNS (ACC-10: they can sign in)."""
    user = UserFactory(kind=admin.kind, company=admin.company, with_active_duns=False, **fields)
    DunsGrant.objects.create(user=user, duns=admin.duns_grants.get())
    return user


def customer_and_agreement():
    """A registered customer and a Pending One-Time agreement of a 3rd party with them."""
    customer, _link, meter = customer_with_meter()
    company = UserFactory(third_party_admin=True)
    agreement = one_time(
        user=company, meter=meter, customer=details(registered=True, email=customer.email)
    )
    return customer, company, agreement


def a_customer() -> Outsider:
    return Outsider("a customer", signed_in(UserFactory()))


def another_customer() -> Outsider:
    return Outsider("another customer", signed_in(UserFactory()))


def a_rep_admin() -> Outsider:
    return Outsider("a REP admin", signed_in(UserFactory(rep_admin=True)))


def a_third_party_admin() -> Outsider:
    return Outsider("a 3rd-party admin", signed_in(UserFactory(third_party_admin=True)))


def a_tdsp_admin() -> Outsider:
    return Outsider("a TDSP admin", signed_in(UserFactory(tdsp_admin=True)))


def portal_session() -> Outsider:
    # SEC-3: the APIs skip CSRF because they never read the session cookie.
    return Outsider("signed in to the portal, no API credential", signed_in(UserFactory()), 401)


# --- accounts (ACC-1, ACC-2, ACC-6, ACC-9, ACC-12..ACC-17) --------------------------------


def sign_in_page() -> Case:
    return Case(reverse("accounts:login"), anyone)


def sign_out() -> Case:
    return Case(reverse("accounts:logout"), signed_in(UserFactory()))


def own_account(name: str) -> Callable[[], Case]:
    """My Profile's pages: a user only ever changes their own account, so there is no
    one of the wrong role."""
    return lambda: Case(reverse(name), signed_in(UserFactory()))


def set_up() -> Case:
    return Case(reverse("accounts:set_up"), signed_in(UserFactory(must_change_password=True)))


def anonymous_page(name: str, *args, get_status: int = 200) -> Callable[[], Case]:
    return lambda: Case(reverse(name, args=args), anyone, get_status=get_status)


def join_company_form() -> Case:
    company = CompanyFactory(kind=Company.Kind.THIRD_PARTY)
    url = reverse("accounts:join_company_form", args=["third-party", company.pk, "user"])
    return Case(url, anyone)


def tdsp_company_decide() -> Case:  # ACC-1: any TDSP administrator, no one else
    company = CompanyFactory(status=Company.Status.PENDING, kind=Company.Kind.THIRD_PARTY)
    return Case(
        reverse("accounts:tdsp_company_decide", args=[company.pk]),
        signed_in(UserFactory(tdsp_admin=True)),
        [a_rep_admin(), a_third_party_admin(), a_customer()],
    )


def tdsp_duns_decide() -> Case:  # ACC-9
    duns = DunsFactory(status=Duns.Status.PENDING)
    return Case(
        reverse("accounts:tdsp_duns_decide", args=[duns.pk]),
        signed_in(UserFactory(tdsp_admin=True)),
        [a_rep_admin(), a_third_party_admin(), a_customer()],
    )


def company_admin_page(name: str) -> Callable[[], Case]:
    """ACC-15..ACC-17: the company's admins; its plain users and customers get a 404."""

    def build() -> Case:
        admin = UserFactory(rep_admin=True)
        member = Outsider("a user of the same company", signed_in(company_member(admin)))
        return Case(reverse(name), signed_in(admin), [member, a_customer()])

    return build


def company_duns_remove() -> Case:  # ACC-9, SEC-1
    admin = UserFactory(rep_admin=True)
    duns = admin.duns_grants.get()
    return Case(
        reverse("accounts:company_profile_duns_remove", args=[duns.pk]),
        signed_in(admin),
        [
            Outsider("the admin of another company", signed_in(UserFactory(rep_admin=True))),
            Outsider("a user of the same company", signed_in(company_member(admin))),
        ],
    )


def member_page(name: str, **member_fields) -> Callable[[], Case]:
    """ACC-16, ACC-17: one request or member of the admin's own company (SEC-1)."""

    def build() -> Case:
        admin = UserFactory(third_party_admin=True)
        member = company_member(admin, **member_fields)
        return Case(
            reverse(name, args=[member.pk]),
            signed_in(admin),
            [
                Outsider(
                    "the admin of another company",
                    signed_in(UserFactory(third_party_admin=True)),
                ),
                Outsider("a user of the same company", signed_in(company_member(admin))),
            ],
        )

    return build


def api_tokens_page() -> Case:  # API-2: REP and 3rd-party users; anyone else gets a 404
    return Case(
        reverse("accounts:profile_api_tokens"),
        signed_in(UserFactory(third_party=True)),
        [a_customer(), a_tdsp_admin()],
        body={"name": "Billing system"},
    )


def api_token_revoke() -> Case:  # API-2, SEC-1: the token's user, or an admin of its company
    admin = UserFactory(third_party_admin=True)
    owner = company_member(admin)
    token, _secret = personal_token_create(user=owner, name="Billing system")
    return Case(
        reverse("accounts:profile_api_token_revoke", args=[token.pk]),
        signed_in(owner),
        [
            Outsider(
                "the admin of another company", signed_in(UserFactory(third_party_admin=True))
            ),
            Outsider("another user of the same company", signed_in(company_member(admin))),
            a_customer(),
        ],
    )


# --- usage (ACC-3, ACC-22, ACC-23, MTR-4, MTR-5, MTR-7, USG-8, USG-11, USG-13) -----------


def my_meters() -> Case:
    customer, _link, _meter = customer_with_meter()
    return Case(reverse("usage:my_meters"), signed_in(customer), [a_rep_admin()])


def my_meter(name: str) -> Callable[[], Case]:
    """One of the customer's meters: another customer, or the REP serving it, gets a 404."""

    def build() -> Case:
        customer, link, meter = customer_with_meter()
        return Case(
            reverse(name, args=[link.pk]),
            signed_in(customer),
            [
                another_customer(),
                Outsider("the REP serving the meter", signed_in(rep_serving(meter.premise))),
            ],
        )

    return build


def share(owner_link, friend_email="friend@example.com", token="a-share-token", **fields):
    return MeterShare.objects.create(
        owner=owner_link.customer,
        premise=owner_link.premise,
        friend_email=friend_email,
        token_hash=share_token_hash(token),
        invited_at=timezone.now(),
        **fields,
    )


def share_end() -> Case:  # ACC-22: the owner or the friend
    owner, link, meter = customer_with_meter()
    shared = share(link, status=MeterShare.Status.ACTIVE)
    return Case(
        reverse("usage:share_end", args=[shared.pk]),
        signed_in(owner),
        [
            another_customer(),
            Outsider("the REP serving the meter", signed_in(rep_serving(meter.premise))),
        ],
    )


def share_answer() -> Case:  # ACC-22: only the invited address answers
    _owner, link, _meter = customer_with_meter()
    share(link, token="the-token")
    friend = UserFactory(email="friend@example.com")
    return Case(
        reverse("usage:share_answer", args=["the-token"]),
        signed_in(friend),
        [  # the page says the invitation is for another address, and answers nothing
            Outsider("another customer", signed_in(UserFactory()), 200),
            Outsider("a REP admin", signed_in(UserFactory(rep_admin=True)), 200),
        ],
        body={"answer": "decline"},
    )


def ror_meters(name: str) -> Callable[[], Case]:  # MTR-4, MTR-5: REPs only
    def build() -> Case:
        _customer, _link, meter = customer_with_meter()
        return Case(
            reverse(name),
            signed_in(rep_serving(meter.premise)),
            [a_customer(), a_third_party_admin()],
        )

    return build


def meter_page(name: str) -> Callable[[], Case]:
    """A meter the user may see (USG-12); anyone else gets a 404."""

    def build() -> Case:
        customer, _link, meter = customer_with_meter()
        return Case(
            reverse(name, args=[meter.premise.esiid]),
            signed_in(customer),
            [another_customer(), a_third_party_admin()],
        )

    return build


def export(name: str) -> Callable[[], Case]:
    """USG-8, MTR-7: the chosen meters, among those the user may see; a meter that is not
    theirs counts as none chosen, which goes back to a fixed page with nothing built."""

    def build() -> Case:
        _customer, _link, meter = customer_with_meter()
        home = reverse("home")
        return Case(
            f"{reverse(name)}?esiid={meter.premise.esiid}",
            signed_in(rep_serving(meter.premise)),
            [
                Outsider("another customer", signed_in(UserFactory()), 302, redirect=home),
                Outsider(
                    "a REP not serving it",
                    signed_in(UserFactory(rep=True)),
                    302,
                    redirect=reverse("usage:ror_meters_usage"),
                ),
            ],
        )

    return build


# --- agreements (AGR-3, AGR-8..AGR-16) ----------------------------------------------------


def agreement_request(name: str, get_status: int = 200) -> Callable[[], Case]:
    """AGR-3: 3rd parties (and REPs) with the Energy Data permission (ACC-19)."""

    def build() -> Case:
        return Case(
            reverse(name, args=["one-time"]),
            signed_in(UserFactory(third_party_admin=True)),
            [
                a_customer(),
                Outsider("a REP user without Energy Data", signed_in(UserFactory(rep=True))),
                a_tdsp_admin(),
            ],
            get_status=get_status,
        )

    return build


def company_agreement(name: str) -> Callable[[], Case]:
    """AGR-13..AGR-15: the 3rd party's own agreements (SEC-1)."""

    def build() -> Case:
        customer, company, agreement = customer_and_agreement()
        return Case(
            reverse(name, args=[agreement.agreement_number]),
            signed_in(company),
            [
                a_third_party_admin(),
                Outsider("the agreement's customer", signed_in(customer)),
            ],
        )

    return build


def agreement_answer_link() -> Case:  # AGR-8, SEC-2: the emailed link, no sign-in
    _customer, _company, agreement = customer_and_agreement()
    return Case(reverse("agreements:answer", args=[token_of(agreement)]), anyone)


def my_agreement_answer() -> Case:  # AGR-16
    customer, company, agreement = customer_and_agreement()
    return Case(
        reverse("agreements:my_agreement_answer", args=[agreement.agreement_number]),
        signed_in(customer),
        [another_customer(), Outsider("the 3rd party that asked", signed_in(company))],
        body={"answer": "reject"},
    )


def my_agreement_terminate() -> Case:  # AGR-14, AGR-16
    customer, _link, meter = customer_with_meter()
    company = UserFactory(third_party_admin=True)
    agreement = active_ongoing(
        user=company, meter=meter, customer=details(registered=True, email=customer.email)
    )
    return Case(
        reverse("agreements:my_agreement_terminate", args=[agreement.agreement_number]),
        signed_in(customer),
        [another_customer(), Outsider("the 3rd party", signed_in(company))],
    )


def consent_withdraw() -> Case:  # BEY-1: only the customer withdraws, from their own page
    customer, _link, meter = customer_with_meter()
    company = UserFactory(third_party_admin=True)
    agreement = active_ongoing(
        user=company, meter=meter, customer=details(registered=True, email=customer.email)
    )
    return Case(
        reverse("consent_withdraw", args=["agreement", agreement.agreement_number]),
        signed_in(customer),
        [another_customer(), Outsider("the 3rd party", signed_in(company))],
    )


# --- han (HAN-1, HAN-4, HAN-8) --------------------------------------------------------------


def han_provision() -> Case:  # HAN-1: 3rd parties (and REPs) with In-Home Device Services
    return Case(
        reverse("han:provision"),
        signed_in(UserFactory(third_party_admin=True)),
        [
            a_customer(),
            Outsider(
                "a 3rd-party user without In-Home Devices", signed_in(UserFactory(third_party=True))
            ),
            a_tdsp_admin(),
        ],
    )


def han_company_device_remove() -> Case:  # HAN-8, SEC-1: the company that provisioned it
    company = UserFactory(third_party_admin=True)
    request = han_device_added(user=company)
    return Case(
        reverse("han:company_device_remove", args=[request.agreement.agreement_number]),
        signed_in(company),
        [a_third_party_admin(), a_customer()],
    )


def han_customer_request(*, paired: bool):
    """A registered customer and a HAN request (Device Added when `paired`) of a 3rd party
    on their meter: (customer, the 3rd party's user, request)."""
    customer, _link, meter = customer_with_meter()
    company = UserFactory(third_party_admin=True)
    (request,) = han_provision_requests(
        user=company,
        meter=meter,
        customer=details(registered=True, email=customer.email),
        customer_id=customer.username,
    )
    if paired:
        han_answer_signed_in(user=customer, request=request, start=True)
        for status in ("ADD_PENDING", "METER_READY", "DEVICE_ADDED"):
            han_tdsp_status(request, status)
    return customer, company, request


def han_customer_device_answer() -> Case:  # HAN-4 from My Account
    customer, company, request = han_customer_request(paired=False)
    return Case(
        reverse("han:customer_device_answer", args=[request.agreement.agreement_number]),
        signed_in(customer),
        [another_customer(), Outsider("the 3rd party that asked", signed_in(company))],
        body={"action": "reject"},
    )


def han_customer_device_remove() -> Case:  # HAN-8
    customer, company, request = han_customer_request(paired=True)
    return Case(
        reverse("han:customer_device_remove", args=[request.agreement.agreement_number]),
        signed_in(customer),
        [another_customer(), Outsider("the 3rd party that asked", signed_in(company))],
    )


def han_message_compose() -> Case:  # HAN-9: 3rd parties (and REPs) with In-Home Devices
    return Case(
        reverse("han:message_compose"),
        signed_in(UserFactory(third_party_admin=True)),
        [
            a_customer(),
            Outsider(
                "a 3rd-party user without In-Home Devices", signed_in(UserFactory(third_party=True))
            ),
            a_tdsp_admin(),
        ],
    )


def han_message_cancel() -> Case:  # HAN-9, SEC-1: the company that sent it
    company, meter, _agreement, _devices = han_messaging_ready()
    (message,) = han_messages_compose(
        user=company,
        draft=han_draft(start_at=timezone.now() + timedelta(hours=2)),
        esiids=[meter.premise.esiid],
    )
    return Case(
        reverse("han:message_cancel", args=[message.pk]),
        signed_in(company),
        [a_third_party_admin(), a_customer()],
    )


def tp_api_agreements() -> Case:  # API-2, AGR-3: either 3rd-party function (403 without)
    return Case(
        reverse("tp_api:agreements"),
        personal_token(UserFactory(third_party_admin=True)),
        [
            Outsider(
                "a user without either function",
                personal_token(UserFactory(third_party=True)),
                status=403,
            )
        ],
        json=True,
    )


def tp_api_agreement(name: str) -> Callable[[], Case]:  # API-2, AGR-13/14, SEC-1
    def build() -> Case:
        company = UserFactory(third_party_admin=True)
        agreement = active_ongoing(user=company)
        other = UserFactory(third_party_admin=True)
        return Case(
            reverse(name, args=[agreement.agreement_number]),
            personal_token(company),
            [Outsider("another company's admin", personal_token(other))],
            json=True,
        )

    return build


def tp_api_han_requests() -> Case:  # API-2, HAN-1: In-Home Device Services (403 without)
    without = UserFactory(third_party=True, can_energy_data=True)
    return Case(
        reverse("tp_api:han_requests"),
        personal_token(UserFactory(third_party_admin=True)),
        [Outsider("a user without In-Home Devices", personal_token(without), status=403)],
        json=True,
    )


def tp_api_han_request_remove() -> Case:  # API-2, HAN-8, SEC-1: the company that provisioned
    company = UserFactory(third_party_admin=True)
    request = han_device_added(user=company)
    return Case(
        reverse("tp_api:han_request_remove", args=[request.agreement.agreement_number]),
        personal_token(company),
        [Outsider("another company's admin", personal_token(UserFactory(third_party_admin=True)))],
        json=True,
    )


def tp_api_han_messages() -> Case:  # API-2, HAN-9: In-Home Device Services (403 without)
    without = UserFactory(third_party=True, can_energy_data=True)
    return Case(
        reverse("tp_api:han_messages"),
        personal_token(UserFactory(third_party_admin=True)),
        [Outsider("a user without In-Home Devices", personal_token(without), status=403)],
        json=True,
    )


def tp_api_reports() -> Case:  # API-2, USG-8: Energy Data (403 without)
    without = UserFactory(third_party=True, can_in_home_devices=True)
    return Case(
        reverse("tp_api:reports"),
        personal_token(UserFactory(third_party_admin=True)),
        [Outsider("a user without Energy Data", personal_token(without), status=403)],
        json=True,
    )


def tp_api_han_message_cancel() -> Case:  # API-2, HAN-9, SEC-1: the company that sent it
    company, meter, _agreement, _devices = han_messaging_ready()
    (message,) = han_messages_compose(
        user=company,
        draft=han_draft(start_at=timezone.now() + timedelta(hours=2)),
        esiids=[meter.premise.esiid],
    )
    other = UserFactory(third_party_admin=True)
    return Case(
        reverse("tp_api:han_message_cancel", args=[message.pk]),
        personal_token(company),
        [Outsider("another company's admin", personal_token(other))],
        json=True,
    )


def webhook_of(user: User):
    """BEY-2: an endpoint of the user's company (a local receiver: allowed outside
    production) with one failed delivery."""
    from smt.api.thirdparty.models import WebhookDelivery
    from smt.api.thirdparty.webhooks.services import webhook_endpoint_create

    endpoint, _secret = webhook_endpoint_create(
        user=user, url="http://127.0.0.1:9/hook", events=["agreement.status_changed"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type="agreement.status_changed",
        message_id="msg_post_endpoints",
        payload={},
        status=WebhookDelivery.Status.FAILED,
        attempt_count=1,
        next_attempt_at=timezone.now() + timedelta(hours=1),
        created_at=timezone.now(),
    )
    return endpoint, delivery


def tp_api_webhooks() -> Case:  # API-2, BEY-2: either 3rd-party function (403 without)
    return Case(
        reverse("tp_api:webhooks"),
        personal_token(UserFactory(third_party_admin=True)),
        [
            Outsider(
                "a user without a 3rd-party function",
                personal_token(UserFactory(third_party=True)),
                status=403,
            )
        ],
        body={"url": "http://127.0.0.1:9/hook", "events": ["agreement.status_changed"]},
        json=True,
    )


def tp_api_webhook(name: str, *, of_delivery: bool = False) -> Callable[[], Case]:
    """API-2, BEY-2, SEC-1: one endpoint (or delivery) of the caller's company."""

    def build() -> Case:
        owner = UserFactory(third_party_admin=True)
        endpoint, delivery = webhook_of(owner)
        other = UserFactory(third_party_admin=True)
        return Case(
            reverse(name, args=[delivery.pk if of_delivery else endpoint.pk]),
            personal_token(owner),
            [Outsider("another company's admin", personal_token(other))],
            json=True,
        )

    return build


def webhook_page(name: str, *, of_delivery: bool = False) -> Callable[[], Case]:
    """BEY-2, SEC-1: My Account / Webhooks: the company's users with a 3rd-party function."""

    def build() -> Case:
        owner = UserFactory(third_party_admin=True)
        endpoint, delivery = webhook_of(owner)
        args = [] if name == "webhook_create" else [delivery.pk if of_delivery else endpoint.pk]
        return Case(
            reverse(f"tp_api_web:{name}", args=args),
            signed_in(owner),
            [
                *([] if name == "webhook_create" else [a_third_party_admin()]),
                a_customer(),
                Outsider("a user without a function", signed_in(UserFactory(third_party=True))),
            ],
        )

    return build


def han_answer_link() -> Case:  # HAN-4, SEC-2: the emailed link, no sign-in
    return Case(reverse("han:answer", args=[han_token_of(han_one_request())]), anyone)


# --- the machine interfaces (API-1, API-3) ------------------------------------------------

SMT_DATES = {"startDate": "01/01/2026", "endDate": "01/07/2026"}


def smt_api(
    name: str, body: Callable[..., dict], *, lists: bool = False, read: bool = False
) -> Callable[[], Case]:
    """API-1: a customer's token reaches their meters only (USG-12): another customer's
    ESIID is a 404, or missing from a list (`lists`); a TDSP key or a portal session is no
    token at all. `read`: the meter has an On Demand Read to report."""

    def build() -> Case:
        customer, _link, meter = customer_with_meter()
        if read:
            odr.on_demand_read_request(user=customer, premise=meter.premise)
        return Case(
            reverse(name),
            bearer(customer),
            [
                Outsider(
                    "another customer's token",
                    bearer(UserFactory()),
                    200 if lists else 404,
                    hidden=meter.meter_number,
                ),
                Outsider("a TDSP's key", tdsp_key(tdsp_credential_issue(tdsp=TdspFactory())), 401),
                portal_session(),
            ],
            body=body(meter),
            json=True,
        )

    return build


def smt_authenticate() -> Case:
    body = {"username": "nobody", "password": "wrong"}
    return Case(reverse("api:api_authenticate"), anyone, body=body, json=True)


def tdsp_messages() -> Case:  # API-3, SEC-1: a TDSP acts on its own premises only
    oncor, other = TdspFactory(), TdspFactory(code="tnmp", name="TNMP")
    meter = MeterFactory(premise__tdsp=oncor)
    body = {
        "message_id": "m-1",
        "type": "move_out",
        "esiid": meter.premise.esiid,
        "effective_date": "2026-11-01",
    }
    return Case(
        reverse("tdsp_api:tdsp_messages"),
        tdsp_key(tdsp_credential_issue(tdsp=oncor)),
        [
            Outsider("another TDSP's key", tdsp_key(tdsp_credential_issue(tdsp=other))),
            Outsider("a customer's API token", bearer(UserFactory()), 401),
            portal_session(),
        ],
        body=body,
        json=True,
    )


def tdsp_usage_files() -> Case:  # API-3: multipart, a TDSP's key only
    key = tdsp_credential_issue(tdsp=TdspFactory())
    return Case(
        reverse("tdsp_api:tdsp_usage_files"),
        tdsp_key(key),
        [Outsider("a customer's API token", bearer(UserFactory()), 401), portal_session()],
        body={"message_id": "f-1"},
    )


ENDPOINTS: dict[str, Endpoint] = {
    # accounts: signing in and out, and My Profile (ACC-6, ACC-12..ACC-14)
    "accounts:login": Endpoint(sign_in_page, get=True, public=True),
    "accounts:logout": Endpoint(sign_out, get=False, public=True),
    "accounts:set_up": Endpoint(set_up, get=True),
    "accounts:forgot_password": Endpoint(
        anonymous_page("accounts:forgot_password"), get=True, public=True
    ),
    "accounts:forgot_password_answer": Endpoint(  # the User ID comes first
        anonymous_page("accounts:forgot_password_answer", get_status=302), get=True, public=True
    ),
    "accounts:forgot_user_id": Endpoint(
        anonymous_page("accounts:forgot_user_id"), get=True, public=True
    ),
    "accounts:profile_edit": Endpoint(own_account("accounts:profile_edit"), get=True),
    "accounts:password_change": Endpoint(own_account("accounts:password_change"), get=True),
    "accounts:security_question_change": Endpoint(
        own_account("accounts:security_question_change"), get=True
    ),
    # accounts: companies (ACC-1, ACC-9, ACC-15)
    "accounts:company_register": Endpoint(
        anonymous_page("accounts:company_register", "rep"), get=True, public=True
    ),
    "accounts:company_register_admin": Endpoint(  # the company comes first
        anonymous_page("accounts:company_register_admin", "rep", get_status=302),
        get=True,
        public=True,
    ),
    "accounts:tdsp_company_decide": Endpoint(tdsp_company_decide, get=False),
    "accounts:tdsp_duns_decide": Endpoint(tdsp_duns_decide, get=False),
    "accounts:company_profile_edit": Endpoint(
        company_admin_page("accounts:company_profile_edit"), get=True
    ),
    "accounts:company_profile_duns_add": Endpoint(
        company_admin_page("accounts:company_profile_duns_add"), get=False
    ),
    "accounts:company_profile_duns_remove": Endpoint(company_duns_remove, get=False),
    # accounts: joining a company, Pending Approval, Manage Users (ACC-2, ACC-16, ACC-17)
    "accounts:join_company_form": Endpoint(join_company_form, get=True, public=True),
    "accounts:pending_approval": Endpoint(
        company_admin_page("accounts:pending_approval"), get=True
    ),
    "accounts:pending_edit": Endpoint(
        member_page("accounts:pending_edit", status=User.Status.PENDING), get=True
    ),
    "accounts:manage_users": Endpoint(company_admin_page("accounts:manage_users"), get=True),
    "accounts:user_edit": Endpoint(member_page("accounts:user_edit"), get=True),
    # accounts: My Profile / API Tokens (API-2)
    "accounts:profile_api_tokens": Endpoint(api_tokens_page, get=True),
    "accounts:profile_api_token_revoke": Endpoint(api_token_revoke, get=True),
    # usage: customers' meters and sharing (ACC-3, ACC-22, ACC-23)
    "usage:register_customer": Endpoint(
        anonymous_page("usage:register_customer", "residential"), get=True, public=True
    ),
    "usage:my_meters": Endpoint(my_meters, get=True),
    "usage:my_meter_remove": Endpoint(my_meter("usage:my_meter_remove"), get=True),
    "usage:my_meter_share": Endpoint(my_meter("usage:my_meter_share"), get=True),
    "usage:share_end": Endpoint(share_end, get=False),
    "consent_withdraw": Endpoint(consent_withdraw, get=True),  # BEY-1
    "usage:share_answer": Endpoint(share_answer, get=True),
    # usage: REPs' meters, reports and exports (MTR-4, MTR-5, MTR-7, USG-8, USG-11, USG-13)
    "usage:ror_meters": Endpoint(ror_meters("usage:ror_meters"), get=True),
    "usage:ror_meters_usage": Endpoint(ror_meters("usage:ror_meters_usage"), get=True),
    "usage:download_my_data": Endpoint(meter_page("usage:download_my_data"), get=True),
    "usage:on_demand_read": Endpoint(meter_page("usage:on_demand_read"), get=False),
    "usage:export_reports": Endpoint(export("usage:export_reports"), get=True),
    "usage:export_information": Endpoint(export("usage:export_information"), get=True),
    # agreements: the 3rd party's side (AGR-3, AGR-13..AGR-15)
    "agreements:company_create": Endpoint(agreement_request("agreements:company_create"), get=True),
    "agreements:company_create_contact": Endpoint(  # page 1 comes first
        agreement_request("agreements:company_create_contact", get_status=302), get=True
    ),
    "agreements:company_resend": Endpoint(
        company_agreement("agreements:company_resend"), get=False
    ),
    "agreements:company_terminate": Endpoint(
        company_agreement("agreements:company_terminate"), get=True
    ),
    "agreements:company_extension": Endpoint(
        company_agreement("agreements:company_extension"), get=True
    ),
    # agreements: the customer's side (AGR-8..AGR-11, AGR-14..AGR-16)
    "agreements:answer": Endpoint(agreement_answer_link, get=True, public=True),
    "agreements:my_agreement_answer": Endpoint(my_agreement_answer, get=False),
    "agreements:my_agreement_terminate": Endpoint(my_agreement_terminate, get=True),
    # han: provisioning, HAN Devices and the emailed link (HAN-1, HAN-4, HAN-8)
    "han:provision": Endpoint(han_provision, get=True),
    "han:company_device_remove": Endpoint(han_company_device_remove, get=True),
    "han:customer_device_answer": Endpoint(han_customer_device_answer, get=False),
    "han:customer_device_remove": Endpoint(han_customer_device_remove, get=True),
    "han:answer": Endpoint(han_answer_link, get=True, public=True),
    # han: HAN Device Messages (HAN-9)
    "han:message_compose": Endpoint(han_message_compose, get=True),
    "han:message_cancel": Endpoint(han_message_cancel, get=False),
    # the 3rd-party API (API-2)
    "tp_api:agreements": Endpoint(tp_api_agreements, get=True, api=True),
    **{
        name: Endpoint(tp_api_agreement(name), get=False, api=True)
        for name in (
            "tp_api:agreement_resend",
            "tp_api:agreement_terminate",
            "tp_api:agreement_extension",
        )
    },
    "tp_api:han_requests": Endpoint(tp_api_han_requests, get=True, api=True),
    "tp_api:han_request_remove": Endpoint(tp_api_han_request_remove, get=False, api=True),
    "tp_api:han_messages": Endpoint(tp_api_han_messages, get=True, api=True),
    "tp_api:han_message_cancel": Endpoint(tp_api_han_message_cancel, get=False, api=True),
    "tp_api:reports": Endpoint(tp_api_reports, get=True, api=True),
    "tp_api:webhooks": Endpoint(tp_api_webhooks, get=True, api=True),
    "tp_api:webhook_rotate_secret": Endpoint(
        tp_api_webhook("tp_api:webhook_rotate_secret"), get=False, api=True
    ),
    "tp_api:webhook_test": Endpoint(tp_api_webhook("tp_api:webhook_test"), get=False, api=True),
    "tp_api:webhook_delivery_retry": Endpoint(
        tp_api_webhook("tp_api:webhook_delivery_retry", of_delivery=True), get=False, api=True
    ),
    # My Account / Webhooks (BEY-2)
    "tp_api_web:webhook_create": Endpoint(webhook_page("webhook_create"), get=True),
    "tp_api_web:webhook_edit": Endpoint(webhook_page("webhook_edit"), get=True),
    "tp_api_web:webhook_delete": Endpoint(webhook_page("webhook_delete"), get=True),
    "tp_api_web:webhook_rotate": Endpoint(webhook_page("webhook_rotate"), get=True),
    "tp_api_web:webhook_test": Endpoint(webhook_page("webhook_test"), get=False),
    "tp_api_web:webhook_delivery_retry": Endpoint(
        webhook_page("webhook_delivery_retry", of_delivery=True), get=False
    ),
    # the SMT-compatible API (API-1)
    "api:api_authenticate": Endpoint(smt_authenticate, get=False, public=True, api=True),
    "api:api_meter": Endpoint(
        smt_api("api:api_meter", lambda meter: {"esiid": meter.premise.esiid}, lists=True),
        get=False,
        api=True,
    ),
    "api:api_on_demand_read": Endpoint(
        smt_api(
            "api:api_on_demand_read",
            lambda meter: {"ESIID": meter.premise.esiid, "MeterNumber": meter.meter_number},
        ),
        get=False,
        api=True,
    ),
    "api:api_latest_odr_read": Endpoint(
        smt_api("api:api_latest_odr_read", lambda meter: {"ESIID": meter.premise.esiid}, read=True),
        get=False,
        api=True,
    ),
    **{
        f"api:{name}": Endpoint(
            smt_api(f"api:{name}", lambda meter: {"ESIID": [meter.premise.esiid], **SMT_DATES}),
            get=False,
            api=True,
        )
        for name in ("api_interval_synch", "api_daily_synch", "api_monthly_synch")
    },
    # the TDSP API (API-3)
    "tdsp_api:tdsp_messages": Endpoint(tdsp_messages, get=False, api=True),
    "tdsp_api:tdsp_usage_files": Endpoint(tdsp_usage_files, get=False, api=True),
}


def names(**wanted) -> list[str]:
    """The table's URL names whose Endpoint has these values, for parametrize."""
    return sorted(
        name
        for name, endpoint in ENDPOINTS.items()
        if all(getattr(endpoint, key) == value for key, value in wanted.items())
    )


# --- what "nothing changed" means ---------------------------------------------------------

# Rows that change on their own: a signed-in request may touch its session, and every use
# of an SMT API token restarts its quiet window (API-1).
SKIPPED_TABLES = {"sessions.Session"}
SKIPPED_FIELDS = {
    "accounts.ApiToken": {"expires_at"},
    "accounts.PersonalApiToken": {"last_used_at"},  # a token records when it was used
}


def database_rows() -> dict[str, list[tuple]]:
    rows = {}
    for model in apps.get_models():
        label = model._meta.label
        if label in SKIPPED_TABLES:
            continue
        skipped = SKIPPED_FIELDS.get(label, set())
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in skipped]
        rows[label] = list(model.objects.order_by("pk").values_list(*fields))
    return rows


@pytest.fixture
def nothing_changes(django_capture_on_commit_callbacks):
    """`with nothing_changes():` no row written, changed or deleted, no email sent, and
    nothing scheduled to run on commit (an email, a task)."""

    @contextmanager
    def check():
        before = database_rows()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks() as callbacks:
            yield
        after = database_rows()
        assert [label for label in before if before[label] != after[label]] == []
        assert mail.outbox == []
        assert callbacks == []

    return check


def send(client: Client, method: str, case: Case, headers: dict[str, str]):
    if method == "get":
        return client.get(case.url, **headers)
    if case.json:
        body = json.dumps(case.body)
        return client.post(case.url, body, content_type="application/json", **headers)
    return client.post(case.url, case.body, **headers)


# --- the tests ----------------------------------------------------------------------------


def test_every_post_endpoint_is_in_the_table():
    missing = sorted(post_endpoints() - set(ENDPOINTS))
    assert missing == [], f"POST endpoints missing from ENDPOINTS: {', '.join(missing)}"


def test_the_table_lists_only_post_endpoints():
    stale = sorted(set(ENDPOINTS) - post_endpoints())
    assert stale == [], f"ENDPOINTS lists what is not a POST endpoint: {', '.join(stale)}"


@pytest.mark.parametrize("name", names(get=False))
def test_it_rejects_get(client, nothing_changes, name):  # SEC-3
    case = ENDPOINTS[name].build()
    headers = case.user(client)
    with nothing_changes():
        response = send(client, "get", case, headers)
    assert response.status_code == 405


@pytest.mark.parametrize("name", names(get=True))
def test_get_only_shows_a_page(client, nothing_changes, name):  # SEC-2, SEC-3
    case = ENDPOINTS[name].build()
    headers = case.user(client)
    with nothing_changes():
        response = send(client, "get", case, headers)
    assert response.status_code == case.get_status


@pytest.mark.parametrize("name", names(public=False))
def test_it_requires_access(client, nothing_changes, name):  # SEC-1, ACC-19
    endpoint = ENDPOINTS[name]
    case = endpoint.build()
    with nothing_changes():
        response = send(client, "post", case, {})
    if endpoint.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response.url.startswith(f"{LOGIN}?next=")
    for outsider in case.outsiders:
        headers = outsider.caller(client)
        with nothing_changes():
            response = send(client, "post", case, headers)
        assert response.status_code == outsider.status, outsider.who
        if outsider.redirect:
            assert response.url == outsider.redirect, outsider.who
        if outsider.hidden:
            assert outsider.hidden not in response.content.decode(), outsider.who


@pytest.mark.parametrize("name", names(public=False))
def test_the_right_user_gets_in(client, name):  # the other side of the boundary
    case = ENDPOINTS[name].build()
    response = send(client, "post", case, case.user(client))
    assert response.status_code not in {401, 403, 404, 405}
    assert not response.get("Location", "").startswith(LOGIN)


@pytest.mark.parametrize("name", names(api=False))
def test_it_requires_a_csrf_token(nothing_changes, name):  # SEC-3
    case = ENDPOINTS[name].build()
    client = Client(enforce_csrf_checks=True)
    headers = case.user(client)
    with nothing_changes():
        response = send(client, "post", case, headers)
    assert response.status_code == 403


# --- found while writing this table -------------------------------------------------------


def test_a_friend_cannot_request_an_on_demand_read(client, nothing_changes):  # ACC-22, USG-11
    _owner, link, meter = customer_with_meter()
    friend = UserFactory(email="friend@example.com")
    share(link, friend=friend, status=MeterShare.Status.ACTIVE)
    client.force_login(friend)
    with nothing_changes():
        client.post(reverse("usage:on_demand_read", args=[meter.premise.esiid]))
