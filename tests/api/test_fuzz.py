"""The machine interfaces under fuzzing (API-4): thousands of malformed bodies, sent with a
valid credential, each answered below 500, and every refusal a 4xx in the API's JSON shape;
a body that is malformed as a whole (not UTF-8, not a JSON object, too deep, too large, a NUL
or a lone surrogate anywhere) is a 400.

At least 1,000 malformed requests to every endpoint a run: the SMT-compatible API's seven
endpoints (API-1), and the TDSP API's messages of every type, usage-file uploads and their
status (API-3); 850 to 1,000 each from hypothesis, the rest every value of the fixed corpus
in tests/data/fuzz/values.json (the cases that were 500s or were stored) in every field.
"""

import dataclasses
import json
import os
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from django.conf import settings as django_settings
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.services import api_token_issue
from han.services.messages import han_message_send, han_messages_compose
from smt.api.common.requests import MAX_BODY_BYTES
from smt.api.compat import limits as compat_limits
from tests.agreements.helpers import details
from tests.factories import (
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    UserFactory,
)
from tests.han.helpers import draft, han_services, started, tdsp_status
from usage.services import odr
from usage.services.ror import METER_UPDATABLE, PREMISE_UPDATABLE
from usage.tdsp.messages import HANDLERS

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Every message type: usage's own and those higher apps register (HAN statuses, HAN-7).
MESSAGE_TYPES = sorted({*HANDLERS, *django_settings.TDSP_MESSAGE_HANDLERS})

CORPUS: list[Any] = json.loads(
    (Path(__file__).parent.parent / "data" / "fuzz" / "values.json").read_text()
)

# One database and one client for all of an endpoint's examples: state builds up as it would
# in production, and a run stays well under a minute. SMT_FUZZ_EXAMPLES scales the examples
# (CI runs fewer: Schemathesis fuzzes the same APIs from their documents in its own step).
EXAMPLES = int(os.environ.get("SMT_FUZZ_EXAMPLES", "850"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written to the working tree
    suppress_health_check=list(HealthCheck),
)
PER_TYPE = settings(FUZZ, max_examples=EXAMPLES)


# --- values and bodies ----------------------------------------------------------------------

surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=2)
nasty_text = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec="ascii"), max_size=80),
    st.builds(lambda a, s, b: a + s + b, st.text(max_size=5), surrogates, st.text(max_size=5)),
    st.builds(lambda a, b: f"{a}\x00{b}", st.text(max_size=5), st.text(max_size=5)),
    st.integers(60, 400).map(lambda n: "9" * n),
    st.sampled_from([value for value in CORPUS if isinstance(value, str)]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(),  # NaN and ±Infinity included: json.dumps writes them, JSON does not allow them
    nasty_text,
    st.sampled_from(CORPUS),
)
nasty = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | nasty_text, inner, max_size=4)
    ),
    max_leaves=10,
)


def encode(value: Any, *, raw_surrogates: bool = False) -> bytes:
    """JSON text of `value` as a client sends it; `raw_surrogates` writes a lone surrogate
    as its (invalid) UTF-8 bytes instead of a \\u escape."""
    if raw_surrogates:
        return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return json.dumps(value).encode()


def deep(levels: int, opener: str) -> bytes:
    closer = {"[": "]", '{"a":': "}"}[opener]
    return f'{{"x":{opener * levels}1{closer * levels}}}'.encode()


# A body malformed as a whole: the answer must be a 400.
whole_body_malformed = st.one_of(
    st.binary(max_size=60).filter(lambda raw: not _is_json_object(raw)),
    st.builds(encode, nasty.filter(lambda value: not isinstance(value, dict))),
    st.builds(deep, st.integers(11, 6000), st.sampled_from(["[", '{"a":'])),
    st.integers(MAX_BODY_BYTES, MAX_BODY_BYTES + 10).map(
        lambda size: json.dumps({"message_id": "x" * size}).encode()
    ),
    st.builds(
        lambda field, bad: encode({field: bad}),
        st.sampled_from(["message_id", "ESIID", "changes", "username"]),
        st.sampled_from(["\x00", "a\ud800", "\udfff", ["\x00"], {"k": "\ud83d"}]),
    ),
    st.builds(
        lambda body, cut: body[:cut],
        st.just(b'{"message_id": "m", "type": "switch", "changes": {"city": "Dallas"}}'),
        st.integers(1, 60),
    ),
    st.builds(lambda value: b'{"a": ' + value + b"}", st.sampled_from([b"NaN", b"-Infinity"])),
)


