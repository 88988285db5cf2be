"""OpenAPI 3 documents of the APIs whose views are plain Django (API-1, API-3), built in Python
from the constants the views check against, so a length, a limit or a list of types in the
document is the one the code enforces. drf-spectacular writes the 3rd-party API's (API-2);
these are served the same way: `openapi.json`, `openapi.yaml` and a `docs/` page with the
self-hosted Swagger UI of drf-spectacular-sidecar, public and GET only.
"""

import re
from collections.abc import Callable
from typing import Any

import yaml
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularSwaggerSplitView

from smt.lib.fields import MAX_YEAR, MIN_YEAR

Schema = dict[str, Any]
Document = dict[str, Any]
OPENAPI_VERSION = "3.0.3"
JSON_TYPE = "application/vnd.oai.openapi+json"  # as drf-spectacular serves the tp-api's
YAML_TYPE = "application/vnd.oai.openapi"
# What `smt.lib.fields.clean_text` refuses in any text field: C0 and C1 control characters.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f]*$"
SERVED = ("openapi.json", "openapi.yaml", "docs/")  # the document's own routes, undocumented


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def text(max_length: int, *, description: str = "", pattern: str | None = None) -> Schema:
    """A text field as `clean_text` checks it: trimmed, 1 to `max_length` characters, no
    control characters (or matching `pattern` whole)."""
    schema: Schema = {
        "type": "string",
        "minLength": 1,
        "maxLength": max_length,
        "pattern": pattern or NO_CONTROL_CHARACTERS,
    }
    if description:
        schema["description"] = description
    return schema


def whole(pattern: re.Pattern[str] | str) -> str:
    """A Python pattern the code matches with `fullmatch`, anchored for JSON Schema."""
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    assert "(?P<" not in source  # named groups are Python's, not JSON Schema's (ECMA 262)
    return f"^(?:{source})$"


def _years() -> str:
    """The years MIN_YEAR..MAX_YEAR `smt.lib.fields` accepts, as a pattern (1900..2100:
    19xx, 20xx or 2100)."""
    assert MIN_YEAR % 100 == 0 and MAX_YEAR % 100 == 0  # whole centuries, then the last year
    centuries = [f"{century}[0-9]{{2}}" for century in range(MIN_YEAR // 100, MAX_YEAR // 100)]
    return "|".join([*centuries, str(MAX_YEAR)])


MONTH, DAY = "0[1-9]|1[0-2]", "0[1-9]|[12][0-9]|3[01]"


def iso_date(description: str) -> Schema:
    """A date as `clean_date(form=ISO_DATE)` takes it: YYYY-MM-DD, MIN_YEAR..MAX_YEAR."""
    return {
        "type": "string",
        "pattern": f"^({_years()})-({MONTH})-({DAY})$",
        "description": description,
        "example": "2026-05-01",
    }


def us_date(description: str) -> Schema:
    """A date as `clean_date(form=US_DATE)` takes it: MM/DD/YYYY (M/D/YYYY too)."""
    return {
        "type": "string",
        "pattern": f"^(0?[1-9]|1[0-2])/(0?[1-9]|[12][0-9]|3[01])/({_years()})$",
        "description": description,
        "example": "05/01/2026",
    }


def json_body(schema: Schema, *, description: str = "") -> Schema:
    body: Schema = {"required": True, "content": {"application/json": {"schema": schema}}}
    if description:
        body["description"] = description
    return body


def answer(description: str, schema: Schema | None = None, **headers: Schema) -> Schema:
    """One response: its JSON body's schema and its headers."""
    response: Schema = {"description": description}
    if schema is not None:
        response["content"] = {"application/json": {"schema": schema}}
    if headers:
        response["headers"] = headers
    return response


def header(description: str, schema_type: str = "integer", *, required: bool = True) -> Schema:
    return {"description": description, "required": required, "schema": {"type": schema_type}}


def with_headers(operations: dict[str, Schema], headers: dict[str, Schema]) -> None:
    """Add `headers` to every response of every operation (the limits' headers, BEY-3)."""
    for methods in operations.values():
        for operation in methods.values():
            for response in operation["responses"].values():
                response.setdefault("headers", {}).update(headers)


# --- serving -----------------------------------------------------------------------------------


def document_routes(
    prefix: str, build: Callable[[], Document], *, name: str, title: str
) -> list[URLPattern]:
    """`<prefix>openapi.json`, `<prefix>openapi.yaml` and `<prefix>docs/` for the document
    `build` returns; `name` is the URL namespace, which names them `<name>:openapi` and so
    on. Built on each request: the document is small and always says what the code says."""

    @require_GET
    def as_json(request: HttpRequest) -> HttpResponse:
        return JsonResponse(build(), content_type=JSON_TYPE, json_dumps_params={"indent": 2})

    @require_GET
    def as_yaml(request: HttpRequest) -> HttpResponse:
        text = yaml.safe_dump(build(), sort_keys=False, allow_unicode=True, width=100)
        return HttpResponse(text, content_type=f"{YAML_TYPE}; charset=utf-8")

    docs = SpectacularSwaggerSplitView.as_view(url_name=f"{name}:openapi", title=title)
    return [
        path(f"{prefix}openapi.json", as_json, name="openapi"),
        path(f"{prefix}openapi.yaml", as_yaml, name="openapi_yaml"),
        path(f"{prefix}docs/", require_GET(docs), name="docs"),
    ]
