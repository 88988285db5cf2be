"""The Daily Usage page's cached HTML (benchmarks/README.md, `page`): the day's chart and
15-minute tables are kept per version of the day, language and View, so a new version is
shown at once, and nobody gets HTML the page would not have rendered for them (USG-3, USG-12,
UX-3). The report options' widgets write exactly what Django's widget templates write."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from tests.factories import (
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    UserFactory,
)
from usage.forms import FastDateInput, FastSelect
from usage.models import IntervalDay
from usage.services import reports
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
DAY = date(2026, 11, 10)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=CHICAGO), tick=False):
        yield


@pytest.fixture
def premise():
    premise = PremiseFactory()
    MeterFactory(premise=premise, installed_on=date(2019, 5, 1))
    return premise


def rep_of_record(premise, **fields):
    rep = UserFactory(rep=True, **fields)
    RorPeriodFactory(premise=premise, ror_duns=rep.duns_grants.get().number)
    return rep


def store_day(premise, value, channel="C"):
    count = intervals_in_day(DAY)
    interval_days_store(
        [IntervalDayInput(premise.pk, DAY, channel, tuple([Decimal(value)] * count), "A" * count)]
    )


def daily_usage(client, premise, view="current"):
    query = {"report_type": "interval", "view": view, "start_date": DAY, "end_date": DAY}
    return client.get(reverse("usage:usage_report", args=[premise.esiid]), query)


def without_csrf(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def cached_keys() -> list[str]:
    """The page's keys in the tests' local-memory cache (stored as ":1:<key>")."""
    return [key.split(":", 2)[2] for key in cache._cache if "usage-day-html" in key]


def test_a_day_shown_again_comes_from_the_cache(client, premise, monkeypatch):  # USG-3
    client.force_login(rep_of_record(premise))
    store_day(premise, "0.250")
    first = daily_usage(client, premise).content.decode()
    assert len(cached_keys()) == 1

    def not_built_again(*args, **kwargs):
        raise AssertionError("the day's tables and chart were built again")

    monkeypatch.setattr(reports, "interval_day_content", not_built_again)
    again = daily_usage(client, premise).content.decode()
    assert again.count('<g class="bar"') == 96
    assert without_csrf(again) == without_csrf(first)


@pytest.mark.parametrize("load", ["service", "tdsp_file"])
def test_a_new_version_of_the_day_is_shown_at_once(client, premise, load, tmp_path):
    # USG-2, USG-3: a correction is the day's new current version; the cached old one is not
    # what the page shows.
    client.force_login(rep_of_record(premise))
    store_day(premise, "0.250")
    before = daily_usage(client, premise).content.decode()
    assert "<td>0.250</td>" in before and "Total: 24.000 kWh." in before
    if load == "service":
        store_day(premise, "0.500")
    else:
        load_tdsp_file(premise, "0.500", tmp_path)
    after = daily_usage(client, premise).content.decode()
    assert IntervalDay.objects.get(premise=premise, is_current=True).version == 2
    assert "<td>0.500</td>" in after and "<td>0.250</td>" not in after
    assert "Total: 48.000 kWh." in after
    versions = daily_usage(client, premise, view="versions").content.decode()
    assert "Version 2, received" in versions and "Version 1, received" in versions
    assert "<td>0.500</td>" in versions and "<td>0.250</td>" in versions


def load_tdsp_file(premise, value, tmp_path):
    """The day as version 2 in a TDSP's usage file, through the loader of TDSP files (USG-2)."""
    from usage.services.ingest import tdsp_file_load

    count = intervals_in_day(DAY)
    row = f"{premise.esiid},{DAY},C,2,{'A' * count}," + ",".join([value] * count)
    lines = ["esiid,date,channel,version,quality,kwh\n", f"{row}\n"]
    assert tdsp_file_load(lines=lines, name="day.csv").stored == 1