def _is_json_object(raw: bytes) -> bool:
    if not raw:
        return True  # an empty body reads as {}
    try:
        return isinstance(json.loads(raw.decode("utf-8")), dict)
    except ValueError:
        return False


def fields_body(good: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """An endpoint's own fields, each its good value or a nasty one, some left out, and
    now and then an extra field."""
    field_values = {
        name: st.one_of(st.just(value), nasty, st.just(...)) for name, value in good.items()
    }

    def build(values: dict[str, Any], extra: dict[str, Any], raw: bool) -> bytes:
        body = {name: value for name, value in values.items() if value is not ...}
        return encode({**extra, **body}, raw_surrogates=raw)

    return st.builds(
        build,
        st.fixed_dictionaries(field_values),
        st.dictionaries(st.text(max_size=10), nasty, max_size=2),
        st.booleans(),
    )


def body_sample(good: dict[str, Any]) -> st.SearchStrategy[tuple[bytes, bool]]:
    """(body, whether it is malformed as a whole)."""
    return st.one_of(
        fields_body(good).map(lambda body: (body, False)),
        whole_body_malformed.map(lambda body: (body, True)),
    )


# --- what every answer must be --------------------------------------------------------------


def check(response, *, whole_body_malformed: bool, keys: tuple[str, str]) -> None:
    """No 5xx; a refusal is a 4xx whose JSON body has the API's code and message keys."""
    assert response.status_code < 500, response.content[:300]
    if whole_body_malformed:
        assert response.status_code == 400, response.content[:300]
    if response.status_code >= 400:
        answer = response.json()
        code, message = keys
        assert isinstance(answer.get(code), str) and answer[code], answer
        assert isinstance(answer.get(message), str) and answer[message], answer


SMT_KEYS = ("errorCode", "errormessage")
TDSP_KEYS = ("code", "message")


# --- the SMT-compatible API (API-1) ---------------------------------------------------------

DATES = {"startDate": "01/01/2026", "endDate": "01/07/2026", "reportFormat": "JSON"}


@pytest.fixture
def customer_meter():
    link = CustomerPremiseFactory(customer__username="fuzz.customer")
    MeterFactory(premise=link.premise, meter_number="113777001")
    return link.customer, link.premise.esiid


def compat_fields(name: str, esiid: str) -> dict[str, Any]:
    return {
        "api_authenticate": {"username": "fuzz.customer", "password": "x", "rememberMe": True},
        "api_meter": {"esiid": "*"},
        "api_on_demand_read": {"ESIID": esiid, "MeterNumber": "113777001"},
        "api_latest_odr_read": {"ESIID": esiid},
        "api_interval_synch": {**DATES, "ESIID": [esiid]},
        "api_daily_synch": {**DATES, "ESIID": [esiid]},
        "api_monthly_synch": {**DATES, "ESIID": [esiid]},
    }[name]


COMPAT = [
    "api_authenticate",
    "api_meter",
    "api_on_demand_read",
    "api_latest_odr_read",
    "api_interval_synch",
    "api_daily_synch",
    "api_monthly_synch",
]


@pytest.mark.parametrize("name", COMPAT)
@FUZZ
@given(data=st.data())
def test_the_smt_api_never_answers_5xx(client, customer_meter, name, data):  # API-1, API-4
    customer, esiid = customer_meter
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=customer)}"}
    body, malformed = data.draw(body_sample(compat_fields(name, esiid)))
    response = client.post(reverse(f"api:{name}"), body, content_type="application/json", **headers)
    check(response, whole_body_malformed=malformed, keys=SMT_KEYS)


@pytest.fixture(autouse=True)
def no_rate_limits(monkeypatch):
    """The fuzz sends far more calls a minute than a client may (BEY-3); the limits have their
    own tests (test_limits.py), so here they are out of the way."""
    for name in ("USER_MINUTE", "USER_DAY", "ANONYMOUS_MINUTE", "ANONYMOUS_DAY"):
        limit = getattr(compat_limits, name)
        monkeypatch.setattr(compat_limits, name, dataclasses.replace(limit, limit=10**9))


# --- the TDSP API (API-3) -------------------------------------------------------------------


