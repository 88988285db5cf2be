"""One format per language on every page type (UX-3): English m/d/Y and 2:30 PM, Spanish
d/m/Y and 14:30, a decimal point in both (smt/formats). A page never shows the other
language's order, a zero-padded 12-hour time, or a decimal comma."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, translation

from agreements import emails as agreement_emails
from notifications.models import Notice, OutboundEmail
from notifications.services import email_render
from tests.agreements.helpers import active_ongoing, one_time, third_party_admin
from tests.factories import AgreementFactory, CustomerPremiseFactory, MeterFactory, UserFactory
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day
from usage.services.reports import latest_available_day

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=CHICAGO)
DEC_4_1430 = datetime(2026, 12, 4, 14, 30, tzinfo=CHICAGO)
ZERO_PADDED_12_HOUR = re.compile(r"\b0\d:\d\d [AP]M\b")
DECIMAL_COMMA = re.compile(r"\b\d+,\d{3}\b(?!,)")  # "0,402" (never a thousands group here)


def as_language(client, language: str, **fields):
    user = UserFactory(language=language, **fields)
    client.force_login(user)
    return user


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- the rule itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language, short_date, time, short_datetime",
    [
        ("en", "12/04/2026", "2:30 PM", "12/04/2026 2:30 PM"),
        ("es", "04/12/2026", "14:30", "04/12/2026 14:30"),
    ],
)
def test_the_named_formats_per_language(language, short_date, time, short_datetime):  # UX-3
    with translation.override(language):
        assert formats.date_format(DEC_4_1430, "SHORT_DATE_FORMAT") == short_date
        assert formats.time_format(DEC_4_1430, "TIME_FORMAT") == time
        assert formats.date_format(DEC_4_1430, "SHORT_DATETIME_FORMAT") == short_datetime
        assert formats.localize(Decimal("1000.402")) == "1000.402"  # a point in both


# --- a list page with dates: Notices ----------------------------------------------------------


@pytest.mark.parametrize(
    "language, shown, never",
    [("en", "12/04/2026", "04/12/2026"), ("es", "04/12/2026", "12/04/2026")],
)
def test_a_list_page_shows_dates_in_the_readers_format(client, language, shown, never):
    Notice.objects.create(title="Maintenance", body="Body", published_from=DEC_4_1430)
    with time_machine.travel(NOW, tick=False):
        as_language(client, language)
        html = text(client.get(reverse("notices")))
    assert shown in html
    assert never not in html


# --- a detail page with date and time: a 3rd party's agreement --------------------------------


@pytest.mark.parametrize(
    "language, shown, never",
    [
        ("en", "12/04/2026 2:30 PM", ["04/12/2026", "14:30"]),
        ("es", "04/12/2026 14:30", ["12/04/2026", "PM"]),
    ],
)
def test_a_detail_page_shows_date_and_time_in_the_readers_format(client, language, shown, never):
    user = third_party_admin()
    user.language = language
    user.save(update_fields=["language"])
    with time_machine.travel(DEC_4_1430, tick=False):
        agreement = one_time(user=user)
    with time_machine.travel(NOW, tick=False):
        client.force_login(user)
        html = text(
            client.get(reverse("agreements:company_detail", args=[agreement.agreement_number]))
        )
    assert shown in html
    for wrong in never:
        assert wrong not in html
    assert not ZERO_PADDED_12_HOUR.search(html)


# --- the usage report with kWh ----------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_usage_report_shows_kwh_with_a_decimal_point(client, language):  # UX-3
    with time_machine.travel(NOW, tick=False):
        link = CustomerPremiseFactory(premise=MeterFactory().premise)
        link.customer.language = language
        link.customer.save(update_fields=["language"])
        day = latest_available_day()
        count = intervals_in_day(day)
        values = (Decimal("0.402"), *(Decimal("12.500") for _ in range(count - 1)))
        interval_days_store([IntervalDayInput(link.premise_id, day, "C", values, "A" * count)])
        client.force_login(link.customer)
        html = text(client.get(reverse("usage:usage_report", args=[link.premise.esiid])))
    assert "0.402" in html
    assert not DECIMAL_COMMA.search(html), DECIMAL_COMMA.search(html).group(0)
    with translation.override(language):
        shown = formats.date_format(day, "SHORT_DATE_FORMAT")
    assert shown in html


# --- date inputs: what a form renders, it accepts ---------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_date_fields_render_iso_for_the_date_picker(client, language):  # UX-3
    """An <input type="date"> takes only ISO; Django writes a date field's value with the
    first DATE_INPUT_FORMATS, which is ISO in both languages."""
    with time_machine.travel(NOW, tick=False):
        link = CustomerPremiseFactory(premise=MeterFactory(installed_on=date(2020, 1, 1)).premise)
        link.customer.language = language
        link.customer.save(update_fields=["language"])
        client.force_login(link.customer)
        html = text(client.get(reverse("usage:usage_report", args=[link.premise.esiid])))
    values = re.findall(r'<input type="date" name="(?:start|end)_date" value="([^"]*)"', html)
    assert values and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) for value in values), values


@pytest.mark.parametrize(
    "language, typed", [("es", "01/12/2026"), ("en", "12/01/2026"), ("es", "2026-12-01")]
)
def test_a_report_options_form_accepts_the_languages_written_date(client, language, typed):
    with time_machine.travel(NOW, tick=False):
        link = CustomerPremiseFactory(premise=MeterFactory(installed_on=date(2020, 1, 1)).premise)
        link.customer.language = language
        link.customer.save(update_fields=["language"])
        client.force_login(link.customer)
        url = reverse("usage:usage_report", args=[link.premise.esiid])
        response = client.get(
            url,
            {"report_type": "interval", "view": "current", "start_date": typed, "end_date": typed},
        )
    form = response.context["form"]
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start_date"] == date(2026, 12, 1)


@pytest.mark.parametrize("language, typed", [("es", "02/12/2026"), ("en", "12/02/2026")])
def test_an_agreement_extension_date_is_read_in_the_readers_order(client, language, typed):
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=CHICAGO), tick=False):
        agreement = active_ongoing(months=6)
        user = agreement.initiated_by
        user.language = language
        user.save(update_fields=["language"])
        client.force_login(user)
        url = reverse("agreements:company_extension", args=[agreement.agreement_number])
        client.post(url, {"new_end_date": typed})
    agreement.refresh_from_db()
    assert agreement.requested_end_date == date(2026, 12, 2)


# --- an email -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language, shown, never",
    [("en", "01/03/2027", "03/01/2027"), ("es", "03/01/2027", "01/03/2027")],
)
def test_an_email_shows_dates_in_the_recipients_format(language, shown, never):  # UX-3, NTF-1
    with time_machine.travel(DEC_4_1430, tick=False):
        agreement = AgreementFactory(customer_language=language)
    with translation.override("en" if language == "es" else "es"):  # the sender's page
        agreement_emails.invitation(agreement=agreement, token="t")
    message = email_render(OutboundEmail.objects.get(template="agreements/invitation"))
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert shown in body
        assert never not in body
        assert not ZERO_PADDED_12_HOUR.search(body)


def test_a_han_email_shows_date_and_time_with_seconds_in_the_readers_format():  # UX-3
    from han.emails import _context  # the context every HAN email is rendered with
    from tests.han.helpers import one_request

    with time_machine.travel(DEC_4_1430, tick=False):
        request = one_request()
    assert _context(request, language="es")["requested_at"] == "04/12/2026 14:30:00"
    assert _context(request, language="en")["requested_at"] == "12/04/2026 2:30:00 PM"
