"""API-2, ACC-19: an endpoint needs the same permission as its page (Energy Data, In-Home
Device Services); a token of a user without it is answered 403."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from accounts.permissions import Capability, user_has_capability


class CapabilityPermission(permissions.BasePermission):
    capability: Capability
    message: Any = _("Your user does not have this function.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated) and user_has_capability(user, self.capability)


def capability(needed: Capability, label: str) -> type[CapabilityPermission]:
    """The permission class of one capability; `label` names it in the 403's message."""
    return type(
        f"Has{needed.name.title().replace('_', '')}",
        (CapabilityPermission,),
        {
            "capability": needed,
            "message": _("Your user does not have the %(function)s function.")
            % {"function": label},
        },
    )


IN_HOME_DEVICES = capability(Capability.THIRD_PARTY_HAN, "In-Home Device Services")
ENERGY_DATA = capability(Capability.THIRD_PARTY_ENERGY_DATA, "Energy Data")
AGREEMENTS = capability(Capability.THIRD_PARTY_AGREEMENTS, "Customer Agreements")
