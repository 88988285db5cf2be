"""API-4 for the 3rd-party API: every error is `{"code", "message", "field"?}` JSON, the
401/403/404/405/415/429 of the framework included; a field error also lists every field's
messages in `errors`. A service's refusal (`smt.lib.errors.Refused`) is a 400 naming its field,
or a 404 when it is about something the caller may not see."""

from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from smt.lib.errors import Refused

CODES = {
    exceptions.NotAuthenticated: "UNAUTHENTICATED",
    exceptions.AuthenticationFailed: "UNAUTHENTICATED",
    exceptions.PermissionDenied: "FORBIDDEN",
    exceptions.NotFound: "NOT_FOUND",
    exceptions.MethodNotAllowed: "METHOD_NOT_ALLOWED",
    exceptions.NotAcceptable: "NOT_ACCEPTABLE",
    exceptions.UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
    exceptions.Throttled: "RATE_LIMITED",
    exceptions.ParseError: "MALFORMED_JSON",
}


def _flat(detail: Any, path: str = "") -> dict[str, list[str]]:
    if isinstance(detail, dict):
        found: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            for field, messages in _flat(value, f"{path}.{name}".strip(".")).items():
                found.setdefault(field, []).extend(messages)
        return found
    if isinstance(detail, list):
        found = {}
        for item in detail:
            for field, messages in _flat(item, path).items():
                found.setdefault(field, []).extend(messages)
        return found
    return {path: [str(detail)]}


def error_body(code: str, message: str, field: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return {**body, **extra}


def refusal_response(refusal: Refused, *, code: str = "REFUSED") -> Response:
    """A service's no: 400 naming its field (and every field of a form-shaped refusal), or
    404 for something the caller may not see."""
    if getattr(refusal, "not_found", False):
        return Response(error_body("NOT_FOUND", str(refusal)), status=404)
    errors = getattr(refusal, "errors", None)
    extra = {"errors": errors} if isinstance(errors, dict) and len(errors) > 1 else {}
    return Response(
        error_body(getattr(refusal, "code", code), str(refusal), refusal.field or "", **extra),
        status=400,
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: the framework's answer, in the API-4 shape."""
    if isinstance(exc, Refused):
        return refusal_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 (logged), never a guess
    if isinstance(exc, exceptions.ValidationError):
        errors = _flat(exc.detail)
        field, messages = next(iter(errors.items()))  # the first field's first message
        response.data = error_body("INVALID", messages[0], field, errors=errors)
        return response
    code = next((c for kind, c in CODES.items() if isinstance(exc, kind)), "ERROR")
    detail = getattr(exc, "detail", "")
    response.data = error_body(code, str(detail) or _("Error."))
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        response.data["retryAfter"] = int(wait)
    return response


@csrf_exempt  # a token API: a POST to a wrong path is a JSON 404, not the CSRF page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other path under /tp-api/: a JSON 404, not the site's page."""
    return JsonResponse(
        error_body("NOT_FOUND", _("No such endpoint: %(path)s") % {"path": request.path}),
        status=status.HTTP_404_NOT_FOUND,
    )
