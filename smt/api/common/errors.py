"""API-4: an error is JSON with a code, a message and, when it is about one input, the field."""

from typing import Any

from django.http import JsonResponse

from smt.lib.errors import Refused


class ApiError(Exception):
    """Raised inside an API view; `json_endpoint` turns it into its JSON answer."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = "",
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.field = field or ""
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body

    def response(self) -> JsonResponse:
        return JsonResponse({**self.body(), **self.extra}, status=self.status)


def refused_error(
    refusal: Refused,
    *,
    status: int = 400,
    code: str = "REFUSED",
    error: type[ApiError] = ApiError,
    extra: dict[str, Any] | None = None,
) -> ApiError:
    """A service's refusal as an API error (`error`, the API's own shape): its message and
    field, under its own `code` when it has one, else `code`. A refusal with `not_found`
    names something the caller may not see, and is a 404 like an unknown id (USG-12)."""
    if getattr(refusal, "not_found", False):
        status = 404
    return error(status, getattr(refusal, "code", code), str(refusal), refusal.field, extra)
