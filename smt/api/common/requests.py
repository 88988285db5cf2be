"""Reading an API request: its JSON body, its credentials, its view wrapper."""

import json
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import User
from smt.api.common.errors import ApiError

ErrorFactory = Callable[[int, str, str], ApiError]


class AuthenticatedHttpRequest(HttpRequest):
    """For type checking only: a request whose user an API's credential check has set."""

    user: User


def json_object(request: HttpRequest, *, error: ErrorFactory = ApiError) -> dict[str, Any]:
    """The request body as a JSON object; anything else is a 400 INVALID_JSON."""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as problem:
        raise error(400, "INVALID_JSON", "The request body is not valid JSON.") from problem
    if not isinstance(body, dict):
        raise error(400, "INVALID_JSON", "The request body must be a JSON object.")
    return body


def authorization_credential(request: HttpRequest, scheme: str) -> str:
    """The credential of an `Authorization: <scheme> <credential>` header, or "" when the
    header is missing or names another scheme (compared without case)."""
    given, _, credential = request.headers.get("Authorization", "").partition(" ")
    return credential.strip() if given.lower() == scheme.lower() else ""


def json_endpoint(methods: Iterable[str] = ("POST",)) -> Callable[[Callable], Callable]:
    """An API view: no CSRF (no cookies are used), only `methods`, and an ApiError raised
    inside becomes its JSON answer."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @require_http_methods(list(methods))
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except ApiError as error:
                return error.response()

        return wrapped

    return decorate