def test_each_language_gets_its_own_html(client, premise):  # UX-3
    english = rep_of_record(premise, language="en")
    spanish = CustomerPremiseFactory(premise=premise, customer__language="es").customer
    store_day(premise, "0.250")
    client.force_login(english)
    assert "Consumption by 15-minute interval" in daily_usage(client, premise).content.decode()
    client.force_login(spanish)
    page = daily_usage(client, premise).content.decode()
    assert "Consumption by 15-minute interval" not in page
    assert "<td>Actual</td>" not in page
    with translation.override("es"):
        assert translation.gettext("Consumption by 15-minute interval") in page
        assert f"<td>{translation.gettext('Actual')}</td>" in page
    assert len(cached_keys()) == 2


def test_a_user_who_may_not_see_the_meter_gets_no_cached_html(client, premise):  # USG-12
    client.force_login(rep_of_record(premise))
    store_day(premise, "0.250")
    assert daily_usage(client, premise).status_code == 200
    client.force_login(UserFactory(rep=True))  # another REP: not this meter's REP of Record
    assert daily_usage(client, premise).status_code == 404
    customer = CustomerPremiseFactory().customer  # a customer of another meter
    client.force_login(customer)
    assert daily_usage(client, premise).status_code == 404


def test_the_cached_html_holds_nothing_of_the_viewer(client, premise):  # USG-12
    # Another viewer of the same meter and day gets the same HTML; nothing in it names the
    # first viewer (it is rendered without the request).
    first = rep_of_record(premise, first_name="Zebulon", last_name="Quartermaine")
    store_day(premise, "0.250")
    client.force_login(first)
    daily_usage(client, premise)
    [key] = cached_keys()
    html = cache.get(key)
    assert html is not None
    assert all("Zebulon" not in part and first.username not in part for part in html.values())
    customer = CustomerPremiseFactory(premise=premise).customer
    client.force_login(customer)
    page = daily_usage(client, premise).content.decode()
    assert "Zebulon" not in page and "<td>0.250</td>" in page
    assert len(cached_keys()) == 1


def test_the_key_names_what_the_html_is_made_of(premise):
    store_day(premise, "0.250")
    store_day(premise, "0.250", channel="G")
    rows = list(IntervalDay.objects.filter(premise=premise, day=DAY, is_current=True))

    def key(rows=rows, day=DAY, versions=False, premise_id=premise.pk, language="en"):
        with translation.override(language):
            return reports.interval_day_html_key(
                premise_id=premise_id, day=day, rows=rows, versions=versions
            )

    first = key()
    assert key() == first
    others = [
        key(rows=rows[:1]),
        key(day=DAY - timedelta(days=1)),
        key(versions=True),
        key(premise_id=premise.pk + 1),
        key(language="es"),
    ]
    assert len({first, *others}) == 6
    rows[0].version += 1  # a new version
    assert key(rows=rows) not in {first, *others}
    before = key(rows=rows)
    rows[0].received_at += timedelta(seconds=1)  # the same version received again
    assert key(rows=rows) != before
    before = key(rows=rows)
    rows[0].readings = rows[0].readings.replace("0.250", "0.251", 1)  # changed in place
    assert key(rows=rows) != before


# --- the report options' widgets ------------------------------------------------------------

CHOICES = [("a", "Alpha"), ("<b>", 'Quote " & <tag>'), ("Group", [("g1", "One"), ("g2", "Two")])]
ATTRS = [
    None,
    {"id": "id_x"},
    {"id": "id_x", "aria-invalid": "true", "aria-describedby": "id_x_error", "required": True},
    {"disabled": False, "data-x": '"<&>'},
]


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", [None, "", "a", "<b>", "g2", ["a", "g1"]])
def test_the_select_writes_what_djangos_template_writes(attrs, value):
    fast = FastSelect(choices=CHOICES).render("report_type", value, attrs)
    assert fast == forms.Select(choices=CHOICES).render("report_type", value, attrs)


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", [None, "", date(2026, 11, 10), "2026-13-45", '"><script>'])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_date_input_writes_what_djangos_template_writes(attrs, value, language):
    with translation.override(language):
        fast = FastDateInput(attrs={"type": "date"}).render("start_date", value, attrs)
        slow = forms.DateInput(attrs={"type": "date"}).render("start_date", value, attrs)
    assert fast == slow
