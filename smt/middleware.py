"""Project-wide middleware.

`BadUrlMiddleware` answers 400 to a URL whose path or query string holds a NUL (`%00`) or
is not UTF-8 (an encoded lone surrogate such as `%ED%A0%80` is not): PostgreSQL refuses a
NUL in any query, so such a URL would otherwise be a 500 on every page that looks a value of
it up (API-4, SEC-4). It runs before sessions and views, so nothing reads the URL first. A
page answers Django's plain 400 page; an API's URL answers JSON in that API's shape.
"""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.views.defaults import bad_request

from smt.api.common.errors import ApiError
from smt.api.compat.views import SmtApiError

# The URL namespace of each API and its error's shape (API-1 answers in SMT's own keys).
API_ERRORS: dict[str, type[ApiError]] = {
    "api": SmtApiError,
    "tdsp_api": ApiError,
    "tp_api": ApiError,  # the same API-4 body as the 3rd-party API's own errors
}
MALFORMED_URL = "The URL holds a NUL character or is not UTF-8."


def url_is_malformed(request: HttpRequest) -> bool:
    """Whether the request's path or query string holds a NUL or bytes that are not UTF-8."""
    # Django has already turned the path's bytes that are not UTF-8 back into %XX escapes
    # (`repercent_broken_unicode`), so those are decoded once more to be found; the query
    # string is as the client sent it.
    query = unquote_to_bytes(request.META.get("QUERY_STRING", "").replace("+", " "))
    if "\x00" in request.path_info or b"\x00" in query:
        return True
    try:
        unquote_to_bytes(request.path_info).decode("utf-8")
        query.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _api_error(request: HttpRequest) -> type[ApiError] | None:
    try:
        namespace = resolve(request.path_info).namespace
    except Resolver404:
        return None
    return API_ERRORS.get(namespace)


class BadUrlMiddleware:
    """A URL holding a NUL or not UTF-8 is a 400, before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not url_is_malformed(request):
            return self.get_response(request)
        error = _api_error(request)
        if error is not None:
            return error(400, "INVALID_URL", MALFORMED_URL, "url").response()
        return bad_request(request, BadRequest(MALFORMED_URL))
