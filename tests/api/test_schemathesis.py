"""Schemathesis against the OpenAPI documents of the three APIs (API-1, API-2, API-3, API-4,
BEY-3): every operation each document holds today, with generated valid and invalid requests
and a key or token that works, must answer below 500 with a status, a content type, headers
and a body the document describes.

The documents are read as each API serves them (`/api/openapi.json`,
`/tdsp-api/v1/openapi.json`, `/tp-api/v1/openapi.json`), so an endpoint added to an API is
tested as soon as its document lists it. Requests go in-process to the project's real WSGI
application (every middleware included), each in a savepoint, against a small world: a meter
with usage and an On Demand Read, its customer, its TDSP and a 3rd party with agreements, HAN
requests, a HAN message and a webhook. A generated ESIID, number or id is now and then
replaced by one of the world's, so answers past the 404 are reached too. The API limits are
raised out of the way (their own tests are test_limits.py).

A few minutes in all, so `./dev test` skips it; CI runs it on PostgreSQL:
`python -m pytest -m schemathesis tests/api/test_schemathesis.py` (SMT_SCHEMATHESIS_EXAMPLES
sets the examples per operation).
"""

import dataclasses
import os
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.schemas import APIOperation

from accounts import ratelimit
from accounts.services import api_token_issue
from agreements.services.answers import agreement_answer_by_customer
from han.services.messages import han_message_send, han_messages_compose
from smt.api.compat import limits as compat_limits
from smt.api.thirdparty import limits as tp_limits
from smt.api.thirdparty.webhooks.services import webhook_endpoint_create
from tests.agreements.helpers import details, ongoing, third_party_admin
from tests.factories import (
    DEFAULT_PASSWORD,
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    UserFactory,
)
from tests.han.helpers import draft, han_services, started, tdsp_status
from usage.services import odr
from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day
from usage.tdsp import files
from usage.tdsp.credentials import tdsp_credential_issue

from .helpers import bearer

pytestmark = [pytest.mark.schemathesis, pytest.mark.slow, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("SMT_SCHEMATHESIS_EXAMPLES", "50"))  # fuzzed, per operation
DOCUMENTS = {
    "compat": "/api/openapi.json",
    "tdsp": "/tdsp-api/v1/openapi.json",
    "thirdparty": "/tp-api/v1/openapi.json",
}
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]
# The 3rd-party API answers two refusals as HTML pages, not JSON, so its Content-Type is not
# checked yet: a POST, PATCH or DELETE to a path under /tp-api/ that no route matches (e.g.
# /tp-api/v1/webhooks/abc/test) is Django's CSRF 403 page, as its catch-all view
# (`errors.not_found`) is not csrf_exempt; and a URL holding a NUL or bytes that are not UTF-8
# is Django's 400 page, as smt.middleware.API_ERRORS has no entry for the `tp_api` namespace.
API_CHECKS = {
    "compat": CHECKS,
    "tdsp": CHECKS,
    "thirdparty": CHECKS,
}
UPLOADED = "OC-20260401-001"  # the world's usage file (a daily file, no rows yet)
DAILY_HEADER = b"esiid,date,version,start_read,end_read,consumption_kwh\n"
# The same requests every run; SMT_SCHEMATHESIS_SEED=<n> explores others.
SEED = int(os.environ.get("SMT_SCHEMATHESIS_SEED", "20260501"))


@pytest.fixture(autouse=True)
def _only_when_asked(request):
    """A few minutes: run by CI's own step (`-m schemathesis`), not by `./dev test`."""
    if "schemathesis" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("runs with -m schemathesis (CI runs it after the suite)")


@pytest.fixture(autouse=True)
def no_rate_limits(monkeypatch):
    """Far more calls a minute than a client may make: the limits are raised, not removed,
    so every answer still carries its RateLimit-* headers."""
    raised = {
        compat_limits: ("USER_MINUTE", "USER_DAY", "ANONYMOUS_MINUTE", "ANONYMOUS_DAY"),
        tp_limits: (
            "TOKEN_READS",
            "TOKEN_WRITES",
            "TOKEN_DAY",
            "ANONYMOUS_MINUTE",
            "ANONYMOUS_DAY",
        ),
    }
    for module, names in raised.items():
        for name in names:
            limit = getattr(module, name)
            monkeypatch.setattr(module, name, dataclasses.replace(limit, limit=10**9))
    for name in ("SIGN_IN_FAILURES_PER_USER_ID", "SIGN_IN_FAILURES_PER_ADDRESS"):
        limit = getattr(ratelimit, name)
        monkeypatch.setattr(ratelimit, name, dataclasses.replace(limit, limit=10**9))


# --- the world ------------------------------------------------------------------------------


@dataclasses.dataclass
class World:
    headers: dict[str, dict[str, str]]  # per API
    known: dict[str, list[Any]]  # values by field or parameter name


def _store_usage(premise) -> None:
    days = [date(2026, 4, 1) + timedelta(days=n) for n in range(3)]
    interval_days_store(
        [
            IntervalDayInput(
                premise.pk,
                day,
                "C",
                tuple(Decimal("0.125") for _ in range(intervals_in_day(day))),
                "A" * intervals_in_day(day),
            )
            for day in days
        ]
    )


