"""Scoped reads for accounts."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import Company, Duns, Language, PersonalApiToken, User


def duns_granted_to_user(*, user: User) -> QuerySet[Duns]:
    return user.duns_grants.order_by("number")


def company_members_for_admin(*, admin: User) -> QuerySet[User]:
    """ACC-17: every account of the admin's company except requests still pending."""
    return (
        User.objects.filter(company=admin.company_id)
        .exclude(status=User.Status.PENDING)
        .prefetch_related("duns_grants")
    )


def company_pending_requests_for_admin(*, admin: User) -> QuerySet[User]:
    """ACC-16: the company's shared Pending Approval queue, oldest first."""
    return User.objects.filter(company=admin.company_id, status=User.Status.PENDING).order_by(
        "date_joined", "pk"
    )


def company_member_get_for_admin(*, admin: User, pk: int, pending: bool = False) -> User:
    """One account of the admin's company, or 404 (SEC-1: another company's id is unknown)."""
    queryset = (
        company_pending_requests_for_admin(admin=admin)
        if pending
        else company_members_for_admin(admin=admin)
    )
    return get_object_or_404(queryset, pk=pk)


def companies_open_to_requests(*, kind: str) -> QuerySet[Company]:
    """ACC-2: the Active companies of a kind that people may ask to join."""
    return Company.objects.filter(kind=kind, status=Company.Status.ACTIVE, purged_at=None)


def personal_token_get_for_user(*, user: User, pk: int) -> PersonalApiToken:
    """API-2: one of the user's own tokens or, for a company admin, an active token of a user
    of the same company; 404 for anything else (SEC-1)."""
    may_see = Q(user=user)
    if user.is_company_admin and user.company_id:
        may_see |= Q(user__company=user.company_id, revoked_at__isnull=True)
    return get_object_or_404(PersonalApiToken.objects.select_related("user").filter(may_see), pk=pk)


def language_for_email(*, email: str, default: str = Language.ENGLISH) -> str:
    """NTF-1: the language an email to `email` is written in: the preference of the account
    using that address (the oldest, when several share it), else `default` (the caller
    decides: the sender's language for a person invited by another, English otherwise)."""
    language = (
        User.objects.filter(email__iexact=email.strip())
        .order_by("pk")
        .values_list("language", flat=True)
        .first()
    )
    return language or default


def company_language(*, company: Company) -> str:
    """NTF-1: the language of an email to a company's address: the account using that
    address, else its first administrator's, else English."""
    admin_language = (
        company.users.filter(is_company_admin=True)
        .order_by("pk")
        .values_list("language", flat=True)
        .first()
    )
    return language_for_email(email=company.email, default=admin_language or Language.ENGLISH)


def companies_waiting_for_tdsp() -> QuerySet[Company]:
    """ACC-1: new companies waiting for any TDSP administrator."""
    return Company.objects.filter(status=Company.Status.PENDING, purged_at=None)


def duns_waiting_for_tdsp() -> QuerySet[Duns]:
    """ACC-9: DUNS numbers added by companies that are already approved."""
    return Duns.objects.filter(status=Duns.Status.PENDING).exclude(
        company__status=Company.Status.PENDING
    )


def tdsp_approvals_waiting_count() -> int:
    """UX-6: what TDSP Approvals lists for any TDSP administrator."""
    return companies_waiting_for_tdsp().count() + duns_waiting_for_tdsp().count()
