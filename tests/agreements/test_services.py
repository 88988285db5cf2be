"""Customer agreements through their services (AGR-1..AGR-14, AGR-18, SEC-2, MTR-2)."""

import hashlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from agreements.models import Agreement, AgreementHistory, AgreementInvitation
from agreements.services.actions import (
    agreement_request_extension,
    agreement_resend,
    agreement_terminate,
)
from agreements.services.answers import (
    CUSTOMER_LINK,
    INVITATION_EXPIRED,
    LINK_NOT_VALID,
    agreement_accept,
    agreement_reject,
    agreement_reports_notify_ready,
    invitation_for_token,
    invitation_refusal,
)
from agreements.services.core import (
    STATUS_CHANGED,
    AgreementRefused,
    LinkRefused,
    agreement_number_next,
)
from agreements.services.creation import (
    EMAIL_COMBINATION_NOT_VALID,
    METER_NOT_VALID,
    MeterPair,
    agreement_create_one_time,
)
from agreements.services.jobs import (
    TDSP_MOVE_OUT,
    agreement_expire_pending,
    agreements_end_for_move_out,
)
from agreements.workflow import TransitionNotAllowed
from notifications.services import SECRET_REMOVED
from tests.factories import CustomerPremiseFactory, MeterFactory, UserFactory
from usage.models import ReportRequest

from .helpers import (
    CUSTOMER_EMAIL,
    active_ongoing,
    contact,
    details,
    emails,
    one_time,
    ongoing,
    pair,
    third_party_admin,
    token_of,
)

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
S = Agreement.Status


def history(agreement) -> list[tuple[str, str, str]]:
    return [
        (h.from_status, h.to_status, h.actor_label)
        for h in AgreementHistory.objects.filter(agreement=agreement)
    ]


# --- AGR-1 agreement number --------------------------------------------------------------------


def test_agreement_number_is_the_central_day_and_its_sequence():  # AGR-1
    # 04:30 UTC on Oct 25 is still Oct 24 in Chicago.
    with time_machine.travel(datetime(2026, 10, 25, 4, 30, tzinfo=UTC), tick=False):
        first, second = one_time(), one_time()
    with time_machine.travel(datetime(2026, 10, 25, 9, 0, tzinfo=CHICAGO), tick=False):
        next_day = one_time()
    assert (first.agreement_number, second.agreement_number) == ("102426000001", "102426000002")
    assert next_day.agreement_number == "102526000001"


def test_agreement_number_sequence_has_six_digits():  # AGR-1
    numbers = [agreement_number_next(on=date(2027, 1, 2)) for _ in range(3)]
    assert numbers == ["010227000001", "010227000002", "010227000003"]


# --- AGR-3, AGR-4, AGR-7 initiate ---------------------------------------------------------------


def test_three_meters_make_three_pending_agreements_each_with_its_invitation():  # AGR-4, AGR-7
    user = third_party_admin()
    meters = [MeterFactory() for _ in range(3)]
    with time_machine.travel(datetime(2026, 5, 4, 10, 0, tzinfo=CHICAGO), tick=False):
        agreements = agreement_create_one_time(
            user=user,
            customer=details(),
            meters=[pair(m) for m in meters],
            report_type=Agreement.ReportType.DAILY_CSV,
            report_duration=Agreement.ReportDuration.ONE_MONTH,
            contact=contact(),
        )
    assert [a.premise for a in agreements] == [m.premise for m in meters]
    assert {a.status for a in agreements} == {S.PENDING}
    assert {a.company for a in agreements} == {user.company}
    first = agreements[0]
    assert first.expires_at == datetime(2026, 6, 3, 10, 0, tzinfo=CHICAGO)  # AGR-9: 30 days
    assert history(first) == [("", S.PENDING, user.username)]  # AGR-18
    assert AgreementInvitation.objects.count() == 3
    invitations = emails("invitation")
    assert [e.recipient for e in invitations] == [CUSTOMER_EMAIL] * 3
    assert [e.recipient for e in emails("invitation_sent")] == ["james@green.example"] * 3


