"""The HAN Device provision status machine as a table (HAN-3, HAN-5, HAN-7, HAN-8): every
allowed move and every refused one, for every status and role. Pure Python, no database.

The table is written out by hand from seeds 001 and 004 (and the de-provision decision of
HAN-8), not derived from `agreements.workflow.HAN_DEVICE_TRANSITIONS`."""

import itertools

import pytest

from agreements.models import Agreement
from agreements.workflow import (
    Role,
    TransitionNotAllowed,
    allowed_targets,
    can_transition,
    check_transition,
    statuses,
)

S = Agreement.Status
HAN = Agreement.Kind.HAN_DEVICE
C, P, SYS, T = Role.CUSTOMER, Role.THIRD_PARTY, Role.SYSTEM, Role.TDSP

ALLOWED = {
    # Seed 001 P1.5 → P1.7: the request email is recorded by SMT itself.
    (S.ADD_ACKNOWLEDGED, S.REQUEST_EMAIL_SENT, SYS),
    # Seed 001 P2.1 / seed 004: the customer starts or rejects by the link (HAN-4) …
    (S.REQUEST_EMAIL_SENT, S.PAIRING_INITIATED, C),
    (S.REQUEST_EMAIL_SENT, S.CUSTOMER_REJECTED, C),
    # … or does nothing for 35 days (HAN-5, seed 004).
    (S.REQUEST_EMAIL_SENT, S.PAIRING_NOT_INITIATED, SYS),
    # HAN-7: the TDSP reports; it may skip statuses (a Device Added before its Meter Ready).
    (S.PAIRING_INITIATED, S.ADD_PENDING, T),
    (S.PAIRING_INITIATED, S.ADD_REJECTED, T),
    (S.PAIRING_INITIATED, S.METER_READY, T),
    (S.PAIRING_INITIATED, S.ADD_FAILED, T),
    (S.PAIRING_INITIATED, S.DEVICE_ADDED, T),
    (S.ADD_PENDING, S.ADD_REJECTED, T),
    (S.ADD_PENDING, S.METER_READY, T),
    (S.ADD_PENDING, S.ADD_FAILED, T),  # seed 004: Add Failed (before Meter Ready)
    (S.ADD_PENDING, S.DEVICE_ADDED, T),
    (S.METER_READY, S.DEVICE_ADDED, T),  # seed 001 P2.8
    # Seed 004: a TDSP's Add Failed after Meter Ready keeps Meter Ready (no move); only the
    # closed pairing window (HAN-5 decision) turns Meter Ready into Add Failed.
    (S.METER_READY, S.ADD_FAILED, SYS),
    # HAN-8 decision: Remove by the customer or the 3rd party, the TDSP's answers, Remove again.
    (S.DEVICE_ADDED, S.REMOVE_REQUESTED, C),
    (S.DEVICE_ADDED, S.REMOVE_REQUESTED, P),
    (S.REMOVE_REQUESTED, S.REMOVE_PENDING, T),
    (S.REMOVE_REQUESTED, S.REMOVED, T),
    (S.REMOVE_REQUESTED, S.REMOVE_FAILED, T),
    (S.REMOVE_PENDING, S.REMOVED, T),
    (S.REMOVE_PENDING, S.REMOVE_FAILED, T),
    (S.REMOVE_FAILED, S.REMOVE_REQUESTED, C),
    (S.REMOVE_FAILED, S.REMOVE_REQUESTED, P),
}

HAN_STATUSES = {
    S.ADD_ACKNOWLEDGED,
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
FINAL = [S.PAIRING_NOT_INITIATED, S.CUSTOMER_REJECTED, S.ADD_REJECTED, S.ADD_FAILED, S.REMOVED]


@pytest.mark.parametrize(
    ("current", "target", "role"),
    [pytest.param(*move, id=f"{move[0]}->{move[1]}:{move[2]}") for move in sorted(ALLOWED)],
)
def test_every_move_of_the_seeds_is_allowed(current, target, role):  # HAN-3
    assert can_transition(HAN, current, target, role) is True
    check_transition(HAN, current, target, role)


REFUSED = [
    pytest.param(current, target, role, id=f"{current}->{target}:{role}")
    for current, target, role in itertools.product(S.values, S.values, list(Role))
    if (current, target, role) not in ALLOWED
]


@pytest.mark.parametrize(("current", "target", "role"), REFUSED)
def test_every_other_move_is_refused(current, target, role):  # HAN-3, HAN-7: never backwards
    assert can_transition(HAN, current, target, role) is False
    with pytest.raises(TransitionNotAllowed):
        check_transition(HAN, current, target, role)


def test_a_han_request_has_exactly_the_statuses_of_the_seeds():  # HAN-3
    assert set(statuses(HAN)) == HAN_STATUSES


@pytest.mark.parametrize("final", FINAL)
def test_closed_requests_and_removed_devices_never_move_again(final):  # HAN-5
    for role in Role:
        assert allowed_targets(HAN, final, role) == set()


def test_an_add_failed_from_the_tdsp_after_meter_ready_is_no_move():  # seed 004, HAN-3
    assert not can_transition(HAN, S.METER_READY, S.ADD_FAILED, T)
    assert allowed_targets(HAN, S.METER_READY, T) == {S.DEVICE_ADDED}


def test_the_refusal_names_the_statuses_and_the_role_in_words():
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition(HAN, S.DEVICE_ADDED, S.ADD_PENDING, T)
    assert str(refused.value) == (
        "A HAN Provision agreement cannot go from Device Added to Add Pending by the tdsp."
    )
