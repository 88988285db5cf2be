"""The usage report of one meter: on screen, printed, CSV and Green Button
(USG-3..USG-7, USG-10, USG-13)."""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import (
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from smt.lib.pdf import pdf_from_html
from usage import selectors
from usage.formats import csv_export, greenbutton
from usage.forms import (
    DownloadMyDataForm,
    ReportOptionsForm,
)
from usage.models import ReportRequest
from usage.services import freshness, odr, report_requests, reports


@login_required
def usage_report(request, esiid):
    """USG-3/4/5 with the options of USG-6 for one meter the user may see (USG-12)."""
    premise = selectors.premise_get_for_user(user=request.user, esiid=esiid, with_freshness=True)
    window = selectors.premise_data_window(user=request.user, premise=premise)  # USG-12
    today = timezone.localdate()
    installed_on = reports.installed_on(premise)
    report_type = request.GET.get("report_type", reports.INTERVAL)
    if report_type not in reports.REPORT_TYPES:
        report_type = reports.INTERVAL
    data = (
        request.GET
        if "start_date" in request.GET
        else reports.report_default_options(report_type, today, window, installed_on=installed_on)
    )
    form = ReportOptionsForm(data, installed_on=installed_on, today=today, window=window)
    context = {"premise": premise, "form": form, "report": None}
    context["odr"] = odr.on_demand_read_panel(  # USG-11, ACC-22
        premise=premise,
        window=window,
        may_request=odr.on_demand_read_may_request(user=request.user, premise=premise),
    )
    context["report_url"] = request.get_full_path()  # the ODR panel's no-JS refresh link
    context["data_window_limited"] = window.is_limited  # USG-12: the page help says so
    # BEY-4: how fresh the meter's data is, within what the user may see (USG-12).
    context["freshness"] = freshness.freshness_within(freshness.premise_freshness(premise), window)
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
        report = reports.interval_day_page(premise, day, versions=versions, window=window)
        return {
            "type": report_type,
            **report,
            "html": _interval_day_html(report),
            "previous_day": day - timedelta(days=1) if day > start else None,
            "next_day": day + timedelta(days=1) if day < end else None,
        }
    if report_type == reports.DAILY:
        page = Paginator(
            reports.daily_reads(premise, start, end, versions=versions),
            reports.DAILY_READS_PER_PAGE,
        ).get_page(request.GET.get("page"))
        return {"type": report_type, "page": page, "chart": reports.daily_reads_chart(page)}
    months = list(reports.monthly_usage(premise, start, end, versions=versions, window=window))
    return {
        "type": report_type,
        "months": months,
        "chart": reports.monthly_chart(months),
        "comparison": reports.monthly_comparison(premise, months, window=window),
    }


def _interval_day_html(report: dict) -> dict[str, str]:
    """USG-3, UX-4: the day's chart and 15-minute tables as HTML, from the cache when this
    version of the day was shown in this language lately (the key names every stored row
    shown: `reports.interval_day_html_key`). Rendered without the request, so nothing of the
    viewer is in it; who may see the meter and the day was decided before."""
    html = cache.get(report["html_key"])
    if html is None:
        content = reports.interval_day_content(
            report["day"], report["stored"], versions=report["versions"]
        )
        html = {
            "chart": render_to_string("usage/_interval_chart.html", {"chart": content["chart"]}),
            "tables": render_to_string(
                "usage/_interval_tables.html",
                {"tables": content["tables"], "versions": report["versions"]},
            ),
        }
        cache.set(report["html_key"], html, reports.INTERVAL_DAY_HTML_SECONDS)
    return {part: mark_safe(text) for part, text in html.items()}  # rendered with autoescape


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
    chunks = csv_export.report_csv(
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
    start, end = reports.dates_inside_window(window, latest - timedelta(days=29), latest)
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
