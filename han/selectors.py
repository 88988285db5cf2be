"""Scoped reads of HAN provision requests and devices (HAN-8, SEC-1: anything else is a 404).

A 3rd party (or REP) sees the requests its company made, with the In-Home Device permission
(ACC-19); a customer sees the requests and devices on the meters attached to their account,
and those made with their account. Cleared requests (HAN-5) are in no list."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.permissions import Capability, user_has_capability
from agreements.models import AgreementHistory
from smt.lib.sandbox import in_sandbox
from usage.models import CustomerPremise

from .models import HanMessage, HanMessageEvent, HanProvisionRequest


def _base() -> QuerySet[HanProvisionRequest]:
    return HanProvisionRequest.objects.select_related(
        "agreement__company", "agreement__premise"
    ).filter(cleared_at__isnull=True, agreement__premise__is_sandbox=in_sandbox())  # BEY-5


def han_requests_for_company(*, user: User | AnonymousUser) -> QuerySet[HanProvisionRequest]:
    """HAN-8: Customer Meters (3rd Party) / HAN Devices: the company's requests."""
    if (
        not isinstance(user, User)
        or not user.company_id
        or not user_has_capability(user, Capability.THIRD_PARTY_HAN)
    ):
        return HanProvisionRequest.objects.none()
    return _base().filter(agreement__company=user.company_id)


def han_requests_for_customer(*, user: User | AnonymousUser) -> QuerySet[HanProvisionRequest]:
    """HAN-8: My Account / HAN Devices: requests and devices on the customer's own meters
    (not those shared with them, ACC-22), and those made with their account."""
    if not isinstance(user, User) or not user.is_customer:
        return HanProvisionRequest.objects.none()
    attached = CustomerPremise.objects.filter(
        premise=OuterRef("agreement__premise"), customer=user, detached_at__isnull=True
    )
    return _base().filter(Q(agreement__customer=user) | Q(Exists(attached)))


def han_requests_for_user(*, user: User | AnonymousUser) -> QuerySet[HanProvisionRequest]:
    if isinstance(user, User) and user.is_customer:
        return han_requests_for_customer(user=user)
    return han_requests_for_company(user=user)


def han_request_get_for_user(*, user: User, agreement_number: str) -> HanProvisionRequest:
    """One request the user may see, by its agreement number, or 404 (SEC-1)."""
    return get_object_or_404(
        han_requests_for_user(user=user), agreement__agreement_number=agreement_number
    )


def han_request_history(*, request: HanProvisionRequest) -> QuerySet[AgreementHistory]:
    """SEC-7, AGR-18: the request's history, oldest first."""
    return request.agreement.history.select_related("actor").order_by("created_at", "pk")


# --- HAN device messages (HAN-9) --------------------------------------------------------------


def _messages() -> QuerySet[HanMessage]:
    return HanMessage.objects.select_related(
        "device__agreement__premise", "agreement", "company", "sent_by"
    ).filter(device__agreement__premise__is_sandbox=in_sandbox())  # BEY-5


def han_messages_for_company(*, user: User | AnonymousUser) -> QuerySet[HanMessage]:
    """HAN-9: My Account / HAN Device Messages of a 3rd party (or REP): its company's."""
    if (
        not isinstance(user, User)
        or not user.company_id
        or not user_has_capability(user, Capability.THIRD_PARTY_HAN)
    ):
        return HanMessage.objects.none()
    return _messages().filter(company=user.company_id)


def han_messages_for_customer(*, user: User | AnonymousUser) -> QuerySet[HanMessage]:
    """HAN-9: My Account / HAN Device Messages of a customer: the messages to the devices on
    their own meters sent while the meter was theirs, and those under their own agreement."""
    if not isinstance(user, User) or not user.is_customer:
        return HanMessage.objects.none()
    while_attached = CustomerPremise.objects.filter(
        premise=OuterRef("device__agreement__premise"),
        customer=user,
        attached_at__lte=OuterRef("created_at"),
    ).filter(Q(detached_at__isnull=True) | Q(detached_at__gt=OuterRef("created_at")))
    return _messages().filter(Q(agreement__customer=user) | Q(Exists(while_attached)))


def han_messages_for_user(*, user: User | AnonymousUser) -> QuerySet[HanMessage]:
    if isinstance(user, User) and user.is_customer:
        return han_messages_for_customer(user=user)
    return han_messages_for_company(user=user)


def han_message_get_for_user(*, user: User, pk: int) -> HanMessage:
    """One message the user may see, or 404 (SEC-1)."""
    return get_object_or_404(han_messages_for_user(user=user), pk=pk)


def han_message_events(*, message: HanMessage) -> QuerySet[HanMessageEvent]:
    """HAN-9: the message's timeline, oldest first."""
    return message.events.select_related("actor").order_by("created_at", "pk")


def han_devices_to_message(*, user: User, esiid: str) -> QuerySet[HanProvisionRequest]:
    """HAN-9: the paired devices the user's company provisioned on one ESIID (the compose
    page's device choice; the service checks the right to message each)."""
    return (
        han_requests_for_company(user=user)
        .filter(agreement__premise__esiid=esiid, agreement__status="device_added")
        .order_by("agreement__agreement_number")
    )
