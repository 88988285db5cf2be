"""Every write that matters for accounts, and the sign-in rules (SPEC §2).

Status changes go through `user_transition` / `company_transition`: they lock the row, check
the move with `workflow`, save, write a StatusChange row and schedule the emails, all in one
transaction.
"""

import hashlib
import hmac
import secrets
import string
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smt.lib.errors import Refused

from .. import emails, ratelimit
from ..models import (
    SECURITY_QUESTIONS,
    ApiToken,
    Company,
    Duns,
    DunsGrant,
    StatusChange,
    Tdsp,
    User,
)
from ..workflow import check_transition
from .sessions import sessions_delete_for_users

LOCKOUT_FAILURES = 5  # ACC-11: the 5th consecutive wrong password locks the account
TEMPORARY_PASSWORD_DAYS = 14  # ACC-6: a temporary password dies with its 14-day window
TEMPORARY_PASSWORD_LENGTH = 12


class SignInReason(StrEnum):
    """Why `user_sign_in` answered as it did, so no caller asks the database again."""

    OK = "ok"
    WRONG_CREDENTIALS = "wrong_credentials"  # ACC-11: unknown user ID or wrong password
    LOCKED = "locked"  # ACC-11
    INACTIVE = "inactive"  # ACC-7: neither Active nor Approved for the first log in
    TEMPORARY_PASSWORD_EXPIRED = "temporary_password_expired"  # ACC-6
    COMPANY_INACTIVE = "company_inactive"  # ACC-8, ACC-10
    NO_ACTIVE_DUNS = "no_active_duns"  # ACC-10
    RATE_LIMITED = "rate_limited"  # SEC-5: too many failures for this user ID or address


_SIGN_IN_MESSAGES = {
    SignInReason.WRONG_CREDENTIALS: gettext_lazy(
        "The User ID or password you entered is incorrect."
    ),
    SignInReason.LOCKED: gettext_lazy(
        "Your account is locked after too many failed log in attempts. "
        "Use Forgot Password to unlock it."
    ),
    SignInReason.INACTIVE: gettext_lazy(
        "Your account is not active. Please contact your company administrator or SMT."
    ),
    SignInReason.TEMPORARY_PASSWORD_EXPIRED: gettext_lazy(
        "Your temporary password has expired. Use Forgot Password to get a new one."
    ),
    SignInReason.COMPANY_INACTIVE: gettext_lazy("Your company's account is not active."),
    SignInReason.NO_ACTIVE_DUNS: gettext_lazy("None of your DUNS numbers is active."),
}


def sign_in_message(reason: SignInReason) -> str:
    """The message a person refused for `reason` sees, in the active language."""
    return str(_SIGN_IN_MESSAGES.get(reason, ""))


@dataclass(frozen=True)
class SignInResult:
    """`user` when the person may sign in; otherwise `reason` says why not and `error` is
    the message to show. A refusal by a rate limit says in `retry_after` how many seconds
    are left until the limit's window ends (SEC-5)."""

    user: User | None
    reason: SignInReason
    error: str = ""
    retry_after: int = 0

    @classmethod
    def refused(cls, reason: SignInReason) -> "SignInResult":
        return cls(user=None, reason=reason, error=sign_in_message(reason))

    @classmethod
    def limited(cls, retry_after: int) -> "SignInResult":
        return cls(
            user=None,
            reason=SignInReason.RATE_LIMITED,
            error=ratelimit.too_many_message(retry_after),
            retry_after=retry_after,
        )


@dataclass(frozen=True)
class PasswordResetResult:
    """`reset` when the answer was right (a temporary password was emailed, ACC-12);
    otherwise `error` is the message for the security answer field."""

    reset: bool
    error: str = ""


# --- history and status changes -----------------------------------------------------------


def status_change_record(
    *,
    subject: models.Model,
    from_status: str,
    to_status: str,
    actor: User | None = None,
    actor_label: str = "",
    reason: str = "",
) -> StatusChange:
    """SEC-7: who changed what, when and why."""
    return StatusChange.objects.create(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        subject_label=str(subject)[:150],
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_label=actor_label or (actor.username if actor else ""),
        reason=reason,
    )


