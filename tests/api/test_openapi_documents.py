"""The OpenAPI 3 documents of the SMT-compatible API (API-1) and the TDSP API (API-3): valid
documents, served as JSON and YAML with a docs page, public; every route of each API's
urls.py documented and nothing else, with the methods it answers; the numbers and formats
they publish the ones the code checks (API-4, BEY-3). Schemathesis sends them requests in
test_schemathesis.py."""

import dataclasses
import re
from datetime import date

import pytest
import schemathesis
import yaml
from django.conf import settings
from django.urls import URLPattern
from django.utils.html import escapejs

from smt.api.common.openapi import SERVED
from smt.api.compat import limits as compat_limits
from smt.api.compat import urls as compat_urls
from smt.api.compat import views as compat_views
from smt.api.compat.openapi import compat_document
from smt.api.tdsp import urls as tdsp_urls
from smt.api.tdsp.openapi import tdsp_document
from smt.lib.fields import ISO_DATE, US_DATE, FieldInvalid, clean_date
from usage.services.ror import METER_UPDATABLE, PREMISE_UPDATABLE
from usage.tdsp.messages import HANDLERS, MESSAGE_ID_LENGTH

pytestmark = pytest.mark.django_db

APIS = {
    "compat": ("/api/", compat_urls, compat_document),
    "tdsp": ("/tdsp-api/v1/", tdsp_urls, tdsp_document),
}
METHODS = ("get", "post", "put", "patch", "delete")


def documented_path(pattern: URLPattern) -> str:
    """A route of urls.py as an OpenAPI path: <str:message_id> → {message_id}."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))


def routes(urls) -> set[str]:
    """The API's routes, without its document, its docs page and its catch-all 404."""
    return {
        documented_path(pattern)
        for pattern in urls.urlpatterns
        if pattern.name and not str(pattern.pattern).endswith(SERVED)
    }


