"""Reading an API request: its JSON body, its credentials, its view wrapper.

A body is read only after the caller's credential has been checked (a view authenticates,
then asks for the body), and it is refused whole, as a 400 naming `body` or the field, when
it is too large, nested too deep, not a JSON object, or holds a NUL or an unpaired
surrogate anywhere: PostgreSQL refuses those, so they must never get as far as a query
(API-4: bad input is a 400, never a 500).
"""

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import User
from smt.api.common.errors import ApiError

# Called as error(status, code, message[, field]): ApiError or an API's own subclass.
ErrorFactory = Callable[..., ApiError]

MAX_BODY_BYTES = 64 * 1024  # API-4: the largest real body (100 ESIIDs) is ~3 KB
MAX_BODY_DEPTH = 10  # API-4: real bodies nest 2 deep (a list of ESIIDs, the `changes`)
BODY = "body"  # the field an error about the whole body names

# What a JSON text may hold that no field may: a NUL (PostgreSQL refuses it in text and in
# jsonb) and a lone UTF-16 surrogate ("\ud800" decodes to one; it cannot be encoded again).
_FORBIDDEN = re.compile(r"[\x00\ud800-\udfff]")
# The characters that decide nesting: quotes, escapes inside strings, brackets.
_STRUCTURE = re.compile(r'[\\"\[\]{}]')


class AuthenticatedHttpRequest(HttpRequest):
    """For type checking only: a request whose user an API's credential check has set."""

    user: User


def _nesting_exceeds(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than `limit`: one linear pass over the
    text, before the parser (whose recursion a deep body would exhaust) sees it."""
    depth, in_string, skip_to = 0, False, 0
    for mark in _STRUCTURE.finditer(text):
        at, char = mark.start(), mark.group()
        if at < skip_to:
            continue
        if in_string:
            if char == "\\":
                skip_to = at + 2  # the escaped character, whatever it is
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: Python's parser allows them


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999: jsonb cannot store it
        raise ValueError("number out of range")
    return number


def _forbidden_character_at(body: Any) -> str | None:
    """The dotted path of the first string (value or key) holding a NUL or a lone
    surrogate, `body` for the object itself; None when there is none."""
    todo: list[tuple[Any, str]] = [(body, "")]
    while todo:
        value, path = todo.pop()
        if isinstance(value, str):
            if _FORBIDDEN.search(value):
                return path or BODY
        elif isinstance(value, dict):
            for key, item in value.items():
                if _FORBIDDEN.search(key):
                    return path or BODY
                todo.append((item, f"{path}.{key}" if path else key))
        elif isinstance(value, list):
            todo.extend((item, f"{path}[{index}]") for index, item in enumerate(value))
    return None


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def json_object(request: HttpRequest, *, error: ErrorFactory = ApiError) -> dict[str, Any]:
    """The request body as a JSON object (API-4). Call it after the credential check. Too
    large, too deep, not JSON, not an object, or a NUL or lone surrogate in any string: a
    400 naming `body` (or the field holding the bad character)."""
    too_large = f"The request body is over {MAX_BODY_BYTES} bytes."
    if _declared_length(request) > MAX_BODY_BYTES:  # refused unread
        raise error(400, "BODY_TOO_LARGE", too_large, BODY)
    try:
        raw = request.body
    except RequestDataTooBig as problem:
        raise error(400, "BODY_TOO_LARGE", too_large, BODY) from problem
    if len(raw) > MAX_BODY_BYTES:
        raise error(400, "BODY_TOO_LARGE", too_large, BODY)
    try:
        text = raw.decode("utf-8") if raw else "{}"  # strict: encoded surrogates refused too
        if _nesting_exceeds(text, MAX_BODY_DEPTH):
            raise error(
                400,
                "BODY_TOO_DEEP",
                f"The request body nests more than {MAX_BODY_DEPTH} levels deep.",
                BODY,
            )
        body = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as problem:  # UnicodeDecodeError is a ValueError
        raise error(400, "INVALID_JSON", "The request body is not valid JSON.", BODY) from problem
    if not isinstance(body, dict):
        raise error(400, "INVALID_JSON", "The request body must be a JSON object.", BODY)
    field = _forbidden_character_at(body)
    if field is not None:
        raise error(
            400,
            "INVALID_CHARACTER",
            "The request body holds a NUL character or an unpaired surrogate.",
            field,
        )
    return body


class JsonBody(Mapping[str, Any]):
    """The request's JSON object, read (by `json_object`) on first use: a view wrapper hands
    it on, the credential check runs, and only then does the view's first look parse it, so
    an unauthenticated caller never gets a body parsed."""

    def __init__(self, request: HttpRequest, *, error: ErrorFactory = ApiError) -> None:
        self._request, self._error = request, error
        self._object: dict[str, Any] | None = None

    def _parsed(self) -> dict[str, Any]:
        if self._object is None:
            self._object = json_object(self._request, error=self._error)
        return self._object

    def __getitem__(self, key: str) -> Any:
        return self._parsed()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parsed())

    def __len__(self) -> int:
        return len(self._parsed())


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
