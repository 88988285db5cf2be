"""Validation of customer meter forms (ACC-3, ACC-23); no side effects."""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import RegistrantForm
from accounts.models import Language, Tdsp, User
from smt.lib.listing import ListSearchForm, OneCriterionSearchForm, SearchField, SearchTerms
from usage import selectors
from usage.formats import greenbutton
from usage.models import Premise, ReportPart, ReportRequest, validate_esiid
from usage.services import reports
from usage.services.freshness import GAP_WINDOW_DAYS, STALE_DAYS_DEFAULT
from usage.services.meters import normalize_meter_number


class MeterPairForm(forms.Form):
    esiid = forms.CharField(
        label=_("ESI ID"),
        max_length=22,
        validators=[validate_esiid],
        help_text=_("17 to 22 digits, on your electricity bill."),
    )
    meter_number = forms.CharField(
        label=_("Meter number"),
        max_length=30,
        help_text=_("On your electricity bill or the meter itself."),
    )

    def clean_esiid(self):
        return self.cleaned_data["esiid"].strip()


class CustomerRegistrationForm(MeterPairForm, RegistrantForm):
    """Create a Residential / Business Account (ACC-3)."""

    field_order = [
        "first_name",
        "middle_initial",
        "last_name",
        "suffix",
        "business_name",
        "title",
        "phone",
        "email",
        "email2",
        "language",
        "esiid",
        "meter_number",
        "user_id",
        "terms",
    ]

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == "business":
            self.fields["business_name"] = forms.CharField(label=_("Business name"), max_length=120)
            self.fields["title"] = forms.CharField(label=_("Title"), max_length=60, required=False)
        else:  # ACC-3: the language preference is for residential customers only
            self.fields["language"] = forms.ChoiceField(
                label=_("Language preference"), choices=Language.choices, initial="en"
            )
        self.order_fields(self.field_order)

    def account_fields(self) -> dict:
        data = self.cleaned_data
        return {
            **self.registrant_fields(),
            "kind": self.kind,
            "language": data.get("language", "en"),
            "business_name": data.get("business_name", ""),
            "title": data.get("title", ""),
        }


class MeterShareForm(forms.Form):
    friend_email = forms.EmailField(
        label=_("Email of the person to share with"),
        help_text=_("They must log in with a customer account that uses this email address."),
    )


# --- MTR-4, MTR-5: Customer Meter List search ------------------------------------------------

ID_TYPES = [("esiid", _("ESI ID")), ("meter_number", _("Meter number"))]
IMPORT_MAX_BYTES = 1024 * 1024  # SEC-4: 1 MB holds ~50,000 ESI IDs
IMPORT_MAX_ROWS = 10_000


def _meter_number_terms(terms: SearchTerms) -> SearchTerms:
    """MTR-8: the values as typed and without a leading letter both match."""
    if terms.wildcard:
        return terms
    values = {*terms.values, *(normalize_meter_number(v) for v in terms.values)}
    return SearchTerms(values=tuple(sorted(values)))


class MeterSearchForm(ListSearchForm):
    """ACC-20 search of the Customer Meter List by ESI ID or meter number (MTR-4)."""

    id_type = forms.ChoiceField(label=_("Search by"), choices=ID_TYPES, initial="esiid")
    values = SearchField(label=_("ESI IDs or meter numbers"))

    def has_criteria(self) -> bool:
        return bool(self.cleaned_data.get("values"))

    def search_q(self) -> Q:
        terms = self.cleaned_data["values"]
        if self.cleaned_data["id_type"] == "esiid":
            return terms.q("esiid", case_sensitive=True)
        return _meter_number_terms(terms).q("meter_number")


TDSP_SEARCH_BY = [
    ("esiid", _("ESI ID")),
    ("meter_number", _("Meter number")),
    ("address", _("Service address")),
    ("city", _("City")),
    ("zip_code", _("ZIP code")),
]


class TdspMeterSearchForm(OneCriterionSearchForm):
    """USG-12 TDSP Meters: ACC-20 search by ESI ID, meter number, address, city or ZIP."""

    search_by = forms.ChoiceField(
        label=_("Search by"), choices=TDSP_SEARCH_BY, initial="esiid", widget=forms.RadioSelect
    )
    field_order = ["search_by", "values"]

    def search_q(self) -> Q:
        terms = self.cleaned_data["values"]
        search_by = self.cleaned_data["search_by"]
        if search_by == "esiid":
            return terms.q("esiid", case_sensitive=True)
        if search_by == "meter_number":
            return _meter_number_terms(terms).q("meter_number")
        if search_by == "address":
            return terms.q("street_line")
        return terms.q(search_by)  # city, zip_code


