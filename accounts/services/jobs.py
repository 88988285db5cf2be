"""Scheduled account jobs (OPS-2): the 14-day deletions (ACC-7, ACC-8, ACC-9) and the purge
of inactive 3rd parties (ACC-21).

Each job finds candidates with a database predicate, then handles every record in its own
short transaction: lock it (skipping rows another run holds), check the predicate again
(an approval may have won the race), record the email and history, delete. Running a job
twice, or two at once, therefore deletes and emails each record once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..emails import jobs as emails
from ..models import Company, Duns, DunsGrant, User
from . import company_transition, status_change_record, user_transition
from .companies import company_closed_hooks_run, company_delete

APPROVAL_DAYS = 14  # ACC-7, ACC-8, ACC-9: a request not approved within 14 days is deleted
FIRST_LOG_IN_DAYS = 14  # ACC-7, ACC-8: an approval not used within 14 days is deleted
INACTIVE_MONTHS = 13  # ACC-21: 3rd parties nobody signed in for 13 months are purged
SYSTEM_14_DAYS = "system: 14-day rule"
SYSTEM_PURGE = "system: 13-month rule"


@dataclass
class DeletionSummary:
    accounts: int = 0
    companies: int = 0
    duns: int = 0

    def __str__(self) -> str:
        return (
            f"Deleted {self.accounts} account(s), {self.companies} company(ies), "
            f"{self.duns} DUNS number(s)."
        )


# --- ACC-7, ACC-8, ACC-9: 14 days ----------------------------------------------------------


def _expired_companies(cutoff: datetime) -> QuerySet[Company]:
    """Pending companies no TDSP approved, and Approved ones whose first admin never
    finished the first log in, for 14 days."""
    return Company.objects.filter(
        status__in=[Company.Status.PENDING, Company.Status.APPROVED],
        status_changed_at__lte=cutoff,
        kind__in=[Company.Kind.REP, Company.Kind.THIRD_PARTY],
    )


def _expired_accounts(cutoff: datetime) -> QuerySet[User]:
    """Pending requests no admin approved, and Approved accounts never set up, for 14 days.
    Accounts of companies that are themselves waiting go with their company."""
    return User.objects.filter(
        status__in=[User.Status.PENDING, User.Status.APPROVED], status_changed_at__lte=cutoff
    ).exclude(company__status__in=[Company.Status.PENDING, Company.Status.APPROVED])


def _expired_duns(cutoff: datetime) -> QuerySet[Duns]:
    """DUNS numbers added to a working company that no TDSP approved within 14 days."""
    return Duns.objects.filter(status=Duns.Status.PENDING, status_changed_at__lte=cutoff).exclude(
        company__status__in=[Company.Status.PENDING, Company.Status.APPROVED]
    )


def accounts_delete_unapproved(
    *, now: datetime | None = None, dry_run: bool = False
) -> DeletionSummary:
    """ACC-7, ACC-8, ACC-9: delete, with an email, what waited 14 days for an approval or a
    first log in. Returns the summary (and, with `dry_run`, only counts)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=APPROVAL_DAYS)
    summary = DeletionSummary()
    if dry_run:
        summary.companies = _expired_companies(cutoff).count()
        summary.accounts = _expired_accounts(cutoff).count()
        summary.duns = _expired_duns(cutoff).count()
        return summary
    for pk in list(_expired_companies(cutoff).values_list("pk", flat=True)):
        summary.companies += _company_expire(pk=pk, cutoff=cutoff)
    for pk in list(_expired_accounts(cutoff).values_list("pk", flat=True)):
        summary.accounts += _account_expire(pk=pk, cutoff=cutoff)
    for pk in list(_expired_duns(cutoff).values_list("pk", flat=True)):
        summary.duns += _duns_expire(pk=pk, cutoff=cutoff)
    return summary


def _history(subject: User | Company | Duns, *, reason: str) -> None:
    status_change_record(
        subject=subject,
        from_status=subject.status,
        to_status="deleted",
        actor_label=SYSTEM_14_DAYS,
        reason=reason,
    )


