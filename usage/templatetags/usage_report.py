"""The two big pieces of the Daily Usage page (USG-3, UX-4) as HTML built in Python: the
92/96/100 rows of its table and the bars of its chart.

Written with template tags they were most of the page's time (~20 variables and tags per
interval at a few µs each; benchmarks/README.md, `page`). The markup is exactly what the
templates wrote: numbers localized like `{{ value }}`, text escaped like autoescape.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

# Interval and bar labels are the same few hundred times and dates on every page.
_escaped = lru_cache(maxsize=2048, typed=True)(conditional_escape)


def _number_formatter():
    """`{{ value }}` of a Decimal or float in the active language, once per distinct value."""
    if settings.USE_THOUSAND_SEPARATOR:
        return formats.localize
    separator = formats.get_format("DECIMAL_SEPARATOR")
    done: dict = {}

    def number(value) -> str:
        if value not in done:
            text = f"{value:f}" if not isinstance(value, float) else str(value)
            done[value] = formats.localize(value) if "e" in text else text.replace(".", separator)
        return done[value]

    return number


@register.simple_tag
def interval_rows(table: dict) -> SafeString:
    """<tr> Start, End, Consumption, [Surplus generation,] Quality for each interval."""
    number = _number_formatter()
    quality = {"A": _escaped(gettext("Actual")), "E": _escaped(gettext("Estimated"))}
    missing = _escaped(gettext("Missing"))
    has_generation = table["has_generation"]
    html = []
    for row in table["rows"]:
        consumption = "N/A" if row.consumption is None else number(row.consumption)
        generation = ""
        if has_generation:
            value = "N/A" if row.generation is None else number(row.generation)
            generation = f"<td>{value}</td>"
        html.append(
            f"<tr><td>{_escaped(row.starts)}</td><td>{_escaped(row.ends)}</td><td>{consumption}</td>"
            f"{generation}<td>{quality.get(row.quality, missing)}</td></tr>"
        )
    return mark_safe("".join(html))  # every value above is escaped, or a number


@register.simple_tag
def chart_bars(chart: dict) -> SafeString:
    """<rect>s of an inline SVG bar chart, each with its text title (UX-4)."""
    number = _number_formatter()
    html = []
    for bar in chart["bars"]:
        value = "N/A" if bar.value is None else f"{number(bar.value)} kWh"
        html.append(
            # Coordinates stay unlocalized: a Spanish decimal comma is not SVG.
            f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" '
            f'height="{bar.height}"><title>{_escaped(bar.label)}: {value}</title></rect>'
        )
    return mark_safe("".join(html))  # every value above is escaped, or a number
