"""Offline exports of many meters and Report Request Status (USG-8, USG-9, MTR-7)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import Capability, user_has_capability
from usage import selectors
from usage.forms import InformationExportForm, export_options_form, export_reports_form
from usage.services import report_requests, reports
from usage.views.meters import IMPORT_SESSION_KEY


def _export_premises(request):
    """The meters an export is for: ticked ESIIDs, or the last imported file's results."""
    visible = selectors.premises_visible_to(user=request.user)
    if request.GET.get("imported") or request.POST.get("imported"):
        imported = request.session.get(IMPORT_SESSION_KEY) or {}
        return list(visible.filter(pk__in=imported.get("premise_ids", [])))
    esiids = request.POST.getlist("esiid") or request.GET.getlist("esiid")
    return list(visible.filter(esiid__in=esiids[: report_requests.MAX_METERS]))


def _back_to_meter_list(request):
    """Where an export with no meter chosen goes back to: the list the exports start from
    (a fixed page, never the Referer header, which a link elsewhere could set)."""
    if user_has_capability(request.user, Capability.ROR_METERS):
        return redirect("usage:ror_meters_usage")
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def export_reports(request):
    """USG-8 Export Report(s): any of Daily Usage, Daily Meter Reads and Monthly Usage, each
    with its own View and dates, for the chosen meters; the worker builds them under one
    order number (USG-7). A POST of one report's options (`report_type`, as the 3rd-party
    API's body) is still one order of that report."""
    premises = _export_premises(request)
    if not premises:
        messages.error(request, _("Select at least one meter to export."))
        return _back_to_meter_list(request)
    if request.method == "POST" and "report_type" in request.POST:
        return _export_one_report(request, premises)
    prefill = request.GET if "start_date" in request.GET else None  # the report page's link
    form = export_reports_form(
        request.POST if request.method == "POST" else None,
        user=request.user,
        premises=premises,
        prefill=prefill,
    )
    if request.method == "POST" and form.is_valid():
        report = report_requests.report_request_create(
            user=request.user, premises=premises, parts=form.report_parts()
        )
        return render(request, "usage/export_requested.html", {"reports": [report]})
    return render(request, "usage/export_reports.html", {"parts_form": form, "premises": premises})


def _export_one_report(request, premises):
    """One report's options in one form, checked as the 3rd-party API checks them."""
    form = export_options_form(request.POST, user=request.user, premises=premises)
    if form.is_valid():
        options = form.cleaned_data
        report = report_requests.report_request_create(
            user=request.user,
            premises=premises,
            report_type=options["report_type"],
            start=options["start_date"],
            end=options["end_date"],
            versions=options["view"] == reports.VERSIONS,
            file_format=options["file_format"],
        )
        return render(request, "usage/export_requested.html", {"reports": [report]})
    return render(request, "usage/export_reports.html", {"form": form, "premises": premises})


@login_required
def report_request_status(request):
    """USG-9 Report Request Status: order number, type, meters, status, detail, download; one
    tab per party the user has requests of (REP of Record, Customer, 3rd Party)."""
    tabs = report_requests.report_request_status_tables(user=request.user)
    parties = [tab["party"] for tab in tabs]
    party = request.GET.get("party")
    party = party if party in parties else (parties[0] if parties else None)
    page = None
    if party:
        requests = report_requests.report_requests_of_party(user=request.user, party=party)
        page = Paginator(requests, 25).get_page(request.GET.get("page"))
    context = {"page": page, "party": party, "tabs": tabs}
    return render(request, "usage/report_requests.html", context)


@login_required
def report_request_download(request, pk):
    report = report_requests.report_request_get_for_user(user=request.user, pk=pk)
    if not report.is_downloadable:
        raise Http404
    try:
        handle = report.file.open("rb")
    except FileNotFoundError:  # purged by retention between the list and the click
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=report_requests.report_file_name(report),
        content_type=report_requests.report_content_type(report),
    )


@login_required
@require_http_methods(["GET", "POST"])
def export_information(request):
    """MTR-7: Premise and/or Meter Information of many meters, built offline (USG-9)."""
    premises = _export_premises(request)
    if not premises:
        messages.error(request, _("Select at least one meter to export."))
        return _back_to_meter_list(request)
    form = InformationExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = [
            report_requests.report_request_create(
                user=request.user, premises=premises, report_type=kind
            )
            for kind in form.kinds()
        ]
        return render(request, "usage/export_requested.html", {"reports": created})
    return render(
        request,
        "usage/export_reports.html",
        {"form": form, "premises": premises, "information": True},
    )
