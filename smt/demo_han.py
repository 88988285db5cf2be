"""Demo HAN provision requests (OPS-3, HAN-1..HAN-8): the demo 3rd party and the demo REP
provision HAN devices on the demo customers' meters, so that a newcomer finds every status of
the HAN-3 table, and John Smith's solar meter with all 5 HAN slots taken (HAN-2: a 6th device
is refused on the form).

Every request is made through the `han` services, as the pages make them: the 3rd party's
request, the customer's answer by the token of the recorded email (HAN-4), the TDSP's
statuses as TDSP API messages from the simulated TDSP (`han.simulated.simulated_han_send`,
HAN-7), a removal asked by the customer or the company (HAN-8). Only the 35 days of HAN-5
cannot pass during a seed: that one request is dated back, and the HAN-5 job ends it.

Side effects: the emails are recorded and sent by the worker after the seed commits, as every
demo email (to `var/mail/` locally). Nothing reaches a TDSP and no simulated TDSP task is
scheduled: the seed hands the started requests and removals to `RecordingOnlyTdsp` (it plays
the TDSP's answers itself), so they are marked as sent and the worker and the
`send_missing_han_requests` sweep leave them where the seed put them.

Idempotent: a demo device is known by its meter and MAC address; one already there (whatever
its status since) is not made again.

HAN device messages (HAN-9, AGR-17): the demo 3rd party messages John Smith's two paired
devices on the solar meter, under its Active Ongoing HAN Services agreement there
(`smt/demo_agreements.py`), so that a newcomer finds a message in every status. They are made
through `han.services.messages` like the pages make them: composed, handed to the TDSP
(`han_message_send`, to `RecordingOnlyTdsp`, so the simulated TDSP schedules no answer of its
own), the TDSP's Delivered / Confirmed / Failed as TDSP API messages (`tdsp_message_apply`),
a cancellation by the 3rd party. The send task each due message queues after commit finds it
already sent and does nothing. The Queued one goes out for real when its start time comes.
Seeded once: skipped when the demo 3rd party already has messages on that meter.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from agreements.models import Agreement, AgreementHistory, AgreementInvitation
from agreements.services.core import chicago_date
from agreements.services.creation import Contact, CustomerDetails, MeterPair
from han.models import HanMessage, HanProvisionRequest
from han.selectors import han_requests_for_user
from han.services.answers import han_answer_by_link
from han.services.core import PAIRING_START_DAYS
from han.services.jobs import han_requests_expire
from han.services.messages import (
    MessageDraft,
    han_message_cancel,
    han_message_send,
    han_messages_compose,
)
from han.services.provisioning import DeviceDetails, han_provision_request_create
from han.services.tdsp import han_device_remove, han_removal_send, han_request_send
from han.simulated import SimulatedTdsp, simulated_han_send
from han.tdsp import HAN_MESSAGE_STATUS
from notifications.models import OutboundEmail
from smt.lib.errors import Refused
from usage.models import CustomerPremise
from usage.services.intervals import MARKET_TZ
from usage.tdsp.messages import tdsp_message_apply

THIRD_PARTY = "tp.admin"
REP = "rep.admin"
# The ZigBee Smart Energy specification's example installation code with its CRC.
INSTALL_CODE = "83FED3407A939723A5C639B26916D505C3B5"
# The simulated TDSP's test MACs (smt/settings.py defaults): the demo devices on them took
# the path trying them takes.
REJECT_MAC = "000D6F0000DEAD01"  # Add Pending → Add Rejected
FAIL_MAC = "000D6F0000FA1101"  # Add Pending → Add Failed
SETUP_ISSUE_MAC = "000D6F0000FA1102"  # Add Pending → Meter Ready → Add Failed (stays)

# The customer's answer to the emailed request (HAN-4), or none.
START, REJECT, WAITING, NO_ANSWER = "start", "reject", "waiting", "no answer"
PAIRED = ("ADD_PENDING", "METER_READY", "DEVICE_ADDED")  # the TDSP's happy path

DT = HanProvisionRequest.DeviceType


@dataclass(frozen=True)
class DemoHanRequest:
    by: str  # the demo user who provisions (3rd party or REP)
    customer: str  # the demo customer whose meter it is
    esiid: str
    mac: str
    device_type: str
    answer: str = START
    tdsp: tuple[str, ...] = ()  # the TDSP's statuses, in order (HAN-7)
    remove_by: str = ""  # after Device Added, who asks the removal (HAN-8)
    removal: tuple[str, ...] = ()  # the TDSP's answers to the removal


MARIA, JOHN_SOLAR, JOHN, ACME = (
    "10443720000000001",
    "10443720000000002",
    "10443720000000003",
    "10443720000000004",
)

REQUESTS = [
    # María García's meter (Spanish emails), by the 3rd party: 4 slots taken.
    DemoHanRequest(
        THIRD_PARTY, "maria.garcia", MARIA, "000D6F00000D0001", DT.IN_HOME_DISPLAY, WAITING
    ),
    DemoHanRequest(THIRD_PARTY, "maria.garcia", MARIA, "000D6F00000D0002", DT.THERMOSTAT, REJECT),
    DemoHanRequest(
        THIRD_PARTY,
        "maria.garcia",
        MARIA,
        REJECT_MAC,
        DT.SMART_APPLIANCE,
        tdsp=("ADD_PENDING", "ADD_REJECTED"),
    ),
    DemoHanRequest(
        THIRD_PARTY,
        "maria.garcia",
        MARIA,
        SETUP_ISSUE_MAC,
        DT.THERMOSTAT,
        tdsp=("ADD_PENDING", "METER_READY", "ADD_FAILED"),
    ),
    # John Smith's solar meter, by the 3rd party: all 5 slots taken (HAN-2).
    DemoHanRequest(
        THIRD_PARTY, "john.smith", JOHN_SOLAR, "000D6F00000D0005", DT.THERMOSTAT, tdsp=PAIRED
    ),
    DemoHanRequest(
        THIRD_PARTY, "john.smith", JOHN_SOLAR, "000D6F00000D0006", DT.IN_HOME_DISPLAY, tdsp=PAIRED
    ),
    DemoHanRequest(
        THIRD_PARTY,
        "john.smith",
        JOHN_SOLAR,
        "000D6F00000D0007",
        DT.LOAD_CONTROL,
        tdsp=("ADD_PENDING", "METER_READY"),
    ),
    DemoHanRequest(
        THIRD_PARTY,
        "john.smith",
        JOHN_SOLAR,
        "000D6F00000D0008",
        DT.SMART_APPLIANCE,
        tdsp=("ADD_PENDING",),
    ),
    DemoHanRequest(THIRD_PARTY, "john.smith", JOHN_SOLAR, "000D6F00000D0009", DT.IN_HOME_DISPLAY),
    # John Smith's other meter, by the REP.
    DemoHanRequest(REP, "john.smith", JOHN, "000D6F00000D000A", DT.THERMOSTAT, NO_ANSWER),
    DemoHanRequest(
        REP, "john.smith", JOHN, FAIL_MAC, DT.LOAD_CONTROL, tdsp=("ADD_PENDING", "ADD_FAILED")
    ),
    DemoHanRequest(
        REP,
        "john.smith",
        JOHN,
        "000D6F00000D000C",
        DT.IN_HOME_DISPLAY,
        tdsp=PAIRED,
        remove_by="john.smith",
    ),
    # Acme Widgets' meter, by the REP: the removals' answers.
    DemoHanRequest(
        REP,
        "acme.business",
        ACME,
        "000D6F00000D000D",
        DT.LOAD_CONTROL,
        tdsp=PAIRED,
        remove_by=REP,
        removal=("REMOVE_PENDING", "REMOVED"),
    ),
    DemoHanRequest(
        REP,
        "acme.business",
        ACME,
        "000D6F00000D000E",
        DT.THERMOSTAT,
        tdsp=PAIRED,
        remove_by="acme.business",
        removal=("REMOVE_PENDING",),
    ),
    DemoHanRequest(
        REP,
        "acme.business",
        ACME,
        "000D6F00000D000F",
        DT.IN_HOME_DISPLAY,
        tdsp=PAIRED,
        remove_by=REP,
        removal=("REMOVE_FAILED",),
    ),
]
FULL_METER = JOHN_SOLAR  # the demo meter whose 5 HAN slots are all taken


class RecordingOnlyTdsp(SimulatedTdsp):
    """The TDSP adapter while seeding: the seed sends the simulated TDSP's HAN answers itself,
    so handing a HAN request or message over only records that it was sent (no task)."""

    def request_han_provision(self, request: HanProvisionRequest) -> None:
        return None

    def request_han_deprovision(self, request: HanProvisionRequest) -> None:
        return None

    def send_han_message(self, message: HanMessage) -> None:
        return None


ADAPTER = f"{__name__}.{RecordingOnlyTdsp.__name__}"


def seed_han_requests(users: dict[str, User]) -> int:
    """Create the demo HAN requests not there yet; returns how many (HAN Device agreements)."""
    created = 0
    with override_settings(TDSP_ADAPTER=ADAPTER, TDSP_ADAPTERS={}):
        for spec in REQUESTS:
            if HanProvisionRequest.objects.filter(
                agreement__premise__esiid=spec.esiid, mac_address=spec.mac
            ).exists():
                continue
            try:
                with transaction.atomic():
                    _seed_one(spec, users)
            except Refused:  # e.g. a newcomer's own request took the slot: leave it out
                continue
            created += 1
    return created


def _seed_one(spec: DemoHanRequest, users: dict[str, User]) -> None:
    by, customer = users[spec.by], users[spec.customer]
    link = CustomerPremise.objects.select_related("premise").get(
        customer=customer, premise__esiid=spec.esiid, detached_at__isnull=True
    )
    meter = link.premise.meters.get(removed_on__isnull=True)
    [request] = han_provision_request_create(
        user=by,
        customer=CustomerDetails(registered=True, email=customer.email),
        customer_id=customer.username,
        meter=MeterPair(esiid=spec.esiid, meter_number=meter.meter_number),
        devices=[DeviceDetails(spec.device_type, spec.mac, INSTALL_CODE)],
        contact=Contact(name=by.get_full_name(), email=by.email, phone=by.phone),
    )
    if spec.answer == WAITING:
        return
    if spec.answer == NO_ANSWER:
        _date_back(request, days=PAIRING_START_DAYS + 1)
        han_requests_expire()  # HAN-5: Customer Did NOT Initiate Pairing Window
        return
    han_answer_by_link(token=_emailed_token(request), start=spec.answer == START)
    if spec.answer != START:
        return
    han_request_send(request_pk=request.pk)  # P2.5, to RecordingOnlyTdsp
    _tdsp_statuses(request.pk, spec.tdsp, removal=False)
    if spec.remove_by:
        remover = users[spec.remove_by]
        han_device_remove(
            user=remover, request=han_requests_for_user(user=remover).get(pk=request.pk)
        )
        han_removal_send(request_pk=request.pk)
        _tdsp_statuses(request.pk, spec.removal, removal=True)


def _emailed_token(request: HanProvisionRequest) -> str:
    """HAN-4: the token of the Start / Reject link in the customer's recorded email."""
    email = OutboundEmail.objects.get(
        template="han/request_sent_customer", related_id=str(request.agreement_id)
    )
    return urlsplit(email.context["start_url"]).path.rstrip("/").rsplit("/", 1)[-1]


