"""On Demand Read from the usage report page (USG-11)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from smt.lib.errors import Refused
from usage import selectors
from usage.services import odr


@login_required
@require_http_methods(["POST"])
def on_demand_read(request, esiid):
    """USG-11: request an On Demand Read of a meter the user may see (USG-12), then back to
    the report with its options."""
    premise = selectors.premise_get_for_user(user=request.user, esiid=esiid)
    try:
        odr.on_demand_read_request(user=request.user, premise=premise)
    except Refused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("Your On Demand Read request has been sent. Refresh the page in a few moments."),
        )
    url = reverse("usage:usage_report", args=[esiid])
    query = QueryDict(request.POST.get("report_query", "")).urlencode()  # re-encoded: no tricks
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_GET
@never_cache
def on_demand_read_status(request, esiid):
    """USG-11: the report page's On Demand Read panel alone, which usage.js fetches every few
    seconds while a read is Pending. The same checks as the report page: a meter the user may
    not see is a 404 (USG-12), and a 3rd party sees the reads of its data window. The query
    is the report page's, so the panel's refresh link and form keep the report's options."""
    premise = selectors.premise_get_for_user(user=request.user, esiid=esiid)
    window = selectors.premise_data_window(user=request.user, premise=premise)
    panel = odr.on_demand_read_panel(
        premise=premise,
        window=window,
        may_request=odr.on_demand_read_may_request(user=request.user, premise=premise),
    )
    url = reverse("usage:usage_report", args=[esiid])
    query = request.GET.urlencode()
    context = {"premise": premise, "odr": panel, "report_url": f"{url}?{query}" if query else url}
    return render(request, "usage/_on_demand_read.html", context)