# The models whose status moves through a `workflow` table.
StatusSubject = TypeVar("StatusSubject", User, Company, Duns)

# ACC-10: an account, company or DUNS moving to one of these may leave people who can no
# longer sign in; their sessions and API tokens end when the change commits.
ACCESS_ENDING_STATUSES = frozenset({"locked", "suspended", "revoked"})


def status_transition(
    *,
    subject: StatusSubject,
    workflow: str,
    to_status: str,
    actor: User | None = None,
    actor_label: str = "",
    reason: str = "",
) -> StatusSubject:
    """The one way a status changes (CONVENTIONS): lock the row, check the move against
    `workflow`'s table, save, write the history row. Returns the locked, updated row and
    updates `subject` in memory too. The caller's transaction makes it one unit."""
    # `__class__`, not type(): request.user is a lazy proxy that forwards `__class__`.
    locked = subject.__class__.objects.select_for_update().get(pk=subject.pk)
    check_transition(workflow, locked.status, to_status)
    from_status = locked.status
    locked.status = to_status
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_changed_at"])
    status_change_record(
        subject=locked,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_label=actor_label,
        reason=reason,
    )
    subject.status, subject.status_changed_at = locked.status, locked.status_changed_at
    if to_status in ACCESS_ENDING_STATUSES:
        users_end_access_on_commit(user_ids=_people_of(locked))
    return locked


def _people_of(subject: User | Company | Duns) -> list[int]:
    """The accounts whose access hangs on `subject` (ACC-10)."""
    if isinstance(subject, User):
        return [subject.pk]
    if isinstance(subject, Company):
        return list(subject.users.values_list("pk", flat=True))
    return list(DunsGrant.objects.filter(duns=subject).values_list("user_id", flat=True))


@transaction.atomic
def user_transition(
    *,
    user: User,
    to_status: str,
    actor: User | None = None,
    actor_label: str = "",
    reason: str = "",
    notify: bool = True,
) -> User:
    """Move an account to another status (ACC-7), with history and the owner's email."""
    locked = status_transition(
        subject=user,
        workflow="account",
        to_status=to_status,
        actor=actor,
        actor_label=actor_label,
        reason=reason,
    )
    if notify:
        emails.account_status_changed(user=locked, reason=reason)
    return user


@transaction.atomic
def company_transition(
    *,
    company: Company,
    to_status: str,
    actor: User | None = None,
    actor_label: str = "",
    reason: str = "",
) -> Company:
    """Move a company to another status (ACC-8), with history."""
    status_transition(
        subject=company,
        workflow="company",
        to_status=to_status,
        actor=actor,
        actor_label=actor_label,
        reason=reason,
    )
    return company


# --- sign-in ------------------------------------------------------------------------------


def temporary_password_expired(*, user: User) -> bool:
    expires = user.temporary_password_expires_at
    return user.must_change_password and expires is not None and expires <= timezone.now()


def users_with_sign_in_facts() -> QuerySet[User]:
    """Users with everything `user_sign_in_reason` reads, in one query: the company, and
    `has_active_duns`. Every request's user is loaded so (`UserIdBackend.get_user`), so
    checking ACC-10 on each request costs no query of its own."""
    active_grants = DunsGrant.objects.filter(user=OuterRef("pk"), duns__status=Duns.Status.ACTIVE)
    return User.objects.select_related("company").annotate(has_active_duns=Exists(active_grants))


def _holds_an_active_duns(user: User) -> bool:
    loaded: bool | None = getattr(user, "has_active_duns", None)  # users_with_sign_in_facts
    if loaded is not None:
        return loaded
    return user.duns_grants.filter(status=Duns.Status.ACTIVE).exists()


