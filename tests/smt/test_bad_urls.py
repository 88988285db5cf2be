"""Web URLs with a NUL (`%00`) or bytes that are not UTF-8, in the path or the query string,
are a 400 for every kind of user and never reach a view (API-4, SEC-4): PostgreSQL refuses a
NUL in any query, so 37 of 157 such URLs were 500s. The same URLs with odd but valid text
(`%2500`, a literal "%00") go on to their views, which answer below 500.

The sweep walks every named URL that takes no arguments, and those whose text argument a
view looks up (an ESIID, an agreement number, a token, a message id).
"""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from accounts.services import api_token_issue
from tests.factories import CustomerPremiseFactory, MeterFactory, UserFactory
from usage.tdsp.credentials import tdsp_credential_issue

pytestmark = pytest.mark.django_db

PLACEHOLDER = "PLACEHOLDER"
# URLs whose text argument a view looks up: the argument gets the bad text.
WITH_TEXT_ARGUMENT = {
    "usage:usage_report": [PLACEHOLDER],
    "usage:download_my_data": [PLACEHOLDER],
    "usage:on_demand_read": [PLACEHOLDER],
    "usage:premise_information": [PLACEHOLDER, "premise"],
    "usage:premise_information_csv": [PLACEHOLDER, "meter"],
    "usage:share_answer": [PLACEHOLDER],
    "agreements:company_detail": [PLACEHOLDER],
    "agreements:answer": [PLACEHOLDER],
    "agreements:my_agreement_detail": [PLACEHOLDER],
    "tdsp_api:tdsp_usage_file": [PLACEHOLDER],
}
# The query parameters the list, search and export pages read.
QUERY_PARAMETERS = ("q", "search", "esiid", "meter_number", "page", "sort", "order", "next")
BAD = ["%00", "a%00b", "%ED%A0%80", "%FF"]  # NUL; a lone surrogate and a stray byte, encoded
ODD_BUT_VALID = "a%2500b"  # the text "a%00b": no NUL in it

USER_KINDS = [
    "anonymous",
    "residential",
    "business",
    "rep",
    "rep_admin",
    "third_party",
    "third_party_admin",
    "tdsp_admin",
    "smt_staff",
]


def named_urls(resolver=None, namespaces=()):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from named_urls(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join((*namespaces, pattern.name))


def urls_without_arguments() -> list[str]:
    urls = []
    for name in named_urls():
        try:
            urls.append(reverse(name))
        except NoReverseMatch:  # it takes arguments
            continue
    return sorted(set(urls))


def urls_with(text: str) -> list[str]:
    """Every swept URL with `text` (already %-encoded) in its path and in its query."""
    plain = urls_without_arguments()
    urls = [f"{url}{text}" for url in plain]
    query = "&".join(f"{parameter}={text}" for parameter in QUERY_PARAMETERS)
    urls += [f"{url}?{query}" for url in plain]
    urls += [
        reverse(name, args=args).replace(PLACEHOLDER, text)
        for name, args in WITH_TEXT_ARGUMENT.items()
    ]
    return urls


def signed_in(kind: str) -> tuple[Client, dict[str, str]]:
    """A client signed in as a user of `kind` (none for anonymous), and the headers of the
    API credential that kind of user holds."""
    client = Client()
    if kind == "anonymous":
        return client, {}
    traits = {} if kind == "residential" else {kind: True}
    user = UserFactory(**traits)
    client.force_login(user)
    if kind == "tdsp_admin":
        return client, {"HTTP_AUTHORIZATION": f"Token {tdsp_credential_issue(tdsp=_tdsp())}"}
    return client, {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def _tdsp():
    return MeterFactory().premise.tdsp


@pytest.fixture(autouse=True)
def _a_meter_with_a_customer():
    CustomerPremiseFactory(premise=MeterFactory().premise)


def test_the_sweep_covers_the_portal():  # the table above stays real
    assert len(urls_without_arguments()) > 50
    for name, args in WITH_TEXT_ARGUMENT.items():
        assert PLACEHOLDER in reverse(name, args=args)


@pytest.mark.parametrize("kind", USER_KINDS)
def test_a_nul_or_non_utf8_url_is_a_400_for_every_user(kind):  # API-4, SEC-4
    client, headers = signed_in(kind)
    for bad in BAD:
        for url in urls_with(bad):
            response = client.get(url, **headers)
            assert response.status_code == 400, url


@pytest.mark.parametrize("kind", USER_KINDS)
def test_odd_but_valid_text_in_a_url_is_never_a_5xx(kind):  # API-4, the other side
    client, headers = signed_in(kind)
    # The health check is a 503 here by design: no broker or worker runs in tests (OPS-4).
    healthz = reverse("healthz")
    for url in urls_with(ODD_BUT_VALID):
        if url.startswith(f"{healthz}?"):
            continue
        response = client.get(url, **headers)
        assert response.status_code < 500, url
        assert response.status_code != 400 or "/api/" in url or "-api/" in url, url


def test_an_api_url_answers_its_400_in_json():  # API-4
    client, headers = signed_in("residential")
    compat = client.get(f"{reverse('api:api_meter')}?x=%00", **headers)
    assert compat.status_code == 400 and compat.json()["errorCode"] == "INVALID_URL"
    tdsp_client, tdsp_headers = signed_in("tdsp_admin")
    url = reverse("tdsp_api:tdsp_usage_file", args=[PLACEHOLDER]).replace(PLACEHOLDER, "a%00")
    tdsp = tdsp_client.get(url, **tdsp_headers)
    assert tdsp.status_code == 400
    assert (tdsp.json()["code"], tdsp.json()["field"]) == ("INVALID_URL", "url")


def test_a_page_url_answers_the_plain_400_page(client):  # API-4
    response = client.get(f"{reverse('help')}?q=%00")
    assert response.status_code == 400
    assert b"Bad Request (400)" in response.content
