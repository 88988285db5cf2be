"""seed_demo: every role, meters and realistic interval data, idempotent (OPS-3, USG-1)."""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.services import user_sign_in
from agreements.models import Agreement
from agreements.services.core import AgreementRefused
from agreements.services.creation import Contact, CustomerDetails, MeterPair
from han.message_text import MAX_CHARACTERS
from han.models import HanMessage, HanProvisionRequest
from han.services.core import slot_holders
from han.services.messages import han_messages_send_due
from han.services.provisioning import DeviceDetails, han_provision_request_create
from smt.demo import DEMO_PASSWORD, PREMISES, USERS
from smt.demo_han import FULL_METER, INSTALL_CODE
from smt.status import status_components
from usage.models import (
    CustomerPremise,
    DailyRead,
    IntervalDay,
    Meter,
    MonthlyUsage,
    Premise,
    TdspMessage,
)
from usage.selectors import premises_visible_to

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
# Two days after the fall DST day: the newest demo day is 2026-11-01 (100 intervals).
AFTER_FALL_BACK = datetime(2026, 11, 3, 12, 0, tzinfo=CHICAGO)
AFTER_SPRING_FORWARD = datetime(2026, 3, 10, 12, 0, tzinfo=CHICAGO)


def seed(days=5, when=AFTER_FALL_BACK) -> str:
    out = StringIO()
    with time_machine.travel(when, tick=False):
        call_command("seed_demo", "--days", str(days), stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("accounts", "usage", "notifications", "agreements", "han")
        for model in apps.get_app_config(app).get_models()
    }


def test_running_twice_creates_nothing_new():  # OPS-3
    seed()
    first = row_counts()
    second_output = seed()
    assert row_counts() == first
    assert "0 new interval days" in second_output
    assert first["usage.IntervalDay"] > 0


def test_demo_logins_are_printed_with_the_password():  # OPS-3
    output = seed(days=1)
    assert DEMO_PASSWORD in output
    for user in USERS:
        assert user.user_id in output


@pytest.mark.parametrize("user_id", [user.user_id for user in USERS])
def test_every_demo_user_can_sign_in(user_id):  # OPS-3, ACC-10
    seed(days=1)
    assert user_sign_in(user_id=user_id, password=DEMO_PASSWORD).user is not None


def test_every_role_is_present():  # OPS-3
    seed(days=1)
    kinds = set(User.objects.values_list("kind", flat=True))
    assert kinds == set(User.Kind.values)
    assert User.objects.filter(language="es", kind=User.Kind.RESIDENTIAL).exists()


def test_fall_back_day_has_100_intervals_and_a_normal_day_96():  # USG-1
    seed(days=3)
    days = dict(
        IntervalDay.objects.filter(
            channel="C", is_current=True, premise__esiid=PREMISES[4].esiid
        ).values_list("day", "quality")
    )
    assert len(days[date(2026, 11, 1)]) == 100
    assert len(days[date(2026, 10, 31)]) == 96


def test_spring_forward_day_has_92_intervals():  # USG-1
    seed(days=2, when=AFTER_SPRING_FORWARD)
    row = IntervalDay.objects.filter(day=date(2026, 3, 8), channel="C").first()
    assert row.interval_count == 92
    assert len(row.values) == 92


def test_solar_meter_exports_at_midday_and_never_at_night():  # USG-1
    seed(days=1, when=datetime(2026, 6, 17, 12, 0, tzinfo=CHICAGO))
    solar = next(spec for spec in PREMISES if spec.solar)
    generation = IntervalDay.objects.get(premise__esiid=solar.esiid, channel="G").values
    assert max(generation[48:56]) > 0  # 12:00-14:00
    assert max(generation[:20] + generation[-8:]) == 0  # before 5:00, after 22:00


def test_a_corrected_day_keeps_both_versions():  # USG-1
    seed(days=3)
    corrected = next(spec for spec in PREMISES if spec.corrected_days)
    versions = list(
        IntervalDay.objects.filter(premise__esiid=corrected.esiid, day=date(2026, 11, 1))
        .order_by("version")
        .values_list("version", "is_current")
    )
    assert versions == [(1, False), (2, True)]


def test_meters_are_attached_served_and_exchanged():  # MTR-1, MTR-3, ACC-23
    seed(days=1)
    assert CustomerPremise.objects.filter(customer__username="john.smith").count() == 2
    exchanged = next(spec for spec in PREMISES if spec.exchanged_meter)
    meters = Meter.objects.filter(premise__esiid=exchanged.esiid)
    assert meters.count() == 2
    assert meters.filter(removed_on__isnull=True).count() == 1


def test_daily_reads_continue_the_register():  # USG-4
    seed(days=3)
    esiid = PREMISES[0].esiid
    reads = list(DailyRead.objects.filter(premise__esiid=esiid).order_by("day"))
    assert len(reads) == 3
    assert reads[1].start_read == reads[0].end_read
    assert reads[0].end_read - reads[0].start_read == reads[0].consumption_kwh