@pytest.fixture
def world(settings) -> World:
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # no DNS look-ups for generated hosts
    rep = UserFactory(rep=True)
    meter = MeterFactory(meter_number="113000111")
    premise = meter.premise
    RorPeriodFactory(
        premise=premise, ror_duns=rep.duns_grants.get().number, started_on=date(2024, 1, 1)
    )
    _store_usage(premise)
    customer = CustomerPremiseFactory(premise=premise).customer
    signing_in = UserFactory()  # its own account: failed sign-ins may lock it (ACC-11)
    read = odr.on_demand_read_request(user=customer, premise=premise)
    other = MeterFactory(premise=PremiseFactory(tdsp=premise.tdsp))  # a second, unread meter
    CustomerPremiseFactory(customer=customer, premise=other.premise)

    # A 3rd party with an Active agreement, a started HAN request and a sent HAN message.
    company = third_party_admin()
    registered = details(registered=True, email=customer.email)
    agreement = ongoing(user=company, meter=meter, customer=registered)
    agreement_answer_by_customer(agreement=agreement, user=customer, accept=True)
    han = started(user=company, meter=meter, customer=registered, customer_id=customer.username)
    for status in ("ADD_PENDING", "METER_READY", "DEVICE_ADDED"):
        tdsp_status(han, status)
    han_services(company, meter, customer=registered)
    (message,) = han_messages_compose(user=company, draft=draft(), esiids=[premise.esiid])
    han_message_send(message_pk=message.pk)
    endpoint, _secret = webhook_endpoint_create(
        user=company, url="https://hooks.example/smt", events=["agreement.status_changed"]
    )
    message.refresh_from_db()
    han.refresh_from_db()
    key = tdsp_credential_issue(tdsp=premise.tdsp)
    upload = SimpleUploadedFile("day.csv", DAILY_HEADER)
    files.tdsp_file_receive(tdsp=premise.tdsp, message_id=UPLOADED, upload=upload)

    esiids = [premise.esiid, other.premise.esiid]
    return World(
        headers={
            "compat": {"Authorization": f"Bearer {api_token_issue(user=customer)}"},
            "tdsp": {"Authorization": f"Token {key}"},
            "thirdparty": {
                "Authorization": bearer(company, name="schemathesis")["HTTP_AUTHORIZATION"]
            },
        },
        known={
            "ESIID": esiids,
            "esiid": esiids,
            "esiids": [esiids[:1], esiids],
            "MeterNumber": [meter.meter_number, other.meter_number],
            "username": [signing_in.username],
            "password": [DEFAULT_PASSWORD],
            "message_id": [UPLOADED],
            "startDate": ["04/01/2026", "4/2/2026"],  # the days _store_usage stored
            "endDate": ["04/03/2026", "04/30/2026"],
            "meter_number": [meter.meter_number],
            "request_id": [
                read.tdsp_request_id,
                han.tdsp_request_id,
                message.tdsp_request_id,
            ],
            "number": [agreement.agreement_number, han.agreement.agreement_number],
            "id": [message.pk, endpoint.pk],
            "pk": [message.pk, endpoint.pk],
        },
    )


# --- the application --------------------------------------------------------------------------


class Application:
    """The project's WSGI application, as a server runs it, each request in a savepoint: a
    500 rolls back what it did, so one failure cannot poison the test's transaction (and the
    requests after it) on PostgreSQL. Django's end-of-request connection check is off, as
    the test client turns it off: the connection is the test's."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        savepoint = transaction.savepoint()
        status: list[str] = []

        def remember(code: str, headers: Any, *args: Any) -> Any:
            status.append(code)
            return start_response(code, headers, *args)

        response = self.handler(environ, remember)
        body = b"".join(response)
        response.close()
        if status and status[0].startswith("5"):
            transaction.savepoint_rollback(savepoint)
        else:
            transaction.savepoint_commit(savepoint)
        return [body]


@pytest.fixture
def application() -> Iterator[Application]:
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield Application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _known_values(value: Any, known: dict[str, list[Any]], data: st.DataObject) -> Any:
    """Now and then, a value the world holds in place of a generated one, by its name."""
    if isinstance(value, dict):
        for name, item in list(value.items()):
            if name in known and data.draw(st.booleans(), label=f"known {name}"):
                value[name] = data.draw(st.sampled_from(known[name]), label=name)
            else:
                value[name] = _known_values(item, known, data)
    elif isinstance(value, list):
        return [_known_values(item, known, data) for item in value]
    return value


def _cases(operation: APIOperation) -> st.SearchStrategy[Case]:
    """Valid requests and requests the document says are wrong, half and half."""
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )


def _exercise(operation: APIOperation, world: World, api: str) -> list[int]:
    """EXAMPLES requests to one operation; the first that fails a check, shrunk, is raised.
    Returns the status of every answer."""
    statuses: list[int] = []

    @given(case=_cases(operation), data=st.data())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,  # nothing written to the working tree
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @seed(SEED)
    def requests(case: Case, data: st.DataObject) -> None:
        if case.path_parameters:
            _known_values(case.path_parameters, world.known, data)
        if isinstance(case.query, dict):
            _known_values(case.query, world.known, data)
        if isinstance(case.body, dict | list):
            case.body = _known_values(case.body, world.known, data)
        response = case.call_and_validate(headers=world.headers[api], checks=API_CHECKS[api])
        statuses.append(response.status_code)

    requests()
    return statuses


@pytest.mark.parametrize("api", list(DOCUMENTS))
def test_every_answer_is_below_500_and_as_documented(api, application, world, subtests):
    # API-4, BEY-3: every operation the document holds now, each in its own subtest.
    schema = schemathesis.openapi.from_wsgi(DOCUMENTS[api], application)
    schema.validate()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    statuses: list[int] = []
    for operation in operations:
        with subtests.test(operation.label):
            statuses += _exercise(operation, world, api)
    # The world's key or token worked: some requests got past the credential check.
    assert any(200 <= status < 300 for status in statuses), statuses
