"""Green Button XML (USG-10, USG-13) checked against the official NAESB ESPI 4.0 schema.

The schemas are vendored under tests/data/espi/ (see its SOURCES.md), so every clone runs these
tests. That folder ships the Green Button Alliance `atom.xsd` next to `espi.xsd`, and
`espi.xsd` imports it, so the whole feed is validated in one pass: the Atom envelope (every
`link` needs rel, href and type) and, because Atom `content` takes `##other` elements with
strict processing, every ESPI resource inside it against espi.xsd. The W3C `xml.xsd` that
atom.xsd imports from the web is mapped to the local copy (no network here).
"""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from lxml import etree, isoschematron

from tests.factories import (
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    UserFactory,
)
from usage.formats import csv_export, greenbutton
from usage.models import ReportRequest
from usage.services import report_requests
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

pytestmark = pytest.mark.django_db

ESPI_DIR = Path(__file__).resolve().parents[1] / "data" / "espi"
NS = {"a": "http://www.w3.org/2005/Atom", "e": "http://naesb.org/espi"}
CHICAGO = ZoneInfo("America/Chicago")
SPRING_DST = date(2026, 3, 8)  # 92 intervals
FALL_DST = date(2026, 11, 1)  # 100 intervals
PLAIN_DAY = date(2026, 6, 10)


class _LocalXmlXsd(etree.Resolver):
    def resolve(self, url, pubid, context):
        if url.endswith("/2001/03/xml.xsd"):
            return self.resolve_filename(str(ESPI_DIR / "w3c" / "xml.xsd"), context)
        return None


@pytest.fixture(scope="module")
def schema():
    xsd = ESPI_DIR / "espi-4.0" / "espi.xsd"
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalXmlXsd())
    # espi.xsd's root is the NAESB namespace; a wrapper importing both namespaces gives one
    # schema whose global elements include atom:feed.
    wrapper = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        f'<xs:import namespace="http://naesb.org/espi" schemaLocation="{xsd.as_uri()}"/>'
        '<xs:import namespace="http://www.w3.org/2005/Atom" '
        f'schemaLocation="{(xsd.parent / "atom.xsd").as_uri()}"/></xs:schema>'
    )
    return etree.XMLSchema(etree.fromstring(wrapper.encode(), parser, base_url=str(xsd)))


def store(premise, day, channel="C", values=None, quality=None):
    count = intervals_in_day(day)
    values = values or [Decimal("0.250") + Decimal(n) / 1000 for n in range(count)]
    interval_days_store(
        [IntervalDayInput(premise.pk, day, channel, tuple(values), quality or "A" * count)]
    )


def feed_text(premises, start, end) -> str:
    return "".join(greenbutton.green_button_feed(premises, start, end))


def parse(text: str):
    return etree.fromstring(text.encode())


def assert_valid(schema, text: str):
    document = parse(text)
    assert schema.validate(document), schema.error_log


def blocks(document, meter_reading_number=1):
    return [
        entry.find("a:content/e:IntervalBlock", NS)
        for entry in document.iterfind("a:entry", NS)
        if entry.find("a:content/e:IntervalBlock", NS) is not None
        and f"/MeterReading/{meter_reading_number}/"
        in entry.find("a:link[@rel='self']", NS).get("href")
    ]


def starts(block) -> list[int]:
    return [
        int(s) for s in block.xpath("e:IntervalReading/e:timePeriod/e:start/text()", namespaces=NS)
    ]


# --- the schema ---------------------------------------------------------------------------------


def test_a_days_feed_is_valid_against_the_espi_schema(schema):  # USG-10
    premise = PremiseFactory()
    store(premise, PLAIN_DAY)
    text = feed_text([premise], PLAIN_DAY, PLAIN_DAY)
    assert_valid(schema, text)
    document = parse(text)
    kinds = [
        etree.QName(entry.find("a:content/*", NS)).localname
        for entry in document.iterfind("a:entry", NS)
    ]
    assert kinds == [
        "LocalTimeParameters",
        "UsagePoint",
        "MeterReading",
        "ReadingType",
        "IntervalBlock",
    ]


