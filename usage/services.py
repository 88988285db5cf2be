"""Writes of meter and usage data (SPEC §3, §4)."""

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import emails
from .models import CustomerPremise, IntervalDay, Meter, MeterShare, Premise

MARKET_TZ = ZoneInfo("America/Chicago")  # USG-1: days are Central Prevailing Time
INTERVAL_MINUTES = 15


def intervals_in_day(day: date) -> int:
    """92 on the spring DST day, 100 on the fall DST day, 96 otherwise (USG-1)."""
    start = datetime.combine(day, time(), MARKET_TZ)
    end = datetime.combine(day + timedelta(days=1), time(), MARKET_TZ)
    seconds = end.timestamp() - start.timestamp()
    return int(seconds // (INTERVAL_MINUTES * 60))


@dataclass(frozen=True)
class IntervalDayInput:
    premise_id: int
    day: date
    channel: str
    readings: tuple[Decimal | None, ...]
    quality: str


@dataclass
class StoreSummary:
    created: int = 0
    corrected: int = 0
    unchanged: int = 0


def _readings_text(readings: Iterable[Decimal | None]) -> str:
    return ",".join("" if value is None else f"{value:.3f}" for value in readings)


def _check_day_shape(item: IntervalDayInput) -> None:
    expected = intervals_in_day(item.day)
    if len(item.readings) != expected or len(item.quality) != expected:
        raise ValueError(
            f"{item.day} needs {expected} intervals, got {len(item.readings)} readings "
            f"and {len(item.quality)} quality flags"
        )


@transaction.atomic
def interval_days_store(items: Iterable[IntervalDayInput]) -> StoreSummary:
    """Store days of interval data, keeping every version (USG-1, USG-2).

    A day identical to the current version changes nothing (so loading twice is harmless);
    a different one becomes the next version and the current one.
    """
    items = list(items)
    for item in items:
        _check_day_shape(item)
    summary = StoreSummary()
    if not items:
        return summary
    current = {
        (row.premise_id, row.day, row.channel): row
        for row in IntervalDay.objects.select_for_update().filter(
            premise_id__in={item.premise_id for item in items},
            day__range=(min(i.day for i in items), max(i.day for i in items)),
            is_current=True,
        )
    }
    now = timezone.now()
    new_rows, superseded = [], []
    for item in items:
        text = _readings_text(item.readings)
        previous = current.get((item.premise_id, item.day, item.channel))
        if previous and previous.readings == text and previous.quality == item.quality:
            summary.unchanged += 1
            continue
        if previous:
            superseded.append(previous.pk)
            summary.corrected += 1
        else:
            summary.created += 1
        new_rows.append(
            IntervalDay(
                premise_id=item.premise_id,
                day=item.day,
                channel=item.channel,
                version=previous.version + 1 if previous else 1,
                readings=text,
                quality=item.quality,
                total_kwh=sum((v for v in item.readings if v is not None), Decimal("0")),
                received_at=now,
            )
        )
    # Retire old versions first: only one current row per day and channel may exist.
    IntervalDay.objects.filter(pk__in=superseded).update(is_current=False)
    IntervalDay.objects.bulk_create(new_rows, batch_size=2000)
    return summary


# --- customers and their meters (ACC-3, ACC-23, MTR-8) --------------------------------------


class MeterNotValid(Exception):
    """The ESIID / meter number pair names no smart meter in service (seed 000, UI 1.3)."""


class MeterTaken(Exception):
    """The meter is attached to another customer account (ACC-3, ACC-23)."""


def normalize_meter_number(meter_number: str) -> str:
    """MTR-8: a leading letter on a meter number is ignored when matching."""
    compact = "".join(meter_number.split()).upper()
    return compact[1:] if compact[:1].isalpha() else compact


def premise_for_meter(*, esiid: str, meter_number: str) -> Premise | None:
    """The premise whose smart meter in service has this number (MTR-3, MTR-8)."""
    wanted = normalize_meter_number(meter_number)
    meters = Meter.objects.select_related("premise").filter(
        premise__esiid=esiid.strip(), removed_on__isnull=True, is_smart=True
    )
    return next(
        (meter.premise for meter in meters if normalize_meter_number(meter.meter_number) == wanted),
        None,
    )


@transaction.atomic
def customer_premise_attach(*, customer, esiid: str, meter_number: str) -> CustomerPremise:
    """Attach a smart meter to a customer account: one account per meter at a time."""
    premise = premise_for_meter(esiid=esiid, meter_number=meter_number)
    if premise is None:
        raise MeterNotValid
    # Lock the premise so two registrations of the same meter cannot both attach it.
    Premise.objects.select_for_update().get(pk=premise.pk)
    current = CustomerPremise.objects.filter(premise=premise, detached_at__isnull=True).first()
    if current is not None:
        if current.customer_id == customer.pk:
            return current
        raise MeterTaken
    return CustomerPremise.objects.create(
        customer=customer, premise=premise, attached_at=timezone.now()
    )


@transaction.atomic
def customer_premise_detach(*, link: CustomerPremise) -> None:
    """ACC-23: the customer removes a meter from their account (history is kept)."""
    CustomerPremise.objects.filter(pk=link.pk, detached_at__isnull=True).update(
        detached_at=timezone.now()
    )
    # What is no longer mine I can no longer share (ACC-22).
    MeterShare.objects.filter(
        owner=link.customer,
        premise=link.premise,
        status__in=[MeterShare.Status.INVITED, MeterShare.Status.ACTIVE],
    ).update(status=MeterShare.Status.REVOKED, ended_at=timezone.now())


@transaction.atomic
def customer_register(*, account: dict, esiid: str, meter_number: str):
    """ACC-3: a customer account and its first meter, together or not at all.

    Raises MeterNotValid or MeterTaken (nothing is created then).
    """
    from accounts.services import customer_account_create

    if premise_for_meter(esiid=esiid, meter_number=meter_number) is None:
        raise MeterNotValid
    customer = customer_account_create(**account)
    customer_premise_attach(customer=customer, esiid=esiid, meter_number=meter_number)
    return customer


# --- friends and family (ACC-22) -----------------------------------------------------------

SHARE_INVITATION_DAYS = 30  # ACC-22: an unanswered invitation link stops working


class ShareNotAllowed(Exception):
    """The share or its invitation cannot be used (expired, answered, not for this account)."""


def share_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def meter_share_invite(*, link: CustomerPremise, friend_email: str) -> MeterShare:
    """Invite someone by email to see the usage of one of my meters, read-only."""
    owner = link.customer
    if friend_email.casefold() == owner.email.casefold():
        raise ShareNotAllowed(_("You cannot share a meter with yourself."))
    open_shares = MeterShare.objects.filter(
        premise=link.premise,
        owner=owner,
        friend_email__iexact=friend_email,
        status__in=[MeterShare.Status.INVITED, MeterShare.Status.ACTIVE],
    )
    if open_shares.exists():
        raise ShareNotAllowed(_("This meter is already shared with that email address."))
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


def meter_share_refusal(*, share: MeterShare, user) -> str:
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
def meter_share_answer(*, share: MeterShare, user, accept: bool) -> MeterShare:
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
    return share


def meter_share_end(*, share: MeterShare) -> None:
    """The owner withdraws a share, or the friend gives it up."""
    MeterShare.objects.filter(
        pk=share.pk, status__in=[MeterShare.Status.INVITED, MeterShare.Status.ACTIVE]
    ).update(status=MeterShare.Status.REVOKED, ended_at=timezone.now())
