"""Personal tokens of the 3rd-party API (API-2): made, listed and revoked by their user under
My Profile; a company admin sees and revokes the tokens of the company's users.

A token is `smt_live_<43 URL-safe characters>` (256 random bits), or `smt_test_…` for the
sandbox (BEY-5). Only its SHA-256 is stored, and it is shown once. It acts with exactly its
user's permissions, checked on every call like a session (ACC-10, ACC-19): a user who may no
longer sign in, or whose company is not active, has tokens that answer nothing.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from smt.lib.errors import Refused
from smt.lib.events import event_publish

from ..models import PersonalApiToken, User
from . import SignInReason, user_sign_in_reason

TOKEN_BYTES = 32  # 256 random bits
SHOWN_CHARACTERS = 4  # after the prefix, in lists: smt_live_AbCd…
ACTIVE_TOKENS_MAX = 10  # API-2 decision: per user
NAME_MAX = 60  # the column's length
LAST_USED_EVERY = timedelta(minutes=1)  # `last_used_at` is written at most this often
TOKEN_KINDS = {User.Kind.REP, User.Kind.THIRD_PARTY}  # the companies the API serves


class TokenRefused(Refused):
    """A token request the rules refuse; the message is for the user."""


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def personal_token_create(
    *, user: User, name: str, sandbox: bool = False
) -> tuple[PersonalApiToken, str]:
    """A new named token for `user` and its secret, to show once. Refused for users the
    3rd-party API does not serve, a blank or repeated name, or more than ACTIVE_TOKENS_MAX."""
    if user.kind not in TOKEN_KINDS or not user.company_id:
        raise TokenRefused(_("API tokens are for REP and 3rd-party users."))
    name = " ".join((name or "").split())
    if not name:
        raise TokenRefused(_("Name the token (for example, the system that will use it)."), "name")
    if len(name) > NAME_MAX:
        raise TokenRefused(
            _("The name is %(count)d characters long; the limit is %(max)d.")
            % {"count": len(name), "max": NAME_MAX},
            "name",
        )
    # The user's row is locked while counting, so two creations at once cannot pass the max.
    User.objects.select_for_update().filter(pk=user.pk).first()
    active = PersonalApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if active.count() >= ACTIVE_TOKENS_MAX:
        raise TokenRefused(
            _("You have %(max)d active tokens, the most allowed; revoke one first.")
            % {"max": ACTIVE_TOKENS_MAX}
        )
    prefix = PersonalApiToken.SANDBOX_PREFIX if sandbox else PersonalApiToken.LIVE_PREFIX
    raw = prefix + secrets.token_urlsafe(TOKEN_BYTES)
    try:
        with transaction.atomic():
            token = PersonalApiToken.objects.create(
                user=user,
                name=name,
                sandbox=sandbox,
                shown_prefix=raw[: len(prefix) + SHOWN_CHARACTERS],
                key_hash=_hash(raw),
                created_at=timezone.now(),
            )
    except IntegrityError:  # the same name, active: the unique constraint
        raise TokenRefused(
            _("You already have an active token named “%(name)s”.") % {"name": name}, "name"
        ) from None
    # BEY-5: a test token's company gets its sandbox (smt.sandbox subscribes).
    event_publish(
        kind="token.created",
        company_id=user.company_id,
        data={"prefix": token.shown_prefix, "name": token.name, "sandbox": sandbox},
    )
    return token, raw


def _may_revoke(actor: User, token: PersonalApiToken) -> bool:
    if token.user_id == actor.pk:
        return True
    return bool(
        actor.is_company_admin and actor.company_id and actor.company_id == token.user.company_id
    )


def personal_token_revoke(*, actor: User, token: PersonalApiToken) -> PersonalApiToken:
    """Revoke a token: its user, or an admin of its user's company. Revoking twice is
    harmless (the first time stands)."""
    if not _may_revoke(actor, token):
        raise TokenRefused(_("You cannot revoke this token."))
    now = timezone.now()
    revoked = PersonalApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    token.refresh_from_db()
    if revoked:  # BEY-2: once, the first time
        event_publish(
            kind="token.revoked",
            company_id=token.user.company_id,
            data={"prefix": token.shown_prefix, "name": token.name, "sandbox": token.sandbox},
        )
    return token


def personal_token_user(raw: str) -> tuple[User, PersonalApiToken] | None:
    """The user and token of a live secret, or None: unknown, revoked, or a user who may no
    longer sign in (ACC-6..ACC-10). Records when it was last used (at most once a minute)."""
    if not raw or not raw.startswith(
        (PersonalApiToken.LIVE_PREFIX, PersonalApiToken.SANDBOX_PREFIX)
    ):
        return None
    token = (
        PersonalApiToken.objects.select_related("user", "user__company")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or user_sign_in_reason(user=token.user) is not SignInReason.OK:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_EVERY:
        PersonalApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token


def personal_tokens_of(*, user: User) -> QuerySet[PersonalApiToken]:
    """My Profile / API Tokens: the user's own tokens, active first."""
    # Active (no revoked_at) first on every database: PostgreSQL sorts NULL last ascending.
    return PersonalApiToken.objects.filter(user=user).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at"
    )


def company_has_sandbox(*, company_id: int | None) -> bool:
    """BEY-5: a company has a sandbox once any of its users made a test token."""
    return (
        bool(company_id)
        and PersonalApiToken.objects.filter(user__company=company_id, sandbox=True).exists()
    )


def company_tokens_for_admin(*, admin: User) -> QuerySet[PersonalApiToken]:
    """A company admin's view of the active tokens of the company's other users."""
    if not admin.is_company_admin or not admin.company_id:
        return PersonalApiToken.objects.none()
    return (
        PersonalApiToken.objects.select_related("user")
        .filter(user__company=admin.company_id, revoked_at__isnull=True)
        .exclude(user=admin)
        .order_by("user__username", "-created_at")
    )
