"""Offline report requests: Export Report(s), the worker, Report Request Status, downloads,
the retry sweep and retention (USG-7, USG-8, USG-9, SEC-6, OPS-2)."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundEmail
from tests.factories import (
    AgreementFactory,
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    UserFactory,
)
from usage.models import ReportRequest
from usage.services import report_requests
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

pytestmark = pytest.mark.django_db(transaction=True)  # tasks and emails run on commit

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CHICAGO)
LATEST = date(2026, 11, 18)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rep_with_meters():
    rep = UserFactory(rep=True, username="rep.export")
    premises = []
    for _n in range(3):
        premise = PremiseFactory()
        MeterFactory(premise=premise, installed_on=date(2020, 1, 1))
        RorPeriodFactory(premise=premise, ror_duns=rep.duns_grants.get().number)
        premises.append(premise)
    return rep, premises


def store_days(premise, start, days):
    items = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        count = intervals_in_day(day)
        items.append(
            IntervalDayInput(premise.pk, day, "C", tuple([Decimal("0.5")] * count), "A" * count)
        )
    interval_days_store(items)


def export(client, premises, **options):
    data = {
        "esiid": [p.esiid for p in premises],
        "report_type": "interval",
        "view": "current",
        "start_date": (LATEST - timedelta(days=59)).isoformat(),
        "end_date": LATEST.isoformat(),
        **options,
    }
    return client.post(reverse("usage:export_reports"), data)


def test_an_export_of_60_days_for_many_meters_is_built_offline(client, rep_with_meters):
    # USG-7, USG-8: beyond the 40 days shown on screen, one order number for all meters.
    rep, premises = rep_with_meters
    for premise in premises[:2]:
        store_days(premise, LATEST - timedelta(days=59), 60)
    client.force_login(rep)
    response = export(client, premises)
    report = ReportRequest.objects.get()
    assert f"Order number: {report.order_number}" in response.content.decode()
    assert report.status == ReportRequest.Status.COMPLETE  # the worker ran (eagerly in tests)
    rows = list(csv.reader(io.StringIO(report.file.read().decode())))
    expected = sum(intervals_in_day(LATEST - timedelta(days=n)) for n in range(60)) * 2
    assert len(rows) == 1 + expected
    assert rows[0][0] == "ESIID"
    email = OutboundEmail.objects.get(template="usage/report_ready")
    assert email.recipient == rep.email and email.context["complete"]


def test_status_page_lists_and_downloads_the_file(client, rep_with_meters):  # USG-9
    rep, premises = rep_with_meters
    store_days(premises[0], LATEST, 1)
    client.force_login(rep)
    export(client, premises[:1], start_date=LATEST.isoformat())
    report = ReportRequest.objects.get()
    html = client.get(reverse("usage:report_requests")).content.decode()
    assert report.order_number in html and "Complete" in html
    response = client.get(reverse("usage:report_request_download", args=[report.pk]))
    assert b"".join(response.streaming_content).startswith(b'"ESIID"')


def test_a_file_removed_before_the_click_is_not_found_not_an_error(client, rep_with_meters):
    # USG-9: the list was read before retention removed the file
    rep, premises = rep_with_meters
    store_days(premises[0], LATEST, 1)
    client.force_login(rep)
    export(client, premises[:1], start_date=LATEST.isoformat())
    report = ReportRequest.objects.get()
    report.file.storage.delete(report.file.name)

    response = client.get(reverse("usage:report_request_download", args=[report.pk]))

    assert response.status_code == 404


def test_no_data_is_unsuccessful_with_the_reason(client, rep_with_meters):  # USG-9
    rep, premises = rep_with_meters
    client.force_login(rep)
    export(client, premises)
    report = ReportRequest.objects.get()
    assert report.status == ReportRequest.Status.UNSUCCESSFUL
    assert report.detail == "No data found for the options chosen."
    html = client.get(reverse("usage:report_requests")).content.decode()
    assert "No data found for the options chosen." in html


def test_another_users_report_is_not_found(client, rep_with_meters):  # USG-9, SEC-1
    rep, premises = rep_with_meters
    store_days(premises[0], LATEST, 1)
    client.force_login(rep)
    export(client, premises[:1], start_date=LATEST.isoformat())
    report = ReportRequest.objects.get()
    client.force_login(UserFactory(rep=True))
    assert client.get(reverse("usage:report_request_download", args=[report.pk])).status_code == 404
    assert report.order_number not in client.get(reverse("usage:report_requests")).content.decode()


def test_meters_the_user_may_not_see_are_left_out(client, rep_with_meters):  # USG-12
    rep, premises = rep_with_meters
    stranger = CustomerPremiseFactory().premise
    client.force_login(rep)
    export(client, [premises[0], stranger])
    assert list(ReportRequest.objects.get().premises.all()) == [premises[0]]


def test_export_keeps_the_date_rules(client, rep_with_meters):  # USG-6
    rep, premises = rep_with_meters
    client.force_login(rep)
    html = export(client, premises, end_date=(LATEST + timedelta(days=1)).isoformat()).content
    assert b"the latest end date is 11/18/2026" in html
    assert not ReportRequest.objects.exists()


def test_the_report_page_offers_the_offline_way_for_40_days(client, rep_with_meters):  # USG-7
    rep, premises = rep_with_meters
    client.force_login(rep)
    params = {
        "report_type": "interval",
        "view": "current",
        "start_date": (LATEST - timedelta(days=39)).isoformat(),
        "end_date": LATEST.isoformat(),
    }
    html = client.get(reverse("usage:usage_report", args=[premises[0].esiid]), params).content
    assert b"Request it as an offline report" in html


# --- SEC-6: nothing stays Processing ------------------------------------------------------------


def stuck_request(rep, premises, attempts):
    report = ReportRequest.objects.create(
        requested_by=rep,
        party="ror",
        report_type="interval",
        start_date=LATEST,
        end_date=LATEST,
        requested_at=NOW - timedelta(hours=1),
        started_at=NOW - timedelta(minutes=report_requests.STALE_MINUTES),
        attempts=attempts,
    )
    report.premises.set(premises)
    return report


def test_a_request_whose_worker_died_is_built_again(rep_with_meters):  # SEC-6
    rep, premises = rep_with_meters
    store_days(premises[0], LATEST, 1)
    report = stuck_request(rep, premises[:1], attempts=1)
    assert report_requests.report_requests_requeue_stale() == 1
    report.refresh_from_db()
    assert report.status == ReportRequest.Status.COMPLETE and report.attempts == 2


def test_after_3_attempts_it_is_unsuccessful_and_said_so(rep_with_meters):  # SEC-6
    rep, premises = rep_with_meters
    report = stuck_request(rep, premises[:1], attempts=report_requests.MAX_ATTEMPTS)
    report_requests.report_requests_requeue_stale()
    report.refresh_from_db()
    assert report.status == ReportRequest.Status.UNSUCCESSFUL
    assert "could not be built" in report.detail


def test_a_request_started_just_now_is_left_alone(rep_with_meters):  # SEC-6
    rep, premises = rep_with_meters
    report = stuck_request(rep, premises[:1], attempts=1)
    ReportRequest.objects.filter(pk=report.pk).update(started_at=NOW - timedelta(minutes=14))
    assert report_requests.report_requests_requeue_stale() == 0


def test_files_past_retention_are_removed(client, rep_with_meters, settings):  # OPS-2
    rep, premises = rep_with_meters
    store_days(premises[0], LATEST, 1)
    client.force_login(rep)
    export(client, premises[:1], start_date=LATEST.isoformat())
    report = ReportRequest.objects.get()
    path = report.file.path
    later = NOW + timedelta(days=settings.REPORT_RETENTION_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        assert report_requests.report_files_purge_expired() == 1
    assert not ReportRequest.objects.exists()
    assert not Path(path).exists()


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_the_requeue_command_counts_when_dry_and_builds_when_run(rep_with_meters):  # OPS-2
    rep, premises = rep_with_meters
    store_days(premises[0], LATEST, 1)
    report = stuck_request(rep, premises[:1], attempts=1)

    assert run("requeue_stale_report_requests", "--dry-run") == (
        "Would look at 1 stale report request(s).\n"
    )
    report.refresh_from_db()
    assert report.status == ReportRequest.Status.PROCESSING
    assert run("requeue_stale_report_requests") == "Queued 1 stale report request(s) again.\n"
    report.refresh_from_db()
    assert report.status == ReportRequest.Status.COMPLETE
    assert run("requeue_stale_report_requests") == "Queued 0 stale report request(s) again.\n"


def test_the_purge_command_keeps_files_until_their_retention_ends(
    client, rep_with_meters, settings
):  # OPS-2, USG-9
    rep, premises = rep_with_meters
    store_days(premises[0], LATEST, 1)
    client.force_login(rep)
    export(client, premises[:1], start_date=LATEST.isoformat())
    path = ReportRequest.objects.get().file.path
    retention = timedelta(days=settings.REPORT_RETENTION_DAYS)

    with time_machine.travel(NOW + retention - timedelta(minutes=1), tick=False):
        assert run("purge_report_files") == "Removed 0 report request(s) past retention.\n"
    with time_machine.travel(NOW + retention + timedelta(minutes=1), tick=False):
        assert run("purge_report_files", "--dry-run").startswith("Would remove 1 ")
        assert Path(path).exists()
        assert run("purge_report_files") == "Removed 1 report request(s) past retention.\n"
    assert not Path(path).exists()


# --- MTR-7: Export Information -----------------------------------------------------------------


def test_export_information_builds_one_order_per_kind(client, rep_with_meters):  # MTR-7
    rep, premises = rep_with_meters
    client.force_login(rep)
    response = client.post(
        reverse("usage:export_information"),
        {"esiid": [p.esiid for p in premises], "premise": "on", "meter": "on"},
    )
    orders = ReportRequest.objects.order_by("pk")
    assert [o.report_type for o in orders] == ["premise", "meter"]
    html = response.content.decode()
    assert all(f"Order number: {o.order_number}" in html for o in orders)
    rows = list(csv.reader(io.StringIO(orders[0].file.read().decode())))
    assert rows[0][:2] == ["Electric Utility Company", "ESI ID"]
    assert sorted(r[1] for r in rows[1:]) == sorted(p.esiid for p in premises)
    meter_rows = list(csv.reader(io.StringIO(orders[1].file.read().decode())))
    assert len(meter_rows) == 4 and "Meter Number" in meter_rows[0]


def test_export_information_needs_a_kind(client, rep_with_meters):  # MTR-7
    rep, premises = rep_with_meters
    client.force_login(rep)
    html = client.post(reverse("usage:export_information"), {"esiid": [premises[0].esiid]}).content
    assert b"Choose Premise Information, Meter Information or both." in html
    assert not ReportRequest.objects.exists()


def test_the_imported_file_feeds_the_export(client, rep_with_meters):  # MTR-5, MTR-7
    rep, premises = rep_with_meters
    client.force_login(rep)
    upload = io.BytesIO("\n".join(p.esiid for p in premises[:2]).encode())
    upload.name = "meters.csv"
    client.post(reverse("usage:ror_meters"), {"id_type": "esiid", "file": upload})
    client.post(reverse("usage:export_information"), {"imported": "1", "premise": "on"})
    assert sorted(p.esiid for p in ReportRequest.objects.get().premises.all()) == sorted(
        p.esiid for p in premises[:2]
    )


def test_staff_can_retry_a_stuck_request_from_admin(client, rep_with_meters):  # OPS-1, SEC-6
    rep, premises = rep_with_meters
    store_days(premises[0], LATEST, 1)
    report = stuck_request(rep, premises[:1], attempts=1)
    client.force_login(UserFactory(smt_staff=True))
    response = client.post(
        reverse("admin:usage_reportrequest_changelist"),
        {"action": "retry", "_selected_action": [report.pk]},
        follow=True,
    )
    assert b"1 request(s) queued again." in response.content
    report.refresh_from_db()
    assert report.status == ReportRequest.Status.COMPLETE


def test_staff_see_the_file_named_in_admin_not_linked(client, rep_with_meters):  # OPS-1, SEC-1
    rep, premises = rep_with_meters
    store_days(premises[0], LATEST, 1)
    client.force_login(rep)
    export(client, premises[:1], start_date=LATEST.isoformat())
    report = ReportRequest.objects.get()
    client.force_login(UserFactory(smt_staff=True))
    html = client.get(reverse("admin:usage_reportrequest_change", args=[report.pk])).content
    assert report.file.name.encode() in html
    assert report.file.url.encode() not in html  # storage answers no direct address


# --- USG-9: ROR and 3rd-party requests told apart; one email per finished report ---------------

REPORTS = reverse("usage:report_requests")


def request_row(user, party, **fields) -> ReportRequest:
    """A finished request as the worker leaves it (no build is queued)."""
    return ReportRequest.objects.create(
        requested_by=user,
        company=user.company,
        party=party,
        report_type=ReportRequest.ReportType.INTERVAL,
        status=ReportRequest.Status.UNSUCCESSFUL,
        detail="No data found for the options chosen.",
        requested_at=timezone.now(),
        **fields,
    )


def test_a_rep_sees_one_table_and_no_third_party_columns(client, rep_with_meters):  # USG-9
    rep, _premises = rep_with_meters
    report = request_row(rep, ReportRequest.Party.ROR)
    client.force_login(rep)
    html = client.get(REPORTS).content.decode()
    assert report.order_number in html and "<h2>REP of Record</h2>" in html
    assert "?party=" not in html  # no tabs for a single party
    assert "Customer Name" not in html and "Agreement #" not in html


def test_third_party_requests_name_the_customer_and_the_agreement(
    client, django_assert_max_num_queries
):  # USG-9
    third_party = UserFactory(third_party_admin=True)
    from_agreement = request_row(third_party, ReportRequest.Party.THIRD_PARTY)
    agreement = AgreementFactory(
        initiated_by=third_party,
        status="complete",
        report_request=from_agreement,
        customer_first_name="Maria",
        customer_last_name="Garza",
    )
    own_export = request_row(third_party, ReportRequest.Party.THIRD_PARTY)
    client.force_login(third_party)
    with django_assert_max_num_queries(12):
        html = client.get(REPORTS).content.decode()
    assert "<h2>3rd Party</h2>" in html and "<h2>REP of Record</h2>" not in html
    assert "Customer Name" in html and "Agreement #" in html
    cells = html.split('<tr>\n        <td data-label="Order number">')[1:]
    rows = {row.split("</td>", 1)[0]: row for row in cells}
    assert "Maria Garza" in rows[from_agreement.order_number]
    assert agreement.agreement_number in rows[from_agreement.order_number]
    assert "Maria Garza" not in rows[own_export.order_number]
    assert "—" in rows[own_export.order_number]


def test_ror_and_third_party_requests_are_separate_paginated_tabs(
    client, django_assert_max_num_queries
):  # USG-9
    user = UserFactory(third_party_admin=True)
    ror = [request_row(user, ReportRequest.Party.ROR) for _n in range(2)]
    third = [request_row(user, ReportRequest.Party.THIRD_PARTY) for _n in range(26)]
    for report in third:
        AgreementFactory(initiated_by=user, status="complete", report_request=report)
    client.force_login(user)
    html = client.get(REPORTS).content.decode()  # the first party's tab by default
    assert '<a class="button primary" href="?party=ror" aria-current="page">' in html
    assert 'href="?party=third_party"' in html
    assert all(r.order_number in html for r in ror)
    assert not any(r.order_number in html for r in third)
    with django_assert_max_num_queries(12):
        html = client.get(REPORTS, {"party": "third_party"}).content.decode()
    shown = [r for r in third if f'<td data-label="Order number">{r.order_number}</td>' in html]
    assert len(shown) == 25 and "Page 1 of 2" in html
    assert "party=third_party&amp;page=2" in html
    assert not any(r.order_number in html for r in ror)
    with django_assert_max_num_queries(12):
        html = client.get(REPORTS, {"party": "third_party", "page": 2}).content.decode()
    shown = [r for r in third if f'<td data-label="Order number">{r.order_number}</td>' in html]
    assert shown == [third[0]]
    # A party the user has no requests of falls back to the first table.
    assert "<h2>REP of Record</h2>" in client.get(REPORTS, {"party": "customer"}).content.decode()


def test_a_third_partys_own_export_gets_the_generic_ready_email(client):  # USG-7, NTF-3
    third_party = UserFactory(third_party_admin=True)
    premise = MeterFactory().premise
    report = report_requests.report_request_create(
        user=third_party, premises=[premise], report_type="interval", start=LATEST, end=LATEST
    )
    report.refresh_from_db()
    assert report.party == ReportRequest.Party.THIRD_PARTY
    assert report.status == ReportRequest.Status.UNSUCCESSFUL  # built at once, no data
    (email,) = OutboundEmail.objects.filter(template="usage/report_ready")
    assert email.recipient == third_party.email


def test_an_agreements_report_skips_the_generic_ready_email():  # AGR-10, NTF-3
    third_party = UserFactory(third_party_admin=True)
    premise = MeterFactory().premise
    with transaction.atomic():  # as agreements' accept does: the link is written first
        report = report_requests.report_request_create(
            user=third_party, premises=[premise], report_type="interval", start=LATEST, end=LATEST
        )
        AgreementFactory(initiated_by=third_party, status="complete", report_request=report)
    report.refresh_from_db()
    assert report.status == ReportRequest.Status.UNSUCCESSFUL
    assert not OutboundEmail.objects.filter(template="usage/report_ready").exists()
