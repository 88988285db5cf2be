"""My Account / HAN Devices, the customer's side (HAN-4, HAN-8; seed 001 P2 notes): the HAN
devices and provision requests on the customer's meters, a request's page with Start the
Pairing Process / Reject while the customer may still answer, and Remove.

Every page starts from `han_requests_for_customer` (SEC-1): anything else is a 404.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import Capability, capability_required
from smt.lib.errors import Refused
from smt.lib.listing import listing_build

from ..forms import HanDeviceSearchForm, PairingAnswerForm
from ..selectors import han_request_get_for_user, han_requests_for_customer
from ..services.answers import han_answer_signed_in
from .common import detail_context, device_remove_page

SORT_COLUMNS = {
    "type": "device_type",
    "mac": "mac_address",
    "esiid": "agreement__premise__esiid",
    "company": "agreement__company__name",
    "status": "agreement__status",
    "requested": "agreement__created_at",
    "added": "device_added_at",
}


@capability_required(Capability.CUSTOMER_METERS)
@require_GET
def device_list(request):
    """HAN-8: My Account / HAN Devices, newest request first, with the ACC-20 pattern."""
    listing = listing_build(
        request,
        han_requests_for_customer(user=request.user),
        form_class=HanDeviceSearchForm,
        sort_columns=SORT_COLUMNS,
        default_sort="-requested",
    )
    return render(request, "han/customer/device_list.html", {"listing": listing})


@capability_required(Capability.CUSTOMER_METERS)
@require_GET
def device_detail(request, agreement_number):
    """HAN-8: the device, the 3rd party (logo, contact), the history and the valid actions."""
    han_request = han_request_get_for_user(user=request.user, agreement_number=agreement_number)
    context = detail_context(han_request, customer=request.user)
    return render(request, "han/customer/device_detail.html", context)


@capability_required(Capability.CUSTOMER_METERS)
@require_POST
def device_answer(request, agreement_number):
    """HAN-4 from My Account: Start the Pairing Process or Reject (the emailed link is spent
    too, so it cannot answer a second time)."""
    han_request = han_request_get_for_user(user=request.user, agreement_number=agreement_number)
    form = PairingAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose Start the Pairing Process or Reject."))
        return redirect("han:customer_device", agreement_number)
    try:
        han_answer_signed_in(user=request.user, request=han_request, start=form.start)
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        company = {"company": han_request.agreement.company.name}
        if form.start:
            text = _(
                "You have started the pairing process. %(company)s has been notified; you will "
                "receive an email when your smart meter is ready to pair with your HAN device."
            )
        else:
            text = _("You have rejected the HAN device provision request from %(company)s.")
        messages.success(request, text % company)
    return redirect("han:customer_device", agreement_number)


@capability_required(Capability.CUSTOMER_METERS)
@require_http_methods(["GET", "POST"])
def device_remove(request, agreement_number):
    """HAN-8: GET confirms, POST asks the TDSP to de-provision the device."""
    return device_remove_page(
        request,
        agreement_number,
        detail="han:customer_device",
        template="han/customer/device_remove.html",
    )