def test_invitation_email_has_the_seed_wording_masked_esiid_and_links(
    django_capture_on_commit_callbacks,
):  # EM201, NTF-1, NTF-4
    user = third_party_admin()
    user.company.privacy_policy_url = "https://green.example/privacy"
    user.company.save()
    meter = MeterFactory(premise__esiid="10443720007574303")
    with django_capture_on_commit_callbacks(execute=True):
        agreement = one_time(user=user, meter=meter)
    invitation = next(m for m in mail.outbox if m.to == [CUSTOMER_EMAIL])
    body = invitation.body
    assert invitation.subject == (
        "Smart Meter Texas - Invitation for One-Time Energy Data Agreement"
    )
    assert f"Agreement # {agreement.agreement_number}" in body
    assert "This Agreement provides a single energy usage report to" in body
    assert "the length of the report is for the last 3 months" in body
    assert "Their privacy policy can be viewed at: https://green.example/privacy" in body
    assert "ESIID: **********7574303" in body
    assert "10443720007574303" not in body
    assert "http://localhost:8000/agreements/answer/" in body
    assert "?action=accept" in body and "?action=reject" in body
    assert "As a customer, you own your smart meter data" in body
    # NTF-3/SEC-2: the link is blanked in the email log once sent.
    record = emails("invitation")[0]
    assert record.context["accept_url"] == SECRET_REMOVED


def test_invitation_without_privacy_policy_says_so():  # EM201, NTF-1
    one_time()
    from notifications.services import email_render

    message = email_render(emails("invitation")[0])
    assert "The Privacy Policy has not been provided." in message.body


def test_spanish_customer_gets_the_spanish_invitation():  # NTF-1
    one_time(customer=details(language="es"))
    from notifications.services import email_render

    message = email_render(emails("invitation")[0])
    assert message.subject.startswith("Smart Meter Texas - Invitación")
    assert "No se ha proporcionado la Política de Privacidad." in message.body


def test_business_customer_language_preference_is_ignored():  # seed 000 functional rule 1
    agreement = one_time(customer=details(kind="business", language="es"))
    assert agreement.customer_language == "en"


def test_user_without_energy_data_permission_is_refused():  # AGR-3, ACC-19
    user = UserFactory(third_party=True)
    with pytest.raises(AgreementRefused, match="permission"):
        one_time(user=user)
    user.can_energy_data = True
    user.save()
    assert one_time(user=user).status == S.PENDING


def test_customer_cannot_initiate_an_agreement():  # AGR-3
    with pytest.raises(AgreementRefused):
        one_time(user=UserFactory())


def test_registered_customer_is_found_by_email_and_filled_from_the_account():  # AGR-3, AGR-6
    customer = UserFactory(
        first_name="Ana", last_name="Lopez", email="ana@example.com", language="es"
    )
    link = CustomerPremiseFactory(customer=customer, premise=MeterFactory().premise)
    meter = link.premise.meters.get()
    agreement = one_time(
        meter=meter, customer=details(registered=True, email="ANA@example.com", first_name="")
    )
    assert agreement.customer == customer
    assert (agreement.customer_first_name, agreement.customer_last_name) == ("Ana", "Lopez")
    assert agreement.customer_language == "es"
    assert agreement.customer_street == link.premise.street_address
    assert emails("invitation")[0].language == "es"


@pytest.mark.parametrize("attached", [False, True])
def test_registered_customer_with_wrong_email_or_meter_is_refused(attached):  # AGR-6
    meter = MeterFactory()
    if attached:
        CustomerPremiseFactory(premise=meter.premise, customer__email="someone@example.com")
    with pytest.raises(AgreementRefused) as refused:
        one_time(meter=meter, customer=details(registered=True, email="ana@example.com"))
    assert refused.value.errors == {"meter_1": [EMAIL_COMBINATION_NOT_VALID]}


