"""API-2: who calls the 3rd-party API: `Authorization: Bearer <personal token>` (made under My
Profile, `accounts.services.api_tokens`). The token acts with its user's permissions."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import User
from accounts.services.api_tokens import personal_token_user

SCHEME = "Bearer"


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    """A live personal token; none is the anonymous caller (answered 401 by the views)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _space, raw = header.partition(" ")
        if scheme.lower() != SCHEME.lower() or not raw.strip():
            raise exceptions.AuthenticationFailed(
                _("Send the token as: Authorization: Bearer <token>.")
            )
        found = personal_token_of(request._request, raw.strip())
        if found is None:
            raise exceptions.AuthenticationFailed(
                _("The token is unknown, revoked, or its user may no longer sign in.")
            )
        return found

    def authenticate_header(self, request: Request) -> str:
        return f'{SCHEME} realm="tp-api"'


def personal_token_of(request: HttpRequest, raw: str) -> tuple[User, Any] | None:
    """`personal_token_user`, looked up once a request: the limits middleware asks first
    (to count the call against its token, BEY-3) and authentication reuses the answer."""
    remembered = getattr(request, "_personal_token", None)
    if remembered is not None and remembered[0] == raw:
        return remembered[1]
    found = personal_token_user(raw) if raw else None
    request._personal_token = (raw, found)  # type: ignore[attr-defined]
    return found


def caller(request: Request) -> User:
    """The token's user; the views' permissions have refused anyone else (401)."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI document's security scheme for the personal token."""

    target_class = PersonalTokenAuthentication
    name = "bearer"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "smt_live_… (a personal token from My Profile / API Tokens)",
        }