def user_sign_in_reason(*, user: User) -> SignInReason:
    """Whether this user may sign in now, and if not why (ACC-6, ACC-7, ACC-8, ACC-10).
    Asked at sign-in and again on every request of a session or API token."""
    if user.is_locked:
        return SignInReason.LOCKED
    # Approved accounts sign in once, with the temporary password, to finish set-up (ACC-6).
    approved_with_temporary = user.status == User.Status.APPROVED and user.must_change_password
    if user.status != User.Status.ACTIVE and not approved_with_temporary:
        return SignInReason.INACTIVE
    if temporary_password_expired(user=user):
        return SignInReason.TEMPORARY_PASSWORD_EXPIRED
    company_kinds = {User.Kind.REP, User.Kind.THIRD_PARTY, User.Kind.TDSP}
    company_status = user.company.status if user.company else None
    company_usable = company_status == Company.Status.ACTIVE or (
        company_status == Company.Status.APPROVED and approved_with_temporary  # first admin
    )
    if user.kind in company_kinds and not company_usable:
        return SignInReason.COMPANY_INACTIVE
    if user.works_by_duns and not _holds_an_active_duns(user):
        return SignInReason.NO_ACTIVE_DUNS
    return SignInReason.OK


def user_sign_in(*, user_id: str, password: str, address: str | None = None) -> SignInResult:
    """Check a user ID and password, counting failures toward the lockout (ACC-11) and the
    sign-in rate limits (SEC-5).

    Used by every sign-in path (pages and Django admin through the auth backend, the API
    directly), so a failure counts the same wherever it happens. An unknown user ID gets the
    same answer as a wrong password.

    SEC-5: only failures count, per user ID and per client `address` (None: not known, only
    the user ID's limit applies). A user ID over its limit is refused before the password
    is looked at. An address over its limit never refuses a correct password (an office
    shares one address): only the failures from it get the limit's answer.
    """
    retry_after = ratelimit.SIGN_IN_FAILURES_PER_USER_ID.reached(user_id)
    if retry_after:
        return SignInResult.limited(retry_after)
    result = _user_check_password(user_id=user_id, password=password)
    if result.user is not None:
        # Whoever failed on this user ID before, the owner has just proved the password.
        ratelimit.SIGN_IN_FAILURES_PER_USER_ID.clear(user_id)
        return result
    ratelimit.SIGN_IN_FAILURES_PER_USER_ID.hit(user_id)
    if address is not None:
        retry_after = ratelimit.SIGN_IN_FAILURES_PER_ADDRESS.hit(address)
        if retry_after:
            return SignInResult.limited(retry_after)
    return result


def _user_check_password(*, user_id: str, password: str) -> SignInResult:
    """ACC-10, ACC-11 without the rate limits."""
    user = User.objects.select_related("company").filter(username__iexact=user_id).first()
    if user is None:
        make_password(password)  # spend the same time as a real check
        return SignInResult.refused(SignInReason.WRONG_CREDENTIALS)
    if user.is_locked:
        return SignInResult.refused(SignInReason.LOCKED)
    if not user.check_password(password):
        return SignInResult.refused(user_record_failed_attempt(user=user))
    if user.failed_login_count:
        User.objects.filter(pk=user.pk).update(failed_login_count=0)
        user.failed_login_count = 0
    reason = user_sign_in_reason(user=user)
    if reason is not SignInReason.OK:
        return SignInResult.refused(reason)
    return SignInResult(user=user, reason=SignInReason.OK)


@transaction.atomic
def user_record_failed_attempt(*, user: User) -> SignInReason:
    """A wrong password or security answer (ACC-11, ACC-12); the 5th in a row locks.
    Returns LOCKED when the account is locked now, else WRONG_CREDENTIALS."""
    # Counted in the database so concurrent attempts cannot lose a failure.
    User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
    user.refresh_from_db(fields=["failed_login_count", "status"])
    if user.failed_login_count >= LOCKOUT_FAILURES and user.status == User.Status.ACTIVE:
        user_transition(
            user=user,
            to_status=User.Status.LOCKED,
            actor_label="system",
            reason=_("Too many failed attempts."),
            notify=False,
        )
    return SignInReason.LOCKED if user.is_locked else SignInReason.WRONG_CREDENTIALS


# --- passwords and security questions -----------------------------------------------------


def _random_password() -> str:
    # Letters, digits and a symbol, so it passes every password validator.
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(TEMPORARY_PASSWORD_LENGTH)) + "!"


