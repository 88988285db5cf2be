"""The Content-Security-Policy header (SEC-3, django-csp): every page of the portal gets the
strict policy, for every role; scripts and styles come only from the portal itself (or a
per-request nonce), never 'unsafe-inline' or 'unsafe-eval'. The staff admin gets the same
policy (settings.CONTENT_SECURITY_POLICY). The browser side — no page breaks under the
policy — is tests/e2e/test_csp.py."""

import re
from pathlib import Path

import pytest
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.test import Client

from tests.factories import AgreementFactory, CustomerPremiseFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
NONCE = re.compile(r"^'nonce-[A-Za-z0-9+/]+=*'$")


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_strict(response, path: str) -> None:
    assert response.status_code == 200, path
    policy = directives(response)
    for name, sources in EXPECTED.items():
        assert policy.get(name) == sources, (path, name, policy.get(name))
    for name in ("script-src", "style-src"):
        sources = policy[name]
        assert sources[0] == "'self'", (path, name, sources)
        # Only 'self' and this request's nonce: no 'unsafe-inline', no 'unsafe-eval', no host.
        assert all(NONCE.match(source) for source in sources[1:]), (path, name, sources)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_without_login_carry_the_strict_policy():
    for path in ("/login/", "/register/", "/forgot-password/", "/help/"):
        assert_strict(Client().get(path), path)


def test_customer_pages_carry_the_strict_policy():
    link = CustomerPremiseFactory(customer__username="cust.omer")
    esiid = link.premise.esiid
    client = client_for(link.customer)
    for path in (
        "/",
        "/my-account/meters/",
        f"/usage/meters/{esiid}/usage/",
        f"/usage/meters/{esiid}/meter/",
        "/my-account/3rd-party-agreements/",
        "/my-account/profile/",
        "/notices/",
    ):
        assert_strict(client.get(path), path)


def test_rep_admin_pages_carry_the_strict_policy():
    admin = UserFactory(rep_admin=True)
    agreement = AgreementFactory(initiated_by=admin)
    client = client_for(admin)
    for path in (
        "/",
        "/my-account/users/",
        "/my-account/company/",
        "/my-account/customer-meters/",
        "/my-account/customer-agreements/",
        "/my-account/customer-agreements/new/one-time/",
        f"/my-account/customer-agreements/{agreement.agreement_number}/",
    ):
        assert_strict(client.get(path), path)


def test_third_party_and_tdsp_pages_carry_the_strict_policy():
    third_party = client_for(UserFactory(third_party_admin=True))
    for path in ("/", "/my-account/customer-agreements/", "/usage/report-requests/"):
        assert_strict(third_party.get(path), path)
    tdsp = client_for(UserFactory(tdsp_admin=True))
    for path in ("/", "/my-account/approvals/"):
        assert_strict(tdsp.get(path), path)


def test_a_page_that_asks_for_the_nonce_gets_it_in_the_header(rf):
    # A template writing nonce="{{ request.csp_nonce }}" must find the same value in the header.
    request = rf.get("/")
    middleware = CSPMiddleware(lambda request: HttpResponse())
    middleware.process_request(request)
    nonce = str(request.csp_nonce)
    response = middleware.process_response(request, HttpResponse())
    for name in ("script-src", "style-src"):
        assert directives(response)[name] == ["'self'", f"'nonce-{nonce}'"]


def test_staff_admin_carries_the_strict_policy_too():
    staff = UserFactory(smt_staff=True)
    client = client_for(staff)
    for path in (
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{staff.pk}/change/",
        "/admin/notifications/notice/add/",
    ):
        assert_strict(client.get(path), path)


def test_no_model_admin_turns_both_action_bars_off():
    # Django 5.2's change_list.html writes an inline <style> when neither action bar shows,
    # which the policy would block.
    for model_admin in admin.site._registry.values():
        assert model_admin.actions_on_top or model_admin.actions_on_bottom, model_admin


# Templates WeasyPrint turns into PDFs (not served as pages) and emails (CSP is for pages).
NOT_PAGES = {
    "agreements/customer/agreement_pdf.html",
    "usage/information_print.html",
    "usage/report_print.html",
}
INLINE = re.compile(
    # <script> without src= is inline code, unless it is a JSON data block (json_script).
    r"""<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:"""
    r"""|<script\b(?![^>]*\b(?:src=|type="application/json"))""",
    re.IGNORECASE,
)


def test_page_templates_have_no_inline_script_style_or_handler():
    """What the policy would block: a page template keeps its code in static/ (UX, SEC-3)."""
    root = Path(settings.BASE_DIR) / "templates"
    offenders = []
    for template in sorted(root.rglob("*.html")):
        name = template.relative_to(root).as_posix()
        if name.startswith("emails/") or name in NOT_PAGES:
            continue
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == []


def test_the_csrf_failure_page_is_the_portals_own_under_the_policy():  # SEC-3
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "someone", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "The form has expired" in html and "<style" not in html
    assert "style-src 'self'" in response["Content-Security-Policy"]