@pytest.fixture
def tdsp_world(oncor, key):
    """Oncor's premise with its meter, its REP of Record and a Pending On Demand Read."""
    rep = UserFactory(rep=True)
    premise = PremiseFactory(tdsp=oncor)
    MeterFactory(premise=premise, meter_number="113000111")
    RorPeriodFactory(
        premise=premise, ror_duns=rep.duns_grants.get().number, started_on=date(2024, 1, 1)
    )
    customer = CustomerPremiseFactory(premise=premise).customer
    read = odr.on_demand_read_request(user=customer, premise=premise)
    meter = premise.meters.get()
    han = started(
        meter=meter,
        customer=details(registered=True, email=customer.email),
        customer_id=customer.username,
    )
    # HAN-9: a second device of the same 3rd party, paired, under its HAN Services agreement.
    company, registered = han.agreement.initiated_by, details(registered=True, email=customer.email)
    paired = started(user=company, meter=meter, customer=registered, customer_id=customer.username)
    for status in ("ADD_PENDING", "METER_READY", "DEVICE_ADDED"):
        tdsp_status(paired, status)
    han_services(company, meter, customer=registered)
    (message,) = han_messages_compose(user=company, draft=draft(), esiids=[premise.esiid])
    han_message_send(message_pk=message.pk)
    return {
        "key": key,
        "esiid": premise.esiid,
        "request_id": read.tdsp_request_id,
        "han_request_id": han.tdsp_request_id,
        "han_message_request_id": message.tdsp_request_id,
    }


def message_fields(kind: str, world: dict[str, str]) -> dict[str, Any]:
    """A well-formed message of `kind`, field by field."""
    dated = {"effective_date": "2026-11-01"}
    fields: dict[str, dict[str, Any]] = {
        "switch": {"duns": "123456789", **dated},
        "move_in": {"duns": "1234567890123", **dated},
        "move_out": dated,
        "meter_exchange": {"meter_number": "C-0001", "exchange_date": "2026-11-02"},
        "premise_update": {"changes": {"city": "Dallas"}},
        "meter_update": {"meter_number": "113000111", "changes": {"channels": 2}},
        "odr_result": {
            "request_id": world["request_id"],
            "status": "COMPLETED",
            "register_read": "12345.678",
            "read_at": "2026-11-01T10:00:00-05:00",
            "usage_kwh": "7.250",
            "reason": "no answer",
        },
        "han_status": {  # HAN-7
            "request_id": world["han_request_id"],
            "status": "METER_READY",
            "reason": "ready",
        },
        "han_message_status": {  # HAN-9
            "request_id": world["han_message_request_id"],
            "status": "DELIVERED",
            "reason": "shown",
        },
    }
    return {"type": kind, "esiid": world["esiid"], **fields[kind]}


