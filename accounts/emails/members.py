"""Emails for requests to join a company and for Manage Users (ACC-2, ACC-16, ACC-17)."""

from notifications.services import send_email

from ..models import Company, User
from ..selectors import company_language


def _owner_context(user: User) -> dict[str, object]:
    return {
        "first_name": user.first_name,
        "user_id": user.username,
        "company_name": user.company.name if user.company else "",
        "as_admin": user.is_company_admin,
    }


def access_requested(*, user: User) -> None:
    """ACC-2: the requester learns the request waits for a company administrator."""
    send_email(
        to=user.email,
        template="accounts/access_requested",
        language=user.language,
        related=user,
        context=_owner_context(user),
    )


def access_request_pending(*, user: User, company: Company, admins: list[User]) -> None:
    """ACC-2, seed 003 §5.2: the company email and its administrators are told a request
    to join `company` waits in its Pending Approval queue; each address gets one email."""
    recipients = {company.email.casefold(): (company.email, company_language(company=company))}
    for admin in admins:
        recipients.setdefault(admin.email.casefold(), (admin.email, admin.language))
    for address, language in recipients.values():
        send_email(
            to=address,
            template="accounts/access_request_pending",
            language=language,
            related=user,
            context={
                "company_name": company.name,
                "requester_name": user.display_name,
                "requester_user_id": user.username,
                "requester_email": user.email,
                "as_admin": user.is_company_admin,
            },
        )


def access_declined(*, user: User, comment: str) -> None:
    """ACC-16: a declined request is deleted; its owner gets the admin's comment."""
    send_email(
        to=user.email,
        template="accounts/access_declined",
        language=user.language,
        context={**_owner_context(user), "comment": comment},
    )


def access_changed(*, user: User, comment: str) -> None:
    """ACC-17: DUNS, permissions or role changed by an administrator."""
    send_email(
        to=user.email,
        template="accounts/access_changed",
        language=user.language,
        related=user,
        context={
            **_owner_context(user),
            "duns_numbers": list(
                user.duns_grants.order_by("number").values_list("number", flat=True)
            ),
            "energy_data": user.can_energy_data,
            "in_home_devices": user.can_in_home_devices,
            "comment": comment,
        },
    )
