"""Scoped reads of customer agreements (SEC-1: anything else is a 404)."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Capability, user_has_capability
from usage.models import CustomerPremise

from .models import Agreement
from .workflow import Role, allowed_targets


def agreement_list_for_user(*, user) -> QuerySet[Agreement]:
    """AGR-2, AGR-16: a 3rd party (or REP) sees its company's agreements of the kinds its
    permissions cover (ACC-19); a customer the agreements made with their account."""
    base = Agreement.objects.select_related("company", "premise")
    if not getattr(user, "is_authenticated", False):
        return base.none()
    if user.is_customer:
        return agreement_list_for_customer(customer=user)
    if user.kind in {User.Kind.THIRD_PARTY, User.Kind.REP} and user.company_id:
        kinds = []
        if user_has_capability(user, Capability.THIRD_PARTY_ENERGY_DATA):
            kinds += [Agreement.Kind.ONE_TIME, Agreement.Kind.ONGOING]
        if user_has_capability(user, Capability.THIRD_PARTY_HAN):
            kinds.append(Agreement.Kind.ONGOING_HAN)
        return base.filter(company=user.company_id, kind__in=kinds)
    return base.none()


def _customer_q(customer) -> Q:
    """AGR-16: a customer's agreements are those made with their account, and those made
    before they registered (no account) for a meter now attached to them and sent to their
    email — the email keeps a previous occupant's invitations out of sight."""
    attached = CustomerPremise.objects.filter(
        premise=OuterRef("premise"), customer=customer, detached_at__isnull=True
    )
    return Q(customer=customer) | Q(
        Exists(attached), customer__isnull=True, customer_email__iexact=customer.email
    )


def agreement_list_for_customer(*, customer) -> QuerySet[Agreement]:
    """AGR-16: My Account / 3rd Party Agreements, newest first."""
    if not getattr(customer, "is_authenticated", False) or not customer.is_customer:
        return Agreement.objects.none()
    return Agreement.objects.select_related("company", "premise").filter(_customer_q(customer))


def customer_sees_agreement(*, customer, agreement: Agreement) -> bool:
    """The services' check that this customer is the agreement's customer (AGR-16)."""
    return agreement_list_for_customer(customer=customer).filter(pk=agreement.pk).exists()


def agreement_get_for_customer(*, customer, agreement_number: str) -> Agreement:
    """One of the customer's agreements, or 404 (SEC-1)."""
    return get_object_or_404(
        agreement_list_for_customer(customer=customer), agreement_number=agreement_number
    )


def agreement_customer_actions(*, agreement: Agreement, now=None) -> set[str]:
    """AGR-15: the actions the customer side may use now: "answer" (Pending, invitation not
    expired), "answer_extension" (Extension Pending, request not expired), "terminate"."""
    now = now or timezone.now()
    actions = set()
    targets = allowed_targets(agreement.kind, agreement.status, Role.CUSTOMER)
    if agreement.status == Agreement.Status.PENDING and agreement.expires_at > now:
        actions.add("answer")
    if agreement.status == Agreement.Status.EXTENSION_PENDING and (
        agreement.extension_expires_at is None or agreement.extension_expires_at > now
    ):
        actions.add("answer_extension")
    if Agreement.Status.TERMINATED in targets:
        actions.add("terminate")
    return actions


def agreement_get_for_user(*, user, agreement_number: str) -> Agreement:
    """One agreement the user may see, or 404 (SEC-1)."""
    return get_object_or_404(agreement_list_for_user(user=user), agreement_number=agreement_number)


def agreement_history(*, agreement: Agreement):
    """AGR-18: the history shown on the agreement page, oldest first."""
    return agreement.history.select_related("actor").order_by("created_at", "pk")
