"""Tenancy of agreements and of the meters they open (SEC-1, USG-12, AGR-2, AGR-14, AGR-16)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone

from agreements.models import Agreement
from agreements.selectors import agreement_get_for_user, agreement_list_for_user
from agreements.services.actions import agreement_terminate
from tests.factories import (
    AgreementFactory,
    CustomerPremiseFactory,
    MeterFactory,
    RorPeriodFactory,
    UserFactory,
)
from usage.selectors import premise_get_for_user, premises_visible_to

from .helpers import active_ongoing, details, one_time, ongoing, third_party_admin

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def test_third_party_sees_only_its_companys_agreements():  # SEC-1, AGR-2
    mine, theirs = AgreementFactory(), AgreementFactory()
    colleague = UserFactory(third_party=True, company=mine.company, can_energy_data=True)
    assert list(agreement_list_for_user(user=mine.initiated_by)) == [mine]
    assert list(agreement_list_for_user(user=colleague)) == [mine]
    with pytest.raises(Http404):
        agreement_get_for_user(user=mine.initiated_by, agreement_number=theirs.agreement_number)
    assert agreement_get_for_user(user=colleague, agreement_number=mine.agreement_number) == mine


def test_permissions_pick_the_kinds_a_third_party_user_sees():  # ACC-19
    energy = AgreementFactory()
    han = AgreementFactory(ongoing_han=True, initiated_by=energy.initiated_by)
    company = energy.company
    energy_user = UserFactory(third_party=True, company=company, can_energy_data=True)
    han_user = UserFactory(third_party=True, company=company, can_in_home_devices=True)
    nobody = UserFactory(third_party=True, company=company)
    assert list(agreement_list_for_user(user=energy_user)) == [energy]
    assert list(agreement_list_for_user(user=han_user)) == [han]
    assert not agreement_list_for_user(user=nobody).exists()


def test_customer_sees_the_agreements_made_with_their_account():  # AGR-16
    customer = UserFactory()
    mine = AgreementFactory(customer=customer)
    AgreementFactory()
    assert list(agreement_list_for_user(user=customer)) == [mine]
    assert not agreement_list_for_user(user=UserFactory()).exists()
    assert not agreement_list_for_user(user=UserFactory(tdsp_admin=True)).exists()


# --- USG-12: meters a 3rd party may see -----------------------------------------------------


def visible(user) -> set[str]:
    return set(premises_visible_to(user=user).values_list("esiid", flat=True))


def test_third_party_sees_the_meter_of_an_active_ongoing_agreement_only():  # USG-12
    user = third_party_admin()
    active = active_ongoing(user=user)
    ongoing(user=user)  # Pending
    one_time(user=user)  # One-Time never opens the meter
    active_ongoing()  # another company's
    assert visible(user) == {active.premise.esiid}
    assert premise_get_for_user(user=user, esiid=active.premise.esiid) == active.premise


def test_other_esiids_are_404_for_a_third_party():  # USG-12, SEC-1
    user = third_party_admin()
    other = active_ongoing()
    with pytest.raises(Http404):
        premise_get_for_user(user=user, esiid=other.premise.esiid)
    with pytest.raises(Http404):
        premise_get_for_user(user=user, esiid=MeterFactory().premise.esiid)


def test_third_party_user_without_energy_data_permission_sees_no_meter():  # USG-12, ACC-19
    agreement = active_ongoing()
    user = UserFactory(third_party=True, company=agreement.company)
    assert visible(user) == set()
    user.can_energy_data = True
    assert visible(user) == {agreement.premise.esiid}


def test_meter_is_visible_only_during_the_agreement_period():  # USG-12, AGR-14
    start = datetime(2026, 1, 15, 9, 0, tzinfo=CHICAGO)
    with time_machine.travel(start, tick=False):
        agreement = active_ongoing(months=1)
        user = agreement.initiated_by
        assert visible(user) == {agreement.premise.esiid}
    with time_machine.travel(datetime(2026, 2, 15, 23, 59, tzinfo=CHICAGO), tick=False):
        assert visible(user) == {agreement.premise.esiid}
    # The day after the end date, even before the job marks it Expired.
    with time_machine.travel(datetime(2026, 2, 16, 0, 1, tzinfo=CHICAGO), tick=False):
        assert visible(user) == set()


def test_termination_and_ongoing_han_agreements_do_not_open_usage():  # USG-12
    han = active_ongoing(kind=Agreement.Kind.ONGOING_HAN)
    assert visible(han.initiated_by) == set()
    agreement = active_ongoing()
    agreement_terminate(agreement=agreement, user=agreement.initiated_by, reason="done")
    assert visible(agreement.initiated_by) == set()


def test_customer_view_is_unchanged_by_agreements():  # USG-12
    customer = UserFactory()
    link = CustomerPremiseFactory(customer=customer, premise=MeterFactory().premise)
    active_ongoing(
        meter=link.premise.meters.get(), customer=details(registered=True, email=customer.email)
    )
    assert visible(customer) == {link.premise.esiid}


def test_visibility_query_does_not_duplicate_premises():  # USG-12
    user = third_party_admin()
    agreement = active_ongoing(user=user)
    AgreementFactory(
        initiated_by=user,
        premise=agreement.premise,
        kind="ongoing",
        status="expired",
        report_type="",
        report_duration="",
        duration_months=1,
        start_date=agreement.start_date - timedelta(days=400),
        end_date=agreement.end_date,
    )
    assert premises_visible_to(user=user).count() == 1


def test_a_rep_sees_the_meters_it_serves_and_those_of_its_agreements():  # USG-12, seed 002
    rep = UserFactory(rep_admin=True)
    served = MeterFactory().premise
    RorPeriodFactory(premise=served, ror_duns=rep.duns_grants.get().number)
    agreed = AgreementFactory(
        ongoing=True,
        status=Agreement.Status.ACTIVE,
        initiated_by=rep,
        start_date=timezone.localdate(),
        end_date=timezone.localdate() + timedelta(days=30),
    ).premise
    elsewhere = MeterFactory().premise
    colleague = UserFactory(rep=True, company=rep.company)  # no Energy Data permission

    assert set(premises_visible_to(user=rep)) == {served, agreed}
    assert premise_get_for_user(user=rep, esiid=agreed.esiid) == agreed
    assert elsewhere not in premises_visible_to(user=rep)
    assert set(premises_visible_to(user=colleague)) == set()  # a user's DUNS is their own