def test_a_broken_document_is_rejected_by_the_schema(schema):  # the test can fail
    premise = PremiseFactory()
    store(premise, PLAIN_DAY)
    text = feed_text([premise], PLAIN_DAY, PLAIN_DAY)
    # A reading's value after its timePeriod is required by the ESPI sequence; swap them.
    broken = re.sub(
        r"<timePeriod>(.*?)</timePeriod><value>(\d+)</value>",
        r"<value>\2</value><timePeriod>\1</timePeriod>",
        text,
        count=1,
    )
    assert not schema.validate(parse(broken))
    no_link_type = text.replace(' type="espi-entry/UsagePoint"', "", 1)
    assert not schema.validate(parse(no_link_type))
    assert not schema.validate(parse(text.replace("<uom>72</uom>", "<uom>watt-hours</uom>")))


@pytest.mark.parametrize("rules", ["FB_01.sch", "FB_04.sch", "FB_05.sch"])
def test_the_green_button_download_my_data_rules_hold(rules):  # USG-13
    """The GBA "Download My Data" function blocks: common (01), interval metering (04),
    electricity (05). The .sch files reference undeclared diagnostics ("for future use"),
    so lxml's own check of the Schematron file itself is skipped; the rules still run."""
    path = ESPI_DIR / "schematron" / rules
    premise = PremiseFactory()
    store(premise, SPRING_DST, quality="E" + "A" * 91)
    store(premise, PLAIN_DAY, "G")
    checker = isoschematron.Schematron(
        etree.parse(str(path)), store_report=True, validate_schema=False
    )
    document = parse(feed_text([premise], SPRING_DST, PLAIN_DAY))
    valid = checker.validate(document)
    failures = checker.validation_report.xpath(
        "//svrl:failed-assert/svrl:text/text()",
        namespaces={"svrl": "http://purl.oclc.org/dsdl/svrl"},
    )
    assert valid, failures


def test_reading_type_says_wh_15_minutes_forward_and_reverse(schema):  # USG-10
    premise = PremiseFactory()
    store(premise, PLAIN_DAY, "C")
    store(premise, PLAIN_DAY, "G", values=[Decimal("0.010")] * 96)
    text = feed_text([premise], PLAIN_DAY, PLAIN_DAY)
    assert_valid(schema, text)
    document = parse(text)
    types = document.xpath("//e:ReadingType", namespaces=NS)
    assert [t.findtext("e:flowDirection", namespaces=NS) for t in types] == ["1", "19"]
    for reading_type in types:
        assert reading_type.findtext("e:intervalLength", namespaces=NS) == "900"
        assert reading_type.findtext("e:uom", namespaces=NS) == "72"  # Wh
        assert reading_type.findtext("e:powerOfTenMultiplier", namespaces=NS) == "0"
        assert reading_type.findtext("e:commodity", namespaces=NS) == "1"
        assert reading_type.findtext("e:kind", namespaces=NS) == "12"  # energy
    generation = blocks(document, 2)
    assert len(generation) == 1
    assert set(generation[0].xpath("e:IntervalReading/e:value/text()", namespaces=NS)) == {"10"}


def test_links_tie_the_resources_together():  # USG-10: ESPI self/up/related
    premise = PremiseFactory()
    store(premise, PLAIN_DAY)
    document = parse(feed_text([premise], PLAIN_DAY, PLAIN_DAY))

    def links(kind, rel):
        return document.xpath(
            f"a:entry[a:content/e:{kind}]/a:link[@rel='{rel}']/@href", namespaces=NS
        )

    assert links("MeterReading", "up")[0] in links("UsagePoint", "related")
    assert links("LocalTimeParameters", "self")[0] in links("UsagePoint", "related")
    assert links("IntervalBlock", "up")[0] in links("MeterReading", "related")
    assert links("ReadingType", "self")[0] in links("MeterReading", "related")
    ids = document.xpath("//a:entry/a:id/text()", namespaces=NS)
    assert len(ids) == len(set(ids)) and all(i.startswith("urn:uuid:") for i in ids)


# --- time: DST days and LocalTimeParameters ---------------------------------------------------


