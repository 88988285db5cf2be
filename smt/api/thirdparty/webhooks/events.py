"""BEY-2: the event types, who may subscribe to each, and the body every delivery carries."""

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import Capability, user_has_capability

# Event type -> (label, the 3rd-party function a user needs to subscribe an endpoint to it).
EVENT_TYPES: dict[str, tuple[Any, Capability]] = {
    "agreement.status_changed": (
        _("Agreement status changed (One-Time, Ongoing, Ongoing HAN Services)"),
        Capability.THIRD_PARTY_AGREEMENTS,
    ),
    "han_request.status_changed": (
        _("HAN device request status changed"),
        Capability.THIRD_PARTY_HAN,
    ),
    "han_message.status_changed": (
        _("HAN device message status changed"),
        Capability.THIRD_PARTY_HAN,
    ),
    "report.ready": (_("One-Time report ready"), Capability.THIRD_PARTY_ENERGY_DATA),
    "token.revoked": (_("API token revoked"), Capability.THIRD_PARTY_AGREEMENTS),
}
TEST_EVENT = "webhook.test"  # sent by "Send test event" only, to the one endpoint


def event_choices_for(user: User) -> list[tuple[str, str]]:
    """The events this user may subscribe an endpoint to (their functions, ACC-19)."""
    return [
        (kind, str(label))
        for kind, (label, needed) in EVENT_TYPES.items()
        if user_has_capability(user, needed)
    ]


def event_payload(*, kind: str, occurred_at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """The body every delivery carries (Standard Webhooks' recommended shape)."""
    return {"type": kind, "timestamp": occurred_at.isoformat(), "data": data}
