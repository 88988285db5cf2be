"""Data freshness per meter (BEY-4): the last days received and the gaps of the last 90 days,
kept at ingest and nightly, shown on the customer's meter cards and report pages, in the REP
and TDSP meter lists (sortable, stalest first, USG-12), on a staff page per TDSP and by the
`meters_stale` and `meters_freshness_refresh` commands."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Company, User
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    TdspFactory,
    UserFactory,
)
from usage.models import MeterFreshness
from usage.services.freshness import (
    freshness_refresh,
    freshness_text,
    meters_freshness_refresh_all,
)
from usage.services.ingest import tdsp_file_load
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
TODAY = date(2026, 3, 20)
LATEST = date(2026, 3, 18)  # TODAY − AVAILABILITY_LAG_DAYS: the newest day that counts
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=CHICAGO)
INTERVAL_HEADER = "esiid,date,channel,version,quality,kwh"
DAILY_HEADER = "esiid,date,version,start_read,end_read,consumption_kwh"
MONTHLY_HEADER = "esiid,start_date,end_date,version,actual_kwh,metered_kw"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def interval_row(esiid: str, day: date, *, version=1, flags: str | None = None) -> str:
    count = intervals_in_day(day)
    quality = flags or "A" * count
    values = ",".join("" if flag == "-" else "0.250" for flag in quality)
    return f"{esiid},{day},C,{version},{quality},{values}"


def load(*lines: str):
    return tdsp_file_load(lines=[f"{line}\n" for line in lines], name="test.csv")


def load_days(premise, day_list, **kwargs):
    return load(INTERVAL_HEADER, *(interval_row(premise.esiid, day, **kwargs) for day in day_list))


def freshness(premise) -> MeterFreshness:
    return MeterFreshness.objects.get(premise=premise)


@pytest.fixture
def premise():
    return MeterFactory(installed_on=date(2020, 1, 15)).premise


# --- the figures, kept at ingest --------------------------------------------------------------


def test_a_file_load_records_the_last_days_received(premise):  # BEY-4
    """BEY-4: after interval, daily and monthly files, the meter's row names the newest
    interval day and when it arrived, the newest daily read and the newest billing end."""
    load_days(premise, days(date(2026, 3, 10), LATEST))
    load(DAILY_HEADER, f"{premise.esiid},2026-03-17,1,100.000,110.000,10.000")
    load(MONTHLY_HEADER, f"{premise.esiid},2026-02-01,2026-02-28,1,300.000,5.000")

    row = freshness(premise)
    assert row.last_interval_day == LATEST
    assert row.last_interval_received_at == NOW
    assert row.last_daily_day == date(2026, 3, 17)
    assert row.last_monthly_end == date(2026, 2, 28)
    assert (row.gap_days, row.gap_dates) == (0, [])  # nothing before 03/10 could be a gap
    assert row.stale_days == 0
    assert freshness_text(row) == "Data through 03/18/2026 · up to date"


def test_a_missing_day_and_an_estimated_day_are_gaps(premise):  # BEY-4
    """BEY-4: a day without a row, and a day with an estimated (E) or missing (-) interval,
    are gaps; all-actual days are not."""
    estimated = "A" * 50 + "E" + "A" * 45
    missing = "A" * 95 + "-"
    load(
        INTERVAL_HEADER,
        *(
            interval_row(premise.esiid, day)
            for day in days(date(2026, 3, 1), LATEST)
            if day not in {date(2026, 3, 5), date(2026, 3, 9), date(2026, 3, 12)}
        ),
        interval_row(premise.esiid, date(2026, 3, 9), flags=estimated),
        interval_row(premise.esiid, date(2026, 3, 12), flags=missing),
    )

    row = freshness(premise)
    assert row.gap_days == 3
    assert row.gap_dates == ["2026-03-05", "2026-03-09", "2026-03-12"]


def test_a_correction_replacing_an_estimated_day_removes_the_gap(premise):  # BEY-4, USG-1
    """BEY-4, USG-1: a new version of an estimated day, all actual, becomes current and the
    day is no longer a gap; the old version is kept."""
    estimated = "E" * 96
    load_days(premise, days(date(2026, 3, 10), LATEST))
    load(
        INTERVAL_HEADER, interval_row(premise.esiid, date(2026, 3, 15), version=2, flags=estimated)
    )
    assert freshness(premise).gap_dates == ["2026-03-15"]

    load(INTERVAL_HEADER, interval_row(premise.esiid, date(2026, 3, 15), version=3))

    assert (freshness(premise).gap_days, freshness(premise).gap_dates) == (0, [])


def test_interval_days_store_keeps_the_row_too(premise):  # BEY-4
    """BEY-4: the other way days are stored (the simulated TDSP, demo and sandbox data)."""
    interval_days_store(
        [
            IntervalDayInput(
                premise.pk,
                day,
                "C",
                (Decimal("0.1"),) * intervals_in_day(day),
                "A" * intervals_in_day(day),
            )
            for day in days(date(2026, 3, 1), date(2026, 3, 15))
            if day != date(2026, 3, 4)
        ]
    )

    row = freshness(premise)
    assert row.last_interval_day == date(2026, 3, 15)
    assert row.gap_dates == ["2026-03-04", "2026-03-16", "2026-03-17", "2026-03-18"]
    assert row.stale_days == 3
    assert freshness_text(row) == "Data through 03/15/2026 · stale for 3 days"


def test_days_younger_than_the_lag_are_not_gaps(premise):  # BEY-4, USG-6
    """BEY-4, USG-6: yesterday and today are not expected yet; the day before is."""
    load_days(premise, days(date(2026, 3, 10), date(2026, 3, 17)))
    assert freshness(premise).gap_dates == ["2026-03-18"]
    assert freshness(premise).stale_days == 1


@pytest.mark.parametrize(("missing_ago", "counted"), [(89, True), (90, True), (91, False)])
def test_the_window_is_the_last_90_days(premise, missing_ago, counted):  # BEY-4
    """BEY-4: the day 90 days ago is inside the gap window, the day 91 days ago is not."""
    missing = TODAY - timedelta(days=missing_ago)
    load_days(premise, [d for d in days(TODAY - timedelta(days=120), LATEST) if d != missing])
    assert freshness(premise).gap_dates == ([missing.isoformat()] if counted else [])


def test_the_window_moves_with_the_nightly_refresh(premise, clock):  # BEY-4
    """BEY-4: the gap window moves every day, so the nightly job recomputes every meter: a
    gap 90 days old today has left the window tomorrow, and staleness grows."""
    missing = TODAY - timedelta(days=90)
    load_days(premise, [d for d in days(TODAY - timedelta(days=120), LATEST) if d != missing])
    assert freshness(premise).gap_days == 1

    clock.move_to(NOW + timedelta(days=1))
    meters_freshness_refresh_all()

    row = freshness(premise)
    assert (row.gap_days, row.gap_dates) == (1, [(LATEST + timedelta(days=1)).isoformat()])
    assert row.stale_days == 1


def test_days_before_the_meter_was_installed_are_not_gaps(premise):  # BEY-4
    """BEY-4: a premise's data from before its smart meter's installation counts no gaps."""
    meter = premise.meters.get()
    meter.installed_on = TODAY - timedelta(days=30)
    meter.save()
    skipped = {TODAY - timedelta(days=40), TODAY - timedelta(days=20)}
    load_days(premise, [d for d in days(TODAY - timedelta(days=100), LATEST) if d not in skipped])
    assert freshness(premise).gap_dates == [(TODAY - timedelta(days=20)).isoformat()]


def test_a_meter_without_data_has_no_gaps_and_says_so():  # BEY-4
    premise = MeterFactory().premise
    freshness_refresh([premise.pk])
    row = freshness(premise)
    assert (row.last_interval_day, row.gap_days, row.stale_days) == (None, 0, None)
    assert freshness_text(row) == "No interval data received yet"


def test_a_refresh_takes_the_same_queries_for_3_or_30_meters():  # BEY-4: cheap at ingest
    """BEY-4: a refresh (once per file loaded) is two grouped queries and one upsert, never
    a query per meter or per day."""

    def queries_of_a_refresh(count: int) -> int:
        premises = [MeterFactory().premise for _n in range(count)]
        load(
            INTERVAL_HEADER,
            *(
                interval_row(p.esiid, day)
                for p in premises
                for day in days(date(2026, 3, 10), LATEST)
                if day != date(2026, 3, 12)  # every meter has a gap: the second query runs
            ),
        )
        with CaptureQueriesContext(connection) as queries:
            freshness_refresh([p.pk for p in premises])
        assert MeterFreshness.objects.filter(gap_days=1).count() >= count
        return len(queries)

    assert queries_of_a_refresh(3) == queries_of_a_refresh(30) == 3


def test_loading_nothing_new_leaves_the_row_alone(premise):  # BEY-4
    load_days(premise, days(date(2026, 3, 10), LATEST))
    computed = freshness(premise).computed_at
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        load_days(premise, days(date(2026, 3, 10), LATEST))  # unchanged rows
    assert freshness(premise).computed_at == computed


# --- the commands -----------------------------------------------------------------------------


def test_the_refresh_command_recomputes_all_and_dry_run_writes_nothing(premise):  # BEY-4
    other = MeterFactory().premise
    out = StringIO()
    call_command("meters_freshness_refresh", "--dry-run", stdout=out)
    assert "Would refresh the freshness of 2 meter(s): 2 without data or stale" in out.getvalue()
    assert not MeterFreshness.objects.exists()

    out = StringIO()
    call_command("meters_freshness_refresh", "--chunk", "1", stdout=out)
    assert "Refreshed the freshness of 2 meter(s)" in out.getvalue()
    assert set(MeterFreshness.objects.values_list("premise", flat=True)) == {premise.pk, other.pk}


@pytest.fixture
def oncor():
    company = CompanyFactory(kind=Company.Kind.TDSP, name="Oncor Electric Delivery")
    return TdspFactory(code="oncor", name="Oncor", company=company)


@pytest.fixture
def centerpoint():
    company = CompanyFactory(kind=Company.Kind.TDSP, name="CenterPoint Energy")
    return TdspFactory(code="centerpoint", name="CenterPoint", company=company)


def meter_with_data_through(tdsp, last: date | None, **premise_fields):
    premise = MeterFactory(premise=PremiseFactory(tdsp=tdsp, **premise_fields)).premise
    if last is not None:
        load_days(premise, days(last - timedelta(days=5), last))
    else:
        freshness_refresh([premise.pk])
    return premise


@pytest.fixture
def stale_set(oncor, centerpoint):
    return {
        "fresh": meter_with_data_through(oncor, LATEST),
        "two": meter_with_data_through(oncor, LATEST - timedelta(days=2)),
        "three": meter_with_data_through(oncor, LATEST - timedelta(days=3)),
        "never": meter_with_data_through(oncor, None),
        "cp_five": meter_with_data_through(centerpoint, LATEST - timedelta(days=5)),
        "sandbox": meter_with_data_through(centerpoint, None, is_sandbox=True),
        "inactive": meter_with_data_through(oncor, None, premise_status="I"),
    }


def test_meters_stale_lists_per_tdsp_the_meters_without_data_for_n_days(stale_set):  # BEY-4
    out = StringIO()
    call_command("meters_stale", stdout=out)
    text = out.getvalue()
    assert "Meters without interval data for 3 day(s) or more: 3" in text
    assert "CenterPoint: 1" in text and "Oncor: 2" in text
    assert f"  {stale_set['three'].esiid}  stale 3 day(s)" in text
    assert f"  {stale_set['never'].esiid}  no data" in text
    for kept_out in ("fresh", "two", "sandbox", "inactive"):
        assert stale_set[kept_out].esiid not in text

    out = StringIO()
    call_command("meters_stale", "--days", "4", "--tdsp", "oncor", stdout=out)
    text = out.getvalue()
    assert "Meters without interval data for 4 day(s) or more: 1" in text
    assert stale_set["never"].esiid in text and stale_set["cp_five"].esiid not in text


# --- the staff page (the TDSP side) -------------------------------------------------------------

STALE_PAGE = reverse("usage:stale_meters")


def listed(html: str, label: str = "ESI ID") -> list[str]:
    return re.findall(rf'<td data-label="{label}"><a [^>]*>(\d+)</a>', html)


@pytest.mark.parametrize(
    "traits", [{}, {"rep_admin": True}, {"third_party_admin": True}, {"tdsp_admin": True}]
)
def test_the_stale_meters_page_refuses_anyone_but_staff(client, traits):  # BEY-4, USG-12
    client.force_login(UserFactory(**traits))
    assert client.get(STALE_PAGE).status_code == 404


def test_the_stale_meters_page_anonymous_is_sent_to_log_in(client):  # BEY-4
    assert client.get(STALE_PAGE).status_code == 302


def test_staff_see_the_stale_meters_per_tdsp_stalest_first(client, stale_set, oncor):  # BEY-4
    client.force_login(UserFactory(smt_staff=True))
    html = client.get(STALE_PAGE).content.decode()
    assert listed(html) == [
        stale_set["never"].esiid,
        stale_set["cp_five"].esiid,
        stale_set["three"].esiid,
    ]
    assert '<td data-label="TDSP">Oncor</td><td data-label="Meters">2</td>' in html
    assert "Data through 03/13/2026 · stale for 5 days" in html

    html = client.get(STALE_PAGE, {"tdsp": oncor.pk, "days": 2}).content.decode()
    assert listed(html) == [
        stale_set["never"].esiid,
        stale_set["three"].esiid,
        stale_set["two"].esiid,
    ]


def test_the_stale_meters_page_pages_by_25(client, oncor):  # BEY-4, ACC-20
    for _n in range(27):
        meter_with_data_through(oncor, None)
    client.force_login(UserFactory(smt_staff=True))
    html = client.get(STALE_PAGE).content.decode()
    assert len(listed(html)) == 25
    assert "Page 1 of 2" in html
    assert len(listed(client.get(STALE_PAGE, {"page": 2}).content.decode())) == 2


def test_bad_filters_are_errors_not_crashes(client, stale_set):  # BEY-4
    client.force_login(UserFactory(smt_staff=True))
    response = client.get(STALE_PAGE, {"days": "0", "tdsp": "x"})
    assert response.status_code == 200
    assert len(listed(response.content.decode())) == 3  # the defaults


# --- the REP and TDSP lists: a sortable "Data freshness" column (USG-12, ACC-20) ---------------


@pytest.fixture
def rep():
    return UserFactory(rep=True)


def served(rep, tdsp, last):
    premise = meter_with_data_through(tdsp, last)
    RorPeriodFactory(premise=premise, ror_duns=rep.duns_grants.get().number)
    return premise


def test_the_ror_list_sorts_the_stalest_first(client, rep, oncor):  # BEY-4, MTR-4, ACC-20
    fresh = served(rep, oncor, LATEST)
    stale = served(rep, oncor, LATEST - timedelta(days=3))
    never = served(rep, oncor, None)
    theirs = meter_with_data_through(oncor, LATEST - timedelta(days=9))
    RorPeriodFactory(premise=theirs)  # another REP's meter
    client.force_login(rep)
    url = reverse("usage:ror_meters")

    html = client.get(url, {"sort": "freshness"}).content.decode()
    order = re.findall(r'class="esiid">(\d+)</a>', html)
    assert order == [never.esiid, stale.esiid, fresh.esiid]
    assert theirs.esiid not in html
    assert 'data-label="Data freshness"' in html
    assert "Data through 03/15/2026 · stale for 3 days" in html
    assert 'aria-sort="ascending"' in html

    html = client.get(url, {"sort": "-freshness"}).content.decode()
    assert re.findall(r'class="esiid">(\d+)</a>', html) == [fresh.esiid, stale.esiid, never.esiid]


def test_the_ror_list_queries_do_not_grow_with_freshness(
    client, rep, oncor, django_assert_max_num_queries
):
    # BEY-4, ACC-20: the freshness row is joined, not read per meter.
    for n in range(20):
        served(rep, oncor, LATEST - timedelta(days=n % 5))
    client.force_login(rep)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("usage:ror_meters"), {"sort": "freshness"})
    assert response.content.decode().count("stale for") == 16


def test_the_tdsp_list_shows_and_sorts_freshness(
    client, oncor, centerpoint, django_assert_max_num_queries
):
    # BEY-4, USG-12: a TDSP's own meters only, stalest first, freshness joined.
    fresh = meter_with_data_through(oncor, LATEST)
    stale = meter_with_data_through(oncor, LATEST - timedelta(days=4))
    theirs = meter_with_data_through(centerpoint, LATEST - timedelta(days=9))
    client.force_login(UserFactory(kind=User.Kind.TDSP, company=oncor.company))
    with django_assert_max_num_queries(12):
        html = client.get(reverse("usage:tdsp_meters"), {"sort": "freshness"}).content.decode()
    assert listed(html) == [stale.esiid, fresh.esiid]
    assert theirs.esiid not in html
    assert '<td data-label="Data freshness">' in html
    assert "stale for 4 days" in html and "up to date" in html


# --- the customer's pages ---------------------------------------------------------------------


def test_the_meter_card_and_the_report_page_say_how_stale(client):  # BEY-4, USG-13
    link = CustomerPremiseFactory()
    MeterFactory(premise=link.premise)
    load(
        INTERVAL_HEADER,
        *(
            interval_row(link.premise.esiid, day)
            for day in days(date(2026, 3, 1), date(2026, 3, 14))
            if day != date(2026, 3, 6)
        ),
    )
    client.force_login(link.customer)

    page = client.get(reverse("usage:my_usage")).content.decode()
    assert "Data through 03/14 · stale for 4 days" in page
    assert "5 missing or estimated days in the last 90 days" in page

    page = client.get(reverse("usage:usage_report", args=[link.premise.esiid])).content.decode()
    assert "Data through 03/14/2026 · stale for 4 days" in page
    assert "<li>03/06/2026</li>" in page


def test_an_up_to_date_card_says_only_data_through(client):  # BEY-4
    link = CustomerPremiseFactory()
    MeterFactory(premise=link.premise)
    load_days(link.premise, days(date(2026, 3, 10), date(2026, 3, 19)))
    client.force_login(link.customer)
    page = client.get(reverse("usage:my_usage")).content.decode()
    assert "Data through 03/19" in page and "stale for" not in page


def test_the_third_party_list_shows_freshness_within_the_agreement(
    client, oncor, django_assert_max_num_queries
):
    # BEY-4, USG-12, AGR-14: stalest first; a gap before the agreement began is not theirs.
    company = UserFactory(third_party_admin=True)
    fresh = meter_with_data_through(oncor, LATEST)
    stale = meter_with_data_through(oncor, LATEST - timedelta(days=3))
    gappy = MeterFactory(premise=PremiseFactory(tdsp=oncor)).premise
    load_days(gappy, [day for day in days(date(2026, 3, 1), LATEST) if day != date(2026, 3, 5)])
    starts = {fresh: date(2026, 1, 1), stale: date(2026, 1, 1), gappy: date(2026, 3, 10)}
    for premise, start in starts.items():
        AgreementFactory(
            ongoing=True,
            status="active",
            initiated_by=company,
            premise=premise,
            start_date=start,
            end_date=date(2026, 9, 1),
        )
    client.force_login(company)

    with django_assert_max_num_queries(12):
        html = client.get(reverse("agreements:company_meters"), {"sort": "freshness"})
    html = html.content.decode()

    assert re.findall(r'title="View Premise Information">(\d+)</a>', html)[0] == stale.esiid
    assert "stale for 3 days" in html and 'data-label="Data freshness"' in html
    # The stale meter's 3 newest days are missing; 03/05 is before the gappy one's agreement.
    assert html.count("missing or estimated") == 1
