"""Shared set-up for the HAN tests: requests made through the services, answered by the
token the customer's email carries, TDSP statuses sent through the TDSP API's handling."""

import csv
import io
import re
from datetime import timedelta
from itertools import count
from urllib.parse import urlsplit

from agreements.models import Agreement, AgreementHistory, AgreementInvitation
from han.devices import install_code_with_crc
from han.models import HanMessage, HanProvisionRequest
from han.services.answers import han_answer_by_link
from han.services.provisioning import DeviceDetails, han_provision_request_create
from notifications.models import OutboundEmail
from tests.agreements.helpers import contact, details, pair, third_party_admin
from tests.factories import CustomerPremiseFactory, MeterFactory, UserFactory
from usage.tdsp.messages import tdsp_message_apply

S = Agreement.Status
INSTALL_CODE = install_code_with_crc("83FED3407A939723A5C639B26916D505")
_macs = count(1)
_messages = count(1)


def new_mac() -> str:
    return f"000D6F{next(_macs):010X}"


def device(mac: str | None = None, **overrides) -> DeviceDetails:
    fields = {
        "device_type": HanProvisionRequest.DeviceType.IN_HOME_DISPLAY,
        "mac_address": mac or new_mac(),
        "install_code": INSTALL_CODE,
    }
    fields.update(overrides)
    return DeviceDetails(**fields)


def provision(user=None, meter=None, devices=None, **kwargs) -> list[HanProvisionRequest]:
    user = user or third_party_admin()
    meter = meter or MeterFactory()
    kwargs.setdefault("customer", details())
    return han_provision_request_create(
        user=user,
        meter=pair(meter),
        devices=devices if devices is not None else [device()],
        contact=contact(),
        **kwargs,
    )


def one_request(**kwargs) -> HanProvisionRequest:
    (request,) = provision(**kwargs)
    return request


def token_of(request: HanProvisionRequest) -> str:
    """The token of the Start / Reject link in the customer's provision request email."""
    email = OutboundEmail.objects.get(
        template="han/request_sent_customer", related_id=str(request.agreement_id)
    )
    return urlsplit(email.context["start_url"]).path.rstrip("/").rsplit("/", 1)[-1]


def started(**kwargs) -> HanProvisionRequest:
    request = one_request(**kwargs)
    return han_answer_by_link(token=token_of(request), start=True).request


def tdsp_status(request: HanProvisionRequest, status: str, message_id: str | None = None, **extra):
    """A HAN status from the request's TDSP, through the TDSP API's message handling."""
    request.refresh_from_db()
    removal = status.startswith("REMOVE")
    body = {
        "message_id": message_id or f"han-test-{next(_messages)}",
        "type": "han_status",
        "request_id": request.removal_request_id if removal else request.tdsp_request_id,
        "status": status,
        **extra,
    }
    return tdsp_message_apply(tdsp=request.agreement.premise.tdsp, body=body)


def status_of(request: HanProvisionRequest) -> str:
    return Agreement.objects.values_list("status", flat=True).get(pk=request.agreement_id)


def han_emails(request: HanProvisionRequest) -> list[tuple[str, str, str]]:
    """(template, recipient, language) of every email recorded for the request, in order."""
    return list(
        OutboundEmail.objects.filter(
            related_id=str(request.agreement_id), template__startswith="han/"
        )
        .order_by("pk")
        .values_list("template", "recipient", "language")
    )


# --- added for the HAN test modules -----------------------------------------------------------

HAPPY_PATH = ("ADD_PENDING", "METER_READY", "DEVICE_ADDED")


class RecordingAdapter:
    """A TDSP adapter that only records what it was asked to send (HAN-4 P2.5, HAN-8)."""

    provisions: list[str] = []
    removals: list[str] = []
    messages: list[str] = []  # HAN-9: the `tdsp_request_id` of each HAN message sent

    def request_on_demand_read(self, read) -> None:
        pass

    def request_han_provision(self, request) -> None:
        RecordingAdapter.provisions.append(request.tdsp_request_id)

    def request_han_deprovision(self, request) -> None:
        RecordingAdapter.removals.append(request.removal_request_id)

    def send_han_message(self, message) -> None:
        RecordingAdapter.messages.append(message.tdsp_request_id)


def use_recording_adapter(settings, tdsp_code: str = "oncor") -> type[RecordingAdapter]:
    """Point the TDSP's adapter at `RecordingAdapter` (settings.TDSP_ADAPTERS), emptied."""
    settings.TDSP_ADAPTERS = {tdsp_code: f"{__name__}.RecordingAdapter"}
    RecordingAdapter.provisions = []
    RecordingAdapter.removals = []
    RecordingAdapter.messages = []
    return RecordingAdapter


def registered_customer(meter, **kwargs):
    """A customer account with this meter attached (a registered customer, HAN-1)."""
    customer = UserFactory(**kwargs)
    CustomerPremiseFactory(customer=customer, premise=meter.premise)
    return customer


