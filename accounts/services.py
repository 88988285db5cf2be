"""Every write that matters for accounts, and the sign-in rules (ACC-10, ACC-11)."""

from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Company, Duns, User

LOCKOUT_FAILURES = 5  # ACC-11: the 5th consecutive wrong password locks the account

WRONG_CREDENTIALS = _("The User ID or password you entered is incorrect.")


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str = ""


def user_sign_in_refusal(user: User) -> str:
    """Why this user may not sign in now, or "" if they may (ACC-7, ACC-8, ACC-10)."""
    if user.status == User.Status.LOCKED:
        return _(
            "Your account is locked after too many failed log in attempts. "
            "Use Forgot Password to unlock it."
        )
    if user.status != User.Status.ACTIVE:
        return _("Your account is not active. Please contact your company administrator or SMT.")
    company_kinds = {User.Kind.REP, User.Kind.THIRD_PARTY, User.Kind.TDSP}
    if user.kind in company_kinds and (
        user.company is None or user.company.status != Company.Status.ACTIVE
    ):
        return _("Your company's account is not active.")
    needs_duns = user.kind in {User.Kind.REP, User.Kind.THIRD_PARTY}
    if needs_duns and not user.duns_grants.filter(status=Duns.Status.ACTIVE).exists():
        return _("None of your DUNS numbers is active.")
    return ""


def user_sign_in(*, user_id: str, password: str) -> SignInResult:
    """Check a user ID and password, counting failures toward the lockout (ACC-11).

    Used by every sign-in path (pages, Django admin, API) through the auth backend, so a
    failure counts the same wherever it happens. An unknown user ID gets the same answer as
    a wrong password.
    """
    user = User.objects.select_related("company").filter(username__iexact=user_id).first()
    if user is None:
        make_password(password)  # spend the same time as a real check
        return SignInResult(None, WRONG_CREDENTIALS)
    if user.status == User.Status.LOCKED:
        return SignInResult(None, user_sign_in_refusal(user))
    if not user.check_password(password):
        return SignInResult(None, _user_record_failed_sign_in(user))
    if user.failed_login_count:
        User.objects.filter(pk=user.pk).update(failed_login_count=0)
        user.failed_login_count = 0
    refusal = user_sign_in_refusal(user)
    return SignInResult(None if refusal else user, refusal)


@transaction.atomic
def _user_record_failed_sign_in(user: User) -> str:
    # Counted in the database so concurrent attempts cannot lose a failure.
    User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
    user.refresh_from_db(fields=["failed_login_count", "status"])
    if user.failed_login_count >= LOCKOUT_FAILURES and user.status == User.Status.ACTIVE:
        user_set_status(user=user, status=User.Status.LOCKED)
        return user_sign_in_refusal(user)
    return WRONG_CREDENTIALS


def user_set_status(*, user: User, status: str) -> None:
    user.status = status
    user.status_changed_at = timezone.now()
    user.save(update_fields=["status", "status_changed_at"])


def normalize_security_answer(answer: str) -> str:
    """ACC-12: answers are not case sensitive; outer spaces do not count either."""
    return " ".join(answer.split()).casefold()


def security_answer_hash(answer: str) -> str:
    return make_password(normalize_security_answer(answer))


def security_answer_matches(*, user: User, answer: str) -> bool:
    if not user.security_answer_hash:
        return False
    return check_password(normalize_security_answer(answer), user.security_answer_hash)
