"""The Daily Usage page kept fast (benchmarks/README.md, `page`): its table rows and chart
bars built in Python (usage_report tags) write exactly what the templates' loops wrote, in
English and Spanish (USG-3, UX-4, UX-3), and a REP's page runs a bounded number of queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import MeterFactory, PremiseFactory, RorPeriodFactory, UserFactory
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day
from usage.services.reports import IntervalRow, interval_chart, interval_labels

# The loops as the templates had them before the tags (report.html, _bar_chart.html).
TEMPLATE_ROWS = (
    "{% load i18n %}{% for row in table.rows %}<tr><td>{{ row.starts }}</td><td>{{ row.ends }}"
    "</td><td>{% if row.consumption is None %}{% translate 'N/A' %}{% else %}"
    "{{ row.consumption }}{% endif %}</td>{% if table.has_generation %}<td>"
    "{% if row.generation is None %}{% translate 'N/A' %}{% else %}"
    "{{ row.generation }}{% endif %}</td>{% endif %}<td>{% if row.quality == 'A' %}"
    "{% translate 'Actual' %}{% elif row.quality == 'E' %}{% translate 'Estimated' %}"
    "{% else %}{% translate 'Missing' %}{% endif %}</td></tr>{% endfor %}"
)
FALL_BACK = date(2026, 11, 1)  # 100 intervals, the repeated hour labelled with its zone


def rows(has_generation: bool) -> list[IntervalRow]:
    values = [Decimal("0.125"), None, Decimal("12.000"), Decimal("-0.5"), Decimal("1234.5")]
    flags = "AE-A<"
    return [
        IntervalRow(
            starts if n else "<b>&",
            ends,
            values[n % 5],
            values[(n + 2) % 5] if has_generation else None,
            flags[n % 5],
        )
        for n, (starts, ends) in enumerate(interval_labels(FALL_BACK))
    ]


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("has_generation", [False, True])
def test_interval_rows_are_what_the_template_loop_wrote(language, has_generation):
    table = {"rows": rows(has_generation), "has_generation": has_generation}
    with translation.override(language):
        expected = render(TEMPLATE_ROWS, table=table)
        built = render("{% load usage_report %}{% interval_rows table %}", table=table)
    assert built == expected
    assert len(table["rows"]) == 100


@pytest.mark.parametrize("language", ["en", "es"])
def test_chart_bars_are_focusable_with_unlocalized_coordinates(language):  # UX-4, UX-3
    with translation.override(language):
        chart = interval_chart(FALL_BACK, {"rows": rows(False), "has_generation": False})
        built = render("{% load usage_report %}{% chart_bars chart %}", chart=chart)
    assert built.count('<g class="bar" tabindex="0" role="img">') == 100
    assert 'x="0.1%"' in built  # a dot in Spanish too (a decimal comma is not SVG)
    assert "&lt;b&gt;&amp;" not in built  # labels come from the clock, never from the rows
    first = "12:00 AM–12:15 AM" if language == "en" else "00:00–00:15"
    assert f"<title>{first}: 0.125 kWh</title>" in built


@pytest.mark.django_db
def test_a_rep_daily_usage_page_uses_a_bounded_number_of_queries(
    client, django_assert_max_num_queries
):  # USG-12: the REP of Record sees the meter
    rep = UserFactory(rep=True)
    premise = PremiseFactory()
    MeterFactory(premise=premise)
    RorPeriodFactory(premise=premise, ror_duns=rep.duns_grants.get().number)
    day = timezone.localdate() - timedelta(days=3)
    count = intervals_in_day(day)
    interval_days_store(
        [IntervalDayInput(premise.pk, day, "C", tuple([Decimal("0.25")] * count), "A" * count)]
    )
    client.force_login(rep)
    url = reverse("usage:usage_report", args=[premise.esiid])
    query = {"report_type": "interval", "view": "current", "start_date": day, "end_date": day}
    # user, premise, first smart meter's date, On Demand Reads, the day's rows; the session
    # comes from the cache (cached_db)
    with django_assert_max_num_queries(5):
        response = client.get(url, query)
    assert response.status_code == 200
    assert response.content.decode().count('<g class="bar"') == count
