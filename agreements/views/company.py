"""The 3rd party's (and REP's) side of customer agreements: My Account / Customer Agreements
(AGR-2), the two-page request (AGR-3, AGR-14, AGR-17) and its confirmation (AGR-7), View &
Edit Customer Agreement with Resend, Terminate and Request Extension (AGR-13..AGR-15,
AGR-18), the CSV export, and Customer Meters (3rd Party) (AGR-14, USG-12).

Every page starts from `selectors.agreement_list_for_user`, which already limits the rows to
the user's company and to the kinds their permissions cover (ACC-19, SEC-1); everything else
is a 404, as elsewhere in the portal.
"""

import re
from datetime import date

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import Capability, capability_required, user_has_capability
from agreements import selectors
from agreements.services import actions, core, creation
from smt.lib.csv_cells import csv_line_writer, spreadsheet_safe
from smt.lib.errors import Refused
from smt.lib.listing import listing_build
from usage.services.freshness import FRESHNESS_ORDER, freshness_annotate

from ..forms.company import (
    AgreementContactForm,
    AgreementRequestForm,
    AgreementSearchForm,
    CustomerAgreementSearchForm,
    ExtensionForm,
    TerminateForm,
    meter_field_names,
)
from ..models import Agreement

# URL slug → (kind, the permission it needs) (AGR-3, AGR-14, AGR-17; ACC-19).
KINDS = {
    "one-time": (Agreement.Kind.ONE_TIME, Capability.THIRD_PARTY_ENERGY_DATA),
    "ongoing": (Agreement.Kind.ONGOING, Capability.THIRD_PARTY_ENERGY_DATA),
    "ongoing-han": (Agreement.Kind.ONGOING_HAN, Capability.THIRD_PARTY_HAN),
}
REQUEST_SESSION_KEY = "agreement_request"
DONE_SESSION_KEY = "agreement_request_done"
SORT_COLUMNS = {
    "kind": "kind",
    "number": "agreement_number",
    "start": "start_date",
    "end": "end_date",
    "esiid": "premise__esiid",
    "last_name": "customer_last_name",
    "status": "status",
}
METER_SORT_COLUMNS = {
    "last_name": "customer_last_name",
    "number": "agreement_number",
    "esiid": "premise__esiid",
    "meter_number": "meter_number",
    "end": "end_date",
    "freshness": FRESHNESS_ORDER,  # BEY-4: ascending puts the stalest first
}
CSV_HEADER = (
    gettext_lazy("Relationship Type"),
    gettext_lazy("Agreement #"),
    gettext_lazy("Start Date"),
    gettext_lazy("End Date"),
    gettext_lazy("ESIID"),
    gettext_lazy("Meter Number"),
    gettext_lazy("Customer Last Name"),
    gettext_lazy("Status"),
)
PROVISION_HAN = gettext_lazy("Provision HAN Device")  # seed 001 P1.2
# AGR-15: Terminate or Request Extension refused for the agreement's status, not an input.
NOT_POSSIBLE = gettext_lazy("This action is not possible in the agreement's status.")


def _kind_for(request, slug: str) -> str:
    """The agreement kind of a create URL, if this user may create it (ACC-19); else 404."""
    if slug not in KINDS or request.user.is_customer:
        raise Http404
    kind, capability = KINDS[slug]
    if not user_has_capability(request.user, capability):
        raise Http404
    return kind


def _create_links(user) -> list[dict]:
    """AGR-2: "Create a new agreement" for the kinds this user's permissions allow."""
    return [
        {"slug": slug, "label": Agreement.Kind(kind).label}
        for slug, (kind, capability) in KINDS.items()
        if user_has_capability(user, capability)
    ]


def _new_links(user) -> list[dict]:
    """AGR-2 (seed 001 P1.2): "Create a new:" in the seed's order — One-Time LOA for Energy
    Data, Provision HAN Device (the han app's page), Ongoing Relationship, Ongoing HAN
    Services — for what this user may initiate."""
    links = [
        {"url": reverse("agreements:company_create", args=[link["slug"]]) + "?new=1", **link}
        for link in _create_links(user)
    ]
    if user_has_capability(user, Capability.THIRD_PARTY_HAN):
        place = 1 if links and links[0]["slug"] == "one-time" else 0
        links.insert(
            place,
            {"url": reverse("han:provision"), "slug": "han-device", "label": PROVISION_HAN},
        )
    return links


