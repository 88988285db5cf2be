"""The Daily Usage table rows and chart bars built in Python (usage_report tags) write
exactly what the templates' loops wrote, in English and Spanish (USG-3, UX-4, UX-3)."""

from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from usage.reports import IntervalRow, bar_chart, interval_labels

# The loops as the templates had them before the tags (report.html, _bar_chart.html).
TEMPLATE_ROWS = (
    "{% load i18n %}{% for row in table.rows %}<tr><td>{{ row.starts }}</td><td>{{ row.ends }}"
    "</td><td>{% if row.consumption is None %}N/A{% else %}{{ row.consumption }}{% endif %}"
    "</td>{% if table.has_generation %}<td>{% if row.generation is None %}N/A{% else %}"
    "{{ row.generation }}{% endif %}</td>{% endif %}<td>{% if row.quality == 'A' %}"
    "{% translate 'Actual' %}{% elif row.quality == 'E' %}{% translate 'Estimated' %}"
    "{% else %}{% translate 'Missing' %}{% endif %}</td></tr>{% endfor %}"
)
TEMPLATE_BARS = (
    '{% for bar in chart.bars %}<rect x="{{ bar.x }}" y="{{ bar.y }}" width="{{ bar.width }}" '
    'height="{{ bar.height }}"><title>{{ bar.label }}: {% if bar.value is None %}N/A{% else %}'
    "{{ bar.value }} kWh{% endif %}</title></rect>{% endfor %}"
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
def test_chart_bars_are_what_the_template_loop_wrote(language):
    points = [(row.starts, row.consumption) for row in rows(False)]
    chart = bar_chart(points)
    with translation.override(language):
        expected = render(TEMPLATE_BARS, chart=chart)
        built = render("{% load usage_report %}{% chart_bars chart %}", chart=chart)
    assert built == expected
    assert built.count("<rect ") == 100
