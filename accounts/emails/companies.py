"""Emails for company registration, TDSP approval and DUNS and company status (NTF-2)."""

from django.utils.translation import override

from notifications.services import send_email

from ..models import Company, Duns, User
from ..selectors import company_language


def company_registration_received(*, admin: User, company: Company) -> None:
    """ACC-1: the first admin learns the company waits for a TDSP administrator."""
    send_email(
        to=admin.email,
        template="accounts/company_registration_received",
        language=admin.language,
        related=company,
        context={
            "first_name": admin.first_name,
            "user_id": admin.username,
            "company_name": company.name,
        },
    )


def company_awaiting_approval(*, company: Company, tdsp_admins: list[User]) -> None:
    """ACC-1: every TDSP administrator is told a new company waits for approval."""
    duns = list(company.duns_numbers.order_by("number").values_list("number", flat=True))
    for admin in tdsp_admins:
        send_email(
            to=admin.email,
            template="accounts/company_awaiting_approval",
            language=admin.language,
            related=company,
            context={
                "company_name": company.name,
                "company_kind": _kind_label(company, admin.language),
                "duns_numbers": duns,
            },
        )


def company_declined(*, admin: User, company: Company, comment: str) -> None:
    send_email(
        to=admin.email,
        template="accounts/company_declined",
        language=admin.language,
        context={"first_name": admin.first_name, "company_name": company.name, "comment": comment},
    )


def company_status_changed(*, company: Company, comment: str) -> None:
    """ACC-8: the company email learns of a suspension, reinstatement or revocation."""
    language = company_language(company=company)
    send_email(
        to=company.email,
        template="accounts/company_status_changed",
        language=language,
        related=company,
        context={
            "company_name": company.name,
            "status": company.status,
            "status_label": _status_label(Company.Status(company.status), language),
            "revoked": company.is_revoked,  # the templates ask, never compare statuses
            "comment": comment,
        },
    )


def duns_awaiting_approval(*, duns: Duns, tdsp_admins: list[User]) -> None:
    """ACC-9: a DUNS added to an existing company waits for a TDSP administrator."""
    for admin in tdsp_admins:
        send_email(
            to=admin.email,
            template="accounts/duns_awaiting_approval",
            language=admin.language,
            related=duns,
            context={"company_name": duns.company.name, "duns_number": duns.number},
        )


def duns_decided(*, duns: Duns, approved: bool, comment: str) -> None:
    """ACC-9: the company email learns whether its new DUNS was approved or declined."""
    send_email(
        to=duns.company.email,
        template="accounts/duns_decided",
        language=company_language(company=duns.company),
        related=duns.company,
        context={
            "company_name": duns.company.name,
            "duns_number": duns.number,
            "approved": approved,
            "comment": comment,
        },
    )


def duns_status_changed(*, duns: Duns, comment: str) -> None:
    """ACC-9: a DUNS suspended, reinstated or revoked at the TDSP's request."""
    language = company_language(company=duns.company)
    send_email(
        to=duns.company.email,
        template="accounts/duns_status_changed",
        language=language,
        related=duns.company,
        context={
            "company_name": duns.company.name,
            "duns_number": duns.number,
            "status_label": _status_label(Duns.Status(duns.status), language),
            "comment": comment,
        },
    )


def _status_label(status: Company.Status | Duns.Status, language: str = "en") -> str:
    with override(language):
        return str(status.label)


def _kind_label(company: Company, language: str) -> str:
    with override(language):
        return str(Company.Kind(company.kind).label)
