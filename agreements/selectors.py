"""Scoped reads of customer agreements (SEC-1: anything else is a 404)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.permissions import Capability, user_has_capability

from .models import Agreement


def agreement_list_for_user(*, user) -> QuerySet[Agreement]:
    """AGR-2, AGR-16: a 3rd party (or REP) sees its company's agreements of the kinds its
    permissions cover (ACC-19); a customer the agreements made with their account."""
    base = Agreement.objects.select_related("company", "premise")
    if not getattr(user, "is_authenticated", False):
        return base.none()
    if user.is_customer:
        return base.filter(customer=user)
    if user.kind in {User.Kind.THIRD_PARTY, User.Kind.REP} and user.company_id:
        kinds = []
        if user_has_capability(user, Capability.THIRD_PARTY_ENERGY_DATA):
            kinds += [Agreement.Kind.ONE_TIME, Agreement.Kind.ONGOING]
        if user_has_capability(user, Capability.THIRD_PARTY_HAN):
            kinds.append(Agreement.Kind.ONGOING_HAN)
        return base.filter(company=user.company_id, kind__in=kinds)
    return base.none()


def agreement_get_for_user(*, user, agreement_number: str) -> Agreement:
    """One agreement the user may see, or 404 (SEC-1)."""
    return get_object_or_404(agreement_list_for_user(user=user), agreement_number=agreement_number)


def agreement_history(*, agreement: Agreement):
    """AGR-18: the history shown on the agreement page, oldest first."""
    return agreement.history.select_related("actor").order_by("created_at", "pk")
