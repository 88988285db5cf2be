"""Who can see my data (BEY-1): every access to each of a customer's meters, live and past,
read from the apps that own them: 3rd-party agreements (`agreements`), HAN devices (`han`),
friends-and-family shares and the REP of Record (`usage`, `accounts`).

The page is the project's because it crosses every app; each entry links to the page that
owns its history, and names the URL that withdraws it when the customer may.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Duns, User
from agreements.models import Agreement
from agreements.selectors import (
    TERMINATE,
    agreement_customer_actions,
    agreement_list_for_customer,
)
from agreements.services.core import OPEN_STATUSES, chicago_date
from han.selectors import han_requests_for_customer
from notifications.models import OutboundEmail
from usage.models import CustomerPremise, MeterShare, Premise, RorPeriod

AGREEMENT, HAN_DEVICE = "agreement", "han-device"
SHARE_GIVEN, SHARE_RECEIVED, REP = "share-given", "share-received", "rep"
WITHDRAWABLE_KINDS = (AGREEMENT, HAN_DEVICE, SHARE_GIVEN, SHARE_RECEIVED)

LIVE_SHARE_STATUSES = (MeterShare.Status.INVITED, MeterShare.Status.ACTIVE)
# HAN-3: the statuses after which a device request gives the 3rd party nothing any more.
HAN_CLOSED_STATUSES = (
    Agreement.Status.PAIRING_NOT_INITIATED,
    Agreement.Status.CUSTOMER_REJECTED,
    Agreement.Status.ADD_REJECTED,
    Agreement.Status.ADD_FAILED,
    Agreement.Status.REMOVED,
)
RECEIPTS_SHOWN = 50  # the newest receipts on the page; older ones are in the mailbox


@dataclass(frozen=True)
class Access:
    """One access to a meter as the page shows it."""

    kind: str
    ref: str  # the agreement number or the share's id: the withdraw URL's key
    esiid: str
    who: str
    what: str
    status: str
    live: bool
    since: date | datetime | None = None
    until: date | datetime | None = None
    detail_url: str = ""
    withdrawable: bool = False
    note: str = ""
    agreement_kind: str = ""  # an agreement's kind, for its consequences

    @property
    def withdraw_url(self) -> str:
        if not self.withdrawable:
            return ""
        return reverse("consent_withdraw", args=[self.kind, self.ref])

    @property
    def consequences(self) -> str:
        """What withdrawing changes, said before the customer confirms (BEY-1)."""
        return consequences_text(self)


@dataclass
class MeterAccesses:
    esiid: str
    address: str
    mine: bool  # the customer's own meter (else a friend's, shared with them)
    accesses: list[Access] = field(default_factory=list)

    @property
    def live(self) -> list[Access]:
        return [a for a in self.accesses if a.live]

    @property
    def past(self) -> list[Access]:
        return [a for a in self.accesses if not a.live]


@dataclass
class ConsentOverview:
    meters: list[MeterAccesses]
    choices: list[tuple[str, str]]  # (ESIID, address) of every meter, for the filter
    selected: str
    receipts: list[OutboundEmail]


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def consequences_text(access: Access) -> str:
    today = _day(chicago_date())
    if access.agreement_kind == Agreement.Kind.ONGOING_HAN:
        return _(
            "%(who)s will not be able to send messages to your in-home devices from today, "
            "%(today)s. Devices already paired stay paired until you remove them. Messages "
            "already sent stay on your devices."
        ) % {"who": access.who, "today": today}
    if access.kind == AGREEMENT:
        return _(
            "%(who)s will stop receiving your 15-minute, daily and monthly usage data today, "
            "%(today)s, instead of on %(until)s. Data already shared stays under their privacy "
            "policy."
        ) % {"who": access.who, "today": today, "until": _day(access.until)}
    if access.kind == HAN_DEVICE:
        return _(
            "The device is removed from your meter: your TDSP is asked today, %(today)s, and "
            "the device stops receiving your meter's data once the TDSP confirms. %(who)s "
            "can no longer message it."
        ) % {"who": access.who, "today": today}
    if access.kind == SHARE_GIVEN:
        return _("%(who)s will no longer see this meter's usage, from today, %(today)s.") % {
            "who": access.who,
            "today": today,
        }
    return _(
        "You will no longer see the usage of this meter shared by %(who)s, from today, %(today)s."
    ) % {"who": access.who, "today": today}


# --- the entries of each kind -------------------------------------------------------------------


def _agreement_what(agreement: Agreement) -> str:
    label = str(Agreement.Kind(agreement.kind).label)
    if agreement.kind == Agreement.Kind.ONE_TIME:
        return _("%(kind)s: one %(type)s report of %(duration)s, delivered once") % {
            "kind": label,
            "type": agreement.get_report_type_display(),
            "duration": agreement.get_report_duration_display(),
        }
    if agreement.kind == Agreement.Kind.ONGOING_HAN:
        return _("%(kind)s: messages to your paired in-home (HAN) devices") % {"kind": label}
    return _("%(kind)s: 15-minute, daily and monthly usage, meter and premise data") % {
        "kind": label
    }


def _agreement_accesses(customer: User) -> Iterable[Access]:
    agreements = agreement_list_for_customer(customer=customer).exclude(
        kind=Agreement.Kind.HAN_DEVICE
    )
    for agreement in agreements:
        one_time = agreement.kind == Agreement.Kind.ONE_TIME
        yield Access(
            kind=AGREEMENT,
            ref=agreement.agreement_number,
            esiid=agreement.premise.esiid,
            who=agreement.company.name,
            what=_agreement_what(agreement),
            status=agreement.get_status_display(),
            live=agreement.status in OPEN_STATUSES,
            since=agreement.responded_at if one_time else agreement.start_date,
            until=None if one_time else agreement.end_date,
            detail_url=reverse("agreements:my_agreement_detail", args=[agreement.agreement_number]),
            withdrawable=TERMINATE in agreement_customer_actions(agreement=agreement),
            note=_agreement_note(agreement),
            agreement_kind=agreement.kind,
        )


def _agreement_note(agreement: Agreement) -> str:
    if agreement.status == Agreement.Status.PENDING:
        return _("Waiting for your answer until %(day)s.") % {"day": _day(agreement.expires_at)}
    if agreement.status == Agreement.Status.EXTENSION_PENDING:
        return _("%(company)s asks to extend it to %(day)s.") % {
            "company": agreement.company.name,
            "day": _day(agreement.requested_end_date),
        }
    if agreement.status == Agreement.Status.TERMINATED and agreement.termination_reason:
        return _("Ended on %(day)s: %(reason)s") % {
            "day": _day(agreement.status_changed_at),
            "reason": agreement.termination_reason,
        }
    if agreement.status in (Agreement.Status.EXPIRED, Agreement.Status.TERMINATED):
        return _("Ended on %(day)s.") % {"day": _day(agreement.status_changed_at)}
    return ""


def _han_accesses(customer: User) -> Iterable[Access]:
    requests = han_requests_for_customer(user=customer).order_by("-agreement__created_at")
    for request in requests:
        agreement = request.agreement
        yield Access(
            kind=HAN_DEVICE,
            ref=agreement.agreement_number,
            esiid=agreement.premise.esiid,
            who=agreement.company.name,
            what=_("HAN device %(type)s, MAC ending %(mac)s: your meter's live usage")
            % {
                "type": request.get_device_type_display(),
                "mac": request.masked_mac,
            },
            status=agreement.get_status_display(),
            live=agreement.status not in HAN_CLOSED_STATUSES,
            since=request.device_added_at or agreement.created_at,
            until=request.closed_at,
            detail_url=reverse("han:customer_device", args=[agreement.agreement_number]),
            withdrawable=request.may_be_removed,
            note=_("Provisioned by %(company)s.") % {"company": agreement.company.name},
        )


def _shares(customer: User) -> Iterable[Access]:
    given = MeterShare.objects.filter(owner=customer).select_related("premise", "friend")
    for share in given:
        friend = share.friend.display_name if share.friend else share.friend_email
        yield Access(
            kind=SHARE_GIVEN,
            ref=str(share.pk),
            esiid=share.premise.esiid,
            who=friend,
            what=_("Friends and family: read-only usage of this meter"),
            status=share.get_status_display(),
            live=share.status in LIVE_SHARE_STATUSES,
            since=share.responded_at or share.invited_at,
            until=share.ended_at,
            withdrawable=share.status in LIVE_SHARE_STATUSES,
            note=_("Invitation sent to %(email)s, not answered yet.")
            % {"email": share.friend_email}
            if share.status == MeterShare.Status.INVITED
            else "",
        )
    received = MeterShare.objects.filter(friend=customer).select_related("premise", "owner")
    for share in received:
        yield Access(
            kind=SHARE_RECEIVED,
            ref=str(share.pk),
            esiid=share.premise.esiid,
            who=share.owner.display_name,
            what=_("Friends and family: you see this meter's usage, read-only"),
            status=share.get_status_display(),
            live=share.status == MeterShare.Status.ACTIVE,
            since=share.responded_at,
            until=share.ended_at,
            withdrawable=share.status == MeterShare.Status.ACTIVE,
        )


def _rep_accesses(premise_ids: set[int]) -> Iterable[Access]:
    """The REP of Record, as information: the customer cannot withdraw it (only switch)."""
    periods = list(
        RorPeriod.objects.filter(premise_id__in=premise_ids, ended_on__isnull=True).select_related(
            "premise"
        )
    )
    companies = dict(
        Duns.objects.filter(number__in={p.ror_duns for p in periods}).values_list(
            "number", "company__name"
        )
    )
    for period in periods:
        yield Access(
            kind=REP,
            ref=str(period.pk),
            esiid=period.premise.esiid,
            who=companies.get(period.ror_duns) or _("Your Retail Electric Provider"),
            what=_("REP of Record: usage, meter and premise data, to serve and bill you"),
            status=_("In force"),
            live=True,
            since=period.started_on,
            note=_(
                "Your electricity provider sees your meter while it serves you; it ends "
                "when you switch provider or move out, not here."
            ),
        )


def _own_premise_ids(customer: User) -> set[int]:
    links = CustomerPremise.objects.filter(customer=customer, detached_at__isnull=True)
    return set(links.values_list("premise_id", flat=True))


def _accesses(customer: User, own_ids: set[int]) -> list[Access]:
    return [
        *_agreement_accesses(customer),
        *_han_accesses(customer),
        *_shares(customer),
        *_rep_accesses(own_ids),
    ]


def consent_overview(*, customer: User, esiid: str = "") -> ConsentOverview:
    """BEY-1: the customer's meters, each with its accesses, live ones first; with `esiid`
    only that meter. Nothing of other customers: every part is read through the selector
    that scopes it to this customer."""
    own_ids = _own_premise_ids(customer)
    accesses = _accesses(customer, own_ids)
    esiids = {a.esiid for a in accesses}
    premises = {
        p.esiid: p
        for p in Premise.objects.filter(Q(pk__in=own_ids) | Q(esiid__in=esiids)).order_by("esiid")
    }
    own_esiids = {p.esiid for p in premises.values() if p.pk in own_ids}
    meters = {
        key: MeterAccesses(
            esiid=key, address=premise.address, mine=key in own_esiids or _owned(key, accesses)
        )
        for key, premise in premises.items()
    }
    for access in accesses:
        meters[access.esiid].accesses.append(access)
    for meter in meters.values():
        meter.accesses.sort(key=_order)
    ordered = sorted(meters.values(), key=lambda m: (not m.mine, m.esiid))
    choices = [(m.esiid, m.address) for m in ordered]
    selected = esiid if esiid in meters else ""
    return ConsentOverview(
        meters=[m for m in ordered if not selected or m.esiid == selected],
        choices=choices,
        selected=selected,
        receipts=consent_receipts(customer=customer),
    )


def _owned(esiid: str, accesses: list[Access]) -> bool:
    """A meter no longer attached still counts as the customer's when they gave its accesses."""
    return any(a.esiid == esiid and a.kind != SHARE_RECEIVED for a in accesses)


