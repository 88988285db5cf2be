import csv
from datetime import date, timedelta
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import Capability, capability_required
from smt.listing import listing_build
from smt.pdf import pdf_from_html

from . import (
    exports,
    greenbutton,
    information,
    odr,
    report_requests,
    reports,
    selectors,
    services,
)
from .forms import (
    CustomerRegistrationForm,
    DownloadMyDataForm,
    ExportOptionsForm,
    InformationExportForm,
    MeterImportForm,
    MeterPairForm,
    MeterSearchForm,
    MeterShareForm,
    ReportOptionsForm,
)
from .models import ReportRequest

CUSTOMER_KINDS = ("residential", "business")
# AGR-12, seed 000 functional rule 15: another page (the answered agreement invitation) may
# leave {"kind": "residential"|"business", "initial": {field: value}} in the session under
# this key; the registration form of that kind starts from it. A plain dict, so usage never
# imports the app that wrote it.
REGISTRATION_INITIAL_SESSION_KEY = "registration_initial"
METER_TAKEN = _(
    "This meter is already attached to another Smart Meter Texas account. "
    "Please call your Retail Electric Provider."
)


def _meter_error(form, error: Exception) -> None:
    if isinstance(error, services.MeterTaken):
        form.add_error(None, METER_TAKEN)
    else:
        form.add_error(None, _("The ESIID / Meter # pair is not valid."))
        form.meter_not_valid = True  # the template lists the seed's possible reasons


