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
        consumption = gettext("N/A") if row.consumption is None else number(row.consumption)
        generation = ""
        if has_generation:
            value = gettext("N/A") if row.generation is None else number(row.generation)
            generation = f"<td>{value}</td>"
        html.append(
            f"<tr><td>{_escaped(row.starts)}</td><td>{_escaped(row.ends)}</td><td>{consumption}</td>"
            f"{generation}<td>{quality.get(row.quality, missing)}</td></tr>"
        )
    return mark_safe("".join(html))  # every value above is escaped, or a number


@register.simple_tag
def chart_bars(chart: dict) -> SafeString:
    """The bars of an inline SVG chart (UX-4): per bar a focusable group whose <title> reads
    "2:15 PM–2:30 PM: 0.402 kWh" (hover and keyboard focus), a full-height target, the
    consumption bar and, below the zero line, the hatched surplus generation bar."""
    number = _number_formatter()
    used = gettext("%(label)s: %(kwh)s kWh")
    both = gettext("%(label)s: %(kwh)s kWh used, %(generation)s kWh surplus generation")
    top, bottom, zero = chart["plot_top"], chart["plot_bottom"], chart["zero_y"]
    full = bottom - top
    has_generation = chart["has_generation"]
    html = []
    for bar in chart["bars"]:
        kwh = gettext("N/A") if bar.value is None else number(bar.value)
        if has_generation:
            generation = gettext("N/A") if bar.generation is None else number(bar.generation)
            title = both % {"label": bar.label, "kwh": kwh, "generation": generation}
        else:
            title = used % {"label": bar.label, "kwh": kwh}
        # Coordinates stay unlocalized: a Spanish decimal comma is not SVG.
        x, width = f'x="{bar.x}%"', f'width="{bar.width}%"'
        shapes = f'<rect class="hit" {x} y="{top}" {width} height="{full}"/>'
        if bar.height:
            shapes += f'<rect class="use" {x} y="{bar.y}" {width} height="{bar.height}"/>'
        if bar.generation_height:
            shapes += f'<rect class="gen" {x} y="{zero}" {width} height="{bar.generation_height}"/>'
        html.append(
            f'<g class="bar" tabindex="0" role="img"><title>{_escaped(title)}</title>{shapes}</g>'
        )
    return mark_safe("".join(html))  # every value above is escaped, or a number
