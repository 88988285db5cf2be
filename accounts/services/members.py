"""A company's people: requests to join (ACC-2), the Pending Approval queue (ACC-16), Manage
Users (ACC-17) and the 1..4 administrators rule (ACC-18).

Every function takes the acting admin and re-reads the account under a row lock, so two
admins working the shared queue at once cannot approve and decline the same request.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smt.lib.errors import Refused

from ..emails import members as emails
from ..models import Company, Duns, DunsGrant, User
from ..workflow import can_transition
from . import (
    account_create,
    status_change_record,
    user_issue_temporary_password,
    user_transition,
    users_end_access_on_commit,
)

MAX_ADMINS = 4  # ACC-18
MIN_ADMINS = 1  # ACC-18

# Admins that count toward the 4: every approved, not revoked admin account.
_COUNTED_ADMIN_STATUSES = (
    User.Status.APPROVED,
    User.Status.ACTIVE,
    User.Status.LOCKED,
    User.Status.SUSPENDED,
)
# Admins who can still act for the company; one of them must always remain.
_WORKING_ADMIN_STATUSES = (User.Status.APPROVED, User.Status.ACTIVE, User.Status.LOCKED)

# ACC-17: the status changes an admin may make from Edit User and the bulk buttons.
SUSPEND, REINSTATE, REVOKE = "suspend", "reinstate", "revoke"
STATUS_ACTIONS = {
    SUSPEND: User.Status.SUSPENDED,
    REINSTATE: User.Status.ACTIVE,
    REVOKE: User.Status.REVOKED,
}
# Reinstate only brings back a Suspended account (seed 003 §5.4).
_ACTION_FROM = {
    SUSPEND: {User.Status.ACTIVE, User.Status.LOCKED},
    REINSTATE: {User.Status.SUSPENDED},
    REVOKE: {
        User.Status.APPROVED,
        User.Status.ACTIVE,
        User.Status.LOCKED,
        User.Status.SUSPENDED,
    },
}
COMMENT_REQUIRED_ACTIONS = {SUSPEND, REVOKE}


class MemberActionRefused(Refused):
    """A rule forbids the change; the message is for the admin."""


@dataclass
class BulkOutcome:
    done: list[User] = field(default_factory=list)
    refused: list[tuple[User, str]] = field(default_factory=list)


def action_fits(action: str, status: str) -> bool:
    return status in _ACTION_FROM[action] and can_transition(
        "account", status, STATUS_ACTIONS[action]
    )


def actions_for_status(status: str) -> list[str]:
    """The status actions valid for an account now (Edit User's Web Portal Access list)."""
    return [action for action in STATUS_ACTIONS if action_fits(action, status)]


# --- ACC-2: requests to join -------------------------------------------------------------


def company_accepts_requests(*, company: Company) -> bool:
    """ACC-8: others can only request to join an Active REP or 3rd-party company."""
    return company.status == Company.Status.ACTIVE and company.kind in {
        Company.Kind.REP,
        Company.Kind.THIRD_PARTY,
    }


def company_admin_count(*, company: Company) -> int:
    return company.users.filter(is_company_admin=True, status__in=_COUNTED_ADMIN_STATUSES).count()


@transaction.atomic
def member_request_access(
    *,
    company: Company,
    as_admin: bool,
    user_id: str,
    email: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    middle_initial: str = "",
    suffix: str = "",
) -> User:
    """ACC-2: a Pending account in the company's shared Pending Approval queue; the
    requester, the company email and every working admin are emailed."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    if not company_accepts_requests(company=company):
        raise MemberActionRefused(_("This company is not accepting requests for access."))
    if as_admin and company_admin_count(company=company) >= MAX_ADMINS:
        raise MemberActionRefused(
            _(
                "This company already has %(max)d administrators. Request access as a User, "
                "or ask an administrator to make room."
            )
            % {"max": MAX_ADMINS}
        )
    user = account_create(
        user_id=user_id,
        status=User.Status.PENDING,
        reason=_("Requested access as an administrator.")
        if as_admin
        else _("Requested access as a user."),
        kind=company.kind,
        company=company,
        is_company_admin=as_admin,
        email=email,
        first_name=first_name,
        last_name=last_name,
        middle_initial=middle_initial,
        suffix=suffix,
        phone=phone,
        terms_accepted_at=timezone.now(),
    )
    emails.access_requested(user=user)
    emails.access_request_pending(user=user, company=company, admins=_working_admins(company))
    return user


def _working_admins(company: Company) -> list[User]:
    return list(
        company.users.filter(is_company_admin=True, status__in=_WORKING_ADMIN_STATUSES).order_by(
            "username"
        )
    )


# --- ACC-16: the Pending Approval queue ----------------------------------------------------


def _admin_company(admin: User) -> Company:
    """The company an administrator acts for (SEC-1); a person of no company has none, and
    must not reach the accounts that have no company either."""
    if admin.company is None:
        raise MemberActionRefused(_("Only a company administrator can manage accounts."))
    return admin.company


def _locked_member(*, admin: User, user: User) -> User:
    """The account, locked, if it still belongs to the admin's company."""
    company = _admin_company(admin)
    locked = User.objects.select_for_update().filter(pk=user.pk, company=company).first()
    if locked is None:
        raise MemberActionRefused(_("That account no longer exists."))
    return locked


def _check_pending(user: User) -> None:
    if user.status != User.Status.PENDING:
        raise MemberActionRefused(
            _("%(user_id)s is no longer waiting for approval.") % {"user_id": user.username}
        )


def _grant(*, user: User, duns: Iterable[Duns]) -> None:
    DunsGrant.objects.filter(user=user).delete()
    DunsGrant.objects.bulk_create([DunsGrant(user=user, duns=d) for d in duns])


def company_grantable_duns(*, company: Company) -> QuerySet[Duns]:
    """The DUNS an admin may grant: every DUNS of the company that is not revoked."""
    return company.duns_numbers.exclude(status=Duns.Status.REVOKED).order_by("number")


def _check_duns(*, admin: User, duns: list[Duns]) -> list[Duns]:
    if not duns:
        raise MemberActionRefused(_("Select at least one DUNS number."))
    allowed = set(
        company_grantable_duns(company=_admin_company(admin)).values_list("pk", flat=True)
    )
    if any(d.pk not in allowed for d in duns):
        raise MemberActionRefused(_("Select DUNS numbers of your own company."))
    return duns


@transaction.atomic
def member_approve(
    *,
    admin: User,
    user: User,
    duns: list[Duns] | None = None,
    energy_data: bool = False,
    in_home_devices: bool = False,
    comment: str = "",
) -> User:
    """ACC-16: Approve. Without Edit Permissions the account gets every DUNS and neither
    3rd-party permission (read-only agreements); the owner gets a temporary password."""
    user = _locked_member(admin=admin, user=user)
    _check_pending(user)
    company = _admin_company(admin)
    if user.is_company_admin and company_admin_count(company=company) >= MAX_ADMINS:
        raise MemberActionRefused(
            _("%(user_id)s cannot be approved: the company already has %(max)d administrators.")
            % {"user_id": user.username, "max": MAX_ADMINS}
        )
    if user.is_company_admin or duns is None:
        duns = list(company_grantable_duns(company=company))
    _grant(user=user, duns=_check_duns(admin=admin, duns=duns))
    # Admins have every function of their company type by default (ACC-19).
    user.can_energy_data = energy_data and not user.is_company_admin
    user.can_in_home_devices = in_home_devices and not user.is_company_admin
    user.save(update_fields=["can_energy_data", "can_in_home_devices"])
    user_transition(
        user=user,
        to_status=User.Status.APPROVED,
        actor=admin,
        reason=comment or _("Approved by a company administrator."),
        notify=False,
    )
    user_issue_temporary_password(user=user, purpose="approved", comment=comment)
    return user


@transaction.atomic
def member_decline(*, admin: User, user: User, comment: str) -> None:
    """ACC-16: Decline with a required comment: the owner is emailed, the request deleted."""
    if not comment.strip():
        raise MemberActionRefused(_("Enter a comment saying why the request is declined."))
    user = _locked_member(admin=admin, user=user)
    _check_pending(user)
    status_change_record(
        subject=user, from_status=user.status, to_status="declined", actor=admin, reason=comment
    )
    emails.access_declined(user=user, comment=comment)
    user.delete()


def members_approve(*, admin: User, users: Iterable[User]) -> BulkOutcome:
    """ACC-16 bulk Approve: each request on its own, so one refusal does not stop the rest."""
    outcome = BulkOutcome()
    for user in users:
        try:
            outcome.done.append(member_approve(admin=admin, user=user))
        except MemberActionRefused as refusal:
            outcome.refused.append((user, str(refusal)))
    return outcome


def members_decline(*, admin: User, users: Iterable[User], comment: str) -> BulkOutcome:
    if not comment.strip():
        raise MemberActionRefused(_("Enter a comment saying why the requests are declined."))
    outcome = BulkOutcome()
    for user in users:
        try:
            member_decline(admin=admin, user=user, comment=comment)
            outcome.done.append(user)
        except MemberActionRefused as refusal:
            outcome.refused.append((user, str(refusal)))
    return outcome


# --- ACC-17: Manage Users ------------------------------------------------------------------


def _check_keeps_an_admin(*, admin: User, user: User, stays_working_admin: bool) -> None:
    """ACC-18: the company keeps at least one administrator who can act."""
    if not user.is_company_admin or stays_working_admin:
        return
    if user.status not in _WORKING_ADMIN_STATUSES:
        return
    others = (
        _admin_company(admin)
        .users.filter(is_company_admin=True, status__in=_WORKING_ADMIN_STATUSES)
        .exclude(pk=user.pk)
        .exists()
    )
    if not others:
        raise MemberActionRefused(
            _("%(user_id)s is the company's only administrator; a company needs at least one.")
            % {"user_id": user.username}
        )


def _check_action_fits(*, user: User, action: str, comment: str) -> None:
    if not action_fits(action, user.status):
        raise MemberActionRefused(
            _("%(user_id)s cannot be %(action)s: the account is %(status)s.")
            % {
                "user_id": user.username,
                "action": _ACTION_PAST[action],
                "status": user.get_status_display(),
            }
        )
    if action in COMMENT_REQUIRED_ACTIONS and not comment.strip():
        raise MemberActionRefused(_("Enter a comment for the account owner."))


def _check_status_action(*, admin: User, user: User, action: str, comment: str) -> str:
    _check_action_fits(user=user, action=action, comment=comment)
    if user.pk == admin.pk and action != REINSTATE:
        raise MemberActionRefused(_("You cannot suspend or revoke your own account."))
    _check_keeps_an_admin(admin=admin, user=user, stays_working_admin=action == REINSTATE)
    return STATUS_ACTIONS[action]


_ACTION_PAST = {
    SUSPEND: gettext_lazy("suspended"),
    REINSTATE: gettext_lazy("reinstated"),
    REVOKE: gettext_lazy("revoked"),
}


@transaction.atomic
def member_change_status(*, admin: User, user: User, action: str, comment: str = "") -> User:
    """ACC-17: Suspend / Reinstate / Revoke one account; the owner is emailed the comment."""
    user = _locked_member(admin=admin, user=user)
    target = _check_status_action(admin=admin, user=user, action=action, comment=comment)
    return user_transition(user=user, to_status=target, actor=admin, reason=comment)


def members_change_status(
    *, admin: User, users: Iterable[User], action: str, comment: str
) -> BulkOutcome:
    """ACC-17 bulk Suspend / Reinstate / Revoke: accounts the action does not fit are
    reported back, the others changed."""
    if action in COMMENT_REQUIRED_ACTIONS and not comment.strip():
        raise MemberActionRefused(_("Enter a comment for the account owners."))
    outcome = BulkOutcome()
    for user in users:
        try:
            outcome.done.append(
                member_change_status(admin=admin, user=user, action=action, comment=comment)
            )
        except MemberActionRefused as refusal:
            outcome.refused.append((user, str(refusal)))
    return outcome


@transaction.atomic
def member_update(
    *,
    admin: User,
    user: User,
    duns: list[Duns],
    energy_data: bool,
    in_home_devices: bool,
    is_company_admin: bool,
    action: str = "",
    comment: str = "",
) -> User:
    """ACC-17 Edit User: DUNS (at least one), permissions, administrator role (ACC-18) and
    optionally a status action; one email tells the owner what changed, with the comment."""
    user = _locked_member(admin=admin, user=user)
    if user.status in {User.Status.PENDING, User.Status.REVOKED}:
        raise MemberActionRefused(
            _("%(user_id)s cannot be edited: the account is %(status)s.")
            % {"user_id": user.username, "status": user.get_status_display()}
        )
    _check_role_change(admin=admin, user=user, is_company_admin=is_company_admin)
    target = (
        _check_status_action(admin=admin, user=user, action=action, comment=comment)
        if action
        else None
    )
    if is_company_admin:
        duns = list(company_grantable_duns(company=_admin_company(admin)))
    _check_duns(admin=admin, duns=duns)
    changed = _apply_access(
        user=user,
        duns=duns,
        energy_data=energy_data and not is_company_admin,
        in_home_devices=in_home_devices and not is_company_admin,
        is_company_admin=is_company_admin,
    )
    if changed:
        status_change_record(
            subject=user,
            from_status=user.status,
            to_status=user.status,
            actor=admin,
            reason=_("Access changed: %(changes)s.") % {"changes": ", ".join(changed)}
            + (f" {comment}" if comment and not target else ""),
        )
    if target:
        user_transition(user=user, to_status=target, actor=admin, reason=comment)
    elif changed:
        emails.access_changed(user=user, comment=comment)
    return user


def _check_role_change(*, admin: User, user: User, is_company_admin: bool) -> None:
    if is_company_admin == user.is_company_admin:
        return
    if is_company_admin and company_admin_count(company=_admin_company(admin)) >= MAX_ADMINS:
        raise MemberActionRefused(
            _("The company already has %(max)d administrators.") % {"max": MAX_ADMINS}
        )
    if not is_company_admin:
        if user.pk == admin.pk:
            raise MemberActionRefused(_("Another administrator must remove your own role."))
        _check_keeps_an_admin(admin=admin, user=user, stays_working_admin=False)


def _apply_access(
    *,
    user: User,
    duns: list[Duns],
    energy_data: bool,
    in_home_devices: bool,
    is_company_admin: bool,
) -> list[str]:
    """Save the new access and name what changed, for the history row and the email."""
    changed = []
    current = set(user.duns_grants.values_list("pk", flat=True))
    if current != {d.pk for d in duns}:
        _grant(user=user, duns=duns)
        changed.append(_("DUNS numbers"))
        users_end_access_on_commit(user_ids=[user.pk])  # ACC-10: if none left is Active
    new_values = {
        "can_energy_data": (energy_data, _("Energy Data")),
        "can_in_home_devices": (in_home_devices, _("In-Home Device Services")),
        "is_company_admin": (is_company_admin, _("administrator role")),
    }
    fields = []
    for name, (value, label) in new_values.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            fields.append(name)
            changed.append(str(label))
    if fields:
        user.save(update_fields=fields)
    return changed


@transaction.atomic
def account_change_status_by_staff(
    *, staff: User, user: User, action: str, comment: str = ""
) -> User:
    """OPS-1: SMT staff suspend, reinstate or revoke any account from Django admin, with the
    rules and emails of Manage Users (ACC-17)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_action_fits(user=user, action=action, comment=comment)
    return user_transition(user=user, to_status=STATUS_ACTIONS[action], actor=staff, reason=comment)
