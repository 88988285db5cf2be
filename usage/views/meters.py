"""Customers' and REPs' meters, and each meter's information pages (ACC-3, ACC-23, MTR-4..MTR-7)."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import Capability, capability_required
from smt.lib.errors import Refused, refusal_add_to_form
from smt.lib.listing import listing_build
from smt.lib.pdf import pdf_from_html
from usage import selectors
from usage.formats import csv_export, information
from usage.forms import (
    CustomerRegistrationForm,
    MeterImportForm,
    MeterPairForm,
    MeterSearchForm,
)
from usage.services import freshness, meters

CUSTOMER_KINDS = ("residential", "business")


# AGR-12, seed 000 functional rule 15: another page (the answered agreement invitation) may
# leave {"kind": "residential"|"business", "initial": {field: value}, "expires_at": POSIX
# seconds} in the session under this key; the registration form of that kind starts from it
# until it expires (SEC-2: it names the customer and the meter). A plain dict, so usage never
# imports the app that wrote it.
REGISTRATION_INITIAL_SESSION_KEY = "registration_initial"


def _registration_handoff(request) -> dict:
    """The hand-off while it lasts; an expired one (or one without an expiry) is dropped."""
    handoff = request.session.get(REGISTRATION_INITIAL_SESSION_KEY) or {}
    if handoff and handoff.get("expires_at", 0) <= timezone.now().timestamp():
        request.session.pop(REGISTRATION_INITIAL_SESSION_KEY, None)
        return {}
    return handoff


@require_http_methods(["GET", "POST"])
def register_customer(request, kind):
    """Create a Residential / Business Account (ACC-3)."""
    if kind not in CUSTOMER_KINDS:
        raise Http404
    handoff = _registration_handoff(request)
    initial = handoff.get("initial", {}) if handoff.get("kind") == kind else {}
    form = CustomerRegistrationForm(request.POST or None, kind=kind, initial=initial)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            customer = meters.customer_register(
                account=form.account_fields(),
                esiid=form.cleaned_data["esiid"],
                meter_number=form.cleaned_data["meter_number"],
            )
        except Refused as error:
            refusal = error  # the template may list the seed's reasons under it
            refusal_add_to_form(form, refusal)
        else:
            request.session.pop(REGISTRATION_INITIAL_SESSION_KEY, None)
            return render(request, "usage/register_done.html", {"customer": customer})
    return render(
        request,
        "usage/register_customer.html",
        {"form": form, "kind": kind, "refusal": refusal},
    )


@capability_required(Capability.CUSTOMER_METERS)
@require_http_methods(["GET", "POST"])
def my_meters(request):
    """My Smart Meters (ACC-23): the attached meters, and adding one."""
    form = MeterPairForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            meters.customer_premise_attach(customer=request.user, **form.cleaned_data)
        except Refused as error:
            refusal = error  # the template may list the seed's reasons under it
            refusal_add_to_form(form, refusal)
        else:
            messages.success(request, _("The meter has been added to your account."))
            return redirect("usage:my_meters")
    links = selectors.customer_premise_links(customer=request.user)
    shares = selectors.meter_shares_given(owner=request.user)
    return render(
        request,
        "usage/my_meters.html",
        {"form": form, "links": links, "shares": shares, "refusal": refusal},
    )


@capability_required(Capability.CUSTOMER_METERS)
@require_http_methods(["GET", "POST"])
def my_meter_remove(request, pk):
    """Remove a meter from My Smart Meters; GET asks for confirmation (ACC-23)."""
    link = selectors.customer_premise_link_get(customer=request.user, pk=pk)
    if link is None:
        raise Http404
    if request.method == "POST":
        meters.customer_premise_detach(link=link)
        messages.success(request, _("The meter has been removed from your account."))
        return redirect("usage:my_meters")
    return render(request, "usage/my_meter_remove.html", {"link": link})


IMPORT_SESSION_KEY = "ror_meter_import"


IMPORT_ERRORS_SHOWN = 500


@capability_required(Capability.ROR_METERS)
@require_http_methods(["GET", "POST"])
def ror_meters(request):
    """MTR-4: the meters the REP serves now, with the ACC-20 list/search pattern; MTR-5: a
    search by imported CSV file, with every bad or unknown row reported."""
    premises = selectors.ror_premises_for_user(user=request.user)
    import_form = MeterImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and import_form.is_valid():
        request.session[IMPORT_SESSION_KEY] = _import_result(premises, import_form)
        return redirect(f"{request.path}?imported=1")
    imported = request.session.get(IMPORT_SESSION_KEY) if "imported" in request.GET else None
    if imported is not None:
        premises = premises.filter(pk__in=imported["premise_ids"])
    listing = listing_build(
        request,
        freshness.freshness_annotate(premises),  # BEY-4: the freshness column, joined
        form_class=MeterSearchForm,
        sort_columns={
            "customer": "customer_last_name",
            "email": "customer_email",
            "address": "street_name",
            "city": "city",
            "esiid": "esiid",
            "meter_number": "meter_number",
            "freshness": freshness.FRESHNESS_ORDER,  # ascending: the stalest first
        },
        default_sort="esiid",
        searched=imported is not None,
    )
    return render(
        request,
        "usage/ror_meters.html",
        {"listing": listing, "import_form": import_form, "imported": imported},
    )


def _import_result(premises, form) -> dict:
    """Which imported identifiers are among the user's meters; the rest are row errors."""
    by_type = form.cleaned_data["id_type"]
    values = {row.value for row in form.rows}
    if by_type == "esiid":
        found = dict(premises.filter(esiid__in=values).values_list("esiid", "pk"))
    else:
        wanted = values | {meters.normalize_meter_number(v) for v in values}
        found = dict(premises.filter(meter_number__in=wanted).values_list("meter_number", "pk"))
    errors = list(form.row_errors)
    premise_ids = set()
    for row in form.rows:
        key = row.value if by_type == "esiid" else _found_meter(row.value, found)
        if key in found:
            premise_ids.add(found[key])
        else:
            errors.append(
                (row.line, _("%(value)s is not among your meters") % {"value": row.value})
            )
    errors.sort()
    return {
        "file_name": form.files["file"].name,
        "premise_ids": sorted(premise_ids),
        "rows": len(form.rows) + len(form.row_errors),
        "error_count": len(errors),
        "errors": errors[:IMPORT_ERRORS_SHOWN],
    }