def changes(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Changes naming real fields (and now and then one that is not) with nasty values."""
    return st.dictionaries(
        st.sampled_from(names) | st.text(max_size=12), nasty, min_size=1, max_size=4
    )


message_ids = st.uuids().map(lambda uuid: f"fz-{uuid.hex[:16]}")


def message_sample(kind: str, world: dict[str, str]) -> st.SearchStrategy[tuple[bytes, bool]]:
    good = message_fields(kind, world)
    fields = {name: st.one_of(st.just(value), nasty) for name, value in good.items()}
    fields["message_id"] = st.one_of(message_ids, message_ids, nasty)  # mostly new ids
    if kind in ("premise_update", "meter_update"):
        names = PREMISE_UPDATABLE if kind == "premise_update" else METER_UPDATABLE
        fields["changes"] = st.one_of(changes(names), nasty)
    by_field = st.builds(
        lambda values, raw: (encode(values, raw_surrogates=raw), False),
        st.fixed_dictionaries(fields),
        st.booleans(),
    )
    return st.one_of(by_field, by_field, whole_body_malformed.map(lambda body: (body, True)))


def tdsp_headers(world: dict[str, str]) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {world['key']}"}


@pytest.mark.parametrize("kind", MESSAGE_TYPES)
@PER_TYPE
@given(data=st.data())
def test_tdsp_messages_never_answer_5xx(client, tdsp_world, kind, data):  # API-3, API-4
    body, malformed = data.draw(message_sample(kind, tdsp_world))
    response = client.post(
        reverse("tdsp_api:tdsp_messages"),
        body,
        content_type="application/json",
        **tdsp_headers(tdsp_world),
    )
    check(response, whole_body_malformed=malformed, keys=TDSP_KEYS)


def multipart(parts: list[tuple[bytes, bytes | None, bytes]], boundary: bytes) -> bytes:
    """A multipart body, built by hand so any bytes can go in it: (name, filename, data)."""
    body = b""
    for name, filename, value in parts:
        disposition = b'form-data; name="' + name + b'"'
        if filename is not None:
            disposition += b'; filename="' + filename + b'"'
        body += b"--" + boundary + b"\r\nContent-Disposition: " + disposition + b"\r\n\r\n"
        body += value + b"\r\n"
    return body + b"--" + boundary + b"--\r\n"


def raw_text(value: Any) -> bytes:
    text = value if isinstance(value, str) else json.dumps(value)
    return text.encode("utf-8", "surrogatepass")


uploads = st.one_of(
    # a form: nasty message ids, file names and contents
    st.builds(
        lambda message_id, filename, content, boundary: (
            multipart(
                [(b"message_id", None, raw_text(message_id)), (b"file", filename, content)],
                boundary,
            ),
            "multipart/form-data; boundary=" + boundary.decode(),
        ),
        st.one_of(message_ids, nasty),
        st.one_of(st.just(b"day.csv"), st.binary(max_size=20).filter(lambda b: b'"' not in b)),
        st.one_of(
            st.just(b"esiid,date,version,start_read,end_read,consumption_kwh\n"),
            st.binary(max_size=200),
        ),
        st.sampled_from([b"fuzzboundary", b"x" * 70]),
    ),
    # no file, odd fields
    st.builds(
        lambda fields: (
            multipart([(raw_text(k), None, raw_text(v)) for k, v in fields.items()], b"b0"),
            "multipart/form-data; boundary=b0",
        ),
        st.dictionaries(st.text(max_size=10).filter(lambda k: '"' not in k), nasty, max_size=3),
    ),
    # anything at all, with any content type
    st.tuples(
        st.binary(max_size=200),
        st.sampled_from(
            [
                "multipart/form-data",
                "multipart/form-data; boundary=",
                "multipart/form-data; boundary=zz",
                "application/x-www-form-urlencoded",
                "application/json",
                "text/plain",
            ]
        ),
    ),
    st.builds(
        lambda message_id: (
            b"message_id=" + quote(raw_text(message_id)).encode(),
            "application/x-www-form-urlencoded",
        ),
        nasty,
    ),
)


@settings(FUZZ, max_examples=EXAMPLES * 20 // 17)
@given(upload=uploads)
def test_usage_file_uploads_never_answer_5xx(client, tdsp_world, upload):  # API-3, API-4
    body, content_type = upload
    response = client.post(
        reverse("tdsp_api:tdsp_usage_files"),
        body,
        content_type=content_type,
        **tdsp_headers(tdsp_world),
    )
    check(response, whole_body_malformed=False, keys=TDSP_KEYS)


@settings(FUZZ, max_examples=EXAMPLES * 20 // 17)
@given(message_id=nasty)
def test_usage_file_status_never_answers_5xx(client, tdsp_world, message_id):  # API-3
    url = reverse("tdsp_api:tdsp_usage_files") + "/" + quote(raw_text(message_id), safe="")
    response = client.get(url, **tdsp_headers(tdsp_world))
    assert response.status_code < 500
    try:
        resolve(unquote(url))  # the view sees the decoded path, as a server hands it over
    except Resolver404:
        return  # a slash in the id: no such URL, Django's own 404 page
    check(response, whole_body_malformed=False, keys=TDSP_KEYS)


# --- the corpus against every endpoint, each value in each field ----------------------------


def corpus_bodies(good: dict[str, Any], *, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [{**good, name: value} for name in good if name not in skip for value in CORPUS]


@pytest.mark.parametrize("name", COMPAT)
def test_the_corpus_gets_no_5xx_from_the_smt_api(client, customer_meter, name):  # API-4
    customer, esiid = customer_meter
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=customer)}"}
    url = reverse(f"api:{name}")
    # reportFormat is not read; the ESIID list is read as interval_synch reads it
    skip = ("reportFormat", "ESIID") if name in ("api_daily_synch", "api_monthly_synch") else ()
    for body in corpus_bodies(compat_fields(name, esiid), skip=("reportFormat", *skip)):
        response = client.post(url, encode(body), content_type="application/json", **headers)
        check(response, whole_body_malformed=False, keys=SMT_KEYS)


@pytest.mark.parametrize("kind", MESSAGE_TYPES)
def test_the_corpus_gets_no_5xx_from_tdsp_messages(client, tdsp_world, kind):  # API-4
    url = reverse("tdsp_api:tdsp_messages")
    good = {"message_id": "corpus", **message_fields(kind, tdsp_world)}
    # The fields every message has are tried once, on a move-out.
    skip = () if kind == "move_out" else ("message_id", "type")
    for number, body in enumerate(corpus_bodies(good, skip=skip)):
        if body["message_id"] == "corpus":  # a new id each time, or it is a replay
            body["message_id"] = f"corpus-{number}"
        response = client.post(
            url, encode(body), content_type="application/json", **tdsp_headers(tdsp_world)
        )
        check(response, whole_body_malformed=False, keys=TDSP_KEYS)