def _order(access: Access) -> tuple:
    since = access.since
    if isinstance(since, datetime):
        since = timezone.localtime(since).date()
    return (not access.live, access.kind == REP, -(since.toordinal() if since else 0))


def consent_receipts(*, customer: User) -> list[OutboundEmail]:
    """BEY-1: the emails sent to the customer about their agreements, HAN devices and shares
    (invitations, receipts, reminders), newest first."""
    agreements = list(
        agreement_list_for_customer(customer=customer).values_list("pk", "customer_email")
    )
    agreement_ids = [pk for pk, _email in agreements]
    share_ids = MeterShare.objects.filter(Q(owner=customer) | Q(friend=customer)).values_list(
        "pk", flat=True
    )
    addresses = {customer.email.lower()} | {email.lower() for _pk, email in agreements}
    related = Q(
        related_type=ContentType.objects.get_for_model(Agreement),
        related_id__in=[str(pk) for pk in agreement_ids],
    ) | Q(
        related_type=ContentType.objects.get_for_model(MeterShare),
        related_id__in=[str(pk) for pk in share_ids],
    )
    recipient = Q()
    for address in addresses:
        recipient |= Q(recipient__iexact=address)
    return list(
        OutboundEmail.objects.filter(related, recipient)
        .exclude(status=OutboundEmail.Status.SANDBOX)
        .order_by("-created_at", "-pk")[:RECEIPTS_SHOWN]
    )


def consent_access_get(*, customer: User, kind: str, ref: str) -> Access | None:
    """One access of the customer's page by its kind and key, or None (a 404)."""
    if kind not in WITHDRAWABLE_KINDS:
        return None
    # Only the accesses: the page's premises and receipts are not needed to find one.
    for access in _accesses(customer, _own_premise_ids(customer)):
        if access.kind == kind and access.ref == ref:
            return access
    return None
