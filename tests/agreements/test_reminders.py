"""BEY-1 reminders: 30 and 7 days before an ongoing agreement's end date (Central time), to
the customer and the 3rd party, whose email opens its Request Extension form with a proposed
date; both sides of every boundary, twice-run safety, the job's task, command and beat entry
(OPS-2)."""

from datetime import date, datetime, timedelta
from io import StringIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from agreements.models import Agreement
from agreements.services.actions import agreement_request_extension
from agreements.services.answers import agreement_accept
from agreements.services.jobs import (
    agreement_expire_ended,
    agreement_reminders_send,
    reminder_due,
)
from agreements.tasks import agreement_reminders_send_task
from notifications.services import email_render

from .helpers import CUSTOMER_EMAIL, active_ongoing, details, emails, one_time, token_of

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
K = Agreement.Kind
S = Agreement.Status
ACCEPTED = datetime(2026, 1, 15, 9, 0, tzinfo=CHICAGO)
END = date(2026, 4, 15)  # 3 months from ACCEPTED


def days_before(days: int, hour: int = 8) -> datetime:
    """The morning of the day `days` before END, Central time."""
    day = END - timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 17, tzinfo=CHICAGO)


def run(days: int):
    with time_machine.travel(days_before(days), tick=False):
        return agreement_reminders_send()


def reminders() -> list[tuple[str, int]]:
    return [(email.recipient, email.context["days"]) for email in emails("expiry_reminder")]


@pytest.fixture
def agreement():
    with time_machine.travel(ACCEPTED, tick=False):
        found = active_ongoing(months=3)
    assert found.end_date == END
    return found


def test_reminders_on_both_sides_of_each_boundary(agreement):  # BEY-1
    summary = run(31)
    assert (summary.thirty_days, summary.seven_days) == (0, 0)
    assert reminders() == []
    summary = run(30)
    assert (summary.thirty_days, summary.seven_days) == (1, 0)
    assert sorted(reminders()) == [(CUSTOMER_EMAIL, 30), ("james@green.example", 30)]
    run(30)  # a second run the same day
    run(8)
    assert len(reminders()) == 2  # nothing new until 7 days before
    summary = run(7)
    assert (summary.thirty_days, summary.seven_days) == (0, 1)
    run(7)
    run(0)  # the end date itself: nothing new either
    assert sorted(reminders()) == [
        (CUSTOMER_EMAIL, 7),
        (CUSTOMER_EMAIL, 30),
        ("james@green.example", 7),
        ("james@green.example", 30),
    ]
    for email in emails("expiry_reminder"):
        assert email.related_id == str(agreement.pk)
        assert email.event_key.startswith(f"agreement-{agreement.pk}-reminder-")


def test_the_reminder_day_is_the_central_time_day(agreement):  # BEY-1, AGR-14
    # 23:30 Central on the 31st day before is already the 30th day before in UTC.
    with time_machine.travel(days_before(31, hour=23), tick=False):
        assert agreement_reminders_send().thirty_days == 0
    with time_machine.travel(days_before(30, hour=0), tick=False):
        assert agreement_reminders_send().thirty_days == 1


def test_a_job_that_missed_days_sends_the_latest_reminder_only(agreement):  # BEY-1
    run(20)  # the 30-day reminder, late
    assert {days for _, days in reminders()} == {30}
    run(3)  # the 7-day one, late: never both on one day
    assert sorted(days for _, days in reminders()) == [7, 7, 30, 30]


def test_a_job_down_for_the_whole_30_day_window_sends_only_the_7_day_reminder(agreement):
    # BEY-1: never two reminders on one day
    run(6)
    assert sorted(reminders()) == [(CUSTOMER_EMAIL, 7), ("james@green.example", 7)]


def test_the_agreement_is_in_force_through_its_end_date_and_expired_the_day_after(agreement):
    # BEY-1, AGR-14: the 7-day reminder's promise holds
    with time_machine.travel(datetime(2026, 4, 15, 23, 59, tzinfo=CHICAGO), tick=False):
        assert agreement_expire_ended() == 0
    agreement.refresh_from_db()
    assert agreement.status == S.ACTIVE
    with time_machine.travel(datetime(2026, 4, 16, 0, 7, tzinfo=CHICAGO), tick=False):
        assert agreement_expire_ended() == 1
        assert agreement_reminders_send().seven_days == 0  # Expired: no reminder
    agreement.refresh_from_db()
    assert agreement.status == S.EXPIRED
    assert {email.recipient for email in emails("expired")} == {
        CUSTOMER_EMAIL,
        "james@green.example",
    }