@transaction.atomic
def _company_expire(*, pk: int, cutoff: datetime) -> int:
    company = _expired_companies(cutoff).select_for_update(skip_locked=True).filter(pk=pk).first()
    if company is None:
        return 0
    never_approved = company.status == Company.Status.PENDING
    for admin in company.users.filter(is_company_admin=True):
        emails.deleted(user=admin, company=company, never_approved=never_approved)
    _history(
        company,
        reason=_("Not approved within 14 days.")
        if never_approved
        else _("First administrator did not log in within 14 days."),
    )
    company_delete(company=company)
    return 1


@transaction.atomic
def _account_expire(*, pk: int, cutoff: datetime) -> int:
    # Only the account row is locked: its company is on the nullable side of a join.
    user = (
        _expired_accounts(cutoff)
        .select_for_update(skip_locked=True, of=("self",))
        .filter(pk=pk)
        .first()
    )
    if user is None:
        return 0
    never_approved = user.status == User.Status.PENDING
    emails.deleted(user=user, company=user.company, never_approved=never_approved)
    _history(
        user,
        reason=_("Not approved within 14 days.")
        if never_approved
        else _("Did not log in within 14 days of approval."),
    )
    user.delete()
    return 1


@transaction.atomic
def _duns_expire(*, pk: int, cutoff: datetime) -> int:
    duns = (
        _expired_duns(cutoff)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("company")
        .filter(pk=pk)
        .first()
    )
    if duns is None:
        return 0
    emails.duns_deleted(duns=duns)
    _history(duns, reason=_("Not approved within 14 days."))
    DunsGrant.objects.filter(duns=duns).delete()
    duns.delete()
    return 1


# --- ACC-21: 13 months ------------------------------------------------------------------------


def _inactive_third_parties(cutoff: datetime) -> QuerySet[Company]:
    """3rd parties none of whose users signed in since `cutoff`; a company nobody ever
    signed in to counts from when it was approved (its last status change)."""
    return (
        Company.objects.filter(kind=Company.Kind.THIRD_PARTY, purged_at=None)
        .exclude(status__in=[Company.Status.PENDING, Company.Status.APPROVED])
        .annotate(last_sign_in=Max("users__last_login"))
        .filter(
            Q(last_sign_in__lte=cutoff)
            | Q(last_sign_in=None, status_changed_at__lte=cutoff)
            | Q(last_sign_in=None, status_changed_at=None, created_at__lte=cutoff)
        )
    )


def third_parties_purge_inactive(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """ACC-21 (BR-073): revoke every account of a 3rd party nobody used for 13 months and
    take the company out of every list. Returns how many companies were purged."""
    now = now or timezone.now()
    cutoff = now - relativedelta(months=INACTIVE_MONTHS)
    candidates = list(_inactive_third_parties(cutoff).values_list("pk", flat=True))
    if dry_run:
        return len(candidates)
    return sum(_third_party_purge(pk=pk, cutoff=cutoff, now=now) for pk in candidates)


@transaction.atomic
def _third_party_purge(*, pk: int, cutoff: datetime, now: datetime) -> int:
    locked = Company.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
    # Checked again under the lock: someone may have signed in since the list was read.
    if locked is None or not _inactive_third_parties(cutoff).filter(pk=pk).exists():
        return 0
    reason = _("No user signed in for 13 months.")
    for user in locked.users.exclude(status=User.Status.REVOKED):
        if user.status == User.Status.PENDING:
            _history(user, reason=reason)
            user.delete()
            continue
        user_transition(
            user=user,
            to_status=User.Status.REVOKED,
            actor_label=SYSTEM_PURGE,
            reason=reason,
            notify=False,
        )
    if locked.status != Company.Status.REVOKED:
        company_transition(
            company=locked,
            to_status=Company.Status.REVOKED,
            actor_label=SYSTEM_PURGE,
            reason=reason,
        )
    locked.purged_at = now
    locked.save(update_fields=["purged_at"])
    company_closed_hooks_run(company=locked)  # BEY-1: its agreements end, with receipts
    emails.third_party_purged(company=locked)
    return 1
