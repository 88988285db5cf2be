"""What the 3rd party does to an agreement, and termination by either side (AGR-13..AGR-15):
resend the invitation, request an extension, terminate."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from agreements import emails
from agreements.models import (
    Agreement,
    AgreementInvitation,
)
from agreements.services.core import (
    AgreementRefused,
    agreement_lock,
    agreement_transition,
    chicago_date,
    invitation_issue,
    role_of,
)
from agreements.services.sandbox import invitation_send
from agreements.workflow import Role, check_transition

EXTENSION_DAYS = 30  # AGR-14: an unanswered extension request leaves the old end date


EXTENSION_MAX_MONTHS = 12  # AGR-14 decision: a new end date at most 12 months ahead


@transaction.atomic
def agreement_resend(*, agreement: Agreement, user: User) -> AgreementInvitation:
    """AGR-13 (EM202): only while Pending and before the invitation expires. The 30 days
    still count from the first invitation (decision: a resend does not extend them)."""
    locked = agreement_lock(agreement.pk)
    if role_of(locked, user) != Role.THIRD_PARTY:
        raise AgreementRefused(_("You cannot change this agreement."))
    if not locked.is_pending:
        raise AgreementRefused(_("Only a Pending agreement's invitation can be sent again."))
    if not locked.invitation_is_open():
        raise AgreementRefused(_("The invitation has expired."))
    invitation, token = invitation_issue(
        locked, purpose=AgreementInvitation.Purpose.INVITATION, expires_at=locked.expires_at
    )
    invitation_send(locked, token=token, resent=True)
    return invitation


@transaction.atomic
def agreement_request_extension(
    *, agreement: Agreement, user: User, new_end_date: date
) -> Agreement:
    """AGR-14: the 3rd party asks for a later end date; the customer gets a new invitation
    (30 days). Meanwhile the agreement stays in force with its current end date."""
    locked = agreement_lock(agreement.pk)
    role = role_of(locked, user)
    # The status and the role first: the date rules only matter for an allowed request.
    check_transition(locked.kind, locked.status, Agreement.Status.EXTENSION_PENDING, role)
    today = chicago_date()
    if locked.end_date and new_end_date <= locked.end_date:
        raise AgreementRefused(
            {"new_end_date": [_("The new end date must be after the current end date.")]}
        )
    if new_end_date > today + relativedelta(months=EXTENSION_MAX_MONTHS):
        raise AgreementRefused(
            {"new_end_date": [_("The new end date can be at most 12 months from today.")]}
        )
    expires_at = timezone.now() + timedelta(days=EXTENSION_DAYS)
    agreement_transition(
        locked,
        to_status=Agreement.Status.EXTENSION_PENDING,
        role=role,
        actor=user,
        reason=_("Extension to %(day)s requested.")
        % {"day": formats.date_format(new_end_date, "SHORT_DATE_FORMAT")},
        requested_end_date=new_end_date,
        extension_expires_at=expires_at,
    )
    _invitation, token = invitation_issue(
        locked, purpose=AgreementInvitation.Purpose.EXTENSION, expires_at=expires_at
    )
    invitation_send(locked, token=token, extension=True)
    return locked


@transaction.atomic
def agreement_terminate(*, agreement: Agreement, user: User, reason: str) -> Agreement:
    """AGR-14, AGR-15, AGR-16: the customer or the 3rd party ends an agreement in force,
    with a reason; the other side is told."""
    if not reason.strip():
        raise AgreementRefused({"reason": [_("Please give a reason for the termination.")]})
    locked = agreement_lock(agreement.pk)
    role = role_of(locked, user)
    agreement_transition(
        locked,
        to_status=Agreement.Status.TERMINATED,
        role=role,
        actor=user,
        reason=reason.strip(),
        termination_reason=reason.strip(),
        requested_end_date=None,
        extension_expires_at=None,
    )
    emails.terminated(agreement=locked, by_customer=role == Role.CUSTOMER)
    return locked
