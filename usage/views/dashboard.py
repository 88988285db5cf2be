"""Usage / My Usage: the customer's dashboard of their meters (USG-13, issue 15)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import Capability, capability_required
from usage.services.dashboard import usage_dashboard


@capability_required(Capability.CUSTOMER_METERS)
@require_GET
def my_usage(request):
    """The first page of a customer's Usage tab; the Home page shows the same dashboard."""
    return render(
        request, "usage/dashboard.html", {"dashboard": usage_dashboard(customer=request.user)}
    )