def _tdsp_statuses(request_pk: int, statuses: tuple[str, ...], *, removal: bool) -> None:
    """HAN-7: the TDSP's messages, through the TDSP API's handling like the simulated TDSP's.
    The message ids are fixed per request, so they read as the demo's in the admin."""
    for step, status in enumerate(statuses):
        request = HanProvisionRequest.objects.select_related("agreement__premise__tdsp").get(
            pk=request_pk
        )
        run = request.removal_request_id if removal else request.tdsp_request_id
        answer = simulated_han_send(request, status=status, message_id=f"demo-{run}-{step}")
        if answer.get("status") != "processed":
            raise RuntimeError(f"Demo HAN status {status} refused: {answer}")


def _date_back(request: HanProvisionRequest, *, days: int) -> None:
    """HAN-5's 35 days cannot pass during a seed: the request, its link, history and emails
    are moved back as if it had been made `days` ago."""
    shift = timedelta(days=days)
    agreement = Agreement.objects.get(pk=request.agreement_id)
    for name in ("created_at", "invited_at", "expires_at", "status_changed_at"):
        setattr(agreement, name, getattr(agreement, name) - shift)
    agreement.start_date = chicago_date(agreement.created_at)
    agreement.save(
        update_fields=["created_at", "invited_at", "expires_at", "status_changed_at", "start_date"]
    )
    for link in AgreementInvitation.objects.filter(agreement=agreement):
        link.created_at -= shift
        link.expires_at -= shift
        link.save(update_fields=["created_at", "expires_at"])
    for row in AgreementHistory.objects.filter(agreement=agreement):
        row.created_at -= shift
        row.save(update_fields=["created_at"])
    emails = OutboundEmail.objects.filter(
        related_type=ContentType.objects.get_for_model(Agreement), related_id=str(agreement.pk)
    )
    for email in emails:  # created_at is auto_now_add: only an UPDATE changes it
        OutboundEmail.objects.filter(pk=email.pk).update(created_at=email.created_at - shift)