@pytest.mark.parametrize("api", APIS)
def test_the_document_is_valid_openapi_3(client, api):
    prefix, _urls, build = APIS[api]
    response = client.get(f"{prefix}openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi+json"
    document = response.json()
    assert document == build()
    assert document["openapi"].startswith("3.0")
    schemathesis.openapi.from_dict(document).validate()  # the OpenAPI 3.0 schema
    as_yaml = client.get(f"{prefix}openapi.yaml")
    assert as_yaml.status_code == 200 and as_yaml.content.startswith(b"openapi: 3.0")
    assert yaml.safe_load(as_yaml.content) == document


@pytest.mark.parametrize("api", APIS)
def test_every_route_is_documented_and_nothing_else(api):
    _prefix, urls, build = APIS[api]
    assert set(build()["paths"]) == routes(urls)


@pytest.mark.parametrize("api", APIS)
def test_a_documented_method_is_answered_and_any_other_is_405(client, api, monkeypatch):
    minute = dataclasses.replace(compat_limits.ANONYMOUS_MINUTE, limit=1_000)  # 35 calls here
    monkeypatch.setattr(compat_limits, "ANONYMOUS_MINUTE", minute)
    _prefix, _urls, build = APIS[api]
    for path, operations in build()["paths"].items():
        url = path.replace("{message_id}", "m-1")
        for method in METHODS:
            status = getattr(client, method)(url).status_code
            if method in operations:
                assert status in (400, 401), (method, path, status)  # no credentials sent
            else:
                assert status == 405, (method, path, status)


@pytest.mark.parametrize("api", APIS)
def test_the_docs_page_is_public_and_self_hosted(client, api):
    prefix, _urls, _build = APIS[api]
    response = client.get(f"{prefix}docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "https://" not in html and "http://" not in html  # no CDN
    assert "style-src 'self'" in response["Content-Security-Policy"]
    script = client.get(f"{prefix}docs/", {"script": ""})
    assert script.status_code == 200
    assert f'url: "{escapejs(f"{prefix}openapi.json")}"' in script.content.decode()
    assert client.post(f"{prefix}docs/").status_code == 405
    assert client.post(f"{prefix}openapi.json").status_code == 405


def test_any_other_path_under_the_tdsp_api_is_a_json_404(client, key):  # API-4
    for path in ("/tdsp-api/v1/usage-files/a%2Fb", "/tdsp-api/v1/nothing", "/tdsp-api/v2/"):
        response = client.post(path, HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 404, path
        assert response.json()["code"] == "NOT_FOUND"


# --- what the documents publish is what the code does ------------------------------------------


def responses_of(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation["responses"]


def test_the_compat_document_publishes_the_limits_and_their_headers():  # BEY-3
    document = compat_document()
    description = document["info"]["description"]
    assert f"**{compat_limits.CALLS_PER_MINUTE} calls a\nminute**" in description
    assert f"{compat_limits.CALLS_PER_DAY:,} calls a day" in description
    assert f"{compat_limits.ANONYMOUS_PER_MINUTE} a minute" in description
    for name, responses in responses_of(document):
        assert "429" in responses, name
        assert "Retry-After" in responses["429"]["headers"], name
        for response in responses.values():
            assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(
                response["headers"]
            ), name


def test_the_compat_document_says_which_calls_need_the_token():  # API-1
    document = compat_document()
    for name, responses in responses_of(document):
        assert ("401" in responses) != name.startswith("POST /commonapi/"), name
    authenticate = document["paths"]["/commonapi/user/authenticate"]["post"]
    assert authenticate["security"] == []
    assert document["components"]["securitySchemes"]["smtToken"]["scheme"] == "bearer"


def test_the_compat_document_has_the_views_lengths():  # API-4
    schemas = compat_document()["components"]["schemas"]
    esiids = schemas["Esiids"]["oneOf"]
    assert esiids[0]["maxLength"] == compat_views.ESIID_LENGTH
    assert esiids[1]["maxItems"] == compat_views.MAX_ESIIDS
    meter_number = schemas["OdrRequest"]["properties"]["MeterNumber"]
    assert meter_number["maxLength"] == compat_views.METER_NUMBER_LENGTH


def test_every_tdsp_message_type_is_documented():  # API-3
    schemas = tdsp_document()["components"]["schemas"]
    documented = set(schemas["Message"]["discriminator"]["mapping"])
    assert documented == set(HANDLERS) | set(settings.TDSP_MESSAGE_HANDLERS)
    switch = schemas["SwitchMessage"]["properties"]
    assert switch["message_id"]["maxLength"] == MESSAGE_ID_LENGTH
    assert set(schemas["PremiseUpdateMessage"]["properties"]["changes"]["properties"]) == set(
        PREMISE_UPDATABLE
    )
    assert set(schemas["MeterUpdateMessage"]["properties"]["changes"]["properties"]) == set(
        METER_UPDATABLE
    )


DATES = [
    date(1900, 1, 1),
    date(1999, 12, 31),
    date(2024, 2, 29),
    date(2026, 11, 1),
    date(2100, 12, 31),
]


@pytest.mark.parametrize(
    "form, written, pattern",
    [
        (US_DATE, "%m/%d/%Y", lambda: compat_document()["components"]["schemas"]),
        (ISO_DATE, "%Y-%m-%d", lambda: tdsp_document()["components"]["schemas"]),
    ],
    ids=["MM/DD/YYYY", "YYYY-MM-DD"],
)
def test_a_documented_date_is_one_the_api_takes(form, written, pattern):  # API-4
    schemas = pattern()
    if form is US_DATE:
        date_pattern = schemas["UsageRequest"]["properties"]["startDate"]["pattern"]
    else:
        date_pattern = schemas["SwitchMessage"]["properties"]["effective_date"]["pattern"]
    for day in DATES:  # both ends of the years the API takes, and between
        text = day.strftime(written)
        assert re.fullmatch(date_pattern, text), text
        assert clean_date(text, field="d", form=form) == day
    for text in (
        date(1899, 12, 31).strftime(written),
        "2101" + date(2026, 1, 1).strftime(written)[4:] if form is ISO_DATE else "01/01/2101",
        "13/01/2026" if form is US_DATE else "2026-13-01",
    ):
        assert not re.fullmatch(date_pattern, text), text
        with pytest.raises(FieldInvalid):
            clean_date(text, field="d", form=form)


@pytest.mark.parametrize("docs", ["/tp-api/v1/docs/", "/api/docs/", "/tdsp-api/v1/docs/"])
def test_the_docs_pages_keep_their_style_out_of_the_page(client, docs):  # SEC-3
    response = client.get(docs)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<style" not in page
    assert "api-docs.css" in page
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