def test_spring_dst_day_has_92_readings_with_utc_starts(schema):  # USG-1
    premise = PremiseFactory()
    store(premise, SPRING_DST)
    text = feed_text([premise], SPRING_DST, SPRING_DST)
    assert_valid(schema, text)
    [block] = blocks(parse(text))
    got = starts(block)
    assert len(got) == 92
    midnight = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # 00:00 CST
    assert got[0] == int(midnight.timestamp())
    # 01:45 CST is followed by 03:00 CDT = 08:00 UTC, 15 minutes later.
    assert got[8] == int(datetime(2026, 3, 8, 8, 0, tzinfo=UTC).timestamp())
    assert got[-1] == int(datetime(2026, 3, 9, 4, 45, tzinfo=UTC).timestamp())  # 23:45 CDT
    assert block.findtext("e:interval/e:duration", namespaces=NS) == str(23 * 3600)


def test_fall_dst_day_has_100_readings_with_utc_starts(schema):  # USG-1
    premise = PremiseFactory()
    store(premise, FALL_DST)
    text = feed_text([premise], FALL_DST, FALL_DST)
    assert_valid(schema, text)
    [block] = blocks(parse(text))
    got = starts(block)
    assert len(got) == 100
    assert got == [
        int(datetime(2026, 11, 1, 5, 0, tzinfo=UTC).timestamp()) + 900 * n for n in range(100)
    ]
    # The repeated hour: 01:00 CDT (06:00 UTC) and 01:00 CST (07:00 UTC) both appear.
    local = [datetime.fromtimestamp(s, CHICAGO) for s in got]
    assert [m.strftime("%H:%M %Z") for m in local[4:9]] == [
        "01:00 CDT",
        "01:15 CDT",
        "01:30 CDT",
        "01:45 CDT",
        "01:00 CST",
    ]
    assert block.findtext("e:interval/e:duration", namespaces=NS) == str(25 * 3600)


def _apply_rule(rule: str, year: int) -> datetime:
    """Decode an ESPI DstRuleType (the operators used here) into local wall time."""
    value = int(rule, 16)
    month, operator = value >> 28, (value >> 25) & 0b111
    day_of_week, hour = (value >> 17) & 0b111, (value >> 12) & 0b11111
    first = date(year, month, 1)
    offset = (day_of_week - first.isoweekday()) % 7
    occurrence = {2: 0, 3: 1}[operator]
    day = first + timedelta(days=offset + 7 * occurrence)
    return datetime(year, month, day.day, hour, tzinfo=CHICAGO)


@pytest.mark.parametrize("year", [2010, 2024, 2026, 2030])
def test_local_time_parameters_encode_the_chicago_dst_rules(year):  # USG-1
    start = _apply_rule(greenbutton.DST_START_RULE, year)
    end = _apply_rule(greenbutton.DST_END_RULE, year)
    assert greenbutton.DST_START_RULE == "360E2000" and greenbutton.DST_END_RULE == "B40E2000"
    # One second before the rule the zone is on the old offset, at the rule on the new one.
    before_start = (start - timedelta(seconds=1)).replace(tzinfo=CHICAGO)
    assert before_start.utcoffset() == timedelta(hours=-6)
    assert intervals_in_day(start.date()) == 92
    assert intervals_in_day(end.date()) == 100
    assert (start + timedelta(hours=1)).replace(tzinfo=CHICAGO).utcoffset() == timedelta(hours=-5)
    assert greenbutton.TZ_OFFSET_SECONDS == -21600 and greenbutton.DST_OFFSET_SECONDS == 3600


# --- quality, gaps, empty ranges, agreement with the CSV ---------------------------------------


def test_estimated_intervals_carry_a_reading_quality(schema):  # USG-1, USG-10
    premise = PremiseFactory()
    store(premise, PLAIN_DAY, quality="E" + "A" * 95)
    text = feed_text([premise], PLAIN_DAY, PLAIN_DAY)
    assert_valid(schema, text)
    [block] = blocks(parse(text))
    readings = block.findall("e:IntervalReading", NS)
    assert readings[0].findtext("e:ReadingQuality/e:quality", namespaces=NS) == "8"
    assert readings[1].find("e:ReadingQuality", NS) is None


def test_missing_intervals_are_left_out(schema):  # USG-1
    premise = PremiseFactory()
    values = [Decimal("0.5")] * 96
    values[3] = None
    store(premise, PLAIN_DAY, values=values, quality="AAA-" + "A" * 92)
    text = feed_text([premise], PLAIN_DAY, PLAIN_DAY)
    assert_valid(schema, text)
    [block] = blocks(parse(text))
    got = starts(block)
    assert len(got) == 95
    assert day_start(PLAIN_DAY) + 3 * 900 not in got
    assert day_start(PLAIN_DAY) + 4 * 900 in got