def test_unknown_meter_pair_gets_the_seed_message():  # AGR-6
    meter = MeterFactory()
    with pytest.raises(AgreementRefused) as refused:
        agreement_create_one_time(
            user=third_party_admin(),
            customer=details(),
            meters=[pair(meter), MeterPair(esiid=meter.premise.esiid, meter_number="999")],
            report_type="daily_csv",
            report_duration="1m",
            contact=contact(),
        )
    errors = refused.value.errors
    assert list(errors) == ["meter_2"]
    assert errors["meter_2"][0] == METER_NOT_VALID
    assert "The ESIID/Meter # pair specified is not correct" in errors["meter_2"]
    assert not Agreement.objects.exists()  # all or nothing


def test_meter_of_another_customer_account_is_refused_for_a_non_registered_customer():  # AGR-6
    link = CustomerPremiseFactory(premise=MeterFactory().premise)
    with pytest.raises(AgreementRefused) as refused:
        one_time(meter=link.premise.meters.get())
    assert refused.value.errors["meter_1"][0] == METER_NOT_VALID


def test_meter_number_with_a_leading_letter_matches():  # AGR-6, MTR-8
    meter = MeterFactory(meter_number="104051941")
    (agreement,) = agreement_create_one_time(
        user=third_party_admin(),
        customer=details(),
        meters=[MeterPair(esiid=meter.premise.esiid, meter_number="L104051941")],
        report_type="daily_csv",
        report_duration="1m",
        contact=contact(),
    )
    assert agreement.premise == meter.premise


def test_monthly_report_needs_at_least_a_month():  # AGR-3
    with pytest.raises(AgreementRefused) as refused:
        one_time(report_type="monthly_csv", report_duration="1d")
    assert "report_duration" in refused.value.errors


def test_same_esiid_twice_in_one_request_is_refused():  # AGR-4
    meter = MeterFactory()
    with pytest.raises(AgreementRefused, match="more than once"):
        agreement_create_one_time(
            user=third_party_admin(),
            customer=details(),
            meters=[pair(meter), pair(meter)],
            report_type="daily_csv",
            report_duration="1m",
            contact=contact(),
        )


def test_a_second_open_ongoing_agreement_for_the_same_esiid_is_refused():  # AGR-14
    user, meter = third_party_admin(), MeterFactory()
    first = ongoing(user=user, meter=meter)
    with pytest.raises(AgreementRefused, match=first.agreement_number):
        ongoing(user=user, meter=meter)


@pytest.mark.parametrize("months", [0, 13])
def test_ongoing_duration_is_1_to_12_months(months):  # AGR-14
    with pytest.raises(AgreementRefused):
        ongoing(months=months)


# --- AGR-5 the one-time limit -------------------------------------------------------------------

START = datetime(2026, 1, 10, 9, 0, tzinfo=CHICAGO)


def test_third_one_time_agreement_is_allowed_and_fourth_refused():  # AGR-5
    user, meter = third_party_admin(), MeterFactory()
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            one_time(user=user, meter=meter)
    later = START + timedelta(days=200)
    with time_machine.travel(later, tick=False), pytest.raises(AgreementRefused) as refused:
        one_time(user=user, meter=meter)
    assert "already has 3 One-Time Energy Data agreements" in str(refused.value)
    assert "01/10/2027" in str(refused.value)
    # Another company is not limited by this one's agreements.
    assert one_time(meter=meter).status == S.PENDING


def test_one_time_limit_counts_a_rolling_year():  # AGR-5, both sides of the boundary
    user, meter = third_party_admin(), MeterFactory()
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            one_time(user=user, meter=meter)
    just_before = datetime(2027, 1, 10, 8, 59, 59, tzinfo=CHICAGO)
    with time_machine.travel(just_before, tick=False), pytest.raises(AgreementRefused):
        one_time(user=user, meter=meter)
    with time_machine.travel(datetime(2027, 1, 10, 9, 0, tzinfo=CHICAGO), tick=False):
        assert one_time(user=user, meter=meter).status == S.PENDING


