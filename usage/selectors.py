"""Scoped reads of meters and usage (USG-12: anything else is a 404)."""

from django.db.models import QuerySet

from .models import CustomerPremise


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
