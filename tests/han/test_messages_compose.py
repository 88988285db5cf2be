"""Composing HAN device messages (HAN-9, AGR-17, ACC-20): who may message which device under
which agreement, the text rules, the ESIID list, start time, duration, priority and the rate
limit, each at both sides of its boundary. A refusal refuses the whole message and queues
nothing."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from agreements.models import Agreement
from agreements.services.actions import agreement_request_extension, agreement_terminate
from agreements.services.answers import agreement_reject
from agreements.services.jobs import agreement_expire_ended
from han.message_text import MAX_CHARACTERS, MessageTextRefused, message_text_clean
from han.models import HanMessage, HanMessageEvent
from han.services import messages
from han.services.messages import (
    MAX_ESIIDS,
    HanMessageRefused,
    esiid_list_clean,
    han_message_cancel,
)
from han.services.tdsp import han_device_remove
from tests.agreements.helpers import active_ongoing, ongoing, third_party_admin
from tests.agreements.helpers import token_of as agreement_token
from tests.factories import MeterFactory, UserFactory
from usage.services.intervals import MARKET_TZ

from .helpers import (
    compose,
    device_added,
    han_services,
    message_events,
    messaging_ready,
    started,
    tdsp_status,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 09:00 in Texas: the agreements start 03/02/2026
SECOND = timedelta(seconds=1)
HAN = Agreement.Kind.ONGOING_HAN
END_DATE = "09/02/2026"  # six months after acceptance (AGR-14)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ready():
    """A 3rd party with an Active HAN Services agreement and one paired device."""
    user, meter, agreement, (device,) = messaging_ready()
    return user, meter, agreement, device


def refusal(user, meter=None, **kwargs) -> dict[str, list[str]]:
    """The errors of a refused compose; nothing may have been queued."""
    before = HanMessage.objects.count()
    with pytest.raises(HanMessageRefused) as refused:
        compose(user, meter, **kwargs)
    assert HanMessage.objects.count() == before
    return refused.value.errors


def label(device) -> str:
    """How a refusal names a device: masked MAC (NTF-4), request number, ESIID."""
    return (
        f"HAN device {device.masked_mac} (request {device.agreement.agreement_number}) "
        f"on ESIID {device.agreement.premise.esiid}"
    )


def texas(year, month, day, hour=0, minute=0, second=0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=MARKET_TZ)


# --- the agreement (AGR-17) --------------------------------------------------------------------


def test_an_active_han_services_agreement_allows_a_message(ready):
    """HAN-9, AGR-17."""
    user, meter, agreement, device = ready
    (message,) = compose(user, meter, text="Peak pricing 2-6 PM.", duration_minutes=90)
    message.refresh_from_db()
    assert (message.status, message.device, message.agreement) == (
        HanMessage.Status.QUEUED,
        device,
        agreement,
    )
    assert (message.company_id, message.sent_by) == (user.company_id, user)
    assert (message.text, message.start_at, message.duration_minutes) == (
        "Peak pricing 2-6 PM.",
        NOW,
        90,
    )
    assert (message.priority, message.confirmation_required) == ("normal", False)
    assert message.ends_at == NOW + timedelta(minutes=90)
    assert message.dispatched_at == NOW  # due now: its send task goes on commit
    assert len(message.tdsp_request_id) == 32


def _pending(user, meter, clock):
    return ongoing(user=user, meter=meter, kind=HAN)


def _rejected(user, meter, clock):
    agreement = ongoing(user=user, meter=meter, kind=HAN)
    agreement_reject(token=agreement_token(agreement))
    return agreement


def _terminated(user, meter, clock):
    agreement = han_services(user, meter)
    agreement_terminate(agreement=agreement, user=user, reason="Program ended")
    return agreement


def _expired(user, meter, clock):
    agreement = han_services(user, meter)
    clock.move_to(texas(2026, 9, 3, 0, 0, 1))  # the day after its end date
    assert agreement_expire_ended() == 1
    return agreement


@pytest.mark.parametrize(
    ("make", "label"),
    [
        (_pending, "Pending"),
        (_rejected, "Rejected"),
        (_terminated, "Terminated"),
        (_expired, "Expired"),
    ],
)
def test_an_agreement_not_in_force_refuses_naming_the_esiid(clock, make, label):
    """HAN-9, AGR-17: only Active (or Extension Pending) agreements count."""
    user = third_party_admin()
    meter = MeterFactory()
    device = device_added(user=user, meter=meter)
    make(user, meter, clock)
    esiid = meter.premise.esiid
    reason = f"ESIID {esiid}: the Ongoing HAN Services agreement is {label}, not Active."
    assert refusal(user, meter) == {"esiids": [reason]}
    assert refusal(user, devices=[device]) == {"devices": [reason]}


def test_no_han_services_agreement_at_all_is_refused_naming_the_esiid():
    """HAN-9, AGR-17."""
    user = third_party_admin()
    meter = MeterFactory()
    device_added(user=user, meter=meter)
    assert refusal(user, meter) == {
        "esiids": [
            f"ESIID {meter.premise.esiid}: there is no Ongoing HAN Services agreement with "
            "the customer."
        ]
    }


def test_an_extension_pending_agreement_still_allows_messages(ready):
    """AGR-17, AGR-14."""
    user, meter, agreement, _device = ready
    agreement_request_extension(
        agreement=agreement, user=user, new_end_date=agreement.end_date + timedelta(days=30)
    )
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.EXTENSION_PENDING
    (message,) = compose(user, meter)
    assert message.agreement == agreement


def test_messages_are_allowed_on_the_end_date_and_refused_the_day_after(clock, ready):
    """AGR-17, AGR-14: in force through its end date (Central time), not a second longer."""
    user, meter, agreement, _device = ready
    assert agreement.end_date.strftime("%m/%d/%Y") == END_DATE
    clock.move_to(texas(2026, 9, 2, 23, 59, 59))
    (message,) = compose(user, meter)
    assert message.status == HanMessage.Status.QUEUED
    clock.move_to(texas(2026, 9, 3))
    assert refusal(user, meter) == {
        "esiids": [
            f"ESIID {meter.premise.esiid}: the Ongoing HAN Services agreement is not in its "
            f"period (03/02/2026–{END_DATE})."
        ]
    }


def test_another_companys_han_services_agreement_does_not_count():
    """AGR-17, HAN-9."""
    user = third_party_admin()
    meter = MeterFactory()
    device_added(user=user, meter=meter)
    han_services(third_party_admin(), meter)  # another 3rd party's agreement on the meter
    assert refusal(user, meter) == {
        "esiids": [
            f"ESIID {meter.premise.esiid}: there is no Ongoing HAN Services agreement with "
            "the customer."
        ]
    }


def test_an_ongoing_energy_data_agreement_does_not_count():
    """AGR-17, HAN-9."""
    user = third_party_admin()
    meter = MeterFactory()
    device_added(user=user, meter=meter)
    energy = active_ongoing(user=user, meter=meter)
    assert (energy.kind, energy.status) == (Agreement.Kind.ONGOING, Agreement.Status.ACTIVE)
    assert refusal(user, meter) == {
        "esiids": [
            f"ESIID {meter.premise.esiid}: there is no Ongoing HAN Services agreement with "
            "the customer."
        ]
    }


# --- who and which devices (HAN-9) -------------------------------------------------------------


def test_by_esiid_every_paired_device_of_the_company_gets_one_message():
    """HAN-9."""
    user, meter, _agreement, devices = messaging_ready(macs=2)
    not_paired = started(user=user, meter=meter)
    tdsp_status(not_paired, "METER_READY")
    other_company = third_party_admin()
    device_added(user=other_company, meter=meter)  # another company's device is never messaged
    sent = compose(user, meter)
    assert sorted(m.device_id for m in sent) == sorted(d.pk for d in devices)
    assert len({m.batch for m in sent}) == 1  # composed together
    assert len({m.tdsp_request_id for m in sent}) == 2  # one TDSP request each


def test_by_device_only_the_chosen_devices_get_a_message():
    """HAN-9."""
    user, _meter, _agreement, (first, second) = messaging_ready(macs=2)
    (message,) = compose(user, devices=[second])
    assert message.device == second


def test_a_colleague_with_in_home_device_permission_may_message_the_companys_devices(ready):
    """HAN-9, ACC-5: the company provisioned it, not the user."""
    user, meter, _agreement, device = ready
    colleague = UserFactory(kind=user.kind, company=user.company, can_in_home_devices=True)
    (message,) = compose(colleague, meter)
    assert (message.device, message.sent_by) == (device, colleague)


@pytest.mark.parametrize(
    "make_user",
    [
        lambda company_user: UserFactory(
            kind=company_user.kind, company=company_user.company, can_energy_data=True
        ),
        lambda company_user: UserFactory(),  # a residential customer
    ],
    ids=["energy-data-only", "customer"],
)
def test_a_user_without_in_home_device_permission_is_refused(ready, make_user):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    assert refusal(make_user(user), meter) == {"__all__": ["You cannot send HAN device messages."]}


def test_a_device_in_meter_ready_is_refused_naming_the_device():
    """HAN-9."""
    user, meter, _agreement, _devices = messaging_ready()
    waiting = started(user=user, meter=meter)
    for status in ("ADD_PENDING", "METER_READY"):
        tdsp_status(waiting, status)
    waiting.refresh_from_db()
    assert refusal(user, devices=[waiting]) == {
        "devices": [f"{label(waiting)}: the device is not paired (Meter Ready)."]
    }


def test_a_device_whose_removal_was_asked_is_refused_naming_the_device(ready):
    """HAN-9, HAN-8."""
    user, meter, _agreement, device = ready
    han_device_remove(user=user, request=device)
    device.refresh_from_db()
    assert device.agreement.status == Agreement.Status.REMOVE_REQUESTED
    assert refusal(user, devices=[device]) == {
        "devices": [f"{label(device)}: the device is not paired (Remove Requested)."]
    }
    assert refusal(user, meter) == {  # and by ESIID, none is left to message
        "esiids": [
            f"ESIID {meter.premise.esiid}: no paired HAN device you provisioned is on this meter."
        ]
    }


def test_another_companys_device_is_not_one_of_yours(ready):
    """HAN-9, SEC-1."""
    user, meter, _agreement, _device = ready
    theirs = device_added(user=third_party_admin(), meter=meter)
    number = theirs.agreement.agreement_number
    assert refusal(user, devices=[theirs]) == {
        "devices": [f"HAN device request {number} is not one of yours."]
    }


def test_a_mix_of_allowed_and_refused_devices_is_refused_as_a_whole(ready):
    """HAN-9."""
    user, _meter, _agreement, device = ready
    theirs = device_added(user=third_party_admin())
    errors = refusal(user, devices=[device, theirs])
    assert errors == {
        "devices": [f"HAN device request {theirs.agreement.agreement_number} is not one of yours."]
    }
    assert HanMessage.objects.count() == 0


def test_an_esiid_without_a_paired_device_of_yours_is_refused():
    """HAN-9."""
    user = third_party_admin()
    bare, others, unpaired = MeterFactory(), MeterFactory(), MeterFactory()
    for meter in (bare, others, unpaired):
        han_services(user, meter)
    device_added(user=third_party_admin(), meter=others)
    started(user=user, meter=unpaired)
    errors = refusal(user, esiids=[m.premise.esiid for m in (bare, others, unpaired)])
    assert errors == {
        "esiids": [
            f"ESIID {m.premise.esiid}: no paired HAN device you provisioned is on this meter."
            for m in (bare, others, unpaired)
        ]
    }


def test_an_esiid_not_on_the_portal_reads_the_same(ready):
    """HAN-9, SEC-1."""
    user, _meter, _agreement, _device = ready
    assert refusal(user, esiids=["10443720099999999"]) == {
        "esiids": [
            "ESIID 10443720099999999: no paired HAN device you provisioned is on this meter."
        ]
    }


# --- the text (HAN-9; han.message_text) --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("x" * 80, "x" * 80),
        ("  " + "y" * 80 + "\n", "y" * 80),  # counted after trimming
        ("¿Mañana? ¡Ahorre energía! Pingüino", "¿Mañana? ¡Ahorre energía! Pingüino"),
        ("Save\t\tenergy\r\n  today", "Save energy today"),  # white space collapsed
        ("Non\u00a0breaking\u2003spaces", "Non breaking spaces"),  # Unicode spaces too
        ("AT&T 50% off © ® ° ±", "AT&T 50% off © ® ° ±"),
        ("Man\u0303ana", "Mañana"),  # NFD, as macOS may send it: one letter, not two
        ("n\u0303" * 80, "ñ" * 80),  # and counted once
    ],
)
def test_message_text_rules_accepting(text, cleaned):
    """HAN-9."""
    assert message_text_clean(text) == cleaned


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("x" * 81, "The message is 81 characters long; the limit is 80."),
        ("é" * 81, "The message is 81 characters long; the limit is 80."),
        ("Save energy 🙂", "A HAN display cannot show these characters: 🙂"),
        ("Bell\x07 and\x00null", "A HAN display cannot show these characters: \x00 \x07"),
        ("Delete\x7f", "A HAN display cannot show these characters: \x7f"),
        ("12.5¢ — or less", "A HAN display cannot show these characters: —"),
        ("Zero\u200bwidth", "A HAN display cannot show these characters: \u200b"),
        ("Soft\u00adhyphen", "A HAN display cannot show these characters: \u00ad"),
        (
            "<b>Save</b> energy",
            "HTML is not allowed: the display shows plain text (remove < and >).",
        ),
        ("Tom &amp; Jerry", "HTML is not allowed: the display shows plain text (remove < and >)."),
        ("1 < 2", "HTML is not allowed: the display shows plain text (remove < and >)."),
        ("", "Type the message to show on the HAN device."),
        (" \t\n ", "Type the message to show on the HAN device."),
    ],
)
def test_message_text_rules_refusing(text, error):
    """HAN-9."""
    with pytest.raises(MessageTextRefused) as refused:
        message_text_clean(text)
    assert str(refused.value) == error
    assert refused.value.field == "text"


def test_80_characters_are_sent_81_are_refused_with_the_count(ready):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    assert MAX_CHARACTERS == 80
    (message,) = compose(user, meter, text="ñ" * 79 + "!")
    message.refresh_from_db()
    assert message.text == "ñ" * 79 + "!"
    assert refusal(user, meter, text="ñ" * 80 + "!") == {
        "text": ["The message is 81 characters long; the limit is 80."]
    }


def test_the_text_is_stored_collapsed(ready):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    (message,) = compose(user, meter, text="  Peak   pricing\n\ntoday  ")
    message.refresh_from_db()
    assert message.text == "Peak pricing today"


@pytest.mark.parametrize(
    "text", ["<b>Save</b>", "Save 🙂", "Bell\x07", "   "], ids=["html", "emoji", "control", "blank"]
)
def test_a_bad_text_is_refused_on_the_text_field(ready, text):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    errors = refusal(user, meter, text=text)
    assert list(errors) == ["text"] and len(errors["text"]) == 1


# --- the ESIID list (HAN-9 with ACC-20) --------------------------------------------------------


def _esiids(n: int) -> list[str]:
    return [f"1044372{i:010d}" for i in range(n)]


def test_up_to_100_esiids_are_taken_101_are_refused():
    """HAN-9, ACC-20."""
    assert MAX_ESIIDS == 100
    errors: dict[str, list[str]] = {"esiids": []}
    assert esiid_list_clean(_esiids(100), errors) == _esiids(100)
    assert errors == {"esiids": []}
    assert esiid_list_clean(_esiids(101), errors) == []
    assert errors == {"esiids": ["Enter at most 100 ESIIDs (you entered 101)."]}


def test_duplicates_and_blanks_count_once():
    """HAN-9, ACC-20."""
    errors: dict[str, list[str]] = {"esiids": []}
    entries = [*_esiids(100), _esiids(1)[0], f" {_esiids(2)[1]} ", "", "  "]
    assert esiid_list_clean(entries, errors) == _esiids(100)
    assert errors == {"esiids": []}


@pytest.mark.parametrize("wildcard", ["*", "10443720*", "1044372000000*001"])
def test_a_wildcard_is_refused(wildcard):
    """HAN-9, ACC-20."""
    errors: dict[str, list[str]] = {"esiids": []}
    assert esiid_list_clean([_esiids(1)[0], wildcard], errors) == []
    assert errors == {"esiids": ["A message goes to whole ESIIDs: a * wildcard is not allowed."]}


def test_composing_to_101_esiids_is_refused_for_the_count_alone(ready):
    """HAN-9, ACC-20."""
    user, meter, _agreement, _device = ready
    many = [meter.premise.esiid, *(f"1044379{i:010d}" for i in range(100))]
    assert refusal(user, esiids=many) == {"esiids": ["Enter at most 100 ESIIDs (you entered 101)."]}
    # 100 pass the count: each unknown ESIID is named, not the count
    errors = refusal(user, esiids=many[:100])
    assert len(errors["esiids"]) == 99
    assert not any("at most" in error for error in errors["esiids"])


def test_an_esiid_repeated_150_times_is_one_message(ready):
    """HAN-9, ACC-20."""
    user, meter, _agreement, device = ready
    (message,) = compose(user, esiids=[meter.premise.esiid] * 150)
    assert message.device == device


def test_a_wildcard_through_compose_is_refused(ready):
    """HAN-9, ACC-20."""
    user, _meter, _agreement, _device = ready
    assert refusal(user, esiids=["*"]) == {
        "esiids": ["A message goes to whole ESIIDs: a * wildcard is not allowed."]
    }


def test_no_esiid_and_no_device_is_refused(ready):
    """HAN-9."""
    user, _meter, _agreement, _device = ready
    assert refusal(user, esiids=[" ", ""]) == {
        "esiids": ["Enter the ESIIDs (or choose the devices) to message."]
    }


# --- start time, duration, priority (HAN-9) ----------------------------------------------------


def test_a_start_time_up_to_2_minutes_past_is_now_a_second_more_is_refused(ready):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    (message,) = compose(user, meter, start_at=NOW - timedelta(minutes=2))
    assert (message.start_at, message.dispatched_at) == (NOW, NOW)
    assert refusal(user, meter, start_at=NOW - timedelta(minutes=2) - SECOND) == {
        "start_at": ["The start time has passed; choose a later time."]
    }


def test_a_start_time_30_days_ahead_is_taken_a_second_more_is_refused(ready):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    (message,) = compose(user, meter, start_at=NOW + timedelta(days=30))
    assert (message.start_at, message.dispatched_at) == (NOW + timedelta(days=30), None)
    assert refusal(user, meter, start_at=NOW + timedelta(days=30) + SECOND) == {
        "start_at": ["The start time can be at most 30 days ahead."]
    }


def test_a_start_after_the_agreements_end_date_is_refused(clock, ready):
    """HAN-9, AGR-17."""
    user, meter, _agreement, _device = ready
    clock.move_to(texas(2026, 8, 25, 12))
    (message,) = compose(user, meter, start_at=texas(2026, 9, 2, 23, 59, 59))
    assert message.status == HanMessage.Status.QUEUED
    assert refusal(user, meter, start_at=texas(2026, 9, 3)) == {
        "start_at": [
            f"ESIID {meter.premise.esiid}: the message would start after the Ongoing HAN "
            f"Services agreement ends ({END_DATE})."
        ]
    }


@pytest.mark.parametrize("minutes", [1, 1440])
def test_a_duration_of_1_to_1440_minutes_is_taken(ready, minutes):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    (message,) = compose(user, meter, duration_minutes=minutes)
    message.refresh_from_db()
    assert message.duration_minutes == minutes


@pytest.mark.parametrize("minutes", [0, -5, 1441])
def test_a_duration_outside_1_to_1440_minutes_is_refused(ready, minutes):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    assert refusal(user, meter, duration_minutes=minutes) == {
        "duration_minutes": ["The duration is 1 to 1440 minutes."]
    }


@pytest.mark.parametrize("priority", ["normal", "high", "critical"])
def test_each_priority_is_taken(ready, priority):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    (message,) = compose(user, meter, priority=priority, confirmation_required=True)
    message.refresh_from_db()
    assert (message.priority, message.confirmation_required) == (priority, True)


@pytest.mark.parametrize("priority", ["urgent", "", "HIGH"])
def test_a_bad_priority_is_refused(ready, priority):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    assert refusal(user, meter, priority=priority) == {
        "priority": ["Choose a priority: normal, high or critical."]
    }


def test_every_problem_is_named_at_once(ready):
    """HAN-9."""
    user, _meter, _agreement, _device = ready
    errors = refusal(
        user,
        esiids=["10443720099999999"],
        text="",
        duration_minutes=0,
        priority="loud",
        start_at=NOW + timedelta(days=31),
    )
    assert sorted(errors) == ["duration_minutes", "esiids", "priority", "start_at", "text"]


# --- the rate limit (HAN-9 decision) -----------------------------------------------------------


def test_four_messages_per_device_an_hour_the_fifth_is_refused_naming_the_device(clock, ready):
    """HAN-9: per company and device, in any 60 minutes."""
    user, meter, _agreement, device = ready
    for minute in range(4):
        clock.move_to(NOW + timedelta(minutes=minute))
        compose(user, meter)
    clock.move_to(NOW + timedelta(minutes=10))
    errors = refusal(user, meter)
    assert errors == {
        "__all__": [
            f"Rate limit: {label(device)} already has 4 messages from you in the last hour "
            "(the limit is 4 per device per hour); it can take another from 10:00 AM on."
        ]
    }
    assert HanMessage.objects.filter(device=device).count() == 4
    # the first message leaves the window an hour after it was composed, not a second before
    clock.move_to(NOW + timedelta(hours=1) - SECOND)
    refusal(user, meter)
    clock.move_to(NOW + timedelta(hours=1))
    (fifth,) = compose(user, meter)
    assert fifth.device == device


def test_a_full_device_refuses_the_whole_batch(ready):
    """HAN-9."""
    user, meter, _agreement, full = ready
    for _ in range(4):
        compose(user, devices=[full])
    other = device_added(user=user, meter=meter)
    errors = refusal(user, meter)
    assert len(errors["__all__"]) == 1 and label(full) in errors["__all__"][0]
    assert HanMessage.objects.filter(device=other).count() == 0
    (message,) = compose(user, devices=[other])  # the other device alone is fine
    assert message.device == other


def test_cancelled_messages_do_not_count(clock, ready):
    """HAN-9."""
    user, meter, _agreement, _device = ready
    later = NOW + timedelta(hours=2)
    sent = [compose(user, meter, start_at=later)[0] for _ in range(4)]
    refusal(user, meter)
    han_message_cancel(user=user, message=sent[0])
    (fifth,) = compose(user, meter)
    assert fifth.status == HanMessage.Status.QUEUED
    refusal(user, meter)  # full again


def test_another_companys_messages_do_not_count(ready):
    """HAN-9: the limit is per company."""
    user, meter, _agreement, _device = ready
    other = third_party_admin()
    theirs = device_added(user=other, meter=MeterFactory())
    han_services(other, theirs.agreement.premise.meters.get())
    for _ in range(4):
        compose(other, devices=[theirs])
    assert len(compose(user, meter)) == 1


def test_the_company_limit_counts_every_device(monkeypatch, clock):
    """HAN-9."""
    monkeypatch.setattr(messages, "MESSAGES_PER_COMPANY_PER_HOUR", 3)
    user, meter, _agreement, devices = messaging_ready(macs=2)
    assert len(compose(user, meter)) == 2  # 2 of 3
    errors = refusal(user, meter)  # 2 + 2 > 3
    assert errors == {
        "__all__": [
            "Rate limit: your company may send 3 HAN device messages an hour; 2 were sent in "
            "the last hour and this would add 2. Send to fewer devices, or try again later."
        ]
    }
    assert len(compose(user, devices=devices[:1])) == 1  # 2 + 1 = 3: at the limit
    refusal(user, devices=devices[1:])  # 3 + 1 > 3
    clock.move_to(NOW + timedelta(hours=1))
    assert len(compose(user, meter)) == 2


# --- the timeline (HAN-9) ----------------------------------------------------------------------


def test_composing_writes_the_first_timeline_row(ready):
    """HAN-9, SEC-7."""
    user, meter, _agreement, _device = ready
    (now,) = compose(user, meter)
    (later,) = compose(user, meter, start_at=NOW + timedelta(hours=1))
    assert message_events(now) == [("", "queued", user.pk, "", "Composed; starts now.")]
    assert message_events(later) == [
        ("", "queued", user.pk, "", "Composed; waits for its start time.")
    ]
    assert HanMessageEvent.objects.get(message=now).created_at == timezone.now()
