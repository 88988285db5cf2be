"""Friends and family: a customer shares a meter's usage, read-only (ACC-22)."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from smt.lib.errors import Refused
from usage import emails
from usage.models import CustomerPremise, MeterShare

SHARE_INVITATION_DAYS = 30  # ACC-22: an unanswered invitation link stops working


class ShareNotAllowed(Refused):
    """The share or its invitation cannot be used (expired, answered, not for this account)."""


def share_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def meter_share_invite(*, link: CustomerPremise, friend_email: str) -> MeterShare:
    """Invite someone by email to see the usage of one of my meters, read-only."""
    owner = link.customer
    if friend_email.casefold() == owner.email.casefold():
        raise ShareNotAllowed(_("You cannot share a meter with yourself."), "friend_email")
    open_shares = MeterShare.objects.filter(
        premise=link.premise,
        owner=owner,
        friend_email__iexact=friend_email,
        status__in=[MeterShare.Status.INVITED, MeterShare.Status.ACTIVE],
    )
    if open_shares.exists():
        raise ShareNotAllowed(
            _("This meter is already shared with that email address."), "friend_email"
        )
    token = secrets.token_urlsafe(32)
    share = MeterShare.objects.create(
        owner=owner,
        premise=link.premise,
        friend_email=friend_email,
        token_hash=share_token_hash(token),
        invited_at=timezone.now(),
    )
    emails.meter_share_invitation(share=share, token=token)
    return share


def meter_share_for_token(*, token: str) -> MeterShare | None:
    return (
        MeterShare.objects.select_related("owner", "premise")
        .filter(token_hash=share_token_hash(token))
        .first()
    )


def meter_share_refusal(*, share: MeterShare, user: User) -> str:
    """Why this signed-in user cannot answer the invitation, or ""."""
    if share.status != MeterShare.Status.INVITED:
        return _("This invitation has already been answered or withdrawn.")
    if share.invited_at + timedelta(days=SHARE_INVITATION_DAYS) <= timezone.now():
        return _("This invitation has expired. Ask for a new one.")
    if not user.is_customer or user.email.casefold() != share.friend_email.casefold():
        return _(
            "This invitation was sent to another email address. Log in with the customer "
            "account that uses %(email)s."
        ) % {"email": share.friend_email}
    return ""


@transaction.atomic
def meter_share_answer(*, share: MeterShare, user: User, accept: bool) -> MeterShare:
    """Accept or decline an invitation, once (a conditional update makes it single-use)."""
    refusal = meter_share_refusal(share=share, user=user)
    if refusal:
        raise ShareNotAllowed(refusal)
    updated = MeterShare.objects.filter(pk=share.pk, status=MeterShare.Status.INVITED).update(
        status=MeterShare.Status.ACTIVE if accept else MeterShare.Status.DECLINED,
        friend=user,
        responded_at=timezone.now(),
    )
    if not updated:
        raise ShareNotAllowed(_("This invitation has already been answered or withdrawn."))
    share.refresh_from_db()
    if accept:
        emails.meter_share_started(share=share)  # BEY-1 receipts to the owner and the friend
    return share


OPEN_SHARE_STATUSES = (MeterShare.Status.INVITED, MeterShare.Status.ACTIVE)


@transaction.atomic
def meter_share_end(*, share: MeterShare, by: User | None = None) -> bool:
    """The owner withdraws a share, or the friend gives it up (`by`, the user who ends it;
    None means the owner). BEY-1: receipts to both (the owner only for an unanswered
    invitation). Returns whether this call ended it (a second call does nothing)."""
    cause = "friend" if by is not None and by.pk != share.owner_id else "owner"
    return _share_end(share.pk, cause=cause)


def meter_shares_end(*, shares: QuerySet[MeterShare], cause: str) -> int:
    """ACC-22, BEY-1: end every open share of `shares` (the meter left its owner's account:
    `cause="meter_left"`), each with its receipts, in the caller's transaction. Returns how
    many ended."""
    pks = list(shares.filter(status__in=OPEN_SHARE_STATUSES).values_list("pk", flat=True))
    return sum(_share_end(pk, cause=cause) for pk in pks)


def _share_end(pk: int, *, cause: str) -> bool:
    locked = (
        MeterShare.objects.select_for_update(of=("self",))
        .select_related("owner", "friend", "premise")
        .filter(pk=pk)
        .first()
    )
    if locked is None or locked.status not in OPEN_SHARE_STATUSES:
        return False
    was_active = locked.status == MeterShare.Status.ACTIVE
    now = timezone.now()
    if not MeterShare.objects.filter(pk=pk, status=locked.status).update(
        status=MeterShare.Status.REVOKED, ended_at=now
    ):
        return False
    locked.status, locked.ended_at = MeterShare.Status.REVOKED, now
    emails.meter_share_ended(share=locked, cause=cause, was_active=was_active)
    return True