class StaleMetersForm(forms.Form):
    """BEY-4, the TDSP side (staff): meters without interval data for N days, of one TDSP or
    all, optionally some ESIIDs (ACC-20 input)."""

    tdsp = forms.ModelChoiceField(
        label=_("TDSP"),
        queryset=Tdsp.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
    )
    days = forms.IntegerField(
        label=_("Without data for at least (days)"),
        min_value=1,
        max_value=GAP_WINDOW_DAYS,
        required=False,
        initial=STALE_DAYS_DEFAULT,
    )
    esiid = SearchField(label=_("ESI IDs"))

    def clean_days(self) -> int:
        return self.cleaned_data.get("days") or STALE_DAYS_DEFAULT


@dataclass(frozen=True)
class ImportRow:
    line: int
    value: str


class MeterImportForm(forms.Form):
    """MTR-5: a CSV file, one ESI ID or meter number per row (the chosen type), no header,
    no trailing commas. Every bad row is reported with its line number."""

    id_type = forms.ChoiceField(label=_("Search by"), choices=ID_TYPES, initial="esiid")
    file = forms.FileField(
        label=_("Import meters from a file"),
        help_text=_("A .csv file with one ESI ID or meter number per row, no header."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows: list[ImportRow] = []
        self.row_errors: list[tuple[int, str]] = []

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(gettext("The file must be a .csv file."))
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(gettext("The file must be smaller than 1 MB."))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(gettext("The file is not a text (CSV) file.")) from error
        return text

    def clean(self):
        data = super().clean()
        if "file" in data and "id_type" in data:
            self._read_rows(data["file"], data["id_type"])
            if not self.rows and not self.row_errors:
                self.add_error("file", gettext("The file has no rows."))
            elif len(self.rows) + len(self.row_errors) > IMPORT_MAX_ROWS:
                self.add_error(
                    "file",
                    gettext("A file may hold at most %(max)s rows.") % {"max": IMPORT_MAX_ROWS},
                )
        return data

    def _read_rows(self, text: str, id_type: str) -> None:
        for line, raw in enumerate(text.splitlines(), start=1):
            value = raw.strip()
            if not value:
                continue
            error = _row_error(value, id_type)
            if error:
                self.row_errors.append((line, error))
            else:
                self.rows.append(ImportRow(line, value))


def _row_error(value: str, id_type: str) -> str:
    if "," in value:
        return gettext("one value per row, without commas (a trailing comma is not allowed)")
    is_esiid = bool(re.fullmatch(r"\d{17,22}", value, re.ASCII))
    if id_type == "esiid" and not is_esiid:
        return gettext("%(value)s is not an ESI ID (17 to 22 digits)") % {"value": value}
    if id_type == "meter_number" and (is_esiid or not re.fullmatch(r"[A-Za-z0-9-]{1,30}", value)):
        return gettext("%(value)s is not a meter number; a file holds one type of value") % {
            "value": value
        }
    return ""


# --- USG-6: report options ---------------------------------------------------------------------


def _attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html, in Python."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class FastDateInput(forms.DateInput):
    """A DateInput writing exactly what django/forms/widgets/input.html writes, in Python:
    the report options are on every usage page and their widget templates were a fifth of
    its template time (benchmarks/README.md, `page`; tests/usage/test_report_cache.py
    compares both ways of writing them)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        value_html = (
            "" if widget["value"] is None else f' value="{conditional_escape(widget["value"])}"'
        )
        return mark_safe(  # every value is escaped as the template's autoescape does
            f'<input type="{conditional_escape(widget["type"])}" '
            f'name="{conditional_escape(widget["name"])}"{value_html}{_attrs_html(widget["attrs"])}>'
        )


class FastSelect(forms.Select):
    """A Select writing exactly what django/forms/widgets/select.html and select_option.html
    write, in Python (see FastDateInput)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = [
            f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>'
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                html.append(
                    f'\n  <option value="{conditional_escape(option["value"])}"'
                    f"{_attrs_html(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        return mark_safe("".join(html))  # every value is escaped as the templates' autoescape does


class ReportOptionsForm(forms.Form):
    """USG-6: report type, Current Version or Version Updates, start and end dates; every
    date rule is checked by usage.services.reports and named in the message."""

    report_type = forms.ChoiceField(
        label=_("Report type"),
        choices=[
            (reports.INTERVAL, _("Daily Usage (15 minutes)")),
            (reports.DAILY, _("Daily Meter Reads")),
            (reports.MONTHLY, _("Monthly Usage")),
        ],
        widget=FastSelect,
    )
    view = forms.ChoiceField(
        label=_("View"),
        choices=[(reports.CURRENT, _("Current Version")), (reports.VERSIONS, _("Version Updates"))],
        initial=reports.CURRENT,
        widget=FastSelect,
    )
    start_date = forms.DateField(
        label=_("Start date"), widget=FastDateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(label=_("End date"), widget=FastDateInput(attrs={"type": "date"}))

    def __init__(self, *args, installed_on, today, online: bool = True, window=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.installed_on = installed_on
        self.today = today
        self.online = online  # False for offline exports: no 40-day limit (USG-7)
        self.window = window  # USG-12: a 3rd party's agreement period (selectors.DataWindow)

    def clean(self):
        data = super().clean()
        start, end, report_type = (
            data.get("start_date"),
            data.get("end_date"),
            data.get("report_type"),
        )
        if not (start and end and report_type):
            return data
        errors = reports.date_range_errors(
            report_type=report_type,
            start=start,
            end=end,
            installed_on=self.installed_on,
            today=self.today,
            window=self.window,
        )
        too_large = not reports.is_online(report_type=report_type, start=start, end=end)
        if not errors and self.online and too_large:
            message = gettext(
                "Daily Usage for %(days)d days or more is too large to show on screen: "
                "choose fewer days, or request it as an offline report."
            ) % {"days": reports.ONLINE_INTERVAL_DAYS}
            errors.append(("end_date", forms.ValidationError(message, code="too_large")))
        for field, message in errors:
            self.add_error(field, message)
        return data


class ExportOptionsForm(ReportOptionsForm):
    """USG-8 Export Report(s): the report options and the file format (USG-10). Green Button
    XML holds Daily Usage (15 minutes), current version only (docs/decisions.md)."""

    file_format = forms.ChoiceField(
        label=_("File format"),
        choices=ReportRequest.FileFormat.choices,
        initial=ReportRequest.FileFormat.CSV,
        required=False,  # CSV when left out
    )

    def clean_file_format(self) -> str:
        return self.cleaned_data.get("file_format") or ReportRequest.FileFormat.CSV

    def clean(self):
        data = super().clean()
        if data.get("file_format") != ReportRequest.FileFormat.GREEN_BUTTON:
            return data
        if data.get("report_type") and data["report_type"] not in greenbutton.REPORT_TYPES:
            self.add_error(
                "file_format",
                gettext("Green Button XML is available for Daily Usage (15 minutes) only."),
            )
        if data.get("view") == reports.VERSIONS:
            self.add_error("view", gettext("Green Button XML carries the current version only."))
        return data


def export_options_form(data: Any, *, user: User, premises: list[Premise]) -> ExportOptionsForm:
    """USG-8's options for these meters, bound as Export Report(s) and the 3rd-party API both
    bind them: offline (no 40-day limit, USG-7), from the earliest installation of the meters
    (USG-6), and inside the window spanning the user's windows of the meters (USG-12: dates
    outside every chosen meter's window are refused; the worker then keeps each meter to its
    own window, report_requests._data_windows)."""
    earliest_install, window, today = _export_limits(user=user, premises=premises)
    return ExportOptionsForm(
        data,
        installed_on=earliest_install,
        today=today,
        online=False,
        window=window,
        initial=reports.report_default_options(reports.INTERVAL, today, window),
    )


def _export_limits(*, user: User, premises: list[Premise]) -> tuple[date | None, Any, date]:
    """What an export's dates are checked against: the earliest installation of the meters
    (USG-6), the window spanning the user's windows of them (USG-12), and today."""
    earliest_install = min(
        (reports.installed_on(p) for p in premises), default=None, key=lambda d: d or date.max
    )
    windows = selectors.premise_data_windows(user=user, premises=premises)
    window = selectors.data_window_spanning(windows.values())
    return earliest_install, window, timezone.localdate()


EXPORT_REPORT_LABELS = {
    reports.INTERVAL: _("Daily Usage (15 minutes)"),
    reports.DAILY: _("Daily Meter Reads"),
    reports.MONTHLY: _("Monthly Usage"),
}


class ExportPartForm(ExportOptionsForm):
    """USG-8: one report of an Export Report(s) order, its type fixed (it is the prefix of the
    form's fields): ticked or not, and when ticked its View and dates checked by the same rules
    as one report (USG-6, USG-10), the messages on this report's own fields."""

    include = forms.BooleanField(required=False)
    field_order = ["include", "view", "start_date", "end_date", "file_format"]

    def __init__(self, *args: Any, report_type: str, **kwargs: Any) -> None:
        super().__init__(*args, prefix=report_type, **kwargs)
        self.report_type = report_type
        self.label = EXPORT_REPORT_LABELS[report_type]
        self.fields["include"].label = self.label
        fixed = self.fields["report_type"]
        fixed.disabled, fixed.initial, fixed.widget = True, report_type, forms.HiddenInput()
        if report_type not in greenbutton.REPORT_TYPES:  # USG-10: CSV only
            del self.fields["file_format"]

    @property
    def is_included(self) -> bool:
        if not self.is_bound:
            return bool(self.initial.get("include"))
        widget = self.fields["include"].widget
        return bool(widget.value_from_datadict(self.data, self.files, self.add_prefix("include")))

    def full_clean(self) -> None:
        if self.is_bound and not self.is_included:  # a report not asked for is not checked
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    def report_part(self) -> ReportPart:
        data = self.cleaned_data
        return ReportPart(
            report_type=self.report_type,
            start_date=data["start_date"],
            end_date=data["end_date"],
            versions=data["view"] == reports.VERSIONS,
            file_format=data.get("file_format") or ReportRequest.FileFormat.CSV,
        )


class ExportReportsForm(forms.Form):
    """USG-8 Export Report(s): any of Daily Usage, Daily Meter Reads and Monthly Usage, each
    with its own dates and View, under one order number (seed 003 §8.4)."""

    def __init__(self, data: Any = None, *, parts: list[ExportPartForm]) -> None:
        super().__init__(data)
        self.parts = parts

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(part.is_included for part in self.parts):
            raise forms.ValidationError(
                gettext(
                    "Choose at least one report: Daily Usage, Daily Meter Reads or Monthly Usage."
                ),
                code="no_report",
            )
        return data

    def is_valid(self) -> bool:
        parts_valid = [part.is_valid() for part in self.parts]  # every part shows its errors
        return super().is_valid() and all(parts_valid)

    @property
    def has_part_errors(self) -> bool:
        return self.is_bound and any(part.errors for part in self.parts)

    def report_parts(self) -> list[ReportPart]:
        return [part.report_part() for part in self.parts if part.is_included]


def export_reports_form(
    data: Any, *, user: User, premises: list[Premise], prefill: Any = None
) -> ExportReportsForm:
    """USG-8's reports for these meters, each bound with the limits of export_options_form
    (offline, USG-6, USG-12). Unbound, each opens on its default dates and Daily Usage is
    ticked; `prefill` (one report's options, as the report page links them) ticks that report
    with its options instead."""
    installed_on, window, today = _export_limits(user=user, premises=premises)
    chosen = prefill.get("report_type") if prefill else None
    if chosen not in reports.REPORT_TYPES:
        chosen, prefill = reports.INTERVAL, None
    parts = []
    for report_type in reports.REPORT_TYPES:
        initial = {
            **reports.report_default_options(report_type, today, window),
            "include": report_type == chosen,
        }
        if prefill and report_type == chosen:
            initial |= {k: prefill[k] for k in ("view", "start_date", "end_date") if prefill.get(k)}
        parts.append(
            ExportPartForm(
                data,
                report_type=report_type,
                installed_on=installed_on,
                today=today,
                online=False,
                window=window,
                initial=initial,
            )
        )
    return ExportReportsForm(data, parts=parts)


class DownloadMyDataForm(forms.Form):
    """USG-13 Download My Data: the dates of the customer's Green Button file (USG-6 rules)."""

    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(label=_("End date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, installed_on, today, window=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.installed_on = installed_on
        self.today = today
        self.window = window  # USG-12 (selectors.DataWindow)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end:
            for field, message in reports.date_range_errors(
                report_type=reports.INTERVAL,
                start=start,
                end=end,
                installed_on=self.installed_on,
                today=self.today,
                window=self.window,
            ):
                self.add_error(field, message)
        return data


class InformationExportForm(forms.Form):
    """MTR-7 Export Information: Premise and/or Meter Information for the chosen meters."""

    premise = forms.BooleanField(label=_("Premise Information"), required=False)
    meter = forms.BooleanField(label=_("Meter Information"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("premise") and not data.get("meter"):
            raise forms.ValidationError(
                gettext("Choose Premise Information, Meter Information or both.")
            )
        return data

    def kinds(self) -> list[str]:
        return [kind for kind in ("premise", "meter") if self.cleaned_data.get(kind)]