def test_rejected_one_time_agreements_do_not_count():  # AGR-5: Pending and Complete count
    user, meter = third_party_admin(), MeterFactory()
    first = one_time(user=user, meter=meter)
    agreement_reject(token=token_of(first))
    one_time(user=user, meter=meter)
    agreement_accept(token=token_of(one_time(user=user, meter=meter)))
    one_time(user=user, meter=meter)  # the 3rd counted one
    with pytest.raises(AgreementRefused):
        one_time(user=user, meter=meter)


# --- AGR-8..AGR-11 answering by link ------------------------------------------------------------


def test_token_is_256_bits_and_stored_only_as_its_hash():  # SEC-2
    agreement = one_time()
    token = token_of(agreement)
    invitation = AgreementInvitation.objects.get(agreement=agreement)
    assert len(token) >= 43
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert invitation.issued_for_status == S.PENDING
    assert token not in str(AgreementInvitation.objects.values().get())


def test_confirmation_page_lookup_changes_nothing():  # AGR-8: a GET never changes state
    agreement = one_time()
    invitation = invitation_for_token(token_of(agreement))
    assert invitation.agreement == agreement
    assert invitation_refusal(invitation=invitation) == ""
    agreement.refresh_from_db()
    assert agreement.status == S.PENDING and invitation.used_at is None


def test_accepting_a_one_time_agreement_completes_it_and_orders_the_report(
    django_capture_on_commit_callbacks,
):  # AGR-10
    user = third_party_admin()
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=CHICAGO), tick=False):
        agreement = one_time(user=user)
        # EM203 is recorded by the worker once its PDF exists, after the commit.
        with django_capture_on_commit_callbacks(execute=True):
            result = agreement_accept(token=token_of(agreement))
    agreement.refresh_from_db()
    assert result.changed and agreement.status == S.COMPLETE
    assert agreement.start_date == date(2026, 11, 20)
    report = agreement.report_request
    assert report.company == user.company and report.requested_by == user
    assert report.report_type == ReportRequest.ReportType.INTERVAL
    assert list(report.premises.all()) == [agreement.premise]
    # 3 months ending with the latest available day (two days back, USG-6).
    assert (report.start_date, report.end_date) == (date(2026, 8, 19), date(2026, 11, 18))
    assert history(agreement)[-1] == (S.PENDING, S.COMPLETE, CUSTOMER_LINK)
    assert [e.recipient for e in emails("accepted")] == [CUSTOMER_EMAIL]  # EM203
    assert [e.recipient for e in emails("accepted_notice")] == ["james@green.example"]


def test_interval_xml_one_time_report_is_green_button():  # AGR-3, USG-10
    agreement = one_time(report_type="interval_xml", report_duration="1d")
    agreement_accept(token=token_of(agreement))
    agreement.refresh_from_db()
    request = agreement.report_request
    assert request.file_format == ReportRequest.FileFormat.GREEN_BUTTON
    assert request.start_date == request.end_date


def test_accepting_an_ongoing_agreement_activates_it_for_its_months():  # AGR-14
    with time_machine.travel(datetime(2012, 11, 5, 10, 0, tzinfo=CHICAGO), tick=False):
        agreement = active_ongoing(months=6)
    assert agreement.status == S.ACTIVE
    assert (agreement.start_date, agreement.end_date) == (date(2012, 11, 5), date(2013, 5, 5))


def test_rejecting_sends_em205_to_the_third_party():  # AGR-11
    agreement = one_time()
    result = agreement_reject(token=token_of(agreement))
    assert result.agreement.status == S.REJECTED
    assert [e.recipient for e in emails("rejected")] == ["james@green.example"]
    assert not emails("accepted")


def test_double_click_on_accept_changes_once_and_emails_once(
    django_capture_on_commit_callbacks,
):  # AGR-8
    agreement = one_time()
    token = token_of(agreement)
    with django_capture_on_commit_callbacks(execute=True):  # EM203 comes from the worker
        first = agreement_accept(token=token)
        second = agreement_accept(token=token)
    assert first.changed and not second.changed
    assert second.agreement.status == S.COMPLETE
    assert len(history(agreement)) == 2
    assert len(emails("accepted")) == 1
    assert ReportRequest.objects.count() == 1


