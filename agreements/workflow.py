"""Status machines of customer agreements (AGR-9..AGR-14, AGR-17, MTR-2), as tables.

TRANSITIONS[kind][current][target] is the set of roles that may cause the move. Pure
Python: the services lock the row and ask `check_transition` before they change a status.
"""

from enum import StrEnum

from smt.lib.errors import Refused

from .models import Agreement


class Role(StrEnum):
    CUSTOMER = "customer"  # by the emailed link or signed in (AGR-8, AGR-16)
    THIRD_PARTY = "third_party"  # a user of the agreement's company (AGR-15)
    SYSTEM = "system"  # a scheduled job (AGR-9, AGR-14)
    TDSP = "tdsp"  # a TDSP transaction: Move-Out (MTR-2), a HAN status (HAN-7)


class TransitionNotAllowed(Refused):
    """The table has no such move for this role (a refusal about the agreement's status, so
    about no input field)."""

    def __init__(self, kind: str, current: str, target: str, role: str):
        super().__init__(
            f"A {Agreement.Kind(kind).label} agreement cannot go from "
            f"{Agreement.Status(current).label} to {Agreement.Status(target).label} "
            f"by the {role}."
        )
        self.kind, self.current, self.target, self.role = kind, current, target, role


S = Agreement.Status
C, P, SYS, T = Role.CUSTOMER, Role.THIRD_PARTY, Role.SYSTEM, Role.TDSP

ONE_TIME_TRANSITIONS: dict[str, dict[str, frozenset[Role]]] = {
    S.PENDING: {
        S.COMPLETE: frozenset({C}),  # AGR-10
        S.REJECTED: frozenset({C}),  # AGR-11
        # AGR-9; also (SYS) the invitation of a 3rd party whose account was closed (ACC-21,
        # ACC-8): One-Time has no Terminated, and Not Accepted is what a dead invitation is.
        S.NOT_ACCEPTED: frozenset({SYS}),
    },
    # AGR-9: Complete, Rejected and Not Accepted are never revived.
    S.COMPLETE: {},
    S.REJECTED: {},
    S.NOT_ACCEPTED: {},
}

ONGOING_TRANSITIONS: dict[str, dict[str, frozenset[Role]]] = {
    S.PENDING: {
        S.ACTIVE: frozenset({C}),  # AGR-14 accept
        S.REJECTED: frozenset({C}),  # AGR-11
        S.NOT_ACCEPTED: frozenset({SYS}),  # AGR-9
        # MTR-2: a Move-Out voids an unanswered invitation, so the next occupant's data is
        # never released on the leaving customer's word. ACC-21, ACC-8 (SYS): the 3rd party's
        # account was closed (purged or revoked), so its invitation dies with it.
        S.TERMINATED: frozenset({T, SYS}),
    },
    S.ACTIVE: {
        S.EXTENSION_PENDING: frozenset({P}),  # AGR-14 request extension
        S.EXPIRED: frozenset({SYS}),  # end date passed
        # AGR-14, MTR-2; SYS: the 3rd party's account was closed (ACC-21, ACC-8).
        S.TERMINATED: frozenset({C, P, T, SYS}),
    },
    S.EXTENSION_PENDING: {
        # The customer accepts (new end date) or rejects (old one); 30 days → old one.
        S.ACTIVE: frozenset({C, SYS}),
        S.EXPIRED: frozenset({SYS}),  # the end date came while waiting for an answer
        S.TERMINATED: frozenset({C, P, T, SYS}),  # SYS: the 3rd party was closed
    },
    S.REJECTED: {},
    S.NOT_ACCEPTED: {},
    S.EXPIRED: {},
    S.TERMINATED: {},
}

# HAN-3, HAN-7 (seed 004 wins over 001, SPEC HAN-5): one HAN device's provision request. The
# TDSP may skip statuses (a Device Added can arrive before its Meter Ready) but never goes
# back; an Add Failed after Meter Ready keeps Meter Ready (no move: `han` records the issue).
# The de-provision statuses are a decision (HAN-8, docs/decisions.md).
HAN_DEVICE_TRANSITIONS: dict[str, dict[str, frozenset[Role]]] = {
    S.ADD_ACKNOWLEDGED: {S.REQUEST_EMAIL_SENT: frozenset({SYS})},  # P1.5 → P1.7
    S.REQUEST_EMAIL_SENT: {
        S.PAIRING_INITIATED: frozenset({C}),  # P2.1 Start the Pairing Process
        S.CUSTOMER_REJECTED: frozenset({C}),  # Reject
        S.PAIRING_NOT_INITIATED: frozenset({SYS}),  # HAN-5: 35 days without an answer
    },
    S.PAIRING_INITIATED: {
        S.ADD_PENDING: frozenset({T}),
        S.ADD_REJECTED: frozenset({T}),
        S.METER_READY: frozenset({T}),
        S.ADD_FAILED: frozenset({T}),
        S.DEVICE_ADDED: frozenset({T}),
    },
    S.ADD_PENDING: {
        S.ADD_REJECTED: frozenset({T}),
        S.METER_READY: frozenset({T}),
        S.ADD_FAILED: frozenset({T}),
        S.DEVICE_ADDED: frozenset({T}),
    },
    S.METER_READY: {
        S.DEVICE_ADDED: frozenset({T}),
        # HAN-5 decision: the pairing window closed without a Device Added.
        S.ADD_FAILED: frozenset({SYS}),
    },
    S.DEVICE_ADDED: {S.REMOVE_REQUESTED: frozenset({C, P})},  # HAN-8 Remove
    S.REMOVE_REQUESTED: {
        S.REMOVE_PENDING: frozenset({T}),
        S.REMOVED: frozenset({T}),
        S.REMOVE_FAILED: frozenset({T}),
    },
    S.REMOVE_PENDING: {S.REMOVED: frozenset({T}), S.REMOVE_FAILED: frozenset({T})},
    S.REMOVE_FAILED: {S.REMOVE_REQUESTED: frozenset({C, P})},  # Remove again
    S.PAIRING_NOT_INITIATED: {},
    S.CUSTOMER_REJECTED: {},
    S.ADD_REJECTED: {},
    S.ADD_FAILED: {},
    S.REMOVED: {},
}

TRANSITIONS: dict[str, dict[str, dict[str, frozenset[Role]]]] = {
    Agreement.Kind.ONE_TIME: ONE_TIME_TRANSITIONS,
    Agreement.Kind.ONGOING: ONGOING_TRANSITIONS,
    Agreement.Kind.ONGOING_HAN: ONGOING_TRANSITIONS,  # AGR-17: same lifecycle as AGR-14
    Agreement.Kind.HAN_DEVICE: HAN_DEVICE_TRANSITIONS,  # HAN-3
}


def statuses(kind: str) -> list[str]:
    """The statuses an agreement of this kind can have."""
    return list(TRANSITIONS[kind])


def can_transition(kind: str, current: str, target: str, role: str) -> bool:
    return role in TRANSITIONS[kind].get(current, {}).get(target, frozenset())


def check_transition(kind: str, current: str, target: str, role: str) -> None:
    if not can_transition(kind, current, target, role):
        raise TransitionNotAllowed(kind, current, target, role)


def allowed_targets(kind: str, current: str, role: str) -> set[str]:
    return {target for target, roles in TRANSITIONS[kind].get(current, {}).items() if role in roles}