def provision_registered(customer, meter, **kwargs) -> list[HanProvisionRequest]:
    """A request for a registered customer, named by user ID (HAN-1)."""
    kwargs.setdefault("customer_id", customer.username)
    return provision(meter=meter, customer=details(registered=True, email=customer.email), **kwargs)


def device_added(**kwargs) -> HanProvisionRequest:
    """A request started by the customer and paired: Device Added (HAN-7)."""
    request = started(**kwargs)
    for status in HAPPY_PATH:
        tdsp_status(request, status)
    request.refresh_from_db()
    return request


def row_counts() -> dict[str, int]:
    """Everything a provision request creates, counted."""
    return {
        model.__name__: model.objects.count()
        for model in (
            Agreement,
            AgreementHistory,
            AgreementInvitation,
            HanProvisionRequest,
            OutboundEmail,
        )
    }


def history_of(request: HanProvisionRequest) -> list[tuple[str, str, str]]:
    """(from, to, actor label) of every history row of the request, oldest first."""
    return list(
        AgreementHistory.objects.filter(agreement=request.agreement_id)
        .order_by("created_at", "pk")
        .values_list("from_status", "to_status", "actor_label")
    )


def templates_of(request: HanProvisionRequest) -> list[str]:
    return [template for template, _to, _language in han_emails(request)]


# --- HAN device messages (HAN-9) ---------------------------------------------------------------


def han_services(user, meter, **kwargs) -> Agreement:
    """An Active Ongoing HAN Services agreement of `user`'s company on `meter` (AGR-17)."""
    from tests.agreements.helpers import active_ongoing

    return active_ongoing(user=user, meter=meter, kind=Agreement.Kind.ONGOING_HAN, **kwargs)


def messaging_ready(user=None, meter=None, macs=1):
    """A 3rd party with an Active HAN Services agreement and `macs` paired devices on one
    meter: (user, meter, agreement, [devices])."""
    user = user or third_party_admin()
    meter = meter or MeterFactory()
    devices = [device_added(user=user, meter=meter) for _ in range(macs)]
    return user, meter, han_services(user, meter), devices


def draft(**overrides):
    from han.services.messages import MessageDraft

    fields = {"text": "Peak pricing 2-6 PM today. Please save energy.", "duration_minutes": 60}
    fields.update(overrides)
    return MessageDraft(**fields)


def message_status(message, status: str, message_id: str | None = None, **extra):
    """A HAN message status from the message's TDSP, through the TDSP API's handling."""
    message.refresh_from_db()
    body = {
        "message_id": message_id or f"han-msg-test-{next(_messages)}",
        "type": "han_message_status",
        "request_id": message.tdsp_request_id,
        "status": status,
        **extra,
    }
    return tdsp_message_apply(tdsp=message.device.agreement.premise.tdsp, body=body)


class FailingAdapter(RecordingAdapter):
    """A TDSP adapter that cannot take HAN messages (the TDSP is down, HAN-9)."""

    def send_han_message(self, message) -> None:
        raise ConnectionError("TDSP unreachable")


def use_failing_adapter(settings, tdsp_code: str = "oncor") -> None:
    settings.TDSP_ADAPTERS = {tdsp_code: f"{__name__}.FailingAdapter"}


def compose(user, meter=None, *, devices=None, esiids=None, **overrides):
    """HAN-9: compose `draft(**overrides)` to `devices` (HanProvisionRequests) or else to
    `esiids` (default: the meter's ESIID)."""
    from han.services.messages import han_messages_compose

    if devices is not None:
        numbers = [d.agreement.agreement_number for d in devices]
        return han_messages_compose(user=user, draft=draft(**overrides), devices=numbers)
    if esiids is None:
        esiids = [meter.premise.esiid]
    return han_messages_compose(user=user, draft=draft(**overrides), esiids=esiids)


def message_events(message) -> list[tuple]:
    """(from, to, actor, actor label, reason) of each timeline row of a HAN message (HAN-9)."""
    from han.models import HanMessageEvent

    return list(
        HanMessageEvent.objects.filter(message=message.pk)
        .order_by("created_at", "pk")
        .values_list("from_status", "to_status", "actor", "actor_label", "reason")
    )


# --- HAN Device Messages pages (HAN-9) ---------------------------------------------------------

MESSAGES_URL = "/my-account/han-device-messages/"
ROUND = timedelta(minutes=16)  # 4 messages a device an hour: one round every 16 minutes


def listed(html: str) -> list[int]:
    """The message IDs a page links to, in page order (a row links its ID and its action)."""
    return [int(pk) for pk in dict.fromkeys(re.findall(rf'href="{MESSAGES_URL}(\d+)/"', html))]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def history(user, devices, count, clock) -> list[HanMessage]:
    """`count` messages composed to `devices` round by round, the clock moving between rounds
    so the rate limit (4 a device an hour) never refuses one."""
    made: list[HanMessage] = []
    while len(made) < count:
        clock.shift(ROUND)
        made += compose(user, devices=devices[: count - len(made)])
    return made