# --- HAN device messages (HAN-9, AGR-17) ------------------------------------------------------

THERMOSTAT_MAC = "000D6F00000D0005"  # John Smith's solar meter: the thermostat …
DISPLAY_MAC = "000D6F00000D0006"  # … and the in-home display (both Device Added)

P = HanMessage.Priority


@dataclass(frozen=True)
class DemoHanMessage:
    mac: str  # a paired device on John Smith's solar meter
    text: str  # at most 80 characters (han.message_text)
    tdsp: tuple[str, ...] = ()  # the TDSP's statuses after the hand-over, in order
    reason: str = ""  # with FAILED
    priority: str = P.NORMAL
    confirmation_required: bool = False
    duration_minutes: int = 60
    days_ahead: int = 0  # > 0: starts that many days ahead at 1 PM Central (stays Queued)
    cancel: bool = False  # cancelled by the 3rd party while Queued


MESSAGES = [
    # Queued: a start time 3 days ahead (the beat job sends it then).
    DemoHanMessage(
        DISPLAY_MAC,
        "Peak pricing event on {weekday} 2-6 PM. Pre-cool your home before 2 PM.",
        priority=P.HIGH,
        duration_minutes=300,
        days_ahead=3,
    ),
    # Sent to TDSP: handed over, no answer yet.
    DemoHanMessage(
        THERMOSTAT_MAC, "Your thermostat will pre-cool to 72°F from 1 PM to save during the peak."
    ),
    # Delivered (in Spanish: Latin-1 letters are allowed).
    DemoHanMessage(
        DISPLAY_MAC,
        "Evento de precio pico hoy 2-6 PM. ¡Ahorre energía!",
        tdsp=("DELIVERED",),
        priority=P.HIGH,
        duration_minutes=240,
    ),
    # Confirmed by customer: a critical message asking for confirmation.
    DemoHanMessage(
        DISPLAY_MAC,
        "Grid emergency: please reduce your electricity use 4-7 PM today. Press OK.",
        tdsp=("DELIVERED", "CONFIRMED"),
        priority=P.CRITICAL,
        confirmation_required=True,
        duration_minutes=180,
    ),
    # Failed: the TDSP could not reach the device.
    DemoHanMessage(
        THERMOSTAT_MAC,
        "Thanks for saving energy yesterday! You used 12% less during the peak.",
        tdsp=("FAILED",),
        reason="The HAN device did not acknowledge the message.",
    ),
    # Cancelled: scheduled for a later day, then withdrawn by the 3rd party.
    DemoHanMessage(
        THERMOSTAT_MAC,
        "Maintenance: your thermostat program will update {weekday} at 1 PM.",
        days_ahead=2,
        cancel=True,
    ),
]


