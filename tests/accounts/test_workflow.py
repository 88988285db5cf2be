"""Status machines of accounts, companies and DUNS (ACC-7, ACC-8, ACC-9)."""

import itertools

import pytest

from accounts.models import Company, Duns, User
from accounts.workflow import TransitionNotAllowed, can_transition, check_transition

U, C, D = User.Status, Company.Status, Duns.Status

ALLOWED = {
    "account": {
        (U.PENDING, U.APPROVED),
        (U.APPROVED, U.ACTIVE),
        (U.APPROVED, U.REVOKED),
        (U.ACTIVE, U.LOCKED),
        (U.ACTIVE, U.SUSPENDED),
        (U.ACTIVE, U.REVOKED),
        (U.LOCKED, U.ACTIVE),
        (U.LOCKED, U.SUSPENDED),
        (U.LOCKED, U.REVOKED),
        (U.SUSPENDED, U.ACTIVE),
        (U.SUSPENDED, U.REVOKED),
    },
    "company": {
        (C.PENDING, C.APPROVED),
        (C.APPROVED, C.ACTIVE),
        (C.APPROVED, C.REVOKED),
        (C.ACTIVE, C.SUSPENDED),
        (C.ACTIVE, C.REVOKED),
        (C.SUSPENDED, C.ACTIVE),
        (C.SUSPENDED, C.REVOKED),
    },
    "DUNS": {
        (D.PENDING, D.ACTIVE),
        (D.ACTIVE, D.SUSPENDED),
        (D.ACTIVE, D.REVOKED),
        (D.SUSPENDED, D.ACTIVE),
        (D.SUSPENDED, D.REVOKED),
    },
}
STATUSES = {"account": U.values, "company": C.values, "DUNS": D.values}
EVERY_PAIR = [
    (kind, current, target, (current, target) in ALLOWED[kind])
    for kind, statuses in STATUSES.items()
    for current, target in itertools.product(statuses, statuses)
]


@pytest.mark.parametrize("kind, current, target, allowed", EVERY_PAIR)
def test_every_transition_is_allowed_or_refused_as_the_seed_says(kind, current, target, allowed):
    assert can_transition(kind, current, target) is allowed
    if allowed:
        check_transition(kind, current, target)
    else:
        with pytest.raises(TransitionNotAllowed):
            check_transition(kind, current, target)


@pytest.mark.parametrize(
    "kind, final", [("account", U.REVOKED), ("company", C.REVOKED), ("DUNS", D.REVOKED)]
)
def test_revoked_is_final(kind, final):  # ACC-7, ACC-8, ACC-9
    assert not any(can_transition(kind, final, target) for target in STATUSES[kind])