@transaction.atomic
def user_issue_temporary_password(*, user: User, purpose: str, comment: str = "") -> None:
    """ACC-6: a random single-use password, stored hashed, emailed, valid 14 days.

    `purpose` is "approved" (a new account) or "reset" (Forgot Password); `comment` is the
    approving admin's note to the owner (ACC-16).
    """
    password = _random_password()
    expires_at = timezone.now() + timedelta(days=TEMPORARY_PASSWORD_DAYS)
    user.set_password(password)
    user.must_change_password = True
    user.temporary_password_expires_at = expires_at
    user.failed_login_count = 0
    user.save(
        update_fields=[
            "password",
            "must_change_password",
            "temporary_password_expires_at",
            "failed_login_count",
        ]
    )
    emails.temporary_password(
        user=user, password=password, expires_at=expires_at, purpose=purpose, comment=comment
    )


def normalize_security_answer(answer: str) -> str:
    """ACC-12: answers are not case sensitive; outer spaces do not count either."""
    return " ".join(answer.split()).casefold()


def security_answer_hash(answer: str) -> str:
    return make_password(normalize_security_answer(answer))


def security_answer_matches(*, user: User, answer: str) -> bool:
    if not user.security_answer_hash:
        return False
    return check_password(normalize_security_answer(answer), user.security_answer_hash)


@transaction.atomic
def user_replace_temporary_password(*, user: User, new_password: str) -> None:
    """The temporary password is single-use (ACC-6): the first log in replaces it."""
    user.set_password(new_password)
    user.must_change_password = False
    user.temporary_password_expires_at = None
    user.save(update_fields=["password", "must_change_password", "temporary_password_expires_at"])


@transaction.atomic
def user_complete_set_up(*, user: User, new_password: str, question: str, answer: str) -> None:
    """First log in with a temporary password (ACC-6): permanent password and security
    question; an Approved account, and a company whose first admin this is, become Active."""
    user_replace_temporary_password(user=user, new_password=new_password)
    user_change_security_question(user=user, question=question, answer=answer)
    if user.status == User.Status.APPROVED:
        user_transition(
            user=user,
            to_status=User.Status.ACTIVE,
            actor=user,
            reason=_("First log in completed."),
            notify=False,
        )
    if user.company and user.company.status == Company.Status.APPROVED:
        company_transition(
            company=user.company,
            to_status=Company.Status.ACTIVE,
            actor=user,
            reason=_("First administrator logged in."),
        )


def user_change_password(*, user: User, new_password: str) -> None:
    """ACC-14: the form has checked the current password and the rules of ACC-5."""
    user.set_password(new_password)
    user.save(update_fields=["password"])


def user_change_security_question(*, user: User, question: str, answer: str) -> None:
    user.security_question = question
    user.security_answer_hash = security_answer_hash(answer)
    user.save(update_fields=["security_question", "security_answer_hash"])


PROFILE_FIELDS = ("first_name", "middle_initial", "last_name", "suffix", "phone", "email")


def user_update_profile(*, user: User, changes: Mapping[str, Any]) -> None:
    """ACC-14: name, middle initial, suffix, phone, email; customers also language."""
    fields = [name for name in (*PROFILE_FIELDS, "language", "title") if name in changes]
    for name in fields:
        setattr(user, name, changes[name])
    user.save(update_fields=fields)


# --- forgot password / user ID ------------------------------------------------------------


def user_for_password_reset(*, user_id: str) -> User | None:
    """ACC-12: the account of this user ID if it can use Forgot Password (Active or Locked,
    with a security question)."""
    user = User.objects.filter(username__iexact=user_id).first()
    if user is None or not user.security_answer_hash:
        return None
    if user.status not in {User.Status.ACTIVE, User.Status.LOCKED}:
        return None
    return user


