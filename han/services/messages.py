"""HAN device messages (HAN-9, AGR-17): compose, cancel, send to the TDSP, apply its answers.

A 3rd party (or REP) may message a HAN device when three things hold, at composing and
again when the message is handed to the TDSP:

- the device is one **it provisioned**, paired (Device Added), and no Move-Out ended the
  right to message it (`HanProvisionRequest.messaging_ended_at`, MTR-2, seed 001);
- it has an **Ongoing HAN Services agreement** on that meter that is in force (Active or
  Extension Pending) **and inside its period** (start date ≤ today ≤ end date, Central time);
- the company's **rate limit** leaves room (`MESSAGES_PER_DEVICE_PER_HOUR`,
  `MESSAGES_PER_COMPANY_PER_HOUR`).

One message row per device, one TDSP request per row. Statuses (`MESSAGE_TRANSITIONS`):
Queued → Sent to TDSP → Delivered → Confirmed by customer, or Failed (with the reason), or
Cancelled (by the 3rd party while still Queued). The TDSP's answers never move a message
backwards; a message whose start time is in the future waits Queued until the beat job sends it.
"""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Company, User
from accounts.permissions import Capability, user_has_capability
from agreements.models import IN_FORCE_STATUSES, Agreement
from agreements.services.core import AgreementRefused
from agreements.workflow import Role
from smt.lib.errors import Refused
from smt.lib.events import event_publish
from smt.lib.listing import SEARCH_VALUES_MAX
from smt.lib.sandbox import in_sandbox
from usage.models import Premise
from usage.services.intervals import MARKET_TZ
from usage.tdsp.adapter import adapter_for

from ..message_text import MessageTextRefused, message_text_clean
from ..models import HanMessage, HanMessageEvent, HanProvisionRequest

logger = logging.getLogger(__name__)

M = HanMessage.Status
S = Agreement.Status

MAX_ESIIDS = SEARCH_VALUES_MAX  # HAN-9: up to 100 ESIIDs, the ACC-20 input rule
MAX_DURATION_MINUTES = 24 * 60  # HAN-9 decision: a display shows a message up to a day
MAX_START_DAYS_AHEAD = 30  # HAN-9 decision: how far ahead a start time may be
START_GRACE = timedelta(minutes=2)  # a start time that passed while the form was typed
MESSAGES_PER_DEVICE_PER_HOUR = 4  # HAN-9 decision: the rate limit, per company and device
MESSAGES_PER_COMPANY_PER_HOUR = 2_000  # HAN-9 decision: and per company, every device
RATE_WINDOW = timedelta(hours=1)
SEND_SWEEP_AFTER = timedelta(minutes=2)  # SEC-6: a due message whose send task went missing

SYSTEM_SENDER = gettext_noop("system: message sender")
MOVE_OUT = "TDSP: Move-Out"

P, SYS, T = Role.THIRD_PARTY, Role.SYSTEM, Role.TDSP
# HAN-9: MESSAGE_TRANSITIONS[current][target] is the set of roles that may make the move.
MESSAGE_TRANSITIONS: dict[str, dict[str, frozenset[Role]]] = {
    M.QUEUED: {
        M.SENT: frozenset({SYS}),
        M.CANCELLED: frozenset({P}),
        M.FAILED: frozenset({SYS, T}),  # the right ended before it was sent (Move-Out: T)
    },
    M.SENT: {
        M.DELIVERED: frozenset({T}),
        M.CONFIRMED: frozenset({T}),  # a confirmation that overtook its delivery
        M.FAILED: frozenset({T}),
    },
    M.DELIVERED: {M.CONFIRMED: frozenset({T})},
    M.CONFIRMED: {},
    M.FAILED: {},
    M.CANCELLED: {},
}
# HAN-9: the statuses a TDSP reports (the API's `status` values).
TDSP_MESSAGE_STATUSES = {"DELIVERED": M.DELIVERED, "CONFIRMED": M.CONFIRMED, "FAILED": M.FAILED}


class HanMessageRefused(AgreementRefused):
    """A message the rules refuse; `errors` maps a form field to its messages."""


