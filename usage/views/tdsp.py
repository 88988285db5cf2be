"""TDSP Meters: a TDSP's staff see their utility's meters (USG-12), with the ACC-20 list."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import Capability, capability_required
from smt.lib.listing import listing_build
from usage import selectors
from usage.forms import TdspMeterSearchForm


@capability_required(Capability.TDSP_METERS)
def tdsp_meters(request: HttpRequest) -> HttpResponse:
    """USG-12: the meters of the user's TDSP, each linking to its usage and premise pages
    (which premises_visible_to opens to TDSP staff); searched, sorted and paginated (ACC-20)."""
    premises = selectors.tdsp_premises_for_user(user=request.user)
    listing = listing_build(
        request,
        premises,
        form_class=TdspMeterSearchForm,
        sort_columns={
            "esiid": "esiid",
            "meter_number": "meter_number",
            "address": "street_line",
            "city": "city",
            "zip": "zip_code",
        },
        default_sort="esiid",
    )
    return render(request, "usage/tdsp_meters.html", {"listing": listing})
