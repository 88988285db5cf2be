"""Shared set-up for the HAN tests: requests made through the services, answered by the
token the customer's email carries, TDSP statuses sent through the TDSP API's handling."""

from itertools import count
from urllib.parse import urlsplit

from agreements.models import Agreement
from han.devices import install_code_with_crc
from han.models import HanProvisionRequest
from han.services.answers import han_answer_by_link
from han.services.provisioning import DeviceDetails, han_provision_request_create
from notifications.models import OutboundEmail
from tests.agreements.helpers import contact, details, pair, third_party_admin
from tests.factories import MeterFactory
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
        OutboundEmail.objects.filter(related_id=str(request.agreement_id), template__startswith="han/")
        .order_by("pk")
        .values_list("template", "recipient", "language")
    )