def day_start(day):
    return int(datetime(day.year, day.month, day.day, tzinfo=CHICAGO).timestamp())


def test_a_range_without_data_is_a_valid_feed_without_readings(schema):  # USG-9, USG-10
    premise = PremiseFactory()
    text = feed_text([premise], PLAIN_DAY, PLAIN_DAY + timedelta(days=3))
    assert_valid(schema, text)
    document = parse(text)
    assert document.xpath("//e:UsagePoint", namespaces=NS)
    assert not document.xpath("//e:IntervalReading", namespaces=NS)


def test_many_premises_share_one_local_time_and_reading_type(schema):  # USG-8
    premises = [PremiseFactory(), PremiseFactory()]
    for premise in premises:
        store(premise, PLAIN_DAY)
    text = feed_text(premises, PLAIN_DAY, PLAIN_DAY)
    assert_valid(schema, text)
    document = parse(text)
    assert len(document.xpath("//e:UsagePoint", namespaces=NS)) == 2
    assert len(document.xpath("//e:MeterReading", namespaces=NS)) == 2
    assert len(document.xpath("//e:ReadingType", namespaces=NS)) == 1
    assert len(document.xpath("//e:LocalTimeParameters", namespaces=NS)) == 1


def test_a_value_matches_the_csv_export_for_the_same_interval():  # USG-10
    premise = PremiseFactory()
    values = [Decimal("1.234")] * 96
    values[37] = Decimal("0.007")
    store(premise, PLAIN_DAY, values=values)
    rows = list(
        csv.reader(
            io.StringIO("".join(csv_export.report_csv("interval", premise, PLAIN_DAY, PLAIN_DAY)))
        )
    )
    csv_row = rows[1 + 37]
    assert csv_row[3] == "09:15"
    [block] = blocks(parse(feed_text([premise], PLAIN_DAY, PLAIN_DAY)))
    reading = block.findall("e:IntervalReading", NS)[37]
    start = int(reading.findtext("e:timePeriod/e:start", namespaces=NS))
    assert datetime.fromtimestamp(start, CHICAGO).strftime("%H:%M") == csv_row[3]
    assert Decimal(reading.findtext("e:value", namespaces=NS)) / 1000 == Decimal(csv_row[5])


def test_only_the_current_version_is_carried():  # USG-1, decision
    premise = PremiseFactory()
    store(premise, PLAIN_DAY, values=[Decimal("1.000")] * 96)
    store(premise, PLAIN_DAY, values=[Decimal("2.000")] * 96)  # a correction: version 2
    [block] = blocks(parse(feed_text([premise], PLAIN_DAY, PLAIN_DAY)))
    assert set(block.xpath("e:IntervalReading/e:value/text()", namespaces=NS)) == {"2000"}


@pytest.mark.parametrize(
    ("kwh", "expected"), [("0.123", "123"), ("12.345", "12345"), ("0.000", "0"), ("1.5", "1500")]
)
def test_kwh_become_whole_watt_hours(kwh, expected):  # USG-10
    assert greenbutton.wh(kwh) == expected


# --- the views: Export, Download My Data, offline requests (USG-7..USG-10, USG-12, USG-13) -----

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHICAGO)
LATEST = date(2026, 11, 18)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def customer_meter(frozen):
    link = CustomerPremiseFactory()
    MeterFactory(premise=link.premise, installed_on=date(2020, 1, 1))
    return link.customer, link.premise


def interval_options(start=LATEST, end=LATEST, **extra):
    return {
        "report_type": "interval",
        "view": "current",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        **extra,
    }


def test_report_page_offers_csv_and_green_button_for_daily_usage(client, customer_meter):
    customer, premise = customer_meter  # USG-10, USG-13
    client.force_login(customer)
    url = reverse("usage:usage_report", args=[premise.esiid])
    html = client.get(url, interval_options()).content.decode()
    assert "Export CSV" in html and "Export Green Button XML" in html
    assert reverse("usage:usage_report_xml", args=[premise.esiid]) in html
    assert reverse("usage:download_my_data", args=[premise.esiid]) in html
    daily = interval_options(LATEST - timedelta(days=5), report_type="daily")
    assert "Export Green Button XML" not in client.get(url, daily).content.decode()