def han_page_shown(agreement: Agreement) -> bool:
    """HAN-1, HAN-8: a HAN Device agreement is shown by the han app's page while the request
    is on the HAN lists; one cleared from them (HAN-5) keeps this page. By the ORM path
    only: agreements may not import han."""
    return (
        agreement.is_han_device
        and Agreement.objects.filter(pk=agreement.pk, han_request__cleared_at__isnull=True).exists()
    )


def _show_date(value) -> str:
    return formats.date_format(value, "m/d/Y") if value else ""


# --- AGR-2: My Account / Customer Agreements ---------------------------------------------------


@capability_required(Capability.THIRD_PARTY_AGREEMENTS)
@require_GET
def agreement_list(request):
    """AGR-2 with the ACC-20 list/search pattern."""
    listing = listing_build(
        request,
        selectors.agreement_list_for_user(user=request.user),
        form_class=CustomerAgreementSearchForm,
        sort_columns=SORT_COLUMNS,
        default_sort="-number",
    )
    search = {k: v for k, v in request.GET.items() if k in {"search", "search_by", "values"}}
    context = {
        "listing": listing,
        "new_links": _new_links(request.user),
        "search": search,
        "can_view_han": user_has_capability(request.user, Capability.THIRD_PARTY_HAN),
    }
    return render(request, "agreements/company/agreement_list.html", context)


