"""The 3rd party's (and REP's) HAN pages: Provision HAN Device and its success page (HAN-1,
HAN-2; seed 001 P1.2–P1.4), and Customer Meters (3rd Party) / HAN Devices with a request's
page and Remove (HAN-8).

Every page needs the In-Home Device permission (ACC-19) and reads through the han selectors,
which start from the user's company (SEC-1): anything else is a 404.
"""

import re

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import Capability, capability_required
from agreements.services.core import AgreementRefused
from smt.lib.errors import Refused
from smt.lib.listing import listing_build

from ..forms import DeviceForm, HanDeviceSearchForm, ProvisionForm, device_formset
from ..selectors import han_request_get_for_user, han_requests_for_company
from ..services.provisioning import MAX_DEVICES, han_provision_request_create
from .common import detail_context, device_remove_page

DONE_SESSION_KEY = "han_provision_done"  # P1.4: the agreement numbers just created
SORT_COLUMNS = {
    "number": "agreement__agreement_number",
    "esiid": "agreement__premise__esiid",
    "meter_number": "agreement__meter_number",
    "last_name": "agreement__customer_last_name",
    "type": "device_type",
    "mac": "mac_address",
    "status": "agreement__status",
    "requested": "agreement__created_at",
    "added": "device_added_at",
}
DEVICE_ERROR_KEY = re.compile(r"device_(\d+)_(\w+)")


# --- HAN-1, HAN-2: Provision HAN Device ----------------------------------------------------


def _contact_initial(user) -> dict:
    """Seed 001 P1.3: the 3rd party's contact from My Profile, editable."""
    return {
        "contact_name": f"{user.first_name} {user.last_name}".strip(),
        "contact_phone": user.phone,
        "contact_email": user.email,
    }


def _redrawn(data):
    """ "Add another HAN device" / "Remove": the page again with what was typed, one device
    row more (up to MAX_DEVICES) or one fewer, and no error shown (nothing was submitted)."""
    typed_form = ProvisionForm(data)
    typed_devices = device_formset(data)
    typed = {name: typed_form[name].data for name in typed_form.fields}
    rows = [{name: form[name].data for name in DeviceForm.base_fields} for form in typed_devices]
    removed = data.get("remove_device", "")
    if removed.isdigit() and 0 < int(removed) < len(rows):
        del rows[int(removed)]
    elif "add_device" in data and len(rows) < MAX_DEVICES:
        rows.append({})
    return ProvisionForm(initial=typed), device_formset(initial=rows or None)


def _refusal_place(form, filled, refused: Refused) -> list[str]:
    """Each service message next to its input: `device_<n>_<field>` on the n-th filled-in
    device row, `meter` on the ESIID, `customer_id` on its field; `devices` and `__all__`
    (and anything else) are returned for the top of the devices section."""
    if isinstance(refused, AgreementRefused):
        errors = refused.errors
    else:
        errors = {refused.field or "__all__": [str(refused)]}
    device_errors: list[str] = []
    for key, texts in errors.items():
        match = DEVICE_ERROR_KEY.fullmatch(key)
        if match and 0 < int(match[1]) <= len(filled) and match[2] in DeviceForm.base_fields:
            target, name = filled[int(match[1]) - 1], match[2]
        elif key == "meter":
            target, name = form, "esiid"
        elif key in form.fields:
            target, name = form, key
        else:
            device_errors.extend(str(text) for text in texts)
            continue
        for text in texts:
            target.add_error(name, text)
    return device_errors


def _submit(request, form, devices):
    """Submit: the forms' checks, then the service. Returns the created requests, or None
    with the refusals placed (and those of the devices section returned)."""
    form_valid, devices_valid = form.is_valid(), devices.is_valid()
    if not (form_valid and devices_valid):
        return None, []
    filled = devices.filled_forms()
    try:
        created = han_provision_request_create(
            user=request.user,
            customer=form.customer_details(),
            customer_id=form.registered_customer_id(),
            meter=form.meter(),
            devices=[device.device() for device in filled],
            contact=form.contact(),
            comments=form.cleaned_data["comments"],
        )
    except Refused as refused:
        return None, _refusal_place(form, filled, refused)
    return created, []


@capability_required(Capability.THIRD_PARTY_HAN)
@require_http_methods(["GET", "POST"])
def provision(request):
    """HAN-1, HAN-2 (seed 001 P1.3): the customer, one meter, up to MAX_DEVICES devices, the
    contact, comments and terms; Submit creates one request (agreement) per device. Refused
    as a whole: every message on its field, everything typed kept."""
    device_errors: list[str] = []
    redraw = {"add_device", "remove_device"} & set(request.POST)
    if request.method == "POST" and redraw:
        form, devices = _redrawn(request.POST)
    else:
        data = request.POST if request.method == "POST" else None
        form = ProvisionForm(data, initial=_contact_initial(request.user))
        devices = device_formset(data)
        if data is not None:
            created, device_errors = _submit(request, form, devices)
            if created:
                numbers = [done.agreement.agreement_number for done in created]
                request.session[DONE_SESSION_KEY] = {"numbers": numbers}
                return redirect("han:provision_done")
    context = {
        "form": form,
        "devices": devices,
        "device_errors": device_errors,
        "has_errors": bool(device_errors or form.errors or _formset_errors(devices)),
        "can_add_device": devices.total_form_count() < MAX_DEVICES,
        "max_devices": MAX_DEVICES,
        "company": request.user.company,
    }
    return render(request, "han/company/provision.html", context)


def _formset_errors(devices) -> bool:
    return devices.is_bound and not devices.is_valid()


@capability_required(Capability.THIRD_PARTY_HAN)
@require_GET
def provision_done(request):
    """P1.4: the request went out; one agreement per device, already Provision Request
    Email Sent to Customer."""
    done = request.session.get(DONE_SESSION_KEY) or {}
    if not done.get("numbers"):
        return redirect("han:company_devices")
    created = han_requests_for_company(user=request.user).filter(
        agreement__agreement_number__in=done["numbers"]
    )
    return render(request, "han/company/provision_done.html", {"created": created})


# --- HAN-8: Customer Meters (3rd Party) / HAN Devices --------------------------------------


@capability_required(Capability.THIRD_PARTY_HAN)
@require_GET
def device_list(request):
    """HAN-8 with the ACC-20 list/search pattern: by ESIID, MAC address or agreement number."""
    listing = listing_build(
        request,
        han_requests_for_company(user=request.user),
        form_class=HanDeviceSearchForm,
        sort_columns=SORT_COLUMNS,
        default_sort="esiid",
    )
    return render(request, "han/company/device_list.html", {"listing": listing})


@capability_required(Capability.THIRD_PARTY_HAN)
@require_GET
def device_detail(request, agreement_number):
    """HAN-8: the request's fields, dates, history (AGR-18) and Remove while it is valid."""
    han_request = han_request_get_for_user(user=request.user, agreement_number=agreement_number)
    return render(request, "han/company/device_detail.html", detail_context(han_request))


@capability_required(Capability.THIRD_PARTY_HAN)
@require_http_methods(["GET", "POST"])
def device_remove(request, agreement_number):
    """HAN-8: GET confirms, POST asks the TDSP to de-provision the device."""
    return device_remove_page(
        request,
        agreement_number,
        detail="han:company_device",
        template="han/company/device_remove.html",
    )
