"""The 3rd-party API's sandbox (BEY-5): what every app needs to know of it.

A company's sandbox is a handful of test meters of its own, on the sandbox TDSP (answered by
the simulated TDSP whatever the settings say), with two years of synthetic data. A test token
(`smt_test_…`) works only on them and a live token never sees them: the API sets the sandbox
mode for the request (`sandbox_mode`), and the selectors and services that find meters read it
(`sandbox_company`). Outside an API request made with a test token the mode is off: pages,
the worker and the commands see live data only.

The last two digits of a test ESIID say how its test customer answers every invitation
(`SANDBOX_CASES`): a test ESIID is `109999`, the company's id in nine digits, and the case.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SANDBOX_TDSP_CODE = "sandbox"
SANDBOX_TDSP_NAME = "SMT Sandbox (simulated TDSP)"
ESIID_PREFIX = "109999"  # 10 + 9999: no TDSP's ESIIDs start so (decision)


class Answer:
    ACCEPT = "accept"
    REJECT = "reject"
    NO_ANSWER = "no_answer"


@dataclass(frozen=True)
class SandboxCase:
    case: int  # the ESIID's last two digits
    answer: str
    solar: bool
    has_data: bool
    description: Promise


SANDBOX_CASES = (
    SandboxCase(1, Answer.ACCEPT, False, True, _("Accepts every invitation; a household.")),
    SandboxCase(2, Answer.ACCEPT, True, True, _("Accepts every invitation; rooftop solar.")),
    SandboxCase(3, Answer.REJECT, False, False, _("Rejects every invitation.")),
    SandboxCase(4, Answer.NO_ANSWER, False, False, _("Never answers: invitations lapse.")),
)


def sandbox_esiid(company_id: int, case: int) -> str:
    """17 digits: the prefix, the company's id (9 digits) and the case (2 digits)."""
    return f"{ESIID_PREFIX}{company_id:09d}{case:02d}"


def sandbox_meter_number(company_id: int, case: int) -> str:
    return f"SBX{company_id:07d}{case:02d}"


def sandbox_case_of(esiid: str) -> SandboxCase | None:
    """The test meter an ESIID is, by its last two digits; None for any other ESIID."""
    if not esiid.startswith(ESIID_PREFIX) or len(esiid) != 17:
        return None
    return next((meter for meter in SANDBOX_CASES if esiid.endswith(f"{meter.case:02d}")), None)


def sandbox_esiids(company_id: int) -> list[str]:
    return [sandbox_esiid(company_id, meter.case) for meter in SANDBOX_CASES]


@dataclass(frozen=True)
class SandboxMeterListed:
    esiid: str
    meter_number: str
    case: SandboxCase


def sandbox_meters_listed(company_id: int) -> list[SandboxMeterListed]:
    """The company's test meters as its pages list them (no query: they follow from its id)."""
    return [
        SandboxMeterListed(
            sandbox_esiid(company_id, case.case), sandbox_meter_number(company_id, case.case), case
        )
        for case in SANDBOX_CASES
    ]


# --- the mode of the current request ------------------------------------------------------------

_company: ContextVar[int | None] = ContextVar("sandbox_company", default=None)


@contextmanager
def sandbox_mode(company_id: int | None) -> Iterator[None]:
    """Inside: a test token of `company_id` is calling (None: live)."""
    token = _company.set(company_id)
    try:
        yield
    finally:
        _company.reset(token)


def sandbox_company() -> int | None:
    """The company whose sandbox the current request works in, or None for live data."""
    return _company.get()


def in_sandbox() -> bool:
    return _company.get() is not None
