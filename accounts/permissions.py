"""The permissions matrix (ACC-19, seed 002's last table), in one place.

Views check it with `capability_required`, the navigation shows only what it allows, and the
APIs will ask the same function. A capability a user lacks is neither shown nor accepted.
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from .models import User
from .services.api_tokens import TOKEN_KINDS


class Capability(StrEnum):
    MY_PROFILE = "my_profile"
    COMPANY_PROFILE_VIEW = "company_profile_view"
    COMPANY_PROFILE_EDIT = "company_profile_edit"
    MANAGE_USERS = "manage_users"
    PENDING_APPROVAL = "pending_approval"
    ROR_METERS = "ror_meters"
    THIRD_PARTY_ENERGY_DATA = "third_party_energy_data"
    THIRD_PARTY_HAN = "third_party_han"
    THIRD_PARTY_AGREEMENTS = "third_party_agreements"  # either of the two above (AGR-2)
    TDSP_APPROVALS = "tdsp_approvals"
    TDSP_METERS = "tdsp_meters"
    CUSTOMER_METERS = "customer_meters"
    SMT_ADMINISTRATION = "smt_administration"
    API_TOKENS = "api_tokens"


_COMPANY_KINDS = {User.Kind.REP, User.Kind.THIRD_PARTY, User.Kind.TDSP}
_DATA_PARTY_KINDS = {User.Kind.REP, User.Kind.THIRD_PARTY}


def _is_company_admin(user: User) -> bool:
    return user.kind in _COMPANY_KINDS and user.is_company_admin


_RULES: dict[Capability, Callable[[User], bool]] = {
    Capability.MY_PROFILE: lambda user: True,
    # Admins edit, users read (ACC-15).
    Capability.COMPANY_PROFILE_VIEW: lambda user: user.kind in _COMPANY_KINDS,
    Capability.COMPANY_PROFILE_EDIT: _is_company_admin,
    # Admins only (ACC-16, ACC-17).
    Capability.MANAGE_USERS: _is_company_admin,
    Capability.PENDING_APPROVAL: _is_company_admin,
    # Customer Meters (ROR): every REP admin and user by default; never a 3rd party.
    Capability.ROR_METERS: lambda user: user.kind == User.Kind.REP,
    # 3rd-party functions: admins by default, users only when granted.
    Capability.THIRD_PARTY_ENERGY_DATA: lambda user: (
        user.kind in _DATA_PARTY_KINDS and (user.is_company_admin or user.can_energy_data)
    ),
    Capability.THIRD_PARTY_HAN: lambda user: (
        user.kind in _DATA_PARTY_KINDS and (user.is_company_admin or user.can_in_home_devices)
    ),
    # Customer Agreements (AGR-2): with either 3rd-party function.
    Capability.THIRD_PARTY_AGREEMENTS: lambda user: (
        user_has_capability(user, Capability.THIRD_PARTY_ENERGY_DATA)
        or user_has_capability(user, Capability.THIRD_PARTY_HAN)
    ),
    # TDSP admins approve new companies and DUNS (ACC-1, ACC-9).
    Capability.TDSP_APPROVALS: lambda user: user.kind == User.Kind.TDSP and user.is_company_admin,
    # USG-12: every TDSP user, admin or not, sees their utility's meters.
    Capability.TDSP_METERS: lambda user: user.kind == User.Kind.TDSP and bool(user.company_id),
    Capability.CUSTOMER_METERS: lambda user: user.is_customer,
    # SMT staff run the portal from Django admin (OPS-1).
    Capability.SMT_ADMINISTRATION: lambda user: user.is_staff,
    # My Profile / API Tokens (API-2): the people the 3rd-party API serves.
    Capability.API_TOKENS: lambda user: user.kind in TOKEN_KINDS and bool(user.company_id),
}


def user_has_capability(user, capability: Capability) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return _RULES[capability](user)


def capability_required(capability: Capability):
    """Decorate a view: sign-in required, and a user without the capability gets 404."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not user_has_capability(request.user, capability):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