def test_whole_months_get_monthly_usage():  # USG-5
    seed(days=40)  # 2026-09-24 .. 2026-11-01: only October is whole
    months = set(MonthlyUsage.objects.values_list("start_date", flat=True))
    assert months == {date(2026, 10, 1)}


def test_refuses_with_production_settings_unless_forced(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", "--days", "1")
    call_command("seed_demo", "--days", "1", "--force", stdout=StringIO())
    assert User.objects.exists()


def test_the_demo_third_party_has_agreements_in_every_status_a_new_database_shows():  # OPS-3
    seed()

    statuses = set(
        Agreement.objects.exclude(kind=Agreement.Kind.HAN_DEVICE).values_list("status", flat=True)
    )

    assert statuses == {
        Agreement.Status.PENDING,
        Agreement.Status.COMPLETE,
        Agreement.Status.REJECTED,
        Agreement.Status.ACTIVE,
        Agreement.Status.EXTENSION_PENDING,
        Agreement.Status.TERMINATED,
    }
    third_party = User.objects.get(username="tp.admin")
    assert premises_visible_to(user=third_party).count() == 2  # AGR-14: the Active ongoing


def test_the_demo_third_party_shows_a_logo(client):  # OPS-3, ACC-1
    seed(days=1)
    company = User.objects.get(username="tp.admin").company
    response = client.get(company.logo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    stored = company.logo.name
    seed(days=1)
    company.refresh_from_db()
    assert company.logo.name == stored  # seeding again keeps the one logo


S = Agreement.Status
HAN_STATUSES = {  # HAN-3, HAN-8: every status a newcomer should find
    S.REQUEST_EMAIL_SENT,
    S.PAIRING_INITIATED,
    S.PAIRING_NOT_INITIATED,
    S.CUSTOMER_REJECTED,
    S.ADD_PENDING,
    S.ADD_REJECTED,
    S.METER_READY,
    S.ADD_FAILED,
    S.DEVICE_ADDED,
    S.REMOVE_REQUESTED,
    S.REMOVE_PENDING,
    S.REMOVED,
    S.REMOVE_FAILED,
}


def han_statuses() -> list[tuple[str, str, str]]:
    return sorted(
        HanProvisionRequest.objects.values_list(
            "agreement__agreement_number", "mac_address", "agreement__status"
        )
    )


def test_the_demo_has_han_requests_in_every_status():  # OPS-3, HAN-3
    seed()

    statuses = set(
        Agreement.objects.filter(kind=Agreement.Kind.HAN_DEVICE).values_list("status", flat=True)
    )

    assert statuses == HAN_STATUSES
    # seed 004: an Add Failed after Meter Ready keeps Meter Ready, with its note
    assert HanProvisionRequest.objects.filter(
        agreement__status=S.METER_READY, setup_issue_at__isnull=False
    ).exists()
    assert HanProvisionRequest.objects.filter(
        agreement__status=S.METER_READY, setup_issue_at__isnull=True
    ).exists()
    # made by the demo 3rd party and the demo REP, for the demo customers
    makers = set(
        HanProvisionRequest.objects.values_list("agreement__initiated_by__username", flat=True)
    )
    assert makers == {"tp.admin", "rep.admin"}
    customers = set(
        HanProvisionRequest.objects.values_list("agreement__customer__username", flat=True)
    )
    assert customers == {"maria.garcia", "john.smith", "acme.business"}


def test_the_demo_requests_went_through_the_customer_link_and_the_tdsp_api():  # HAN-4, HAN-7
    seed()
    rejected = HanProvisionRequest.objects.get(agreement__status=S.CUSTOMER_REJECTED)
    assert rejected.agreement.history.filter(actor_label="customer link").exists()
    added = HanProvisionRequest.objects.filter(agreement__status=S.DEVICE_ADDED).first()
    assert added.sent_to_tdsp_at is not None
    assert added.agreement.history.filter(actor_label__startswith="TDSP message demo-").exists()
    # nothing is left for the worker to send: the seed marked them sent (SEC-6 sweep idle)
    assert not HanProvisionRequest.objects.filter(
        agreement__status=S.PAIRING_INITIATED, sent_to_tdsp_at__isnull=True
    ).exists()
    assert not HanProvisionRequest.objects.filter(
        agreement__status=S.REMOVE_REQUESTED, removal_sent_at__isnull=True
    ).exists()


def test_one_demo_meter_has_all_five_han_slots_taken():  # OPS-3, HAN-2
    seed()
    premise = Premise.objects.get(esiid=FULL_METER)
    assert slot_holders(premise_id=premise.pk).count() == 5
    customer = CustomerPremise.objects.get(premise=premise, detached_at__isnull=True).customer
    third_party = User.objects.get(username="tp.admin")

    with (
        time_machine.travel(AFTER_FALL_BACK, tick=False),
        pytest.raises(AgreementRefused, match="0 free HAN slot"),
    ):
        han_provision_request_create(
            user=third_party,
            customer=CustomerDetails(registered=True, email=customer.email),
            customer_id=customer.username,
            meter=MeterPair(
                esiid=FULL_METER,
                meter_number=premise.meters.get(removed_on__isnull=True).meter_number,
            ),
            devices=[DeviceDetails("thermostat", "000D6F00000E0001", INSTALL_CODE)],
            contact=Contact(name="Tom Baker", email=third_party.email),
        )


def test_seeding_han_requests_twice_changes_nothing():  # OPS-3
    seed()
    first = han_statuses()
    output = seed()
    assert han_statuses() == first
    assert "0 new agreements" in output


M = HanMessage.Status


def han_messages() -> list[tuple]:
    return sorted(
        HanMessage.objects.values_list(
            "pk", "device__mac_address", "status", "text", "status_changed_at"
        )
    )


def test_the_demo_has_han_device_messages_in_every_status():  # OPS-3, HAN-9
    seed()

    messages = HanMessage.objects.select_related("device__agreement__premise", "agreement")
    assert {m.status for m in messages} == set(M.values)
    # all from the demo 3rd party, to John Smith's paired devices, under its Ongoing HAN
    # Services agreement (AGR-17)
    for message in messages:
        assert message.sent_by.username == "tp.admin"
        assert message.device.agreement.premise.esiid == FULL_METER
        assert message.device.agreement.status == S.DEVICE_ADDED
        assert message.agreement.kind == Agreement.Kind.ONGOING_HAN
        assert message.agreement.status == S.ACTIVE
        assert len(message.text) <= MAX_CHARACTERS
    assert any("¡" in m.text for m in messages)  # one in Spanish
    queued = messages.get(status=M.QUEUED)
    assert queued.start_at > AFTER_FALL_BACK and queued.sent_at is None
    failed = messages.get(status=M.FAILED)
    assert failed.failure_reason and failed.sent_at is not None
    confirmed = messages.get(status=M.CONFIRMED)
    assert confirmed.confirmation_required and confirmed.delivered_at is not None


def test_the_demo_messages_went_through_the_services_and_the_tdsp_api():  # HAN-9, API-3
    seed()

    timelines = {
        m.status: [(e.from_status, e.to_status) for e in m.events.all()]
        for m in HanMessage.objects.prefetch_related("events")
    }
    assert timelines[M.CONFIRMED] == [
        ("", M.QUEUED),
        (M.QUEUED, M.SENT),
        (M.SENT, M.DELIVERED),
        (M.DELIVERED, M.CONFIRMED),
    ]
    assert timelines[M.CANCELLED] == [("", M.QUEUED), (M.QUEUED, M.CANCELLED)]
    assert timelines[M.FAILED][-1] == (M.SENT, M.FAILED)
    # the TDSP's answers are recorded TDSP API messages, named by the message's request id
    delivered = HanMessage.objects.get(status=M.DELIVERED)
    assert TdspMessage.objects.filter(
        kind="han_message_status", payload__request_id=delivered.tdsp_request_id
    ).exists()
    assert delivered.events.filter(actor_label__startswith="TDSP message demo-msg-").exists()
    # nothing is left for the sweep: only the message whose start time is ahead is Queued
    with time_machine.travel(AFTER_FALL_BACK, tick=False):
        assert han_messages_send_due(dry_run=True) == 0


def test_seeding_han_messages_twice_changes_nothing():  # OPS-3
    first_output = seed()
    first = han_messages()
    output = seed()
    assert han_messages() == first
    assert "6 new HAN device messages" in first_output
    assert "0 new HAN device messages" in output


def test_each_demo_tdsp_sends_its_newest_day_as_a_usage_file(
    django_capture_on_commit_callbacks,
):  # OPS-3, BEY-6: the status page's feeds have a file, through the TDSP API's service
    with django_capture_on_commit_callbacks(execute=True):  # the worker loads the files
        seed()
    files = TdspMessage.objects.filter(kind="usage_file")
    serving = {p.tdsp_id for p in Premise.objects.filter(is_sandbox=False)}
    assert {f.tdsp_id for f in files} == serving
    assert {(f.outcome["result"], f.outcome["stored"]) for f in files} == {("loaded", 0)}
    assert all(f.outcome["unchanged"] > 0 for f in files)  # the rows were stored already
    with time_machine.travel(AFTER_FALL_BACK, tick=False):
        feeds = [c for c in status_components() if c.key.startswith("tdsp-feed:")]
    codes = {f.tdsp.code for f in files}
    assert {c.state for c in feeds if c.key.split(":")[1] in codes} == {"up"}