def test_green_button_export_is_an_atom_file(client, customer_meter, schema):  # USG-10
    customer, premise = customer_meter
    store(premise, LATEST)
    client.force_login(customer)
    response = client.get(
        reverse("usage:usage_report_xml", args=[premise.esiid]), interval_options()
    )
    assert response["Content-Type"] == "application/atom+xml"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="greenbutton-{premise.esiid}-{LATEST}-{LATEST}.xml"'
    )
    text = b"".join(response.streaming_content).decode()
    assert_valid(schema, text)
    assert len(parse(text).xpath("//e:IntervalReading", namespaces=NS)) == 96


def test_green_button_export_queries_are_bounded(
    client, customer_meter, django_assert_max_num_queries
):  # USG-10: one query for the day rows, however many days
    customer, premise = customer_meter
    for offset in range(30):
        store(premise, LATEST - timedelta(days=offset))
    client.force_login(customer)
    url = reverse("usage:usage_report_xml", args=[premise.esiid])
    with django_assert_max_num_queries(8):
        response = client.get(url, interval_options(LATEST - timedelta(days=29)))
        body = b"".join(response.streaming_content)
    assert body.count(b"<IntervalBlock ") == 30


def test_green_button_export_refuses_other_report_types(client, customer_meter):  # USG-10
    customer, premise = customer_meter
    client.force_login(customer)
    response = client.get(
        reverse("usage:usage_report_xml", args=[premise.esiid]),
        interval_options(LATEST - timedelta(days=5), report_type="daily"),
    )
    assert response.status_code == 302


@pytest.mark.parametrize("name", ["usage:usage_report_xml", "usage:download_my_data"])
def test_another_customers_meter_is_not_found(client, customer_meter, name):  # USG-12
    _customer, premise = customer_meter
    store(premise, LATEST)
    client.force_login(UserFactory())
    assert client.get(reverse(name, args=[premise.esiid]), interval_options()).status_code == 404
    rep = UserFactory(rep=True)
    client.force_login(rep)
    assert client.get(reverse(name, args=[premise.esiid]), interval_options()).status_code == 404


def test_my_meters_has_a_download_my_data_button(client, customer_meter):  # USG-13
    customer, premise = customer_meter
    client.force_login(customer)
    html = client.get(reverse("usage:my_meters")).content.decode()
    assert reverse("usage:download_my_data", args=[premise.esiid]) in html
    assert "Download My Data" in html


def test_download_my_data_under_40_days_comes_at_once(client, customer_meter, schema):
    customer, premise = customer_meter  # USG-13, USG-7
    store(premise, LATEST)
    client.force_login(customer)
    url = reverse("usage:download_my_data", args=[premise.esiid])
    assert b"Download My Data" in client.get(url).content
    response = client.post(
        url, {"start_date": (LATEST - timedelta(days=38)).isoformat(), "end_date": LATEST}
    )
    assert response["Content-Type"] == "application/atom+xml"
    assert_valid(schema, b"".join(response.streaming_content).decode())
    assert not ReportRequest.objects.exists()


def test_download_my_data_keeps_the_date_rules(client, customer_meter):  # USG-6
    customer, premise = customer_meter
    client.force_login(customer)
    response = client.post(
        reverse("usage:download_my_data", args=[premise.esiid]),
        {"start_date": LATEST, "end_date": LATEST + timedelta(days=1)},
    )
    assert b"the latest end date is 11/18/2026" in response.content


@pytest.mark.django_db(transaction=True)
def test_download_my_data_of_40_days_becomes_an_offline_green_button_request(
    client, customer_meter, schema
):  # USG-13, USG-7, USG-9
    customer, premise = customer_meter
    first = LATEST - timedelta(days=39)
    for offset in range(40):
        store(premise, first + timedelta(days=offset))
    client.force_login(customer)
    response = client.post(
        reverse("usage:download_my_data", args=[premise.esiid]),
        {"start_date": first, "end_date": LATEST},
    )
    report = ReportRequest.objects.get()
    assert f"Order number: {report.order_number}" in response.content.decode()
    assert report.file_format == ReportRequest.FileFormat.GREEN_BUTTON
    assert report.status == ReportRequest.Status.COMPLETE
    # The range holds the fall DST day (100 intervals).
    assert report.rows == sum(intervals_in_day(first + timedelta(days=n)) for n in range(40))
    assert report.file.name.endswith(".xml")
    html = client.get(reverse("usage:report_requests")).content.decode()
    assert "Green Button XML" in html
    download = client.get(reverse("usage:report_request_download", args=[report.pk]))
    assert download["Content-Type"] == "application/atom+xml"
    assert f'filename="report-{report.order_number}.xml"' in download["Content-Disposition"]
    assert_valid(schema, b"".join(download.streaming_content).decode())


