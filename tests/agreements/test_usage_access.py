"""Which meters (and days) an agreement opens to its 3rd party is the agreements app's rule
alone (AGR-14, USG-12): `Agreement.opens_usage_on` and `selectors.agreement_opens_usage_q` say
it, and `usage` asks it through the `USAGE_AGREEMENT_ACCESS` hook, never by importing
agreements (CONVENTIONS: layers)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db.models import Max, Min, Q
from django.utils.module_loading import import_string

from agreements.models import Agreement
from agreements.selectors import agreement_opens_usage_q, agreement_usage_access
from tests.factories import AgreementFactory
from usage.selectors import (
    CLOSED,
    AgreementAccess,
    DataWindow,
    premise_data_window,
    premises_visible_to,
)

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
START, END = date(2026, 3, 1), date(2026, 8, 31)
S, K = Agreement.Status, Agreement.Kind


def nothing_open(*, user) -> AgreementAccess:
    """A stand-in hook: no agreement opens anything."""
    return AgreementAccess(
        premises=Q(pk__in=[]),
        first_day=Min("agreements__start_date", filter=Q(pk__in=[])),
        last_day=Max("agreements__end_date", filter=Q(pk__in=[])),
    )


TRAITS = {K.ONE_TIME: {}, K.ONGOING: {"ongoing": True}, K.ONGOING_HAN: {"ongoing_han": True}}
HOOKS = [
    ("USAGE_AGREEMENT_ACCESS", settings.USAGE_AGREEMENT_ACCESS),
    *[("ROR_MOVE_OUT_HOOKS", path) for path in settings.ROR_MOVE_OUT_HOOKS],
]


def agreement(kind=K.ONGOING, status=S.ACTIVE) -> Agreement:
    """An agreement of a 3rd-party company of its own, for 03/01/2026 – 08/31/2026."""
    return AgreementFactory(status=status, start_date=START, end_date=END, **TRAITS[kind])


def on(day: date):
    """Noon, Central time, on `day`."""
    return time_machine.travel(
        datetime(day.year, day.month, day.day, 12, tzinfo=CHICAGO), tick=False
    )


def test_the_hook_setting_names_the_agreements_rule():  # USG-12, CONVENTIONS
    assert settings.USAGE_AGREEMENT_ACCESS == "agreements.selectors.agreement_usage_access"
    assert import_string(settings.USAGE_AGREEMENT_ACCESS) is agreement_usage_access


@pytest.mark.parametrize(("setting", "path"), HOOKS)
def test_every_hook_setting_names_an_existing_function(setting, path):  # USG-12, MTR-2
    assert path, f"{setting} is empty"
    assert callable(import_string(path)), f"{setting}: {path!r} is not a function"


@pytest.mark.parametrize(
    ("kind", "status", "day", "opens"),
    [
        (K.ONGOING, S.ACTIVE, START, True),
        (K.ONGOING, S.ACTIVE, END, True),
        (K.ONGOING, S.EXTENSION_PENDING, END, True),  # in force with its current end date
        (K.ONGOING, S.ACTIVE, date(2026, 2, 28), False),  # the day before its start
        (K.ONGOING, S.ACTIVE, date(2026, 9, 1), False),  # the day after its end, not swept yet
        (K.ONGOING, S.PENDING, START, False),
        (K.ONGOING, S.EXPIRED, START, False),
        (K.ONGOING, S.TERMINATED, START, False),
        (K.ONGOING, S.REJECTED, START, False),
        (K.ONGOING, S.NOT_ACCEPTED, START, False),
        (K.ONGOING_HAN, S.ACTIVE, START, False),  # HAN services open no usage
        (K.ONE_TIME, S.COMPLETE, START, False),
    ],
)
def test_usage_opens_a_meter_exactly_when_the_agreement_says_so(
    kind, status, day, opens
):  # AGR-14, USG-12
    made = agreement(kind=kind, status=status)
    with on(day):
        seen = premises_visible_to(user=made.initiated_by).filter(pk=made.premise_id).exists()
        assert made.opens_usage is opens
    assert made.opens_usage_on(day) is opens
    assert seen is opens
    in_query = Agreement.objects.filter(agreement_opens_usage_q(on=day), pk=made.pk).exists()
    assert in_query is opens


def test_usage_asks_the_hook_for_the_window():  # USG-12, AGR-14
    made = agreement()
    with on(START):
        window = premise_data_window(user=made.initiated_by, premise=made.premise)
    assert window == DataWindow(start=START, end=END)


def test_usage_goes_through_the_hook(settings):  # USG-12: no copy of the rule in usage
    made = agreement()
    settings.USAGE_AGREEMENT_ACCESS = f"{__name__}.nothing_open"
    with on(START):
        assert not premises_visible_to(user=made.initiated_by).exists()
        assert premise_data_window(user=made.initiated_by, premise=made.premise) == CLOSED


def test_without_the_hook_no_agreement_opens_a_meter(settings):  # USG-12: fail closed
    made = agreement()
    settings.USAGE_AGREEMENT_ACCESS = ""
    with on(START):
        assert not premises_visible_to(user=made.initiated_by).exists()
        assert premise_data_window(user=made.initiated_by, premise=made.premise) == CLOSED


def test_another_companys_agreement_opens_nothing():  # USG-12, SEC-1
    made, other = agreement(), agreement()
    with on(START):
        visible = set(premises_visible_to(user=made.initiated_by))
    assert visible == {made.premise}
    assert other.premise not in visible
