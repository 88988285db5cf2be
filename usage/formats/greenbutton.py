"""Green Button XML (USG-10, USG-13): 15-minute usage as a NAESB REQ.21 ESPI 4.0 Atom feed.

One feed holds, for any number of premises over a date range:

    LocalTimeParameters   once per feed (America/Chicago); every UsagePoint links to it
    UsagePoint            one per premise (ServiceCategory electricity)
      MeterReading        one per channel with data: 1 = consumption (C), 2 = surplus
                          generation (G)
      ReadingType         once per feed and channel: Wh, delta data, 900 s intervals, flow
                          direction forward (C) or reverse (G)
      IntervalBlock       one per stored day, its IntervalReadings start at the day's local
                          midnight (as UTC epoch seconds) + 900 s × n, so the 92/100 intervals
                          of DST days carry their true UTC starts

Links follow the ESPI REST layout (`self`/`up` on every entry, `related` from UsagePoint to
its MeterReading feed and LocalTimeParameters, from MeterReading to its IntervalBlock feed and
ReadingType); each entry's Atom id is a name-based UUID of its `self` link, so the same
resource has the same id in every download. Values are integer watt-hours (uom 72,
powerOfTenMultiplier 0), the stored kWh with 3 decimals × 1000, so nothing is rounded.
Estimated intervals carry a ReadingQuality; missing intervals are left out. Green Button
carries the current version only (docs/decisions.md).

The text is formatted directly, one string per stored day (no XML tree), and yielded as it
goes: a meter-year or a 1,000-meter offline request never sits in memory as a whole.
"""

import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone

from usage.models import IntervalDay, Premise
from usage.selectors import DataWindow
from usage.services.intervals import INTERVAL_MINUTES, MARKET_TZ
from usage.services.reports import INTERVAL

CONTENT_TYPE = "application/atom+xml"  # USG-10
EXTENSION = "xml"
# USG-10: Green Button XML is built for Daily Usage (15 minutes); the other reports are CSV.
REPORT_TYPES = (INTERVAL,)
ATOM_NS = "http://www.w3.org/2005/Atom"
ESPI_NS = "http://naesb.org/espi"
ESPI_PATH = "/espi/1_1/resource"  # the ESPI REST resource root of the links

INTERVAL_SECONDS = INTERVAL_MINUTES * 60  # USG-1: 900 s

# ESPI enumerations (espi.xsd 4.0) used by the ReadingType and UsagePoint.
SERVICE_KIND_ELECTRICITY = 0
ACCUMULATION_DELTA_DATA = 4
COMMODITY_ELECTRICITY_SECONDARY_METERED = 1
DATA_QUALIFIER_NORMAL = 12
QUALITY_VALID = 0
QUALITY_ESTIMATED = 8  # "estimated using reference day": the TDSP's estimate (flag E)
MEASUREMENT_ENERGY = 12
PHASE_NONE = 0  # not known per meter
UNIT_WH = 72
POWER_OF_TEN = 0  # values are whole Wh
TIME_ATTRIBUTE_NONE = 0
MEASURING_PERIOD_15_MINUTES = 2
FLOW_FORWARD, FLOW_REVERSE = 1, 19

# channel → (MeterReading / ReadingType number, flow direction, title)
CHANNELS = {
    "C": (1, FLOW_FORWARD, "Consumption (kWh delivered), 15-minute intervals"),
    "G": (2, FLOW_REVERSE, "Surplus generation (kWh received), 15-minute intervals"),
}

# America/Chicago as ESPI LocalTimeParameters: standard time UTC-6, DST +1 h from the
# second Sunday of March to the first Sunday of November, both at 02:00 (US rules since 2007;
# SMT holds no data before 2010, USG-6).
TZ_OFFSET_SECONDS = -6 * 3600
DST_OFFSET_SECONDS = 3600
SUNDAY = 7  # ESPI: Monday = 1
OPERATOR_SECOND_OCCURRENCE, OPERATOR_FIRST_OCCURRENCE = 3, 2


def dst_rule(*, month: int, operator: int, day_of_week: int, hour: int, seconds: int = 0) -> str:
    """An ESPI DstRuleType: bits 0-11 seconds, 12-16 hour, 17-19 day of week, 20-24 day of
    month (0 = n/a), 25-27 operator, 28-31 month; as 8 hex digits."""
    value = month << 28 | operator << 25 | 0 << 20 | day_of_week << 17 | hour << 12 | seconds
    return f"{value:08X}"


DST_START_RULE = dst_rule(month=3, operator=OPERATOR_SECOND_OCCURRENCE, day_of_week=SUNDAY, hour=2)
DST_END_RULE = dst_rule(month=11, operator=OPERATOR_FIRST_OCCURRENCE, day_of_week=SUNDAY, hour=2)


