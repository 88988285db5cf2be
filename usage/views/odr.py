"""On Demand Read from the usage report page (USG-11)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    QueryDict,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

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