def seed_han_messages(users: dict[str, User]) -> int:
    """Create the demo HAN device messages, once; returns how many."""
    third_party = users[THIRD_PARTY]
    if HanMessage.objects.filter(
        company=third_party.company_id, device__agreement__premise__esiid=JOHN_SOLAR
    ).exists():
        return 0
    created = 0
    with override_settings(TDSP_ADAPTER=ADAPTER, TDSP_ADAPTERS={}):
        for spec in MESSAGES:
            try:
                with transaction.atomic():
                    _seed_message(spec, third_party)
            except Refused:  # e.g. the device is no longer paired: leave the message out
                continue
            created += 1
    return created


def _seed_message(spec: DemoHanMessage, third_party: User) -> None:
    device = HanProvisionRequest.objects.select_related("agreement__premise__tdsp").get(
        agreement__company=third_party.company_id,
        agreement__premise__esiid=JOHN_SOLAR,
        mac_address=spec.mac,
        cleared_at__isnull=True,
    )
    start = _start_at(spec.days_ahead) if spec.days_ahead else None
    weekday = start.astimezone(MARKET_TZ).strftime("%A") if start else ""
    [message] = han_messages_compose(
        user=third_party,
        draft=MessageDraft(
            text=spec.text.format(weekday=weekday),
            duration_minutes=spec.duration_minutes,
            priority=spec.priority,
            confirmation_required=spec.confirmation_required,
            start_at=start,
        ),
        devices=[device.agreement.agreement_number],
    )
    if spec.cancel:
        han_message_cancel(user=third_party, message=message)
        return
    if start is not None:
        return  # Queued until its start time
    message = han_message_send(message_pk=message.pk)  # to RecordingOnlyTdsp: Sent to TDSP
    if message.status != HanMessage.Status.SENT:
        raise RuntimeError(f"Demo HAN message not sent: {message.failure_reason}")
    for step, status in enumerate(spec.tdsp):
        body = {
            "message_id": f"demo-msg-{message.tdsp_request_id}-{step}",
            "type": HAN_MESSAGE_STATUS,
            "request_id": message.tdsp_request_id,
            "status": status,
        }
        if spec.reason:
            body["reason"] = spec.reason
        answer = tdsp_message_apply(tdsp=device.agreement.premise.tdsp, body=body)
        if answer.get("status") != "processed" or answer.get("result") != "accepted":
            raise RuntimeError(f"Demo HAN message status {status} refused: {answer}")


def _start_at(days_ahead: int) -> datetime:
    """1 PM Central, `days_ahead` days from today."""
    day = timezone.now().astimezone(MARKET_TZ).date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(13, 0), tzinfo=MARKET_TZ)
