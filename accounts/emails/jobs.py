"""Emails of the scheduled account jobs: 14-day deletions and the 13-month purge (NTF-2)."""

from notifications.services import send_email

from ..models import Company, Duns, User
from ..selectors import company_language


def deleted(*, user: User, company: Company | None, never_approved: bool) -> None:
    """ACC-7, ACC-8: a request not approved, or an approval not used, within 14 days."""
    send_email(
        to=user.email,
        template="accounts/deleted_after_14_days",
        language=user.language,
        context={
            "first_name": user.first_name,
            "user_id": user.username,
            "company_name": company.name if company else "",
            "company_registration": bool(company and company.status in {"pending", "approved"}),
            "never_approved": never_approved,
        },
    )


def duns_deleted(*, duns: Duns) -> None:
    """ACC-9: a DUNS number no TDSP administrator approved within 14 days."""
    send_email(
        to=duns.company.email,
        template="accounts/duns_deleted_after_14_days",
        language=company_language(company=duns.company),
        related=duns.company,
        context={"company_name": duns.company.name, "duns_number": duns.number},
    )


def third_party_purged(*, company: Company) -> None:
    """ACC-21: the company email learns its accounts were revoked for inactivity."""
    send_email(
        to=company.email,
        template="accounts/third_party_purged",
        language=company_language(company=company),
        related=company,
        context={"company_name": company.name},
    )