def _found_meter(value: str, found: dict) -> str:
    return value if value in found else meters.normalize_meter_number(value)


def _information(request, esiid: str, kind: str):
    if kind not in information.KINDS:
        raise Http404
    premise = selectors.premise_get_for_user(user=request.user, esiid=esiid, with_tdsp=True)
    return premise, information.information_rows(kind, premise)


@login_required
def premise_information(request, esiid, kind):
    """MTR-6: the Premise or Meter Information of one ESIID, with each field's tool-tip."""
    premise, rows = _information(request, esiid, kind)
    return render(
        request, "usage/information.html", {"premise": premise, "rows": rows, "kind": kind}
    )


@login_required
def premise_information_pdf(request, esiid, kind):
    """MTR-6 Print: the same information as a PDF (WeasyPrint)."""
    premise, rows = _information(request, esiid, kind)
    html = render_to_string(
        "usage/information_print.html",
        {"premise": premise, "rows": rows, "kind": kind},
        request=request,
    )
    response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{kind}-information-{esiid}.pdf"'
    return response


@login_required
def premise_information_csv(request, esiid, kind):
    """MTR-6 Export: the same information as a CSV file, at once."""
    premise, _rows = _information(request, esiid, kind)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-information-{esiid}.csv"'
    # The same rows as the offline export, formula-safe (OWASP CSV injection).
    csv.writer(response).writerows(csv_export.information_rows(kind, premise))
    return response