def _decoy_security_question(user_id: str) -> str:
    """One of the questions, always the same for the same user ID, and unguessable without
    the secret key: what an unknown user ID is asked, so step 2 looks like a real one."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), b"decoy-question:" + user_id.casefold().encode(), "sha256"
    ).digest()
    with translation.override("en"):  # stored questions are the English text; pages translate
        return str(SECURITY_QUESTIONS[digest[0] % len(SECURITY_QUESTIONS)])


def password_reset_question(*, user_id: str) -> str:
    """ACC-12 step 2: the question asked for the user ID typed at step 1. An ID that cannot
    reset (unknown, not Active or Locked, no question yet) gets a decoy question whose every
    answer is wrong, so Forgot Password never tells whether a user ID exists."""
    user = user_for_password_reset(user_id=user_id)
    return user.security_question if user else _decoy_security_question(user_id)


WRONG_SECURITY_ANSWER = gettext_lazy("That answer does not match the one in your profile.")


def password_reset_answer(*, user_id: str, answer: str) -> PasswordResetResult:
    """ACC-12 step 2 for the user ID typed at step 1: `user_reset_password` for an account
    that can reset; for any other ID the answer is wrong, after the same hashing work."""
    user = user_for_password_reset(user_id=user_id)
    if user is None:
        make_password(normalize_security_answer(answer))  # spend the time a check would
        return PasswordResetResult(reset=False, error=str(WRONG_SECURITY_ANSWER))
    return user_reset_password(user=user, answer=answer)


@transaction.atomic
def user_reset_password(*, user: User, answer: str) -> PasswordResetResult:
    """ACC-12 step 2: the right answer emails a new temporary password and unlocks; a wrong
    one counts toward the lockout (ACC-11), and says so once the account is locked."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not security_answer_matches(user=user, answer=answer):
        if user_record_failed_attempt(user=user) is SignInReason.LOCKED:
            return PasswordResetResult(reset=False, error=sign_in_message(SignInReason.LOCKED))
        return PasswordResetResult(reset=False, error=str(WRONG_SECURITY_ANSWER))
    if user.is_locked:
        user_transition(
            user=user,
            to_status=User.Status.ACTIVE,
            actor=user,
            reason=_("Unlocked with Forgot Password."),
            notify=False,
        )
    user_issue_temporary_password(user=user, purpose="reset")
    # The owner proved who they are: failures others made on this user ID stop counting.
    ratelimit.SIGN_IN_FAILURES_PER_USER_ID.clear(user.username)
    return PasswordResetResult(reset=True)


def user_ids_send_reminder(*, email: str) -> None:
    """ACC-13: one email listing every user ID with this address; nothing if none."""
    users = list(User.objects.filter(email__iexact=email).order_by("username"))
    if users:
        emails.user_id_reminder(email=users[0].email, users=users)


# --- ending access (ACC-10) -------------------------------------------------------------

# The accounts to check when the current transaction commits. One status change can touch
# many accounts (a company revoked with its accounts), and finding sessions means reading
# the session store, so a transaction's accounts are checked together by the first of its
# callbacks; the others find nothing left. Ids left here by a transaction rolled back are
# checked with the next one: harmless, as only accounts that may not sign in are ended.
_pending_access_checks = threading.local()


def users_end_access_on_commit(*, user_ids: Iterable[int]) -> None:
    """When the current transaction commits, end the web sessions and API tokens of those
    of these accounts that may no longer sign in (ACC-10): a suspended, revoked or locked
    account, or one whose company or last Active DUNS went, is signed out at once."""
    pending: set[int] = getattr(_pending_access_checks, "user_ids", set())
    pending.update(user_ids)
    _pending_access_checks.user_ids = pending
    transaction.on_commit(_users_end_pending_access, robust=True)


def _users_end_pending_access() -> None:
    user_ids: set[int] = getattr(_pending_access_checks, "user_ids", set())
    _pending_access_checks.user_ids = set()
    if user_ids:
        users_end_access(user_ids=user_ids)


def users_end_access(*, user_ids: Iterable[int]) -> list[int]:
    """End the sessions and API tokens of those of these accounts that may not sign in now
    (ACC-10); returns their ids. Accounts that still may are left alone."""
    refused = [
        user.pk
        for user in users_with_sign_in_facts().filter(pk__in=list(user_ids))
        if user_sign_in_reason(user=user) is not SignInReason.OK
    ]
    if refused:
        ApiToken.objects.filter(user__in=refused).delete()
        sessions_delete_for_users(user_ids=refused)
    return refused


# --- new accounts -------------------------------------------------------------------------


def account_create(
    *, user_id: str, status: str, reason: str, actor_label: str = "", **fields: Any
) -> User:
    """Every new account, with its first history row (SEC-7). It has no usable password
    until a temporary one is issued (ACC-6); `actor_label` names who created it when it was
    not the owner registering."""
    user = User(username=user_id, status=status, status_changed_at=timezone.now(), **fields)
    user.set_unusable_password()
    user.save()
    status_change_record(
        subject=user,
        from_status="",
        to_status=status,
        actor=None if actor_label else user,
        actor_label=actor_label,
        reason=reason,
    )
    return user