def test_replayed_link_with_the_other_answer_is_refused():  # AGR-8, AGR-9
    agreement = one_time()
    token = token_of(agreement)
    agreement_accept(token=token)
    with pytest.raises(LinkRefused) as refused:
        agreement_reject(token=token)
    assert str(refused.value) == STATUS_CHANGED
    agreement.refresh_from_db()
    assert agreement.status == S.COMPLETE


@pytest.mark.parametrize("tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), str.upper])
def test_tampered_link_is_not_valid(tamper):  # SEC-2
    agreement = one_time()
    with pytest.raises(LinkRefused) as refused:
        agreement_accept(token=tamper(token_of(agreement)))
    assert str(refused.value) == LINK_NOT_VALID
    agreement.refresh_from_db()
    assert agreement.status == S.PENDING


def test_link_works_on_day_30_and_has_expired_on_day_31():  # AGR-9, both sides
    with time_machine.travel(START, tick=False):
        first, second = one_time(), one_time()
    with time_machine.travel(START + timedelta(days=30, seconds=-1), tick=False):
        assert agreement_accept(token=token_of(first)).agreement.status == S.COMPLETE
    day_31 = START + timedelta(days=30)
    with time_machine.travel(day_31, tick=False), pytest.raises(LinkRefused) as refused:
        agreement_accept(token=token_of(second))
    assert str(refused.value) == INVITATION_EXPIRED
    second.refresh_from_db()
    assert second.status == S.PENDING  # the job will make it Not Accepted


def test_link_of_a_changed_agreement_says_the_status_changed():  # AGR-9, seed FR 14
    agreement = active_ongoing()
    first_token = token_of(agreement)
    agreement_request_extension(
        agreement=agreement,
        user=agreement.initiated_by,
        new_end_date=agreement.end_date + timedelta(days=30),
    )
    with pytest.raises(LinkRefused) as refused:
        agreement_reject(token=first_token)
    assert str(refused.value) == STATUS_CHANGED


# --- AGR-13 resend ------------------------------------------------------------------------------


def test_resend_sends_em202_with_a_new_link_while_pending():  # AGR-13
    agreement = one_time()
    first_token = token_of(agreement)
    agreement_resend(agreement=agreement, user=agreement.initiated_by)
    second_token = token_of(agreement)
    assert second_token != first_token
    resent = emails("invitation")[-1]
    assert resent.context["resent"] is True
    from notifications.services import email_render

    assert "Reminder" in email_render(resent).subject
    assert agreement_accept(token=second_token).changed
    with pytest.raises(LinkRefused):  # spent with the agreement's status change
        agreement_reject(token=first_token)


def test_resend_is_refused_unless_pending_or_for_another_company():  # AGR-13, SEC-1
    agreement = one_time()
    with pytest.raises(AgreementRefused):
        agreement_resend(agreement=agreement, user=third_party_admin())
    agreement_accept(token=token_of(agreement))
    with pytest.raises(AgreementRefused, match="Pending"):
        agreement_resend(agreement=agreement, user=agreement.initiated_by)


# --- AGR-14 extension, termination ------------------------------------------------------------


def test_customer_accepts_an_extension_and_the_end_date_moves():  # AGR-14
    agreement = active_ongoing(months=3)
    old_end = agreement.end_date
    new_end = old_end + timedelta(days=60)
    agreement_request_extension(
        agreement=agreement, user=agreement.initiated_by, new_end_date=new_end
    )
    agreement.refresh_from_db()
    assert agreement.status == S.EXTENSION_PENDING and agreement.end_date == old_end
    extension_email = emails("invitation")[-1]
    assert extension_email.context["extension"] is True
    result = agreement_accept(token=token_of(agreement))
    assert result.agreement.status == S.ACTIVE
    assert result.agreement.end_date == new_end
    assert emails("extension_answered")[-1].context["accepted"] is True


def test_customer_rejects_an_extension_and_keeps_the_old_date():  # AGR-14
    agreement = active_ongoing(months=3)
    old_end = agreement.end_date
    agreement_request_extension(
        agreement=agreement, user=agreement.initiated_by, new_end_date=old_end + timedelta(days=9)
    )
    result = agreement_reject(token=token_of(agreement))
    assert (result.agreement.status, result.agreement.end_date) == (S.ACTIVE, old_end)
    assert result.agreement.requested_end_date is None


@pytest.mark.parametrize("days", [0, 400])
def test_extension_date_must_be_later_and_within_12_months(days):  # AGR-14
    agreement = active_ongoing(months=3)
    with pytest.raises(AgreementRefused):
        agreement_request_extension(
            agreement=agreement,
            user=agreement.initiated_by,
            new_end_date=agreement.end_date + timedelta(days=days),
        )


def test_only_the_third_party_requests_an_extension_of_an_active_agreement():  # AGR-14
    customer = UserFactory()
    link = CustomerPremiseFactory(customer=customer, premise=MeterFactory().premise)
    agreement = active_ongoing(
        meter=link.premise.meters.get(), customer=details(registered=True, email=customer.email)
    )
    with pytest.raises(TransitionNotAllowed):
        agreement_request_extension(
            agreement=agreement, user=customer, new_end_date=agreement.end_date + timedelta(1)
        )
    pending = ongoing()
    with pytest.raises(TransitionNotAllowed):
        agreement_request_extension(
            agreement=pending, user=pending.initiated_by, new_end_date=date(2099, 1, 1)
        )


def test_registered_customer_terminates_with_a_reason_and_the_third_party_is_told():  # AGR-14
    customer = UserFactory()
    link = CustomerPremiseFactory(customer=customer, premise=MeterFactory().premise)
    agreement = active_ongoing(
        meter=link.premise.meters.get(), customer=details(registered=True, email=customer.email)
    )
    with pytest.raises(AgreementRefused):
        agreement_terminate(agreement=agreement, user=customer, reason="  ")
    agreement_terminate(agreement=agreement, user=customer, reason="Changed my mind")
    agreement.refresh_from_db()
    assert agreement.status == S.TERMINATED
    assert agreement.termination_reason == "Changed my mind"
    last = AgreementHistory.objects.filter(agreement=agreement).last()
    assert (last.actor, last.reason) == (customer, "Changed my mind")  # AGR-18
    assert [e.recipient for e in emails("terminated")] == ["james@green.example"]


def test_third_party_terminates_and_the_customer_is_told():  # AGR-14, AGR-15
    agreement = active_ongoing()
    agreement_terminate(agreement=agreement, user=agreement.initiated_by, reason="Contract over")
    assert [e.recipient for e in emails("terminated")] == [CUSTOMER_EMAIL]


def test_strangers_and_one_time_agreements_cannot_be_terminated():  # AGR-15, SEC-1
    agreement = active_ongoing()
    with pytest.raises(AgreementRefused):
        agreement_terminate(agreement=agreement, user=third_party_admin(), reason="x")
    with pytest.raises(AgreementRefused):
        agreement_terminate(agreement=agreement, user=UserFactory(), reason="x")
    complete = one_time()
    agreement_accept(token=token_of(complete))
    with pytest.raises(TransitionNotAllowed):
        agreement_terminate(agreement=complete, user=complete.initiated_by, reason="x")


# --- MTR-2 Move-Out ------------------------------------------------------------------------------


def test_move_out_ends_the_ongoing_agreements_of_the_premise():  # MTR-2 Decision
    meter = MeterFactory()
    active = active_ongoing(meter=meter)
    pending_han = ongoing(meter=meter, kind=Agreement.Kind.ONGOING_HAN)
    one_time_pending = one_time(meter=meter)
    elsewhere = active_ongoing()
    ended = agreements_end_for_move_out(premise=meter.premise, effective=date(2026, 3, 1))
    assert ended == 2
    for agreement, status in [
        (active, S.TERMINATED),
        (pending_han, S.TERMINATED),
        (one_time_pending, S.PENDING),
        (elsewhere, S.ACTIVE),
    ]:
        agreement.refresh_from_db()
        assert agreement.status == status
    assert active.termination_reason == "Move-Out"
    assert history(active)[-1] == (S.ACTIVE, S.TERMINATED, TDSP_MOVE_OUT)
    assert agreements_end_for_move_out(premise=meter.premise) == 0  # safe twice


# --- AGR-10 EM204 --------------------------------------------------------------------------------


def test_third_party_is_told_once_when_the_one_time_report_is_ready(
    django_capture_on_commit_callbacks,
):  # AGR-10, EM204
    agreement = one_time()
    token = token_of(agreement)
    with django_capture_on_commit_callbacks(execute=True):
        agreement_accept(token=token)  # the worker runs the build in-process
    agreement.refresh_from_db()
    assert agreement.report_request.status != ReportRequest.Status.PROCESSING
    assert agreement_reports_notify_ready() == 1
    assert agreement_reports_notify_ready() == 0
    (notice,) = emails("report_ready")
    assert notice.recipient == "james@green.example"
    assert notice.context["order_number"] == agreement.report_request.order_number
    agreement.refresh_from_db()
    assert agreement.report_notified_at is not None


def test_the_agreement_report_is_announced_by_em204_only(
    django_capture_on_commit_callbacks,
):  # AGR-10, NTF-3: one email per event
    from notifications.models import OutboundEmail

    agreement = one_time()
    with django_capture_on_commit_callbacks(execute=True):
        agreement_accept(token=token_of(agreement))
    agreement.refresh_from_db()
    request = agreement.report_request
    assert request.party == ReportRequest.Party.THIRD_PARTY
    assert request.status != ReportRequest.Status.PROCESSING
    agreement_reports_notify_ready()
    recipients = ["james@green.example", agreement.initiated_by.email]
    to_third_party = OutboundEmail.objects.filter(recipient__in=recipients).exclude(
        template__in=["agreements/invitation_sent", "agreements/accepted_notice"]
    )
    assert list(to_third_party.values_list("template", flat=True)) == ["agreements/report_ready"]
    assert not OutboundEmail.objects.filter(template="usage/report_ready").exists()


def test_report_is_not_announced_while_processing():  # AGR-10
    agreement = one_time()
    agreement_accept(token=token_of(agreement))  # on-commit build never ran here
    assert agreement_reports_notify_ready() == 0


def test_created_at_is_timezone_aware():
    assert timezone.is_aware(one_time().created_at)


def test_every_agreement_email_renders_in_english_and_spanish(
    django_capture_on_commit_callbacks,
):  # NTF-1
    from notifications.models import OutboundEmail
    from notifications.services import email_render

    one = one_time()
    with django_capture_on_commit_callbacks(execute=True):  # EM203 comes from the worker
        agreement_accept(token=token_of(one))
    agreement_reject(token=token_of(one_time()))
    agreement = active_ongoing()
    agreement_request_extension(
        agreement=agreement,
        user=agreement.initiated_by,
        new_end_date=agreement.end_date + timedelta(days=5),
    )
    agreement_accept(token=token_of(agreement))
    agreement_terminate(agreement=agreement, user=agreement.initiated_by, reason="Done")
    agreements_end_for_move_out(premise=active_ongoing().premise)
    from agreements import emails as agreement_emails

    one.refresh_from_db()
    agreement_emails.report_ready(agreement=one)
    one_time()
    agreement_expire_pending(now=timezone.now() + timedelta(days=31))  # AGR-9 Not Accepted
    templates = set(OutboundEmail.objects.values_list("template", flat=True))
    assert {
        f"agreements/{name}"
        for name in (
            "invitation",
            "invitation_sent",
            "accepted",
            "accepted_notice",
            "rejected",
            "report_ready",
            "extension_answered",
            "terminated",
            "not_accepted",
        )
    } <= templates
    for record in OutboundEmail.objects.filter(template__startswith="agreements/"):
        for language in ("en", "es"):
            record.language = language
            message = email_render(record)
            assert message.subject and "{{" not in message.body
            assert "Smart Meter Texas" in message.subject