def export(client, premises, **options):
    return client.post(
        reverse("usage:export_reports"),
        {"esiid": [p.esiid for p in premises], **interval_options(**options)},
    )


@pytest.fixture
def rep_meters(frozen):
    rep = UserFactory(rep=True)
    premises = []
    for _n in range(2):
        premise = PremiseFactory()
        MeterFactory(premise=premise, installed_on=date(2020, 1, 1))
        RorPeriodFactory(premise=premise, ror_duns=rep.duns_grants.get().number)
        premises.append(premise)
    return rep, premises


@pytest.mark.django_db(transaction=True)
def test_export_reports_builds_one_green_button_feed_for_many_meters(
    client, rep_meters, schema
):  # USG-8, USG-10
    rep, premises = rep_meters
    for premise in premises:
        store(premise, LATEST)
    client.force_login(rep)
    assert (
        b"Green Button XML"
        in client.get(
            reverse("usage:export_reports"), {"esiid": [p.esiid for p in premises]}
        ).content
    )
    export(client, premises, file_format="xml")
    report = ReportRequest.objects.get()
    assert report.status == ReportRequest.Status.COMPLETE
    text = report.file.read().decode()
    assert_valid(schema, text)
    assert len(parse(text).xpath("//e:UsagePoint", namespaces=NS)) == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"report_type": "monthly"}, b"Green Button XML is available for Daily Usage"),
        ({"view": "versions"}, b"Green Button XML carries the current version only."),
    ],
)
def test_export_reports_refuses_green_button_where_it_does_not_apply(
    client, rep_meters, options, message
):  # USG-10
    rep, premises = rep_meters
    client.force_login(rep)
    response = export(client, premises, file_format="xml", **options)
    assert message in response.content
    assert not ReportRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_csv_export_stays_csv(client, rep_meters):  # USG-10
    rep, premises = rep_meters
    store(premises[0], LATEST)
    client.force_login(rep)
    export(client, premises[:1])
    report = ReportRequest.objects.get()
    assert report.file_format == ReportRequest.FileFormat.CSV
    assert report.file.name.endswith(".csv")
    assert report_requests.report_content_type(report) == "text/csv"


@pytest.mark.django_db(transaction=True)
def test_green_button_results_are_attached_up_to_the_threshold(
    client, rep_meters, settings
):  # USG-9 decision: attached when small enough, otherwise linked
    rep, premises = rep_meters
    store(premises[0], LATEST)
    client.force_login(rep)
    settings.REPORT_EMAIL_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    export(client, premises[:1], file_format="xml")
    first = ReportRequest.objects.get()
    size = first.file.size
    [attached] = mail.outbox
    assert [a[0] for a in attached.attachments] == [f"report-{first.order_number}.xml"]
    assert attached.attachments[0][1] == first.file.open("rb").read()
    assert "attached to this email" in attached.body

    # Exactly at the threshold it is attached; one byte over, it is only linked.
    settings.REPORT_EMAIL_ATTACHMENT_MAX_BYTES = size
    assert report_requests.report_email_attaches(first)
    settings.REPORT_EMAIL_ATTACHMENT_MAX_BYTES = size - 1
    assert not report_requests.report_email_attaches(first)

    mail.outbox.clear()
    export(client, premises[:1], file_format="xml")
    second = ReportRequest.objects.latest("pk")
    assert second.file.size == size
    [linked] = mail.outbox
    assert linked.attachments == []
    assert "attached to this email" not in linked.body
    assert reverse("usage:report_request_download", args=[second.pk]) in linked.body


@pytest.mark.django_db(transaction=True)
def test_csv_results_are_never_attached(client, rep_meters):  # USG-9 decision
    rep, premises = rep_meters
    store(premises[0], LATEST)
    client.force_login(rep)
    export(client, premises[:1])
    [email] = mail.outbox
    assert email.attachments == []
