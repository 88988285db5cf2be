"""Scoped reads of meters and usage (USG-12: anything else is a 404)."""

from django.db.models import Q, QuerySet

from .models import CustomerPremise, MeterShare


def customer_premise_links(*, customer) -> QuerySet[CustomerPremise]:
    """My Smart Meters (ACC-23): the meters attached to this customer now."""
    return (
        CustomerPremise.objects.filter(customer=customer, detached_at__isnull=True)
        .select_related("premise")
        .prefetch_related("premise__meters")
        .order_by("premise__esiid")
    )


def customer_premise_link_get(*, customer, pk) -> CustomerPremise | None:
    return customer_premise_links(customer=customer).filter(pk=pk).first()


def meter_shares_given(*, owner) -> QuerySet[MeterShare]:
    """My open shares (ACC-22), for My Smart Meters."""
    return (
        MeterShare.objects.filter(
            owner=owner, status__in=[MeterShare.Status.INVITED, MeterShare.Status.ACTIVE]
        )
        .select_related("premise")
        .order_by("premise__esiid", "friend_email")
    )


def meter_shares_received(*, friend) -> QuerySet[MeterShare]:
    """My Friend's Meters (ACC-22)."""
    return (
        MeterShare.objects.filter(friend=friend, status=MeterShare.Status.ACTIVE)
        .select_related("premise", "owner")
        .order_by("premise__esiid")
    )


def meter_share_for_party(*, user, pk) -> MeterShare | None:
    """A share the user gave or received; anything else is None (404)."""
    return (
        MeterShare.objects.filter(pk=pk)
        .filter(Q(owner=user) | Q(friend=user))
        .select_related("premise")
        .first()
    )
