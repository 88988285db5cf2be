"""Status machines of accounts, companies and DUNS numbers (ACC-7, ACC-8, ACC-9, seed 003 §4).

Pure tables: which status may follow which. Deleting a Pending or never-used record (decline,
14-day rule) and removing a DUNS are deletions, not statuses, so they are not listed here.
"""

from smt.lib.errors import Refused

from .models import Company, Duns, User


class TransitionNotAllowed(Refused):
    """The status table has no move from `current` to `target`."""

    def __init__(self, kind: str, current: str, target: str) -> None:
        super().__init__(f"A {kind} cannot go from {current} to {target}.")
        self.current = current
        self.target = target


U = User.Status
USER_TRANSITIONS: dict[str, set[str]] = {
    U.PENDING: {U.APPROVED},
    U.APPROVED: {U.ACTIVE, U.REVOKED},
    U.ACTIVE: {U.LOCKED, U.SUSPENDED, U.REVOKED},
    U.LOCKED: {U.ACTIVE, U.SUSPENDED, U.REVOKED},
    U.SUSPENDED: {U.ACTIVE, U.REVOKED},
    U.REVOKED: set(),  # final: a new account must be registered
}

C = Company.Status
COMPANY_TRANSITIONS: dict[str, set[str]] = {
    C.PENDING: {C.APPROVED},
    C.APPROVED: {C.ACTIVE, C.REVOKED},
    C.ACTIVE: {C.SUSPENDED, C.REVOKED},
    C.SUSPENDED: {C.ACTIVE, C.REVOKED},
    C.REVOKED: set(),
}

D = Duns.Status
DUNS_TRANSITIONS: dict[str, set[str]] = {
    D.PENDING: {D.ACTIVE},
    D.ACTIVE: {D.SUSPENDED, D.REVOKED},
    D.SUSPENDED: {D.ACTIVE, D.REVOKED},
    D.REVOKED: set(),
}

_TABLES = {
    "account": USER_TRANSITIONS,
    "company": COMPANY_TRANSITIONS,
    "DUNS": DUNS_TRANSITIONS,
}


def can_transition(kind: str, current: str, target: str) -> bool:
    return target in _TABLES[kind].get(current, set())


def check_transition(kind: str, current: str, target: str) -> None:
    if not can_transition(kind, current, target):
        raise TransitionNotAllowed(kind, current, target)


def allowed_targets(kind: str, current: str) -> set[str]:
    return set(_TABLES[kind].get(current, set()))
