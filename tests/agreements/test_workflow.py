"""The agreement status machines as tables (AGR-9..AGR-14, AGR-17, MTR-2): every allowed
move and every refused one, for every kind and role. Pure Python, no database."""

import itertools

import pytest

from agreements.models import Agreement
from agreements.workflow import (
    TRANSITIONS,
    Role,
    TransitionNotAllowed,
    allowed_targets,
    can_transition,
    check_transition,
)

S = Agreement.Status
K = Agreement.Kind

# Written out by hand from SPEC §5, not derived from the module under test.
ONE_TIME_ALLOWED = {
    (S.PENDING, S.COMPLETE, Role.CUSTOMER),  # AGR-10
    (S.PENDING, S.REJECTED, Role.CUSTOMER),  # AGR-11
    (S.PENDING, S.NOT_ACCEPTED, Role.SYSTEM),  # AGR-9; also a closed 3rd party (ACC-21)
}
ONGOING_ALLOWED = {
    (S.PENDING, S.ACTIVE, Role.CUSTOMER),  # AGR-14
    (S.PENDING, S.REJECTED, Role.CUSTOMER),  # AGR-11
    (S.PENDING, S.NOT_ACCEPTED, Role.SYSTEM),  # AGR-9
    (S.PENDING, S.TERMINATED, Role.TDSP),  # MTR-2 Move-Out voids the invitation
    (S.PENDING, S.TERMINATED, Role.SYSTEM),  # ACC-21, ACC-8: the 3rd party was closed
    (S.ACTIVE, S.EXTENSION_PENDING, Role.THIRD_PARTY),  # AGR-14
    (S.ACTIVE, S.EXPIRED, Role.SYSTEM),  # AGR-14 end date
    (S.ACTIVE, S.TERMINATED, Role.CUSTOMER),
    (S.ACTIVE, S.TERMINATED, Role.THIRD_PARTY),
    (S.ACTIVE, S.TERMINATED, Role.TDSP),  # MTR-2
    (S.ACTIVE, S.TERMINATED, Role.SYSTEM),  # ACC-21, ACC-8: the 3rd party was closed
    (S.EXTENSION_PENDING, S.ACTIVE, Role.CUSTOMER),  # accept or reject the extension
    (S.EXTENSION_PENDING, S.ACTIVE, Role.SYSTEM),  # 30 days without an answer
    (S.EXTENSION_PENDING, S.EXPIRED, Role.SYSTEM),
    (S.EXTENSION_PENDING, S.TERMINATED, Role.CUSTOMER),
    (S.EXTENSION_PENDING, S.TERMINATED, Role.THIRD_PARTY),
    (S.EXTENSION_PENDING, S.TERMINATED, Role.TDSP),
    (S.EXTENSION_PENDING, S.TERMINATED, Role.SYSTEM),  # ACC-21, ACC-8
}
ALLOWED = {
    K.ONE_TIME: ONE_TIME_ALLOWED,
    K.ONGOING: ONGOING_ALLOWED,
    K.ONGOING_HAN: ONGOING_ALLOWED,  # AGR-17: same lifecycle as AGR-14
}
# HAN Device agreements have their own statuses (HAN-3): tests/han/test_workflow.py.
ENERGY_AND_SERVICE_STATUSES = [
    S.PENDING,
    S.COMPLETE,
    S.REJECTED,
    S.NOT_ACCEPTED,
    S.ACTIVE,
    S.EXTENSION_PENDING,
    S.EXPIRED,
    S.TERMINATED,
]

CASES = [
    pytest.param(kind, current, target, role, id=f"{kind}:{current}->{target}:{role}")
    for kind in ALLOWED
    for current, target, role in itertools.product(
        ENERGY_AND_SERVICE_STATUSES, ENERGY_AND_SERVICE_STATUSES, list(Role)
    )
]


@pytest.mark.parametrize(("kind", "current", "target", "role"), CASES)
def test_every_move_is_allowed_exactly_when_the_spec_allows_it(kind, current, target, role):
    expected = (current, target, role) in ALLOWED[kind]
    assert can_transition(kind, current, target, role) is expected
    if expected:
        check_transition(kind, current, target, role)
    else:
        with pytest.raises(TransitionNotAllowed):
            check_transition(kind, current, target, role)


def test_one_time_agreements_never_use_the_ongoing_statuses():
    assert set(TRANSITIONS[K.ONE_TIME]) == {S.PENDING, S.COMPLETE, S.REJECTED, S.NOT_ACCEPTED}


@pytest.mark.parametrize("final", [S.COMPLETE, S.REJECTED, S.NOT_ACCEPTED])
def test_complete_rejected_and_not_accepted_are_never_revived(final):  # AGR-9
    for kind, role in itertools.product(ALLOWED, list(Role)):
        assert allowed_targets(kind, final, role) == set()


def test_the_refusal_says_what_was_refused_in_words():
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition(K.ONE_TIME, S.COMPLETE, S.PENDING, Role.CUSTOMER)
    assert str(refused.value) == (
        "A One-Time Energy Data agreement cannot go from Complete to Pending by the customer."
    )


def test_only_the_third_party_asks_for_an_extension():  # AGR-14
    assert allowed_targets(K.ONGOING, S.ACTIVE, Role.THIRD_PARTY) == {
        S.EXTENSION_PENDING,
        S.TERMINATED,
    }
    assert allowed_targets(K.ONGOING, S.ACTIVE, Role.CUSTOMER) == {S.TERMINATED}
