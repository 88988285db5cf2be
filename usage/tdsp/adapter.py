"""How the portal talks to a TDSP (USG-11, API-3): one adapter per TDSP, chosen by settings.

`TDSP_ADAPTERS` maps a TDSP code to an adapter class (dotted path); every other TDSP uses
`TDSP_ADAPTER`, the simulated TDSP (`usage.tdsp.simulated`) by default. An adapter only
*sends*: every TDSP, real or simulated, answers through the TDSP API
(`usage.tdsp.messages`), so everything after the adapter is the same code.
"""

from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.models import Tdsp
from smt.lib.sandbox import SANDBOX_TDSP_CODE
from usage.models import OnDemandRead


class TdspAdapter(Protocol):
    def request_on_demand_read(self, read: OnDemandRead) -> None:
        """Ask the TDSP to read the meter (USG-11). Called from a worker, once per attempt;
        `read.tdsp_request_id` is what the TDSP's answer names. Raise to have it retried."""

    def request_han_provision(self, request: Any) -> None:
        """Ask the TDSP to provision a HAN device (HAN-4 P2.5; `request` is a
        `han.models.HanProvisionRequest`: device type, MAC address, installation code, the
        meter). Its statuses come back through the TDSP API naming
        `request.tdsp_request_id` (HAN-7). Called from a worker; raise to have it retried."""

    def request_han_deprovision(self, request: Any) -> None:
        """Ask the TDSP to remove a HAN device (HAN-8); the answers name
        `request.removal_request_id`."""

    def send_han_message(self, message: Any) -> None:
        """Send a text message to one paired HAN device (HAN-9; `message` is a
        `han.models.HanMessage`: `zigbee_message_id`, text, start time, duration,
        `zigbee_importance`, confirmation required, the device's MAC address and meter).
        Its statuses come back through the TDSP API naming `message.tdsp_request_id`."""


def adapter_for(tdsp: Tdsp) -> TdspAdapter:
    """The adapter of this TDSP: `TDSP_ADAPTERS[tdsp.code]`, else `TDSP_ADAPTER`. The
    sandbox's TDSP is always the simulated one (BEY-5), whatever production configures."""
    if tdsp.code == SANDBOX_TDSP_CODE:
        return import_string(settings.SANDBOX_TDSP_ADAPTER)()
    path = settings.TDSP_ADAPTERS.get(tdsp.code, settings.TDSP_ADAPTER)
    return import_string(path)()