@transaction.atomic
def customer_account_create(
    *,
    kind: str,
    user_id: str,
    email: str,
    first_name: str,
    last_name: str,
    phone: str,
    language: str = "en",
    middle_initial: str = "",
    suffix: str = "",
    business_name: str = "",
    title: str = "",
) -> User:
    """ACC-3: a residential or business customer account, Approved with a temporary password
    emailed (ACC-6); the caller attaches the meter in the same transaction."""
    user = account_create(
        user_id=user_id,
        status=User.Status.APPROVED,
        reason=_("Customer registration."),
        kind=kind,
        email=email,
        first_name=first_name,
        last_name=last_name,
        middle_initial=middle_initial,
        suffix=suffix,
        phone=phone,
        # ACC-3: only residential customers choose a language.
        language=language if kind == User.Kind.RESIDENTIAL else "en",
        business_name=business_name,
        title=title,
        terms_accepted_at=timezone.now(),
    )
    user_issue_temporary_password(user=user, purpose="approved")
    return user


# --- staff accounts (OPS-3) ---------------------------------------------------------------


class StaffAccountRefused(Refused):
    """The account cannot be created as asked; the message says why."""


@transaction.atomic
def staff_account_create(
    *,
    kind: str,
    user_id: str,
    email: str,
    first_name: str,
    last_name: str,
    tdsp_code: str = "",
    is_company_admin: bool = False,
    actor_label: str = "manage.py create_staff_account",
) -> User:
    """OPS-3: a TDSP or SMT staff account, Approved with a temporary password emailed, as
    the pages do for every other account (ACC-6). TDSP accounts belong to their TDSP's
    company; SMT staff run the portal from Django admin (OPS-1)."""
    if User.objects.filter(username__iexact=user_id).exists():
        raise StaffAccountRefused(_("That user ID is already taken."))
    company = None
    if kind == User.Kind.TDSP:
        tdsp = Tdsp.objects.select_related("company").filter(code=tdsp_code).first()
        if tdsp is None or tdsp.company is None:
            codes = ", ".join(Tdsp.objects.exclude(company=None).values_list("code", flat=True))
            raise StaffAccountRefused(
                _("Unknown TDSP %(code)r; choose one of: %(codes)s.")
                % {"code": tdsp_code, "codes": codes or "-"}
            )
        company = tdsp.company
    elif kind != User.Kind.SMT_STAFF:
        raise StaffAccountRefused(_("Only TDSP and SMT staff accounts are created here."))
    smt_staff = kind == User.Kind.SMT_STAFF
    user = account_create(
        user_id=user_id,
        status=User.Status.APPROVED,
        reason=_("Created by SMT staff."),
        actor_label=actor_label,
        kind=kind,
        company=company,
        is_company_admin=is_company_admin and not smt_staff,
        is_staff=smt_staff,
        is_superuser=smt_staff,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    user_issue_temporary_password(user=user, purpose="approved")
    return user


# --- API tokens (API-1) ------------------------------------------------------------------------

API_TOKEN_IDLE_MINUTES = 15  # API-1: like SMT's, a token dies after 15 quiet minutes


def _api_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_issue(*, user: User) -> str:
    """A new bearer token for a signed-in user; only its hash is kept."""
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    ApiToken.objects.create(
        user=user,
        key_hash=_api_token_hash(raw),
        expires_at=now + timedelta(minutes=API_TOKEN_IDLE_MINUTES),
    )
    return raw


def api_token_user(raw: str) -> User | None:
    """The user of a live token, whose quiet-time window restarts; None when unknown,
    expired, or the account may no longer sign in (ACC-10)."""
    if not raw:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__company")
        .filter(key_hash=_api_token_hash(raw), expires_at__gt=now)
        .first()
    )
    if token is None or user_sign_in_reason(user=token.user) is not SignInReason.OK:
        return None
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=now + timedelta(minutes=API_TOKEN_IDLE_MINUTES)
    )
    return token.user
