"""TDSP Meters: a TDSP's staff see their utility's meters (USG-12), with the ACC-20 list; SMT
staff see the meters without data for N days, per TDSP (BEY-4)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import Capability, capability_required
from smt.lib.listing import listing_build
from usage import selectors
from usage.forms import MeterSearchForm, StaleMetersForm, TdspMeterSearchForm
from usage.services import freshness


@capability_required(Capability.TDSP_METERS)
def tdsp_meters(request: HttpRequest) -> HttpResponse:
    """USG-12: the meters of the user's TDSP, each linking to its usage and premise pages
    (which premises_visible_to opens to TDSP staff); searched, sorted and paginated (ACC-20)."""
    premises = selectors.tdsp_premises_for_user(user=request.user)
    listing = listing_build(
        request,
        freshness.freshness_annotate(premises),  # BEY-4: the freshness column, joined
        form_class=TdspMeterSearchForm,
        sort_columns={
            "esiid": "esiid",
            "meter_number": "meter_number",
            "address": "street_line",
            "city": "city",
            "zip": "zip_code",
            "freshness": freshness.FRESHNESS_ORDER,  # ascending: the stalest first
        },
        default_sort="esiid",
    )
    return render(request, "usage/tdsp_meters.html", {"listing": listing})


@capability_required(Capability.SMT_ADMINISTRATION)
@require_GET
def stale_meters(request: HttpRequest) -> HttpResponse:
    """BEY-4, the TDSP side: SMT staff see, per TDSP, the meters without interval data for
    N days (default 3), stalest first, sorted and paginated (ACC-20); anyone else a 404."""
    form = StaleMetersForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    tdsp = filters.get("tdsp")
    days = filters.get("days") or freshness.STALE_DAYS_DEFAULT
    premises = freshness.stale_meters(days=days, tdsp_id=tdsp.pk if tdsp else None)
    if esiids := filters.get("esiid"):
        premises = premises.filter(esiids.q("esiid", case_sensitive=True))
    listing = listing_build(
        request,
        premises,
        form_class=MeterSearchForm,  # the filter form above searches; the listing sorts, pages
        sort_columns={
            "freshness": freshness.FRESHNESS_ORDER,
            "esiid": "esiid",
            "tdsp": "tdsp__name",
        },
        default_sort="freshness",
        searched=True,  # ACC-20's 25/500 screen is for browsing; this is a report: all pages
    )
    return render(
        request,
        "usage/stale_meters.html",
        {
            "form": form,
            "listing": listing,
            "days": days,
            "counts": freshness.stale_meter_counts(premises),
        },
    )
