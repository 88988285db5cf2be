"""Companies and their DUNS numbers: registration (ACC-1), TDSP approval, Company Profile
(ACC-15), the DUNS lifecycle (ACC-9) and SMT staff's company actions (ACC-8, OPS-1).

Each function owns its transaction, locks the row it changes, checks the move with
`workflow`, writes history, and records its emails in the same transaction.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from smt.lib.errors import Refused

from ..emails import companies as emails
from ..models import Company, Duns, DunsGrant, User
from . import (
    company_transition,
    status_change_record,
    status_transition,
    user_issue_temporary_password,
    user_transition,
    users_end_access_on_commit,
)

LOGO_MAX_BYTES = 20 * 1024  # ACC-1: "an image under 20 KB": 20,480 bytes is refused


class CompanyActionRefused(Refused):
    """A rule forbids the change; the message is for the person who asked."""


@dataclass(frozen=True)
class Logo:
    name: str
    content: bytes


def tdsp_admins() -> list[User]:
    """The people who approve companies and DUNS numbers (ACC-1, ACC-9)."""
    return list(
        User.objects.filter(
            kind=User.Kind.TDSP, is_company_admin=True, status=User.Status.ACTIVE
        ).order_by("username")
    )


def _company_admins(company: Company) -> QuerySet[User]:
    return company.users.filter(is_company_admin=True).exclude(status=User.Status.REVOKED)


def _check_comment(required: bool, comment: str) -> None:
    """The owner is emailed why a suspension or revocation happened (ACC-8, ACC-9)."""
    if required and not comment.strip():
        raise CompanyActionRefused(_("A comment is required."))


# --- ACC-1: registration and TDSP approval ------------------------------------------------


@transaction.atomic
def company_register(
    *,
    kind: str,
    company_fields: Mapping[str, Any],
    duns_numbers: list[str],
    admin_fields: Mapping[str, Any],
    logo: Logo | None = None,
) -> Company:
    """ACC-1: a Pending company with Pending DUNS and its first administrator (Pending,
    every DUNS granted), waiting for a TDSP admin; the admin and the TDSP admins are
    emailed."""
    if not duns_numbers:
        raise CompanyActionRefused(_("Enter at least one DUNS number."))
    now = timezone.now()
    company = Company.objects.create(
        kind=kind, status=Company.Status.PENDING, status_changed_at=now, **company_fields
    )
    if logo:
        company.logo.save(logo.name, ContentFile(logo.content), save=True)
    duns = [
        Duns.objects.create(
            number=number, company=company, status=Duns.Status.PENDING, status_changed_at=now
        )
        for number in duns_numbers
    ]
    fields = dict(admin_fields)
    admin = User.objects.create(
        username=fields.pop("user_id"),
        kind=kind,
        company=company,
        is_company_admin=True,
        status=User.Status.PENDING,
        terms_accepted_at=now,
        status_changed_at=now,
        **fields,
    )
    admin.set_unusable_password()
    admin.save(update_fields=["password"])
    DunsGrant.objects.bulk_create([DunsGrant(user=admin, duns=d) for d in duns])
    reason = _("Company registration.")
    status_change_record(
        subject=company, from_status="", to_status=company.status, actor=admin, reason=reason
    )
    status_change_record(
        subject=admin, from_status="", to_status=admin.status, actor=admin, reason=reason
    )
    emails.company_registration_received(admin=admin, company=company)
    emails.company_awaiting_approval(company=company, tdsp_admins=tdsp_admins())
    return company


def _locked_pending_company(company: Company) -> Company:
    locked = Company.objects.select_for_update().filter(pk=company.pk).first()
    if locked is None or locked.status != Company.Status.PENDING:
        raise CompanyActionRefused(
            _("%(name)s is no longer waiting for approval.") % {"name": company.name}
        )
    return locked


@transaction.atomic
def company_approve(*, actor: User, company: Company) -> Company:
    """ACC-1: the company and its DUNS become Approved/Active; the first admin is Approved
    and gets a temporary password. The first log in makes both Active (ACC-6, ACC-8)."""
    company = _locked_pending_company(company)
    reason = _("Approved by %(actor)s.") % {"actor": actor.display_name}
    company_transition(
        company=company, to_status=Company.Status.APPROVED, actor=actor, reason=reason
    )
    for duns in company.duns_numbers.filter(status=Duns.Status.PENDING):
        duns_transition(duns=duns, to_status=Duns.Status.ACTIVE, actor=actor, reason=reason)
    for admin in company.users.filter(status=User.Status.PENDING, is_company_admin=True):
        user_transition(
            user=admin, to_status=User.Status.APPROVED, actor=actor, reason=reason, notify=False
        )
        user_issue_temporary_password(user=admin, purpose="approved")
    return company


@transaction.atomic
def company_decline(*, actor: User, company: Company, comment: str) -> None:
    """ACC-1: a declined registration is deleted; the first admin gets the comment."""
    if not comment.strip():
        raise CompanyActionRefused(_("Enter a comment saying why the company is declined."))
    company = _locked_pending_company(company)
    for admin in company.users.filter(is_company_admin=True):
        emails.company_declined(admin=admin, company=company, comment=comment)
    status_change_record(
        subject=company,
        from_status=company.status,
        to_status="declined",
        actor=actor,
        reason=comment,
    )
    company_delete(company=company)


def company_delete(*, company: Company) -> None:
    """Remove a company that never became Active, with its accounts and DUNS (ACC-1, ACC-8
    14-day rule). Its history rows stay."""
    DunsGrant.objects.filter(duns__company=company).delete()
    company.users.all().delete()
    company.duns_numbers.all().delete()
    if company.logo:
        company.logo.delete(save=False)
    company.delete()


# --- ACC-9: DUNS ----------------------------------------------------------------------------


@transaction.atomic
def duns_transition(
    *,
    duns: Duns,
    to_status: str,
    actor: User | None = None,
    actor_label: str = "",
    reason: str = "",
) -> Duns:
    """Move a DUNS to another status (ACC-9), with history."""
    status_transition(
        subject=duns,
        workflow="DUNS",
        to_status=to_status,
        actor=actor,
        actor_label=actor_label,
        reason=reason,
    )
    return duns


def _admin_company_id(admin: User) -> int:
    """The company an administrator works on (SEC-1); a person of no company has none."""
    if admin.company_id is None:
        raise CompanyActionRefused(_("Only a company administrator can change a company."))
    return admin.company_id


def _check_duns_number_free(number: str) -> None:
    if Duns.objects.filter(number=number).exists():
        raise CompanyActionRefused(
            _("DUNS number %(number)s is already registered.") % {"number": number}
        )


@transaction.atomic
def duns_add(*, admin: User, number: str) -> Duns:
    """ACC-9, ACC-15: a new DUNS waits Pending for a TDSP admin, who is emailed."""
    company_id = _admin_company_id(admin)
    _check_duns_number_free(number)
    duns = Duns.objects.create(
        number=number,
        company_id=company_id,
        status=Duns.Status.PENDING,
        status_changed_at=timezone.now(),
    )
    status_change_record(
        subject=duns, from_status="", to_status=duns.status, actor=admin, reason=_("Added.")
    )
    emails.duns_awaiting_approval(duns=duns, tdsp_admins=tdsp_admins())
    return duns


@transaction.atomic
def duns_remove(*, admin: User, duns: Duns) -> None:
    """ACC-9: removing a DUNS is immediate and removes every user's access to it; a company
    keeps at least one DUNS (ACC-1)."""
    # The company row is the lock: two removals at once cannot leave it without a DUNS.
    company = Company.objects.select_for_update().get(pk=_admin_company_id(admin))
    current = company.duns_numbers.filter(pk=duns.pk).first()
    if current is None:  # a second click: the first one removed it
        raise CompanyActionRefused(_("That DUNS number has already been removed."))
    others = company.duns_numbers.exclude(pk=current.pk).exclude(status=Duns.Status.REVOKED)
    if not others.exists():
        raise CompanyActionRefused(
            _("A company needs at least one DUNS number; add another before removing %(number)s.")
            % {"number": current.number}
        )
    status_change_record(
        subject=current, from_status=current.status, to_status="removed", actor=admin
    )
    grants = DunsGrant.objects.filter(duns=current)
    users_end_access_on_commit(user_ids=list(grants.values_list("user_id", flat=True)))
    grants.delete()
    current.delete()


def _locked_pending_duns(duns: Duns) -> Duns:
    locked = Duns.objects.select_for_update().select_related("company").filter(pk=duns.pk).first()
    if locked is None or locked.status != Duns.Status.PENDING:
        raise CompanyActionRefused(
            _("DUNS %(number)s is no longer waiting for approval.") % {"number": duns.number}
        )
    if locked.company.status == Company.Status.PENDING:
        # A new company's DUNS are decided with the company, so it always keeps one.
        raise CompanyActionRefused(
            _("DUNS %(number)s belongs to %(name)s, which waits for approval itself.")
            % {"number": duns.number, "name": locked.company.name}
        )
    return locked


@transaction.atomic
def duns_approve(*, actor: User, duns: Duns) -> Duns:
    """ACC-9: the DUNS becomes Active and every company admin gets access to it (seed 003
    §5.5); admins grant it to users themselves."""
    duns = _locked_pending_duns(duns)
    duns_transition(duns=duns, to_status=Duns.Status.ACTIVE, actor=actor)
    for admin in _company_admins(duns.company):
        DunsGrant.objects.get_or_create(user=admin, duns=duns)
    emails.duns_decided(duns=duns, approved=True, comment="")
    return duns


@transaction.atomic
def duns_decline(*, actor: User, duns: Duns, comment: str) -> None:
    """ACC-9: a declined DUNS is deleted and the company told why."""
    if not comment.strip():
        raise CompanyActionRefused(_("Enter a comment saying why the DUNS is declined."))
    duns = _locked_pending_duns(duns)
    emails.duns_decided(duns=duns, approved=False, comment=comment)
    status_change_record(
        subject=duns, from_status=duns.status, to_status="declined", actor=actor, reason=comment
    )
    DunsGrant.objects.filter(duns=duns).delete()
    duns.delete()


@transaction.atomic
def _duns_change_status(
    *, actor: User, duns: Duns, to_status: str, comment: str, refusal: str = ""
) -> Duns:
    _check_comment(to_status in {Duns.Status.SUSPENDED, Duns.Status.REVOKED}, comment)
    if refusal:  # reinstate: Pending → Active is an approval, not a reinstatement
        locked = Duns.objects.select_for_update().get(pk=duns.pk)
        if locked.status == Duns.Status.PENDING:
            raise CompanyActionRefused(refusal)
    duns = duns_transition(duns=duns, to_status=to_status, actor=actor, reason=comment)
    if to_status == Duns.Status.REVOKED:
        reason = _("DUNS %(number)s was revoked.") % {"number": duns.number}
        accounts = User.objects.filter(duns_grants=duns).exclude(
            status__in=[User.Status.REVOKED, User.Status.PENDING]
        )
        for user in accounts:
            still_usable = user.duns_grants.exclude(pk=duns.pk).exclude(status=Duns.Status.REVOKED)
            if not still_usable.exists():
                user_transition(
                    user=user, to_status=User.Status.REVOKED, actor=actor, reason=reason
                )
    emails.duns_status_changed(duns=duns, comment=comment)
    return duns


def duns_suspend(*, actor: User, duns: Duns, comment: str) -> Duns:
    """ACC-9, OPS-1: SMT staff suspend a DUNS at the TDSP's request; the company is emailed.
    Its accounts stay, but sign in only with another Active DUNS (ACC-10)."""
    return _duns_change_status(
        actor=actor, duns=duns, to_status=Duns.Status.SUSPENDED, comment=comment
    )


def duns_reinstate(*, actor: User, duns: Duns, comment: str = "") -> Duns:
    """ACC-9, OPS-1: a Suspended DUNS returns to Active."""
    return _duns_change_status(
        actor=actor,
        duns=duns,
        to_status=Duns.Status.ACTIVE,
        comment=comment,
        refusal=_("Only a suspended DUNS number can be reinstated."),
    )


def duns_revoke(*, actor: User, duns: Duns, comment: str) -> Duns:
    """ACC-9, OPS-1: final. The accounts whose only usable DUNS it was are revoked too
    (seed 003 §4.3); requests still Pending are left to the 14-day rule."""
    return _duns_change_status(
        actor=actor, duns=duns, to_status=Duns.Status.REVOKED, comment=comment
    )


# --- ACC-8: SMT staff's company actions ----------------------------------------------------


def company_closed_hooks_run(*, company: Company) -> None:
    """ACC-21, ACC-8, BEY-1: a company closed (a 3rd party purged, any company revoked)
    loses what the higher apps gave it (its agreements end, its HAN requests and messages
    stop): the hooks named in `settings.COMPANY_CLOSED_HOOKS`, called in the caller's
    transaction, since accounts imports no app above it."""
    for hook in settings.COMPANY_CLOSED_HOOKS:
        import_string(hook)(company_id=company.pk)


@transaction.atomic
def _company_change_status(
    *, actor: User, company: Company, to_status: str, comment: str, refusal: str = ""
) -> Company:
    _check_comment(to_status in {Company.Status.SUSPENDED, Company.Status.REVOKED}, comment)
    if refusal:  # reinstate: Approved → Active is the first log in, not a reinstatement
        locked = Company.objects.select_for_update().get(pk=company.pk)
        if locked.status == Company.Status.APPROVED:
            raise CompanyActionRefused(refusal)
    company = company_transition(company=company, to_status=to_status, actor=actor, reason=comment)
    if to_status == Company.Status.REVOKED:
        # Pending requests cannot be revoked (ACC-7); they go with the 14-day rule.
        accounts = company.users.exclude(status__in=[User.Status.REVOKED, User.Status.PENDING])
        for user in accounts:
            user_transition(
                user=user,
                to_status=User.Status.REVOKED,
                actor=actor,
                reason=_("The company was revoked."),
            )
        company_closed_hooks_run(company=company)
    emails.company_status_changed(company=company, comment=comment)
    return company


def company_suspend(*, actor: User, company: Company, comment: str) -> Company:
    """ACC-8, OPS-1: SMT staff suspend an Active company; nobody of it signs in (ACC-10)
    until it is reinstated. The company email gets the comment."""
    return _company_change_status(
        actor=actor, company=company, to_status=Company.Status.SUSPENDED, comment=comment
    )


def company_reinstate(*, actor: User, company: Company, comment: str = "") -> Company:
    """ACC-8, OPS-1: a Suspended company returns to Active."""
    return _company_change_status(
        actor=actor,
        company=company,
        to_status=Company.Status.ACTIVE,
        comment=comment,
        refusal=_("Only a suspended company can be reinstated."),
    )


def company_revoke(*, actor: User, company: Company, comment: str) -> Company:
    """ACC-8, OPS-1: final; every account of the company is revoked too (seed 003 §4.2)."""
    return _company_change_status(
        actor=actor, company=company, to_status=Company.Status.REVOKED, comment=comment
    )


# --- ACC-15: Company Profile ----------------------------------------------------------------

PROFILE_FIELDS = (
    "name",
    "address1",
    "address2",
    "city",
    "state",
    "zip_code",
    "country",
    "phone",
    "email",
    "url",
    "privacy_policy_url",
    "has_privacy_seal",
)


@transaction.atomic
def company_update_profile(
    *,
    admin: User,
    changes: Mapping[str, Any],
    logo: Logo | None = None,
    remove_logo: bool = False,
) -> Company:
    """ACC-15: an admin edits their company's ACC-1 fields and logo."""
    company = Company.objects.select_for_update().get(pk=_admin_company_id(admin))
    fields = [name for name in PROFILE_FIELDS if name in changes]
    for name in fields:
        setattr(company, name, changes[name])
    company.save(update_fields=fields)
    if (logo or remove_logo) and company.logo:
        company.logo.delete(save=True)
    if logo:
        company.logo.save(logo.name, ContentFile(logo.content), save=True)
    return company