class HanMessageChanged(Refused):
    """The message's status changed under the caller (lost a race)."""


class HanMessageSendFailed(Exception):
    """The TDSP's adapter could not take the message; the task retries it."""


@dataclass(frozen=True)
class MessageDraft:
    """HAN-9: what the 3rd party composes."""

    text: str
    duration_minutes: int
    priority: str = HanMessage.Priority.NORMAL
    confirmation_required: bool = False
    start_at: datetime | None = None  # None: now


# --- eligibility ------------------------------------------------------------------------------


def _local_date(moment: datetime) -> date:
    return moment.astimezone(MARKET_TZ).date()


def _date(day: date | None) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT") if day else "—"


def han_services_agreements(
    *, company_id: int, premise_ids: list[int], on: datetime
) -> dict[int, Agreement]:
    """AGR-17: the company's Ongoing HAN Services agreements in force on `on`, by premise."""
    day = _local_date(on)
    agreements = Agreement.objects.filter(
        kind=Agreement.Kind.ONGOING_HAN,
        company=company_id,
        premise__in=premise_ids,
        status__in=IN_FORCE_STATUSES,
        start_date__lte=day,
        end_date__gte=day,
    )
    return {agreement.premise_id: agreement for agreement in agreements}


def _no_agreement_reason(*, company_id: int, premise_id: int) -> str:
    """Why the meter has no agreement in force: the latest one's status, or none at all."""
    latest = (
        Agreement.objects.filter(
            kind=Agreement.Kind.ONGOING_HAN, company=company_id, premise=premise_id
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is None:
        return _("there is no Ongoing HAN Services agreement with the customer")
    if latest.status in IN_FORCE_STATUSES:
        return _("the Ongoing HAN Services agreement is not in its period (%(start)s–%(end)s)") % {
            "start": _date(latest.start_date),
            "end": _date(latest.end_date),
        }
    return _("the Ongoing HAN Services agreement is %(status)s, not Active") % {
        "status": latest.get_status_display()
    }


def _device_reason(device: HanProvisionRequest) -> str | None:
    """Why this device cannot take a message whatever the agreement, or None."""
    if device.agreement.status != S.DEVICE_ADDED:
        return _("the device is not paired (%(status)s)") % {
            "status": device.agreement.get_status_display()
        }
    if device.messaging_ended_at is not None:
        return _("a Move-Out ended your right to message it")
    return None


def _device_label(device: HanProvisionRequest) -> str:
    """The device as the 3rd party's pages show it: masked MAC (NTF-4), request number."""
    return _("HAN device %(mac)s (request %(number)s) on ESIID %(esiid)s") % {
        "mac": device.masked_mac,
        "number": device.agreement.agreement_number,
        "esiid": device.agreement.premise.esiid,
    }


def _company_devices(company_id: int) -> Any:
    return HanProvisionRequest.objects.select_related("agreement__premise").filter(
        agreement__company=company_id,
        cleared_at__isnull=True,
        agreement__premise__is_sandbox=in_sandbox(),  # BEY-5: never across the line
    )


def _recipients_by_esiid(
    company_id: int, esiids: list[str], errors: dict[str, list[str]]
) -> list[HanProvisionRequest]:
    """HAN-9: every paired device the company provisioned on each ESIID; an ESIID with none
    is named in `errors` (an ESIID not on the portal reads the same: SEC-1)."""
    devices: dict[str, list[HanProvisionRequest]] = {esiid: [] for esiid in esiids}
    for device in _company_devices(company_id).filter(agreement__premise__esiid__in=esiids):
        devices[device.agreement.premise.esiid].append(device)
    recipients = []
    for esiid in esiids:
        paired = [d for d in devices[esiid] if d.agreement.status == S.DEVICE_ADDED]
        if not paired:
            errors["esiids"].append(
                _("ESIID %(esiid)s: no paired HAN device you provisioned is on this meter.")
                % {"esiid": esiid}
            )
            continue
        open_ = [d for d in paired if d.messaging_ended_at is None]
        if not open_:
            errors["esiids"].append(
                _("ESIID %(esiid)s: a Move-Out ended your right to message its devices.")
                % {"esiid": esiid}
            )
        recipients.extend(open_)
    return recipients


def _recipients_by_device(
    company_id: int, numbers: list[str], errors: dict[str, list[str]]
) -> list[HanProvisionRequest]:
    """HAN-9: the chosen devices (by their HAN Device agreement numbers), each one the
    company provisioned and paired; the others are named in `errors`."""
    found = {
        d.agreement.agreement_number: d
        for d in _company_devices(company_id).filter(agreement__agreement_number__in=numbers)
    }
    recipients = []
    for number in numbers:
        device = found.get(number)
        if device is None:
            errors["devices"].append(
                _("HAN device request %(number)s is not one of yours.") % {"number": number}
            )
            continue
        reason = _device_reason(device)
        if reason:
            errors["devices"].append(f"{_device_label(device)}: {reason}.")
            continue
        recipients.append(device)
    return recipients


def _agreements_for(
    company_id: int,
    recipients: list[HanProvisionRequest],
    start: datetime,
    now: datetime,
    field: str,
    errors: dict[str, list[str]],
) -> dict[int, Agreement]:
    """AGR-17: each recipient's meter needs an agreement in force now, still in force on the
    message's start day; every meter without one is named."""
    esiids = {d.agreement.premise_id: d.agreement.premise.esiid for d in recipients}
    agreements = han_services_agreements(company_id=company_id, premise_ids=list(esiids), on=now)
    for premise_id, esiid in sorted(esiids.items()):
        agreement = agreements.get(premise_id)
        if agreement is None:
            reason = _no_agreement_reason(company_id=company_id, premise_id=premise_id)
            errors[field].append(
                _("ESIID %(esiid)s: %(reason)s.") % {"esiid": esiid, "reason": reason}
            )
        elif agreement.end_date and _local_date(start) > agreement.end_date:
            errors["start_at"].append(
                _(
                    "ESIID %(esiid)s: the message would start after the Ongoing HAN Services "
                    "agreement ends (%(end)s)."
                )
                % {"esiid": esiid, "end": _date(agreement.end_date)}
            )
    return agreements


# --- composing --------------------------------------------------------------------------------


def _check_draft(draft: MessageDraft, now: datetime, errors: dict[str, list[str]]) -> tuple:
    """The draft's own fields: the text (message_text), start time, duration, priority."""
    text = ""
    try:
        text = message_text_clean(draft.text)
    except MessageTextRefused as refused:
        errors["text"].append(str(refused))
    start = draft.start_at or now
    if start < now - START_GRACE:
        errors["start_at"].append(_("The start time has passed; choose a later time."))
    elif start > now + timedelta(days=MAX_START_DAYS_AHEAD):
        errors["start_at"].append(
            _("The start time can be at most %(days)d days ahead.") % {"days": MAX_START_DAYS_AHEAD}
        )
    start = max(start, now)
    if not 1 <= draft.duration_minutes <= MAX_DURATION_MINUTES:
        errors["duration_minutes"].append(
            _("The duration is 1 to %(max)d minutes.") % {"max": MAX_DURATION_MINUTES}
        )
    if draft.priority not in HanMessage.Priority.values:
        errors["priority"].append(_("Choose a priority: normal, high or critical."))
    return text, start


def esiid_list_clean(esiids: list[str], errors: dict[str, list[str]]) -> list[str]:
    """HAN-9 with ACC-20's input rule: up to 100 ESIIDs (duplicates count once)."""
    unique = list(dict.fromkeys(e.strip() for e in esiids if e.strip()))
    if len(unique) > MAX_ESIIDS:
        errors["esiids"].append(
            _("Enter at most %(max)d ESIIDs (you entered %(count)d).")
            % {"max": MAX_ESIIDS, "count": len(unique)}
        )
        return []
    wildcards = [e for e in unique if "*" in e]
    if wildcards:
        errors["esiids"].append(_("A message goes to whole ESIIDs: a * wildcard is not allowed."))
        return []
    return unique


def _check_rate(
    company: Company, recipients: list[HanProvisionRequest], now: datetime
) -> dict[str, list[str]]:
    """HAN-9 decision: at most MESSAGES_PER_DEVICE_PER_HOUR messages per device and
    MESSAGES_PER_COMPANY_PER_HOUR in all from one company in any 60 minutes (cancelled ones
    do not count). The caller holds the company row's lock."""
    recent = HanMessage.objects.filter(company=company, created_at__gt=now - RATE_WINDOW).exclude(
        status=M.CANCELLED
    )
    errors: dict[str, list[str]] = {}
    total = recent.count()
    if total + len(recipients) > MESSAGES_PER_COMPANY_PER_HOUR:
        errors["__all__"] = [
            _(
                "Rate limit: your company may send %(limit)d HAN device messages an hour; "
                "%(sent)d were sent in the last hour and this would add %(count)d. Send to "
                "fewer devices, or try again later."
            )
            % {"limit": MESSAGES_PER_COMPANY_PER_HOUR, "sent": total, "count": len(recipients)}
        ]
        return errors
    counts = {
        row["device"]: row["n"]
        for row in recent.filter(device__in=recipients)
        .order_by()
        .values("device")
        .annotate(n=Count("pk"))
    }
    full = [d for d in recipients if counts.get(d.pk, 0) >= MESSAGES_PER_DEVICE_PER_HOUR]
    if full:
        oldest = _oldest_counted(recent, full)
        errors["__all__"] = [
            _(
                "Rate limit: %(device)s already has %(limit)d messages from you in the last "
                "hour (the limit is %(limit)d per device per hour); it can take another from "
                "%(time)s on."  # "from 2:30 PM on": the time format is the language's (UX-3)
            )
            % {
                "device": _device_label(device),
                "limit": MESSAGES_PER_DEVICE_PER_HOUR,
                "time": formats.time_format(timezone.localtime(oldest[device.pk] + RATE_WINDOW)),
            }
            for device in full
        ]
    return errors


def _oldest_counted(
    recent: QuerySet[HanMessage], devices: list[HanProvisionRequest]
) -> dict[int, datetime]:
    """For each full device, when the message that frees a place was created."""
    oldest: dict[int, datetime] = {}
    rows = (
        recent.filter(device__in=devices)
        .order_by("-created_at")
        .values_list("device", "created_at")
    )
    seen: dict[int, int] = {}
    for device_id, created in rows:
        seen[device_id] = seen.get(device_id, 0) + 1
        if seen[device_id] == MESSAGES_PER_DEVICE_PER_HOUR:
            oldest[device_id] = created
    return oldest


def _check_user(user: User) -> int:
    """The user's company id, if the user may send HAN device messages (ACC-19)."""
    if not user.company_id or not user_has_capability(user, Capability.THIRD_PARTY_HAN):
        raise HanMessageRefused(_("You cannot send HAN device messages."))
    return user.company_id


@transaction.atomic
def han_messages_compose(
    *,
    user: User,
    draft: MessageDraft,
    esiids: Sequence[str] = (),
    devices: Sequence[str] = (),
) -> list[HanMessage]:
    """HAN-9: queue one message per device: the chosen `devices` (HAN Device agreement
    numbers), or else every paired device the company provisioned on the `esiids`. Refused
    as a whole, naming every device or ESIID the rules refuse; nothing is queued then."""
    company_id = _check_user(user)
    now = timezone.now()
    errors: dict[str, list[str]] = {
        key: [] for key in ("esiids", "devices", "text", "start_at", "duration_minutes")
    }
    errors["priority"] = []
    text, start = _check_draft(draft, now, errors)
    numbers = list(dict.fromkeys(n.strip() for n in devices if n.strip()))
    if numbers:
        recipients = _recipients_by_device(company_id, numbers, errors)
        field = "devices"
    else:
        cleaned = esiid_list_clean(list(esiids), errors)
        if not cleaned and not errors["esiids"]:
            errors["esiids"].append(_("Enter the ESIIDs (or choose the devices) to message."))
        recipients = _recipients_by_esiid(company_id, cleaned, errors)
        field = "esiids"
    agreements = _agreements_for(company_id, recipients, start, now, field, errors)
    _raise_if_any(errors)
    company = Company.objects.select_for_update().get(pk=company_id)
    _raise_if_any(_check_rate(company, recipients, now))
    return _queue(user, company, recipients, agreements, draft, text, start, now)


def _raise_if_any(errors: dict[str, list[str]]) -> None:
    found = {key: texts for key, texts in errors.items() if texts}
    if found:
        raise HanMessageRefused(found)


def _queue(
    user: User,
    company: Company,
    recipients: list[HanProvisionRequest],
    agreements: dict[int, Agreement],
    draft: MessageDraft,
    text: str,
    start: datetime,
    now: datetime,
) -> list[HanMessage]:
    batch = uuid.uuid4()
    due = start <= now
    messages = HanMessage.objects.bulk_create(
        HanMessage(
            batch=batch,
            company=company,
            sent_by=user,
            device=device,
            agreement=agreements[device.agreement.premise_id],
            text=text,
            priority=draft.priority,
            confirmation_required=draft.confirmation_required,
            start_at=start,
            duration_minutes=draft.duration_minutes,
            status=M.QUEUED,
            status_changed_at=now,
            created_at=now,
            tdsp_request_id=uuid.uuid4().hex,
            dispatched_at=now if due else None,
        )
        for device in recipients
    )
    if not all(m.pk for m in messages):  # a backend without RETURNING: read them back
        messages = list(HanMessage.objects.filter(batch=batch).order_by("pk"))
    reason = (
        gettext_noop("Composed; starts now.")
        if due
        else gettext_noop("Composed; waits for its start time.")
    )
    HanMessageEvent.objects.bulk_create(
        HanMessageEvent(
            message=m, created_at=now, from_status="", to_status=M.QUEUED, actor=user, reason=reason
        )
        for m in messages
    )
    if due:
        pks = [m.pk for m in messages]
        transaction.on_commit(lambda: han_message_dispatch(pks))
    return messages


def han_message_dispatch(pks: list[int]) -> None:
    """Queue a send task per message; a broker that is down leaves them to the sweep."""
    from han.tasks import han_message_send_task  # tasks import this module

    for pk in pks:
        try:
            han_message_send_task.delay(pk)
        except Exception:  # SEC-6: `han_messages_send_due` queues it again
            logger.exception("Could not queue HAN message %s; the sweep will send it", pk)
            return


# --- one status move --------------------------------------------------------------------------


def _transition(
    message: HanMessage,
    *,
    to_status: str,
    role: Role,
    actor: User | None = None,
    actor_label: str = "",
    reason: str = "",
    **changes: Any,
) -> HanMessage:
    """HAN-9: the one place a message's status moves: checked against MESSAGE_TRANSITIONS,
    a conditional UPDATE on the status it was read in, and a timeline row."""
    current = message.status
    if role not in MESSAGE_TRANSITIONS[current].get(to_status, frozenset()):
        raise HanMessageChanged(
            _("The message cannot go from %(current)s to %(target)s.")
            % {"current": M(current).label, "target": M(to_status).label}
        )
    now = timezone.now()
    updated = HanMessage.objects.filter(pk=message.pk, status=current).update(
        status=to_status, status_changed_at=now, **changes
    )
    if not updated:
        raise HanMessageChanged(_("The message changed meanwhile; reload the page."))
    for name, value in {"status": to_status, "status_changed_at": now, **changes}.items():
        setattr(message, name, value)
    HanMessageEvent.objects.create(
        message=message,
        created_at=now,
        from_status=current,
        to_status=to_status,
        actor=actor,
        actor_label=actor_label,
        reason=reason,
    )
    event_publish(  # BEY-2: the company's webhooks learn the move (ids and states only)
        kind="han_message.status_changed",
        company_id=message.company_id,
        data={
            "id": message.pk,
            "device_request": message.device.agreement.agreement_number,
            "from": current,
            "to": to_status,
            "failure_reason": message.failure_reason,
            "sandbox": message.device.agreement.premise.is_sandbox,  # BEY-5
        },
    )
    return message


def _lock(message_pk: int) -> HanMessage:
    return (
        HanMessage.objects.select_for_update(of=("self",))
        .select_related("device__agreement__premise__tdsp", "agreement")
        .get(pk=message_pk)
    )


@transaction.atomic
def han_message_cancel(*, user: User, message: HanMessage) -> HanMessage:
    """HAN-9: the 3rd party cancels a message still Queued (a future start time, or not yet
    handed to the TDSP). The caller found it through the company-scoped selector."""
    locked = _lock(message.pk)
    if locked.company_id != user.company_id or not user_has_capability(
        user, Capability.THIRD_PARTY_HAN
    ):
        raise HanMessageRefused(_("You cannot cancel this message."))
    if not locked.may_be_cancelled:
        raise HanMessageRefused(
            _("This message is %(status)s: only a Queued message can be cancelled.")
            % {"status": locked.get_status_display()}
        )
    return _transition(
        locked,
        to_status=M.CANCELLED,
        role=P,
        actor=user,
        reason=gettext_noop("Cancelled before it was sent to the TDSP."),
    )


# --- sending ----------------------------------------------------------------------------------


def _send_refusal(message: HanMessage, now: datetime) -> str | None:
    """HAN-9: the right is checked again when the message goes out."""
    reason = _device_reason(message.device)
    if reason:
        return reason[0].upper() + reason[1:] + "."
    agreement = message.agreement
    if not agreement.allows_han_messages_on(_local_date(now)):
        # The agreement of the compose ended; a newer one on the meter carries the message.
        premise_id = message.device.agreement.premise_id
        current = han_services_agreements(
            company_id=message.company_id, premise_ids=[premise_id], on=now
        ).get(premise_id)
        if current is None:
            return _(
                "The Ongoing HAN Services agreement %(number)s is no longer in force (%(status)s)."
            ) % {"number": agreement.agreement_number, "status": agreement.get_status_display()}
        message.agreement = current
        HanMessage.objects.filter(pk=message.pk).update(agreement=current)
        HanMessageEvent.objects.create(
            message=message,
            created_at=now,
            from_status=M.QUEUED,
            to_status=M.QUEUED,
            actor_label=SYSTEM_SENDER,
            reason=_("Agreement %(old)s ended; sent under the meter's agreement %(new)s in force.")
            % {"old": agreement.agreement_number, "new": current.agreement_number},
        )
    return None if message.ends_at > now else _display_over()


def _display_over() -> str:
    return _("Its display time ended before it could be sent to the TDSP.")


def han_message_send(*, message_pk: int) -> HanMessage:
    """HAN-9: hand a due Queued message to its TDSP's adapter, once. A message no longer
    allowed fails with the reason; an adapter error is recorded and raised, so the task
    retries (and the sweep after it)."""
    error: Exception | None = None
    with transaction.atomic():
        message = _lock(message_pk)
        now = timezone.now()
        if message.status != M.QUEUED or message.start_at > now:
            return message
        refusal = _send_refusal(message, now)
        if refusal:
            return _transition(
                message,
                to_status=M.FAILED,
                role=SYS,
                actor_label=SYSTEM_SENDER,
                reason=refusal,
                failure_reason=refusal,
            )
        try:
            adapter_for(message.device.agreement.premise.tdsp).send_han_message(message)
        except Exception as caught:  # the TDSP could not take it: recorded below
            error = caught
        else:
            return _transition(
                message,
                to_status=M.SENT,
                role=SYS,
                actor_label=SYSTEM_SENDER,
                reason=gettext_noop("Handed to the TDSP."),
                sent_at=now,
                send_attempts=message.send_attempts + 1,
            )
    HanMessage.objects.filter(pk=message_pk).update(
        send_attempts=message.send_attempts + 1, last_send_error=str(error)[:500]
    )
    raise HanMessageSendFailed(f"HAN message {message_pk}: {error}") from error


def han_messages_send_due(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """HAN-9, OPS-2: queue the send of every Queued message whose start time has come and
    whose send task is not already on its way (future starts; lost or failed tasks after
    SEND_SWEEP_AFTER). Safe to run twice. Returns how many."""
    now = now or timezone.now()
    due = HanMessage.objects.filter(status=M.QUEUED, start_at__lte=now).filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lte=now - SEND_SWEEP_AFTER)
    )
    pks = list(due.values_list("pk", flat=True))
    if dry_run or not pks:
        return len(pks)
    HanMessage.objects.filter(pk__in=pks, status=M.QUEUED).update(dispatched_at=now)
    transaction.on_commit(lambda: han_message_dispatch(pks))
    return len(pks)


def _queued_fail(queued: QuerySet[HanMessage], *, role: Role, actor_label: str, reason: str) -> int:
    """Fail each of `queued` still Queued under its lock, with the reason. Returns how many."""
    failed = 0
    for pk in list(queued.values_list("pk", flat=True)):
        message = _lock(pk)
        if message.status == M.QUEUED:
            _transition(
                message,
                to_status=M.FAILED,
                role=role,
                actor_label=actor_label,
                reason=reason,
                failure_reason=reason,
            )
            failed += 1
    return failed


def han_messages_fail_for_move_out(*, premise: Premise, reason: str) -> int:
    """MTR-2 (seed 001): a Move-Out ends the messaging right at once: the premise's Queued
    messages fail with the reason. Called in the TDSP's transaction. Returns how many."""
    queued = HanMessage.objects.filter(device__agreement__premise=premise, status=M.QUEUED)
    return _queued_fail(queued, role=T, actor_label=MOVE_OUT, reason=reason)


def han_messages_fail_for_closed_company(*, company_id: int, reason: str) -> int:
    """ACC-21, ACC-8: a closed 3rd party sends nothing more: its Queued messages fail with
    the reason, by the system. Called in the transaction that closes it. Returns how many."""
    queued = HanMessage.objects.filter(company_id=company_id, status=M.QUEUED)
    return _queued_fail(queued, role=SYS, actor_label=SYSTEM_SENDER, reason=reason)


# --- the TDSP's answers -----------------------------------------------------------------------


@dataclass(frozen=True)
class MessageStatusOutcome:
    status: str  # the message's status after the TDSP's message
    changed: bool
    note: str = ""  # why nothing moved


def han_message_for_tdsp(*, tdsp_id: int, request_id: str) -> HanMessage | None:
    """API-3: a message the TDSP may answer; another TDSP's meter's message is None (404)."""
    return (
        HanMessage.objects.filter(
            tdsp_request_id=request_id, device__agreement__premise__tdsp=tdsp_id
        )
        .only("pk")
        .first()
    )


@transaction.atomic
def han_message_status_apply(
    *, message_pk: int, tdsp_status: str, message_id: str, reason: str = ""
) -> MessageStatusOutcome:
    """HAN-9: apply one status the TDSP reported. Never backwards: a Delivered after
    Confirmed, anything after Failed or Cancelled, a Confirmed for a message that asked no
    confirmation, is recorded as ignored. The TDSP API keeps replays away (message id)."""
    message = _lock(message_pk)
    current, target = message.status, TDSP_MESSAGE_STATUSES[tdsp_status]
    if target == M.CONFIRMED and not message.confirmation_required:
        return MessageStatusOutcome(current, False, "The message asked for no confirmation.")
    if current == M.QUEUED:  # SMT never handed it over (its send was rolled back)
        return MessageStatusOutcome(current, False, "The message was not sent yet: ignored.")
    if T not in MESSAGE_TRANSITIONS[current].get(target, frozenset()):
        note = f"{M(target).label} does not follow {M(current).label}: ignored."
        return MessageStatusOutcome(current, False, note)
    now = timezone.now()
    changes: dict[str, Any] = {}
    if target == M.DELIVERED:
        changes["delivered_at"] = now
    elif target == M.CONFIRMED:
        changes = {"confirmed_at": now, "delivered_at": message.delivered_at or now}
    else:
        changes["failure_reason"] = reason or _("Reported as failed by the TDSP.")
    _transition(
        message,
        to_status=target,
        role=T,
        actor_label=f"TDSP message {message_id}",
        reason=reason or gettext_noop("Reported by the TDSP."),
        **changes,
    )
    return MessageStatusOutcome(target, True)