def test_the_third_party_reminder_opens_the_request_extension_form(client, agreement):
    # BEY-1, AGR-14: a GET link that fills the form in and changes nothing
    run(30)
    (notice,) = [e for e in emails("expiry_reminder") if e.recipient == "james@green.example"]
    url = notice.context["extension_url"]
    assert url in email_render(notice).body
    parts = urlsplit(url)
    assert parts.query == "new_end_date=2026-07-15"  # the 3 months again
    client.force_login(agreement.initiated_by)
    page = client.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200
    assert 'value="2026-07-15"' in page.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == S.ACTIVE
    (receipt,) = [e for e in emails("expiry_reminder") if e.recipient == CUSTOMER_EMAIL]
    assert "extension_url" not in receipt.context  # the customer's has no such link


def test_the_customer_reminder_speaks_their_language():  # BEY-1, NTF-1, NTF-4
    with time_machine.travel(ACCEPTED, tick=False):
        agreement = active_ongoing(months=3, customer=details(language="es"))
    run(7)
    (receipt,) = [e for e in emails("expiry_reminder") if e.recipient == CUSTOMER_EMAIL]
    assert receipt.language == "es"
    message = email_render(receipt)
    assert message.subject == (
        f"Smart Meter Texas - El acuerdo {agreement.agreement_number} termina el 15/04/2026"
    )
    assert "en 7 días" in message.body
    assert agreement.premise.esiid not in message.body


def test_extension_pending_agreements_get_reminders_without_a_second_request_link(agreement):
    # BEY-1, AGR-14
    with time_machine.travel(days_before(40), tick=False):
        agreement_request_extension(
            agreement=agreement, user=agreement.initiated_by, new_end_date=date(2026, 8, 1)
        )
    run(30)
    agreement.refresh_from_db()
    assert agreement.status == S.EXTENSION_PENDING
    (notice,) = [e for e in emails("expiry_reminder") if e.recipient == "james@green.example"]
    assert notice.context["extension_url"] == ""
    assert "waiting for the customer's answer" in email_render(notice).body


def test_an_accepted_extension_starts_a_new_reminder_cycle(agreement):  # BEY-1
    run(30)
    with time_machine.travel(days_before(20), tick=False):
        agreement_request_extension(
            agreement=agreement, user=agreement.initiated_by, new_end_date=date(2026, 7, 31)
        )
        agreement_accept(token=token_of(agreement))
    with time_machine.travel(datetime(2026, 7, 1, 8, 17, tzinfo=CHICAGO), tick=False):
        assert agreement_reminders_send().thirty_days == 1
    keys = sorted(e.event_key for e in emails("expiry_reminder") if e.recipient == CUSTOMER_EMAIL)
    assert keys == [
        f"agreement-{agreement.pk}-reminder-30-2026-04-15-customer",
        f"agreement-{agreement.pk}-reminder-30-2026-07-31-customer",
    ]


def test_one_time_agreements_never_get_reminders():  # BEY-1: no end date to remind of
    with time_machine.travel(ACCEPTED, tick=False):
        agreement_accept(token=token_of(one_time()))
    for days in (30, 7, 0):
        run(days)
    assert emails("expiry_reminder") == []


@pytest.mark.parametrize("kind", [K.ONGOING, K.ONGOING_HAN])
def test_both_ongoing_kinds_get_reminders(kind):  # BEY-1, AGR-17
    with time_machine.travel(ACCEPTED, tick=False):
        active_ongoing(months=3, kind=kind)
    assert run(7).seven_days == 1


def test_an_agreement_granted_inside_the_window_skips_that_reminder():  # BEY-1 decision
    # One month from Jan 31 is Feb 28: 28 days, so the 30-day reminder's day came first.
    with time_machine.travel(datetime(2026, 1, 31, 9, 0, tzinfo=CHICAGO), tick=False):
        agreement = active_ongoing(months=1)
    assert agreement.end_date == date(2026, 2, 28)
    assert reminder_due(agreement, today=date(2026, 1, 31)) is None
    assert reminder_due(agreement, today=date(2026, 2, 21)) == 7


def test_dry_run_counts_and_sends_nothing(agreement):  # OPS-2
    with time_machine.travel(days_before(30), tick=False):
        assert agreement_reminders_send(dry_run=True).thirty_days == 1
    assert emails("expiry_reminder") == []


def test_the_command_and_the_task(agreement):  # OPS-2
    with time_machine.travel(days_before(7), tick=False):
        out = StringIO()
        call_command("agreements_remind_expiring", "--dry-run", stdout=out)
        assert out.getvalue().strip() == (
            "Would send 0 30-day and 1 7-day reminder(s) of an agreement's end date."
        )
        assert "1 7-day" in agreement_reminders_send_task.delay().get()
        out = StringIO()
        call_command("agreements_remind_expiring", stdout=out)
        assert out.getvalue().strip() == (
            "Sent 0 30-day and 0 7-day reminder(s) of an agreement's end date."
        )


def test_beat_runs_the_reminders_daily(settings):  # OPS-2
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "agreements.tasks.agreement_reminders_send_task"
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1  # once a day
