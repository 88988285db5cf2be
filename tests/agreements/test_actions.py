"""The actions each side may use on an agreement now (AGR-13..AGR-16, seed 000 functional
rules 10 and 16), from the selectors; the one "invitation still open" rule (AGR-9); and the
one refusal error every service of agreements raises."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agreements.models import Agreement
from agreements.selectors import (
    ANSWER,
    ANSWER_EXTENSION,
    EXTEND,
    RESEND,
    TERMINATE,
    VIEW_USAGE,
    agreement_company_actions,
    agreement_customer_actions,
)
from agreements.services.answers import LINK_NOT_VALID
from agreements.services.core import STATUS_CHANGED, AgreementChanged, AgreementRefused, LinkRefused
from agreements.workflow import Role, TransitionNotAllowed
from smt.lib.errors import Refused

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=CHICAGO)
S, K = Agreement.Status, Agreement.Kind


def agreement(kind=K.ONGOING, status=S.PENDING, **fields) -> Agreement:
    """An unsaved agreement: the actions are derived from its own fields only."""
    values = {
        "kind": kind,
        "status": status,
        "expires_at": NOW + timedelta(days=1),
        "start_date": date(2026, 5, 1),
        "end_date": date(2026, 10, 31),
    }
    return Agreement(**{**values, **fields})


@pytest.mark.parametrize(
    ("kind", "status", "expected"),
    [
        (K.ONE_TIME, S.PENDING, {RESEND}),
        (K.ONE_TIME, S.COMPLETE, set()),
        (K.ONGOING, S.PENDING, {RESEND}),
        (K.ONGOING, S.ACTIVE, {TERMINATE, EXTEND, VIEW_USAGE}),
        (K.ONGOING, S.EXTENSION_PENDING, {TERMINATE, VIEW_USAGE}),
        (K.ONGOING_HAN, S.ACTIVE, {TERMINATE, EXTEND}),  # HAN services open no usage
        (K.ONGOING, S.EXPIRED, set()),
        (K.ONGOING, S.TERMINATED, set()),
        (K.ONGOING, S.REJECTED, set()),
        (K.ONGOING, S.NOT_ACCEPTED, set()),
    ],
)
def test_the_third_partys_actions_follow_the_status(kind, status, expected):  # AGR-15
    assert agreement_company_actions(agreement=agreement(kind, status), now=NOW) == expected


@pytest.mark.parametrize(
    ("kind", "status", "expected"),
    [
        (K.ONE_TIME, S.PENDING, {ANSWER}),
        (K.ONGOING, S.PENDING, {ANSWER}),
        (K.ONGOING, S.ACTIVE, {TERMINATE}),
        (K.ONGOING, S.EXTENSION_PENDING, {ANSWER_EXTENSION, TERMINATE}),
        (K.ONGOING, S.EXPIRED, set()),
    ],
)
def test_the_customers_actions_follow_the_status(kind, status, expected):  # AGR-16
    assert agreement_customer_actions(agreement=agreement(kind, status), now=NOW) == expected


@pytest.mark.parametrize(
    ("offset", "is_open"), [(timedelta(seconds=-1), True), (timedelta(), False)]
)
def test_an_invitation_is_open_until_its_30_days_are_over(offset, is_open):  # AGR-9, AGR-13
    pending = agreement(status=S.PENDING, expires_at=NOW)
    assert pending.invitation_is_open(NOW + offset) is is_open
    assert (RESEND in agreement_company_actions(agreement=pending, now=NOW + offset)) is is_open
    assert (ANSWER in agreement_customer_actions(agreement=pending, now=NOW + offset)) is is_open


def test_only_a_pending_agreement_has_an_open_invitation():  # AGR-9
    assert not agreement(status=S.ACTIVE).invitation_is_open(NOW)


@pytest.mark.parametrize(
    ("offset", "is_open"), [(timedelta(seconds=-1), True), (timedelta(), False)]
)
def test_an_extension_request_is_open_until_its_30_days_are_over(offset, is_open):  # AGR-14
    waiting = agreement(status=S.EXTENSION_PENDING, extension_expires_at=NOW)
    assert waiting.extension_request_is_open(NOW + offset) is is_open
    actions = agreement_customer_actions(agreement=waiting, now=NOW + offset)
    assert (ANSWER_EXTENSION in actions) is is_open


def test_usage_is_offered_only_inside_the_agreements_period():  # AGR-14, USG-12
    active = agreement(status=S.ACTIVE)
    after_end = datetime(2026, 11, 1, 0, 1, tzinfo=CHICAGO)
    last_day = datetime(2026, 10, 31, 23, 59, tzinfo=CHICAGO)
    assert VIEW_USAGE in agreement_company_actions(agreement=active, now=last_day)
    assert VIEW_USAGE not in agreement_company_actions(agreement=active, now=after_end)


# --- One refusal error (CONVENTIONS) ------------------------------------------------------------


@pytest.mark.parametrize(
    "refusal",
    [
        AgreementRefused("No."),
        LinkRefused(LINK_NOT_VALID),
        AgreementChanged(STATUS_CHANGED),
        TransitionNotAllowed(K.ONE_TIME, S.COMPLETE, S.PENDING, Role.CUSTOMER),
    ],
)
def test_every_refusal_of_agreements_is_a_refused(refusal):
    assert isinstance(refusal, Refused)
    assert refusal.message and str(refusal) == str(refusal.message)


def test_an_agreement_refusal_names_its_field_only_when_it_has_one():  # AGR-6, AGR-14
    one = AgreementRefused({"new_end_date": ["Too late."]})
    assert (one.field, one.message, one.errors) == (
        "new_end_date",
        "Too late.",
        {"new_end_date": ["Too late."]},
    )
    several = AgreementRefused({"meter_1": ["Unknown."], "meter_2": ["Taken.", "Again."]})
    assert (several.field, several.message) == (None, "Unknown. Taken. Again.")
    general = AgreementRefused("You cannot change this agreement.")
    assert general.field is None
    assert general.errors == {"__all__": ["You cannot change this agreement."]}
