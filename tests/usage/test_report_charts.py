"""The usage charts (UX-4, USG-3..USG-5): a kWh scale, x-axis labels by time of day (DST
days too), day and month, focusable bars with their values, surplus generation as a second,
hatched series with a legend, and the chart in words."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from tests.factories import CustomerPremiseFactory, MeterFactory, PremiseFactory
from usage.models import DailyRead, MonthlyUsage
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day
from usage.services.reports import ChartPoint, bar_chart, interval_chart, nice_step

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
EIGHT_MARKS_EN = ["12:00 AM", "3:00 AM", "6:00 AM", "9:00 AM", "12:00 PM", "3:00 PM", "6:00 PM"]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=CHICAGO), tick=False):
        yield


@pytest.fixture
def customer_premise():
    premise = PremiseFactory()
    MeterFactory(premise=premise, installed_on=date(2019, 5, 1))
    return CustomerPremiseFactory(premise=premise).customer, premise


def store_day(premise, day, values, channel="C"):
    count = intervals_in_day(day)
    readings = tuple(Decimal(values[n % len(values)]) for n in range(count))
    interval_days_store([IntervalDayInput(premise.pk, day, channel, readings, "A" * count)])


def day_page(client, premise, day, **extra):
    query = {"report_type": "interval", "view": "current", "start_date": day, "end_date": day}
    return client.get(reverse("usage:usage_report", args=[premise.esiid]), query | extra)


def table_for(day, consumption, generation=None):
    from usage.services.reports import IntervalRow

    count = intervals_in_day(day)
    rows = [
        IntervalRow(
            "",
            "",
            Decimal(consumption[n % len(consumption)]),
            Decimal(generation[n % len(generation)]) if generation else None,
            "A",
        )
        for n in range(count)
    ]
    return {"rows": rows, "has_generation": generation is not None}


def axis_texts(chart):
    return [label.text for label in chart["labels"]]


# --- the x-axis: time of day, DST days included -------------------------------------------------


@pytest.mark.parametrize(
    "day, count, marks",
    [
        (date(2026, 11, 10), 96, [*EIGHT_MARKS_EN, "9:00 PM"]),
        # Spring: 2 AM never happens, 3 AM comes 8 intervals after midnight.
        (date(2026, 3, 8), 92, [*EIGHT_MARKS_EN, "9:00 PM"]),
        # Fall: 1 AM twice, 3 AM 16 intervals after midnight.
        (date(2026, 11, 1), 100, [*EIGHT_MARKS_EN, "9:00 PM"]),
    ],
)
def test_the_15_minute_chart_is_labelled_every_3_hours_on_dst_days_too(day, count, marks):
    chart = interval_chart(day, table_for(day, ["0.25"]))
    assert len(chart["bars"]) == count
    assert axis_texts(chart) == marks
    by_text = {label.text: label.x for label in chart["labels"]}
    hours_before_3am = {92: 2, 96: 3, 100: 4}[count]  # hours of the clock between 0:00 and 3:00
    assert by_text["3:00 AM"] == pytest.approx(hours_before_3am * 4 * 100 / count, abs=0.01)
    assert chart["bars"][-1].label.startswith("11:45 PM–12:00 AM")


def test_the_repeated_fall_hour_is_told_apart_in_the_bar_titles():  # USG-1, UX-4
    chart = interval_chart(date(2026, 11, 1), table_for(date(2026, 11, 1), ["0.25"]))
    labels = [bar.label for bar in chart["bars"]]
    assert "1:00 AM CDT–1:15 AM CDT" in labels and "1:00 AM CST–1:15 AM CST" in labels


def test_spanish_uses_its_time_format():  # UX-3: TIME_FORMAT per language
    with translation.override("es"):
        chart = interval_chart(date(2026, 11, 10), table_for(date(2026, 11, 10), ["0.25"]))
    assert axis_texts(chart)[:3] == ["00:00", "03:00", "06:00"]
    assert chart["bars"][57].label == "14:15–14:30"


def test_a_phone_keeps_every_other_time_label():
    chart = interval_chart(date(2026, 11, 10), table_for(date(2026, 11, 10), ["0.25"]))
    assert [label.text for label in chart["labels"] if label.major] == [
        "12:00 AM",
        "6:00 AM",
        "12:00 PM",
        "6:00 PM",
    ]


# --- the y-axis: a kWh scale of nice gridlines -------------------------------------------------


@pytest.mark.parametrize(
    "span, step",
    [("1.204", "0.5"), ("0.4", "0.1"), ("4", "1"), ("4.01", "2"), ("812", "250"), ("0", "0.25")],
)
def test_gridlines_are_nice_steps(span, step):
    assert nice_step(Decimal(span)) == Decimal(step)


@pytest.mark.parametrize("highest", ["0.3", "1.204", "2.5", "9.99", "812", "1234.5"])
def test_there_are_3_to_5_ticks_from_zero_past_the_highest_bar(highest):  # UX-4
    chart = bar_chart([ChartPoint("a", Decimal(highest)), ChartPoint("b", Decimal("0.1"))])
    labels = [tick.label for tick in chart["ticks"]]
    assert 3 <= len(labels) <= 5
    assert labels[-1] == "0"
    assert Decimal(labels[0].replace(",", "")) >= Decimal(highest)
    ys = [tick.y for tick in chart["ticks"]]
    assert ys == sorted(ys)  # top to bottom, evenly spaced
    assert len({round(b - a, 1) for a, b in zip(ys, ys[1:], strict=False)}) == 1


# --- the page: focusable bars, generation, summary, table -------------------------------------


def test_each_bar_is_focusable_and_titled_with_its_time_and_value(client, customer_premise):
    customer, premise = customer_premise
    day = date(2026, 11, 10)
    store_day(premise, day, ["0.402"])
    client.force_login(customer)
    html = day_page(client, premise, day).content.decode()
    assert html.count('<g class="bar" tabindex="0" role="img">') == 96
    assert "<title>2:15 PM–2:30 PM: 0.402 kWh</title>" in html
    assert 'preserveAspectRatio="none"' not in html  # text is never stretched
    assert "Show 15-minute values" in html and html.count("<td>0.402</td>") == 96


def test_the_summary_names_the_highest_interval_and_the_total(client, customer_premise):
    customer, premise = customer_premise
    day = date(2026, 11, 10)
    values = ["0.100"] * 73 + ["1.204"] + ["0.100"] * 22  # 6:15 PM is the 74th interval
    store_day(premise, day, values)
    client.force_login(customer)
    html = day_page(client, premise, day).content.decode()
    assert '<p class="chart-summary">Highest: 1.204 kWh at 6:15 PM. Total: 10.704 kWh.</p>' in html


def test_surplus_generation_is_a_hatched_second_series_with_a_legend(client, customer_premise):
    customer, premise = customer_premise
    day = date(2026, 11, 10)
    store_day(premise, day, ["0.300"])
    store_day(premise, day, ["0.000", "0.500"], channel="G")
    client.force_login(customer)
    html = day_page(client, premise, day).content.decode()
    assert '<pattern id="chart-hatch"' in html
    assert html.count('<rect class="gen"') == 48  # every other interval sent power out
    assert "Surplus generation sent to the grid, hatched below the line" in html  # legend
    assert "Surplus generation sent to the grid: 24.000 kWh." in html  # summary
    assert "<title>12:15 AM–12:30 AM: 0.300 kWh used, 0.500 kWh surplus generation</title>" in html
    assert "Consumption and surplus generation by 15-minute interval" in html


def test_no_generation_means_no_legend(client, customer_premise):
    customer, premise = customer_premise
    day = date(2026, 11, 10)
    store_day(premise, day, ["0.300"])
    client.force_login(customer)
    html = day_page(client, premise, day).content.decode()
    assert "chart-hatch" not in html and "chart-legend" not in html


def test_the_daily_reads_chart_is_labelled_by_day_thinned_to_fit(client, customer_premise):
    customer, premise = customer_premise
    start = date(2026, 10, 20)
    for offset in range(30):
        DailyRead.objects.create(
            premise=premise,
            day=start + timedelta(days=offset),
            consumption_kwh=Decimal(20 + offset),
            received_at=datetime(2026, 11, 19, tzinfo=CHICAGO),
        )
    client.force_login(customer)
    query = {
        "report_type": "daily",
        "view": "current",
        "start_date": start,
        "end_date": start + timedelta(days=29),
    }
    response = client.get(reverse("usage:usage_report", args=[premise.esiid]), query)
    chart = response.context["report"]["chart"]
    assert axis_texts(chart) == [
        "10/20",
        "10/23",
        "10/26",
        "10/29",
        "11/01",
        "11/04",
        "11/07",
        "11/10",
        "11/13",
        "11/16",
    ]
    assert chart["summary"] == "Highest: 49.000 kWh on 11/18/2026. Total: 1035.000 kWh."
    assert "<title>Wednesday, 11/18/2026: 49.000 kWh</title>" in response.content.decode()


def test_the_monthly_chart_is_labelled_by_month(client, customer_premise):
    customer, premise = customer_premise
    for month in range(1, 11):
        MonthlyUsage.objects.create(
            premise=premise,
            start_date=date(2026, month, 1),
            end_date=date(2026, month + 1, 1) - timedelta(days=1),
            actual_kwh=Decimal(800 + month),
            received_at=datetime(2026, 11, 19, tzinfo=CHICAGO),
        )
    client.force_login(customer)
    query = {
        "report_type": "monthly",
        "view": "current",
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 10, 31),
    }
    response = client.get(reverse("usage:usage_report", args=[premise.esiid]), query)
    chart = response.context["report"]["chart"]
    assert axis_texts(chart)[:3] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    assert "Highest: 810.000 kWh in Oct 2026." in chart["summary"]