@require_http_methods(["GET", "POST"])
def register_customer(request, kind):
    """Create a Residential / Business Account (ACC-3)."""
    if kind not in CUSTOMER_KINDS:
        raise Http404
    handoff = request.session.get(REGISTRATION_INITIAL_SESSION_KEY) or {}
    initial = handoff.get("initial", {}) if handoff.get("kind") == kind else {}
    form = CustomerRegistrationForm(request.POST or None, kind=kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_register(
                account=form.account_fields(),
                esiid=form.cleaned_data["esiid"],
                meter_number=form.cleaned_data["meter_number"],
            )
        except (services.MeterNotValid, services.MeterTaken) as error:
            _meter_error(form, error)
        else:
            request.session.pop(REGISTRATION_INITIAL_SESSION_KEY, None)
            return render(request, "usage/register_done.html", {"customer": customer})
    return render(request, "usage/register_customer.html", {"form": form, "kind": kind})


@capability_required(Capability.CUSTOMER_METERS)
@require_http_methods(["GET", "POST"])
def my_meters(request):
    """My Smart Meters (ACC-23): the attached meters, and adding one."""
    form = MeterPairForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_premise_attach(customer=request.user, **form.cleaned_data)
        except (services.MeterNotValid, services.MeterTaken) as error:
            _meter_error(form, error)
        else:
            messages.success(request, _("The meter has been added to your account."))
            return redirect("usage:my_meters")
    links = selectors.customer_premise_links(customer=request.user)
    shares = selectors.meter_shares_given(owner=request.user)
    return render(request, "usage/my_meters.html", {"form": form, "links": links, "shares": shares})


@capability_required(Capability.CUSTOMER_METERS)
@require_http_methods(["GET", "POST"])
def my_meter_remove(request, pk):
    """Remove a meter from My Smart Meters; GET asks for confirmation (ACC-23)."""
    link = selectors.customer_premise_link_get(customer=request.user, pk=pk)
    if link is None:
        raise Http404
    if request.method == "POST":
        services.customer_premise_detach(link=link)
        messages.success(request, _("The meter has been removed from your account."))
        return redirect("usage:my_meters")
    return render(request, "usage/my_meter_remove.html", {"link": link})


@capability_required(Capability.CUSTOMER_METERS)
@require_http_methods(["GET", "POST"])
def my_meter_share(request, pk):
    """Share one of my meters with a friend or family member (ACC-22)."""
    link = selectors.customer_premise_link_get(customer=request.user, pk=pk)
    if link is None:
        raise Http404
    form = MeterShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meter_share_invite(link=link, friend_email=form.cleaned_data["friend_email"])
        except services.ShareNotAllowed as refusal:
            form.add_error("friend_email", str(refusal))
        else:
            messages.success(request, _("The invitation has been sent."))
            return redirect("usage:my_meters")
    return render(request, "usage/my_meter_share.html", {"form": form, "link": link})


@login_required
@require_http_methods(["GET", "POST"])
def share_answer(request, token):
    """The invitation link (ACC-22): GET shows it, only a POST answers."""
    share = services.meter_share_for_token(token=token)
    if share is None:
        raise Http404
    refusal = services.meter_share_refusal(share=share, user=request.user)
    if request.method == "POST" and not refusal:
        accept = request.POST.get("answer") == "accept"
        try:
            services.meter_share_answer(share=share, user=request.user, accept=accept)
        except services.ShareNotAllowed as error:
            refusal = str(error)
        else:
            if accept:
                messages.success(request, _("The meter has been added to My Friend's Meters."))
                return redirect("usage:friends_meters")
            messages.info(request, _("You declined the invitation."))
            return redirect("home")
    return render(request, "usage/share_answer.html", {"share": share, "refusal": refusal})


@capability_required(Capability.CUSTOMER_METERS)
def friends_meters(request):
    """My Friend's Meters (ACC-22)."""
    shares = selectors.meter_shares_received(friend=request.user)
    return render(request, "usage/friends_meters.html", {"shares": shares})


@capability_required(Capability.CUSTOMER_METERS)
@require_http_methods(["POST"])
def share_end(request, pk):
    """The owner withdraws a share, or the friend gives it up (ACC-22)."""
    share = selectors.meter_share_for_party(user=request.user, pk=pk)
    if share is None:
        raise Http404
    services.meter_share_end(share=share)
    messages.success(request, _("The meter is no longer shared."))
    return redirect(
        "usage:my_meters" if share.owner_id == request.user.pk else "usage:friends_meters"
    )


# --- MTR-4, MTR-5: Customer Meter List (ROR) ---------------------------------------------------

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
        premises,
        form_class=MeterSearchForm,
        sort_columns={
            "customer": "customer_last_name",
            "email": "customer_email",
            "address": "street_name",
            "city": "city",
            "esiid": "esiid",
            "meter_number": "meter_number",
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
        wanted = values | {services.normalize_meter_number(v) for v in values}
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
    return value if value in found else services.normalize_meter_number(value)


# --- MTR-6: Premise and Meter Information ------------------------------------------------------


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
    _premise, rows = _information(request, esiid, kind)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-information-{esiid}.csv"'
    writer = csv.writer(response)
    writer.writerow([label for label, _description, _value in rows])
    writer.writerow([value for _label, _description, value in rows])
    return response


# --- USG-3..USG-6: usage reports of one meter ---------------------------------------------------


def _report_defaults(
    report_type: str, today: date, window: selectors.DataWindow = selectors.UNLIMITED
) -> dict:
    latest = reports.latest_available_day(today)
    start = {
        reports.INTERVAL: latest,
        reports.DAILY: latest - timedelta(days=reports.DAILY_READS_PER_PAGE - 1),
        reports.MONTHLY: latest - relativedelta(months=12),
    }[report_type]
    start, end = _inside_window(window, start, latest)
    return {
        "report_type": report_type,
        "view": reports.CURRENT,
        "start_date": start,
        "end_date": end,
    }


def _inside_window(window: selectors.DataWindow, start: date, end: date) -> tuple[date, date]:
    """USG-12: default dates inside the user's data window, so a 3rd party's page opens
    without an error. Before the agreement's first day has data (accepted in the last two
    days), its first day: the availability rule then says when data comes."""
    return window.clamp(start, end) or (window.start, window.start)


@login_required
def usage_report(request, esiid):
    """USG-3/4/5 with the options of USG-6 for one meter the user may see (USG-12)."""
    premise = selectors.premise_get_for_user(user=request.user, esiid=esiid)
    window = selectors.premise_data_window(user=request.user, premise=premise)  # USG-12
    today = timezone.localdate()
    report_type = request.GET.get("report_type", reports.INTERVAL)
    if report_type not in reports.REPORT_TYPES:
        report_type = reports.INTERVAL
    data = (
        request.GET if "start_date" in request.GET else _report_defaults(report_type, today, window)
    )
    form = ReportOptionsForm(
        data, installed_on=reports.installed_on(premise), today=today, window=window
    )
    context = {"premise": premise, "form": form, "report": None}
    context["odr"] = odr.on_demand_read_panel(premise=premise, window=window)  # USG-11
    context["data_window_limited"] = window.is_limited  # USG-12: the page help says so
    # USG-7: too large to show, but it can be built offline.
    context["offline_suggested"] = form.has_error("end_date", "too_large")
    if form.is_valid():
        context["report"] = _report(request, premise, form.cleaned_data, window)
        # Print and Export take the options shown, defaults included.
        context["report_query"] = urlencode({k: str(v) for k, v in form.cleaned_data.items()})
    return render(request, "usage/report.html", context)


def _report(request, premise, options, window) -> dict:
    start, end = options["start_date"], options["end_date"]
    versions = options["view"] == reports.VERSIONS
    report_type = options["report_type"]
    if report_type == reports.INTERVAL:
        day = _day_param(request, start, end)
        report = reports.interval_day_report(premise, day, versions=versions)
        table = report["tables"][0] if report["tables"] else None
        points = [(r.starts, r.consumption) for r in table["rows"]] if table else []
        return {
            "type": report_type,
            **report,
            "previous_day": day - timedelta(days=1) if day > start else None,
            "next_day": day + timedelta(days=1) if day < end else None,
            "chart": reports.bar_chart(points),
        }
    if report_type == reports.DAILY:
        page = Paginator(
            reports.daily_reads(premise, start, end, versions=versions),
            reports.DAILY_READS_PER_PAGE,
        ).get_page(request.GET.get("page"))
        points = [(formats.date_format(r.day, "m/d"), r.consumption_kwh) for r in page]
        return {"type": report_type, "page": page, "chart": reports.bar_chart(points)}
    months = list(reports.monthly_usage(premise, start, end, versions=versions, window=window))
    points = [(formats.date_format(m.end_date, "M Y"), m.actual_kwh) for m in reversed(months)]
    return {"type": report_type, "months": months, "chart": reports.bar_chart(points)}


def _day_param(request, start, end):
    """USG-3 Previous Day / Next Day: the day shown, kept inside the chosen range."""
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return end
    return min(max(day, start), end)


def _query_report_options(request, esiid):
    """Print and Export: the meter, the user's data window on it (USG-12) and the report
    options of the query, or None for options that do not validate."""
    premise = selectors.premise_get_for_user(user=request.user, esiid=esiid)
    window = selectors.premise_data_window(user=request.user, premise=premise)
    form = ReportOptionsForm(
        request.GET,
        installed_on=reports.installed_on(premise),
        today=timezone.localdate(),
        window=window,
    )
    return premise, window, form.cleaned_data if form.is_valid() else None


def _back_to_report(request, esiid):
    return redirect(f"{reverse('usage:usage_report', args=[esiid])}?{request.GET.urlencode()}")


@login_required
def usage_report_csv(request, esiid):
    """USG-10 Export: the chosen report over the whole range as CSV, streamed at once."""
    premise, window, options = _query_report_options(request, esiid)
    if options is None:
        messages.error(request, _("Correct the report options before exporting."))
        return _back_to_report(request, esiid)
    chunks = exports.report_csv(
        options["report_type"],
        premise,
        options["start_date"],
        options["end_date"],
        versions=options["view"] == reports.VERSIONS,
        window=window,
    )
    response = StreamingHttpResponse(chunks, content_type="text/csv")
    name = f"{options['report_type']}-{esiid}-{options['start_date']}-{options['end_date']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def usage_report_pdf(request, esiid):
    """USG-10 Print: a PDF of the whole chosen range, every day or page of it."""
    premise, window, options = _query_report_options(request, esiid)
    if options is None:
        messages.error(request, _("Correct the report options before printing."))
        return _back_to_report(request, esiid)
    start, end = options["start_date"], options["end_date"]
    versions = options["view"] == reports.VERSIONS
    context = {"premise": premise, "options": options}
    if options["report_type"] == reports.INTERVAL:
        days = (end - start).days + 1
        context["days"] = [
            reports.interval_day_report(premise, start + timedelta(days=n), versions=versions)
            for n in range(days)
        ]
    elif options["report_type"] == reports.DAILY:
        context["reads"] = list(reports.daily_reads(premise, start, end, versions=versions))
    else:
        context["months"] = list(
            reports.monthly_usage(premise, start, end, versions=versions, window=window)
        )
    html = render_to_string("usage/report_print.html", context, request=request)
    response = HttpResponse(pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="usage-{esiid}.pdf"'
    return response


# --- USG-7, USG-8, USG-9: offline report requests -----------------------------------------------


def _export_premises(request):
    """The meters an export is for: ticked ESIIDs, or the last imported file's results."""
    visible = selectors.premises_visible_to(user=request.user)
    if request.GET.get("imported") or request.POST.get("imported"):
        imported = request.session.get(IMPORT_SESSION_KEY) or {}
        return list(visible.filter(pk__in=imported.get("premise_ids", [])))
    esiids = request.POST.getlist("esiid") or request.GET.getlist("esiid")
    return list(visible.filter(esiid__in=esiids[: report_requests.MAX_METERS]))


@login_required
@require_http_methods(["GET", "POST"])
def export_reports(request):
    """USG-8 Export Report(s): a report type, View and dates for the chosen meters; the
    worker builds it under one order number (USG-7)."""
    premises = _export_premises(request)
    if not premises:
        messages.error(request, _("Select at least one meter to export."))
        return redirect(request.META.get("HTTP_REFERER") or "home")
    earliest_install = min(
        (reports.installed_on(p) for p in premises), default=None, key=lambda d: d or date.max
    )
    data = (
        request.POST
        if request.method == "POST"
        else (request.GET if "start_date" in request.GET else None)
    )
    # USG-12: dates outside every chosen meter's window are refused; the worker then keeps
    # each meter to its own window (report_requests._data_windows).
    windows = selectors.premise_data_windows(user=request.user, premises=premises)
    window = selectors.data_window_spanning(windows.values())
    form = ExportOptionsForm(
        data,
        installed_on=earliest_install,
        today=timezone.localdate(),
        online=False,
        window=window,
        initial=_report_defaults(reports.INTERVAL, timezone.localdate(), window),
    )
    if request.method == "POST" and form.is_valid():
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
    if report.status != report.Status.COMPLETE or not report.file:
        raise Http404
    return FileResponse(
        report.file.open("rb"),
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
        return redirect(request.META.get("HTTP_REFERER") or "home")
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


# --- USG-11: On Demand Read ---------------------------------------------------------------------


@login_required
@require_http_methods(["POST"])
def on_demand_read(request, esiid):
    """USG-11: request an On Demand Read of a meter the user may see (USG-12), then back to
    the report with its options."""
    premise = selectors.premise_get_for_user(user=request.user, esiid=esiid)
    try:
        odr.on_demand_read_request(user=request.user, premise=premise)
    except odr.OnDemandReadRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("Your On Demand Read request has been sent. Refresh the page in a few moments."),
        )
    url = reverse("usage:usage_report", args=[esiid])
    query = QueryDict(request.POST.get("report_query", "")).urlencode()  # re-encoded: no tricks
    return redirect(f"{url}?{query}" if query else url)


# --- USG-10, USG-13: Green Button XML -----------------------------------------------------------


def _green_button_response(premise, start, end) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        greenbutton.green_button_feed([premise], start, end),
        content_type=greenbutton.CONTENT_TYPE,
    )
    name = f"greenbutton-{premise.esiid}-{start}-{end}.{greenbutton.EXTENSION}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def usage_report_xml(request, esiid):
    """USG-10 Export as Green Button XML: Daily Usage of the chosen range (current version,
    docs/decisions.md), streamed at once like the CSV."""
    premise, _window, options = _query_report_options(request, esiid)
    if options is None or options["report_type"] not in greenbutton.REPORT_TYPES:
        messages.error(
            request, _("Green Button XML is available for Daily Usage (15 minutes) only.")
        )
        return _back_to_report(request, esiid)
    return _green_button_response(premise, options["start_date"], options["end_date"])


@login_required
@require_http_methods(["GET", "POST"])
def download_my_data(request, esiid):
    """USG-13 Download My Data: Green Button XML of the chosen dates; under 40 days it comes
    at once, a longer range becomes an offline request with an order number (USG-7)."""
    premise = selectors.premise_get_for_user(user=request.user, esiid=esiid)
    window = selectors.premise_data_window(user=request.user, premise=premise)  # USG-12
    today = timezone.localdate()
    latest = reports.latest_available_day(today)
    start, end = _inside_window(window, latest - timedelta(days=29), latest)
    form = DownloadMyDataForm(
        request.POST or None,
        installed_on=reports.installed_on(premise),
        today=today,
        window=window,
        initial={"start_date": start, "end_date": end},
    )
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["start_date"], form.cleaned_data["end_date"]
        if reports.is_online(report_type=reports.INTERVAL, start=start, end=end):
            return _green_button_response(premise, start, end)
        report = report_requests.report_request_create(
            user=request.user,
            premises=[premise],
            report_type=reports.INTERVAL,
            start=start,
            end=end,
            file_format=ReportRequest.FileFormat.GREEN_BUTTON,
        )
        return render(request, "usage/export_requested.html", {"reports": [report]})
    return render(request, "usage/download_my_data.html", {"form": form, "premise": premise})