@capability_required(Capability.THIRD_PARTY_AGREEMENTS)
@require_GET
def agreement_export(request):
    """AGR-2 Export Agreements: the ticked agreements, or else every agreement the list's
    search finds, as CSV. The ESIID is masked as on the list (docs/decisions.md)."""
    agreements = selectors.agreement_list_for_user(user=request.user)
    chosen = request.GET.getlist("agreement")
    if chosen:
        agreements = agreements.filter(agreement_number__in=chosen)
    elif "search" in request.GET:
        form = CustomerAgreementSearchForm(request.GET)
        if form.is_valid() and form.has_criteria():
            agreements = form.filter(agreements)
    rows = agreements.order_by("-agreement_number").iterator(chunk_size=500)
    writer = csv_line_writer()

    def lines():
        yield writer.writerow([str(h) for h in CSV_HEADER])
        for agreement in rows:
            yield writer.writerow(
                [
                    agreement.get_kind_display(),
                    agreement.agreement_number,
                    _show_date(agreement.start_date),
                    _show_date(agreement.end_date),
                    agreement.masked_esiid,
                    # Typed by people: a spreadsheet must not run them (OWASP CSV injection).
                    spreadsheet_safe(agreement.meter_number),
                    spreadsheet_safe(agreement.customer_last_name),
                    agreement.get_status_display(),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="customer-agreements-{stamp}.csv"'
    return response


# --- AGR-3, AGR-14, AGR-17: the two-page request -----------------------------------------------


@capability_required(Capability.THIRD_PARTY_AGREEMENTS)
@require_GET
def agreement_create_choose(request):
    """The menu's Create an Agreement: the kinds this user may initiate (ACC-19)."""
    return render(
        request,
        "agreements/company/request_choose.html",
        {"new_links": _new_links(request.user)},
    )


def _saved_request(request, slug: str) -> dict:
    """What this kind's request kept in the session: `page1` (page 1 as posted and checked),
    `page2` (page 2 as typed, for Back and errors), `errors` (refusals of page 1 fields)."""
    saved = request.session.get(REQUEST_SESSION_KEY) or {}
    return saved if saved.get("kind") == slug else {"kind": slug}


def _refusal_fields(errors: dict[str, list[str]], pairs=()) -> dict[str, list[str]]:
    """The service's error keys as form field names. A service's `meter_N` is the N-th
    filled-in pair; `pairs` (row, pair) puts it on the ESIID field of its row on the form."""
    rows = {place: row for place, (row, _pair) in enumerate(pairs, 1)}
    named: dict[str, list[str]] = {}
    for key, texts in errors.items():
        if re.fullmatch(r"meter_\d+", key):
            place = int(key.removeprefix("meter_"))
            key = meter_field_names(rows.get(place, place))[0]
        named.setdefault(key, []).extend(texts)
    return named


def _refusal_errors(refusal: Refused) -> dict[str, list[str]]:
    """A refusal's messages by field: an `AgreementRefused` keeps one list per field; any
    other refusal is its message on its field (or above the form)."""
    if isinstance(refusal, core.AgreementRefused):
        return refusal.errors
    return {refusal.field or "__all__": [str(refusal)]}


def _add_refusal(form, errors: dict[str, list[str]], pairs=()):
    """Each service message next to its field, or at the top (`__all__` or no such field)."""
    for key, texts in _refusal_fields(errors, pairs).items():
        name = key if key in form.fields else None
        for text in texts:
            form.add_error(name, text)


def _check_request(request, form: AgreementRequestForm, kind: str) -> bool:
    """Page 1's answer: the service's checks of meters, limits and terms (AGR-5, AGR-6)."""
    pairs = form.meter_pairs()
    try:
        creation.agreement_request_check(
            user=request.user,
            kind=kind,
            customer=form.customer_details(),
            meters=[pair for _index, pair in pairs],
            **form.terms(),
        )
    except Refused as refused:
        _add_refusal(form, _refusal_errors(refused), pairs)
        return False
    return True


@capability_required(Capability.THIRD_PARTY_AGREEMENTS)
@require_http_methods(["GET", "POST"])
def agreement_create(request, kind_slug):
    """AGR-3 / AGR-14 / AGR-17 page 1: the customer, the meters and the terms. Kept in the
    session across Back and errors, like the company registration (ACC-1)."""
    kind = _kind_for(request, kind_slug)
    if "new" in request.GET:
        request.session.pop(REQUEST_SESSION_KEY, None)
    saved = _saved_request(request, kind_slug)
    form = AgreementRequestForm(
        request.POST if request.method == "POST" else saved.get("page1"), kind=kind
    )
    if request.method == "POST":
        if form.is_valid() and _check_request(request, form, kind):
            data = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
            request.session[REQUEST_SESSION_KEY] = {**saved, "page1": data, "errors": {}}
            return redirect("agreements:company_create_contact", kind_slug=kind_slug)
    elif saved.get("page1"):
        form.is_valid()  # Back: show what was typed, with the refusals of Send Invitation
        _add_refusal(form, saved.get("errors") or {})
    return render(
        request,
        "agreements/company/request_customer.html",
        {"form": form, "kind": kind, "kind_slug": kind_slug},
    )


def _contact_initial(user) -> dict:
    """Seed 000 functional rule 5: from My Profile, editable."""
    return {
        "contact_name": f"{user.first_name} {user.last_name}".strip(),
        "contact_phone": user.phone,
        "contact_email": user.email,
    }


@capability_required(Capability.THIRD_PARTY_AGREEMENTS)
@require_http_methods(["GET", "POST"])
def agreement_create_contact(request, kind_slug):
    """Page 2: the 3rd party's contact, comments and terms; Send Invitation creates one
    agreement per meter (AGR-4). A refusal of a page 1 field goes back to page 1."""
    kind = _kind_for(request, kind_slug)
    saved = _saved_request(request, kind_slug)
    if not saved.get("page1"):
        return redirect("agreements:company_create", kind_slug=kind_slug)
    if request.method == "POST" and "cancel" in request.POST:
        request.session.pop(REQUEST_SESSION_KEY, None)
        return redirect("agreements:company_list")
    if request.method == "POST" and "back" in request.POST:
        _save_page2(request, saved, errors={})
        return redirect("agreements:company_create", kind_slug=kind_slug)
    data = request.POST if request.method == "POST" else saved.get("page2")
    form = AgreementContactForm(data, initial=_contact_initial(request.user))
    if request.method == "POST" and form.is_valid():
        created = _send_invitation(request, kind, saved, form)
        if created is not None:
            return _done(request, kind_slug, created)
        if request.session[REQUEST_SESSION_KEY].get("errors"):
            messages.error(request, _("Please correct the fields marked below."))
            return redirect("agreements:company_create", kind_slug=kind_slug)
    return render(
        request,
        "agreements/company/request_contact.html",
        {"form": form, "kind": kind, "kind_slug": kind_slug, "company": request.user.company},
    )


def _save_page2(request, saved: dict, *, errors: dict) -> None:
    data = {
        k: v for k, v in request.POST.items() if k not in {"csrfmiddlewaretoken", "back", "send"}
    }
    request.session[REQUEST_SESSION_KEY] = {**saved, "page2": data, "errors": errors}


def _send_invitation(request, kind: str, saved: dict, form: AgreementContactForm):
    """Page 1 again (it may have gone stale) and the create service. Returns the agreements,
    or None with the refusal placed on page 2's form or kept for page 1."""
    customer_form = AgreementRequestForm(saved["page1"], kind=kind)
    if not customer_form.is_valid():
        # Changed since page 1 was checked (a stale session): back to page 1 with its errors.
        _save_page2(request, saved, errors={"__all__": [_("Please check the details again.")]})
        return None
    pairs = customer_form.meter_pairs()
    create = (
        creation.agreement_create_one_time
        if kind == Agreement.Kind.ONE_TIME
        else creation.agreement_create_ongoing
    )
    extra = {} if kind == Agreement.Kind.ONE_TIME else {"kind": kind}
    try:
        return create(
            user=request.user,
            customer=customer_form.customer_details(),
            meters=[pair for _row, pair in pairs],
            contact=form.contact(),
            comments=form.cleaned_data["comments"],
            **customer_form.terms(),
            **extra,
        )
    except Refused as refused:
        # Refusals of page 1's fields go back to page 1; the rest stay on page 2.
        page1, page2 = {}, {}
        for key, texts in _refusal_fields(_refusal_errors(refused), pairs).items():
            (page1 if key in customer_form.fields else page2)[key] = texts
        _add_refusal(form, page2)
        _save_page2(request, saved, errors=page1)
        return None


def _done(request, kind_slug: str, created: list[Agreement]):
    request.session.pop(REQUEST_SESSION_KEY, None)
    request.session[DONE_SESSION_KEY] = {
        "kind": kind_slug,
        "numbers": [agreement.agreement_number for agreement in created],
    }
    return redirect("agreements:company_create_done", kind_slug=kind_slug)


@capability_required(Capability.THIRD_PARTY_AGREEMENTS)
@require_GET
def agreement_create_done(request, kind_slug):
    """AGR-7 (UI 1.4b): the request went out; the agreements are Pending, one per meter."""
    kind = _kind_for(request, kind_slug)
    done = request.session.get(DONE_SESSION_KEY) or {}
    if done.get("kind") != kind_slug:
        return redirect("agreements:company_list")
    agreements = selectors.agreement_list_for_user(user=request.user).filter(
        agreement_number__in=done["numbers"]
    )
    return render(
        request,
        "agreements/company/request_done.html",
        {"kind": kind, "kind_label": Agreement.Kind(kind).label, "agreements": agreements},
    )


# --- AGR-15: View & Edit Customer Agreement ---------------------------------------------------


def history_rows(agreement: Agreement) -> list:
    """AGR-18, with the statuses' labels; the customer's page shows the same rows."""
    rows = list(selectors.agreement_history(agreement=agreement))
    for entry in rows:
        entry.from_label = Agreement.Status(entry.from_status).label if entry.from_status else ""
        entry.to_label = Agreement.Status(entry.to_status).label
    return rows


def _detail_context(request, agreement: Agreement) -> dict:
    """AGR-15, seed 000 functional rules 10 and 16: only the valid actions are active."""
    actions = selectors.agreement_company_actions(agreement=agreement)
    return {
        "agreement": agreement,
        "history": history_rows(agreement),
        "can_resend": selectors.RESEND in actions,
        "can_terminate": selectors.TERMINATE in actions,
        "can_extend": selectors.EXTEND in actions,
        "can_view_usage": selectors.VIEW_USAGE in actions,
    }


@capability_required(Capability.THIRD_PARTY_AGREEMENTS)
@require_GET
def agreement_detail(request, agreement_number):
    """AGR-15 (3rd-party side) with the status history (AGR-18)."""
    agreement = selectors.agreement_get_for_user(
        user=request.user, agreement_number=agreement_number
    )
    if han_page_shown(agreement):
        return redirect("han:company_device", agreement_number=agreement_number)
    return render(
        request, "agreements/company/agreement_detail.html", _detail_context(request, agreement)
    )


@capability_required(Capability.THIRD_PARTY_AGREEMENTS)
@require_POST
def agreement_resend(request, agreement_number):
    """AGR-13 (EM202): only while Pending."""
    agreement = selectors.agreement_get_for_user(
        user=request.user, agreement_number=agreement_number
    )
    try:
        actions.agreement_resend(agreement=agreement, user=request.user)
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The invitation email was sent to the customer again."))
    return redirect("agreements:company_detail", agreement_number=agreement_number)


def _status_action(request, agreement_number, *, form_class, template, act, initial=None):
    """Terminate and Request Extension: a page with the form (GET), the service (POST)."""
    agreement = selectors.agreement_get_for_user(
        user=request.user, agreement_number=agreement_number
    )
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            message = act(agreement, form.cleaned_data)
        except Refused as refused:
            errors = _refusal_errors(refused)
            if not any(key in form.fields for key in errors):
                # About no input: the agreement's status does not allow the action (now).
                messages.error(request, NOT_POSSIBLE)
                return redirect("agreements:company_detail", agreement_number=agreement_number)
            _add_refusal(form, errors)
        else:
            messages.success(request, message)
            return redirect("agreements:company_detail", agreement_number=agreement_number)
    return render(request, template, {"agreement": agreement, "form": form})


@capability_required(Capability.THIRD_PARTY_AGREEMENTS)
@require_http_methods(["GET", "POST"])
def agreement_terminate(request, agreement_number):
    """AGR-14, AGR-15: a confirmation page with the required reason; POST terminates."""

    def act(agreement, cleaned):
        actions.agreement_terminate(
            agreement=agreement, user=request.user, reason=cleaned["reason"]
        )
        return _("The agreement was terminated. The customer will be notified.")

    return _status_action(
        request,
        agreement_number,
        form_class=TerminateForm,
        template="agreements/company/agreement_terminate.html",
        act=act,
    )


@capability_required(Capability.THIRD_PARTY_AGREEMENTS)
@require_http_methods(["GET", "POST"])
def agreement_extension(request, agreement_number):
    """AGR-14: ask the customer for a later end date (at most 12 months from today)."""

    def act(agreement, cleaned):
        actions.agreement_request_extension(
            agreement=agreement, user=request.user, new_end_date=cleaned["new_end_date"]
        )
        # UX-3: the page states the new end date asked for, not the old duration.
        return _(
            "The extension request was sent to the customer: if they accept, the agreement "
            "ends on %(day)s."
        ) % {"day": formats.date_format(cleaned["new_end_date"], "SHORT_DATE_FORMAT")}

    return _status_action(
        request,
        agreement_number,
        form_class=ExtensionForm,
        template="agreements/company/agreement_extension.html",
        act=act,
        initial=_proposed_end_date(request),
    )


def _proposed_end_date(request) -> dict:
    """BEY-1: the reminder's link (`?new_end_date=YYYY-MM-DD`) fills the form in; the GET
    only shows it, the POST asks the customer. Anything but an ISO date is ignored."""
    try:
        return {"new_end_date": date.fromisoformat(request.GET.get("new_end_date", ""))}
    except ValueError:
        return {}


# --- AGR-14, USG-12: Customer Meters (3rd Party) ---------------------------------------------


@capability_required(Capability.THIRD_PARTY_ENERGY_DATA)
@require_GET
def customer_meters(request):
    """The meters of the company's ongoing energy-data agreements in force today, with links
    to their usage and premise pages (USG-12 decides what those pages show)."""
    listing = listing_build(
        request,
        freshness_annotate(selectors.agreement_meters_for_user(user=request.user), "premise__"),
        form_class=AgreementSearchForm,
        sort_columns=METER_SORT_COLUMNS,
        default_sort="esiid",
    )
    rows = list(listing.rows)
    for agreement in rows:
        agreement.freshness = selectors.agreement_meter_freshness(agreement=agreement)
    return render(
        request, "agreements/company/customer_meters.html", {"listing": listing, "rows": rows}
    )
