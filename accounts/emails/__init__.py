"""Which email goes out for which account event (NTF-2)."""

from datetime import datetime

from django.utils import formats, timezone, translation

from notifications.services import send_email

from ..models import User


def _date(value: datetime, language: str) -> str:
    """A date in the recipient's language's one format (UX-3), whatever the request's."""
    with translation.override(language):
        return formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")


def _status_label(user: User) -> str:
    with translation.override(user.language):
        return str(User.Status(user.status).label)


def temporary_password(
    *, user: User, password: str, expires_at: datetime, purpose: str, comment: str = ""
) -> None:
    """Approved account or Forgot Password: the temporary password, valid until
    `expires_at` (ACC-6, ACC-12). A customer who registered themself (ACC-3) gets a welcome,
    not the "request approved" email of company users (issue 15)."""
    if purpose == "approved" and user.is_customer:
        purpose = "welcome"
    send_email(
        to=user.email,
        template=f"accounts/temporary_password_{purpose}",
        language=user.language,
        related=user,
        context={
            "first_name": user.first_name,
            "user_id": user.username,
            "temporary_password": password,
            "expires_on": _date(expires_at, user.language),
            "comment": comment,
        },
        secret_keys=("temporary_password",),
    )


def account_status_changed(*, user: User, reason: str) -> None:
    """ACC-17: every status change is emailed to the owner, with the comment."""
    send_email(
        to=user.email,
        template="accounts/status_changed",
        language=user.language,
        related=user,
        context={
            "first_name": user.first_name,
            "user_id": user.username,
            "status": user.status,
            "status_label": _status_label(user),
            "reason": reason,
        },
    )


def user_id_reminder(*, email: str, users: list[User]) -> None:
    """ACC-13: every user ID registered with this email address."""
    send_email(
        to=email,
        template="accounts/user_id_reminder",
        language=users[0].language,
        context={"user_ids": [user.username for user in users]},
    )