def _uuid(href: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, href)}"


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(rel: str, href: str, kind: str) -> str:
    return f'<link rel="{rel}" href="{href}" type="{kind}"/>'


def _entry(
    *, self_href: str, up_href: str, kind: str, related: str, title: str, stamp: str, body: str
) -> str:
    """One Atom entry holding one ESPI resource (every link carries its type, as the GBA
    atom.xsd requires)."""
    return (
        f"<entry><id>{_uuid(self_href)}</id>"
        f"{_link('self', self_href, 'espi-entry/' + kind)}"
        f"{_link('up', up_href, 'espi-feed/' + kind)}{related}"
        f"<title>{escape(title)}</title><published>{stamp}</published>"
        f"<updated>{stamp}</updated><content>{body}</content></entry>\n"
    )


# --- one day of readings ----------------------------------------------------------------------


@lru_cache(maxsize=2048)
def day_start_epoch(day: date) -> int:
    """UTC epoch seconds of the day's local midnight (America/Chicago)."""
    return int(datetime.combine(day, time(), MARKET_TZ).timestamp())


@lru_cache(maxsize=1024)
def _reading_prefixes(day: date, count: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The text before each value of the day's readings, for actual and estimated intervals;
    cached, as every export asks for the same days again and again."""
    start = day_start_epoch(day)
    period = [
        f"<timePeriod><duration>{INTERVAL_SECONDS}</duration><start>{start + n * INTERVAL_SECONDS}"
        "</start></timePeriod><value>"
        for n in range(count)
    ]
    actual = tuple("<IntervalReading>" + p for p in period)
    estimated = tuple(
        f"<IntervalReading><ReadingQuality><quality>{QUALITY_ESTIMATED}</quality>"
        f"</ReadingQuality>{p}"
        for p in period
    )
    return actual, estimated


def wh(kwh: str) -> str:
    """A stored kWh value ("0.123") as integer Wh ("123")."""
    if len(kwh) > 4 and kwh[-4] == ".":  # the stored form: exactly 3 decimals
        return str(int(kwh.replace(".", "")))
    return str(int((Decimal(kwh) * 1000).to_integral_value(ROUND_HALF_UP)))


def interval_block_body(day: date, readings: str, quality: str) -> tuple[str, int]:
    """The IntervalBlock of one stored day and how many readings it holds."""
    values = readings.split(",")
    actual, estimated = _reading_prefixes(day, len(values))
    parts = [
        (estimated[n] if quality[n : n + 1] == "E" else actual[n])
        + wh(value)
        + "</value></IntervalReading>"
        for n, value in enumerate(values)
        if value
    ]
    body = (
        f'<IntervalBlock xmlns="{ESPI_NS}"><interval><duration>'
        f"{len(values) * INTERVAL_SECONDS}</duration><start>{day_start_epoch(day)}</start>"
        f"</interval>{''.join(parts)}</IntervalBlock>"
    )
    return body, len(parts)


# --- the feed ---------------------------------------------------------------------------------


def _reading_type_body(flow: int) -> str:
    return (
        f'<ReadingType xmlns="{ESPI_NS}">'
        f"<accumulationBehaviour>{ACCUMULATION_DELTA_DATA}</accumulationBehaviour>"
        f"<commodity>{COMMODITY_ELECTRICITY_SECONDARY_METERED}</commodity>"
        f"<dataQualifier>{DATA_QUALIFIER_NORMAL}</dataQualifier>"
        f"<defaultQuality>{QUALITY_VALID}</defaultQuality>"
        f"<flowDirection>{flow}</flowDirection>"
        f"<intervalLength>{INTERVAL_SECONDS}</intervalLength>"
        f"<kind>{MEASUREMENT_ENERGY}</kind><phase>{PHASE_NONE}</phase>"
        f"<powerOfTenMultiplier>{POWER_OF_TEN}</powerOfTenMultiplier>"
        f"<timeAttribute>{TIME_ATTRIBUTE_NONE}</timeAttribute><uom>{UNIT_WH}</uom>"
        f"<measuringPeriod>{MEASURING_PERIOD_15_MINUTES}</measuringPeriod></ReadingType>"
    )


def _local_time_parameters_body() -> str:
    return (
        f'<LocalTimeParameters xmlns="{ESPI_NS}"><dstEndRule>{DST_END_RULE}</dstEndRule>'
        f"<dstOffset>{DST_OFFSET_SECONDS}</dstOffset>"
        f"<dstStartRule>{DST_START_RULE}</dstStartRule>"
        f"<tzOffset>{TZ_OFFSET_SECONDS}</tzOffset></LocalTimeParameters>"
    )


DayRow = tuple[date, str, str, str, datetime]  # day, channel, readings, quality, received_at


def _day_rows(premise: Premise, start: date, end: date) -> Iterator[DayRow]:
    """Current versions only, by channel then day: one MeterReading after the other."""
    return (
        IntervalDay.objects.filter(premise=premise, day__range=(start, end), is_current=True)
        .order_by("channel", "day")
        .values_list("day", "channel", "readings", "quality", "received_at")
        .iterator(2000)
    )


def green_button_feed(
    premises: Iterable[Premise],
    start: date,
    end: date,
    *,
    now: datetime | None = None,
    title: str = "Smart Meter Texas Green Button usage",
    windows: Mapping[int, DataWindow] | None = None,
) -> Iterator[str]:
    """USG-10: the Atom feed of the premises' 15-minute usage from `start` to `end`, in
    chunks (one per stored day). One query per premise. `windows` (by premise pk) keeps each
    premise to the days its reader may see (USG-12); a premise with none is left out."""
    stamp = _timestamp(now or timezone.now())
    # Escaped once here, so every link below can be formatted as it is.
    root = escape(settings.SITE_URL + ESPI_PATH, {'"': "&quot;"})
    ltp_href = f"{root}/LocalTimeParameters/1"
    yield (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="{ATOM_NS}">'
        f"<id>urn:uuid:{uuid.uuid4()}</id><title>{escape(title)}</title>"
        f"<updated>{stamp}</updated>{_link('self', root + '/UsagePoint', 'espi-feed/UsagePoint')}"
        "\n"
    )
    yield _entry(
        self_href=ltp_href,
        up_href=f"{root}/LocalTimeParameters",
        kind="LocalTimeParameters",
        related="",
        title="America/Chicago (Central Prevailing Time)",
        stamp=stamp,
        body=_local_time_parameters_body(),
    )
    reading_types_sent: set[str] = set()
    for premise in premises:
        span = windows[premise.pk].clamp(start, end) if windows is not None else (start, end)
        if span is None:
            continue
        usage_point = f"{root}/UsagePoint/{premise.esiid}"
        yield _entry(
            self_href=usage_point,
            up_href=f"{root}/UsagePoint",
            kind="UsagePoint",
            related=_link("related", f"{usage_point}/MeterReading", "espi-feed/MeterReading")
            + _link("related", ltp_href, "espi-entry/LocalTimeParameters"),
            title=f"ESIID {premise.esiid}, {premise.address}",
            stamp=stamp,
            body=(
                f'<UsagePoint xmlns="{ESPI_NS}"><ServiceCategory><kind>'
                f"{SERVICE_KIND_ELECTRICITY}</kind></ServiceCategory></UsagePoint>"
            ),
        )
        yield from _meter_readings(premise, *span, usage_point, root, stamp, reading_types_sent)
    yield "</feed>\n"


def _meter_readings(
    premise: Premise,
    start: date,
    end: date,
    usage_point: str,
    root: str,
    stamp: str,
    reading_types_sent: set[str],
) -> Iterator[str]:
    channel = None
    block_up = block_link = ""
    for day, day_channel, readings, quality, received_at in _day_rows(premise, start, end):
        if day_channel != channel:
            channel = day_channel
            number, flow, title = CHANNELS[channel]
            meter_reading = f"{usage_point}/MeterReading/{number}"
            reading_type = f"{root}/ReadingType/{number}"
            block_up = f"{meter_reading}/IntervalBlock"
            block_link = _link("up", block_up, "espi-feed/IntervalBlock")
            yield _entry(
                self_href=meter_reading,
                up_href=f"{usage_point}/MeterReading",
                kind="MeterReading",
                related=_link("related", block_up, "espi-feed/IntervalBlock")
                + _link("related", reading_type, "espi-entry/ReadingType"),
                title=title,
                stamp=stamp,
                body=f'<MeterReading xmlns="{ESPI_NS}"/>',
            )
            if channel not in reading_types_sent:
                reading_types_sent.add(channel)
                yield _entry(
                    self_href=reading_type,
                    up_href=f"{root}/ReadingType",
                    kind="ReadingType",
                    related="",
                    title=f"Wh, {title}",
                    stamp=stamp,
                    body=_reading_type_body(flow),
                )
        body, count = interval_block_body(day, readings, quality)
        if not count:
            continue  # a day without a single value
        self_href = f"{block_up}/{day:%Y%m%d}"
        day_stamp = _timestamp(received_at)
        yield (
            f"<entry><id>{_uuid(self_href)}</id>"
            f'<link rel="self" href="{self_href}" type="espi-entry/IntervalBlock"/>{block_link}'
            f"<title>{day.isoformat()}</title><published>{day_stamp}</published>"
            f"<updated>{day_stamp}</updated><content>{body}</content></entry>\n"
        )


def reading_count(chunk: str) -> int:
    """How many IntervalReadings a chunk holds (the offline request's row count)."""
    return chunk.count("</IntervalReading>")
