"""Malformed input to the APIs is a 400 naming the field, never a 500, and nothing is stored
(API-4); the TDSP API refuses what is not in its field's real format (API-3, MTR-1..MTR-3).

Each case here was a 500, or was stored, before the shared body parser and field checks.
"""

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from accounts.services import api_token_issue
from smt.api.common.requests import MAX_BODY_BYTES, MAX_BODY_DEPTH
from tests.factories import (
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    UserFactory,
)
from tests.support.tdsp import send_tdsp_message as send
from usage.models import Meter, OnDemandRead, Premise, RorPeriod, TdspMessage
from usage.services import odr
from usage.services.ror import DECIMAL_RANGES, METER_UPDATABLE, NUMBER_RANGES

pytestmark = pytest.mark.django_db

MESSAGES = reverse("tdsp_api:tdsp_messages")
UPLOADS = reverse("tdsp_api:tdsp_usage_files")
INTERVALS = reverse("api:api_interval_synch")


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def raw_post(client, url, body: str | bytes, **headers):
    return client.post(url, body, content_type="application/json", **headers)


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def token(key) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


@pytest.fixture
def customer():
    link = CustomerPremiseFactory()
    MeterFactory(premise=link.premise, meter_number="113777001")
    return link.customer


@pytest.fixture
def served(oncor):
    """A premise of Oncor's with its meter and its REP of Record."""
    rep = UserFactory(rep=True)
    premise = PremiseFactory(tdsp=oncor)
    MeterFactory(premise=premise, meter_number="113000111")
    RorPeriodFactory(
        premise=premise, ror_duns=rep.duns_grants.get().number, started_on=date(2024, 1, 1)
    )
    return premise


def rows(premise) -> list:
    """Everything a message could change about the premise, and every message stored."""
    return [
        list(Premise.objects.filter(pk=premise.pk).values_list()),
        list(Meter.objects.filter(premise=premise).order_by("pk").values_list()),
        list(RorPeriod.objects.filter(premise=premise).order_by("pk").values_list()),
        list(TdspMessage.objects.values_list()),
    ]


# --- the body, before any field (API-4) -----------------------------------------------------


def test_a_deep_body_without_a_token_is_401_unread(client):  # API-4: parsed after the check
    response = raw_post(client, INTERVALS, deep(5000))
    assert response.status_code == 401


def test_a_deep_body_without_a_tdsp_key_is_401_unread(client):  # API-4
    response = raw_post(client, MESSAGES, deep(5000))
    assert response.status_code == 401


@pytest.mark.parametrize("levels", [5000, MAX_BODY_DEPTH + 1])
def test_a_body_nested_too_deep_is_400(client, customer, levels):  # API-4
    response = raw_post(client, INTERVALS, '{"a":' + deep(levels - 1) + "}", **bearer(customer))
    assert response.status_code == 400
    assert (response.json()["errorCode"], response.json()["field"]) == ("BODY_TOO_DEEP", "body")


def test_a_body_at_the_depth_limit_is_read(client, key, served):  # the other side
    body = {"message_id": "d1", "type": "move_out", "esiid": served.esiid}
    nested = '{"x":' + deep(MAX_BODY_DEPTH - 1) + ","  # the body object is level 1
    text = nested + json.dumps(body)[1:]
    response = raw_post(client, MESSAGES, text, **token(key))
    assert response.json()["field"] == "effective_date"  # read; a field is missing


def test_brackets_inside_strings_do_not_count_as_depth(client, key, served):  # API-4
    body = {"message_id": "d2", "type": '[[[[[[[[[[[[{{{{{{{{{{{{\\"[[[[[[[['}
    response = raw_post(client, MESSAGES, json.dumps(body), **token(key))
    assert response.json()["code"] == "UNKNOWN_TYPE"


def test_a_body_over_the_size_limit_is_400(client, key):  # API-4
    body = json.dumps({"message_id": "x" * MAX_BODY_BYTES})
    response = raw_post(client, MESSAGES, body, **token(key))
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("BODY_TOO_LARGE", "body")


@pytest.mark.parametrize(
    "text",
    [
        b"\xff\xfe{}",  # not UTF-8
        b'{"ESIID": "\xed\xa0\x80"}',  # an encoded surrogate is not UTF-8 either
        b'{"startDate": NaN}',
        b'{"startDate": Infinity}',
        b'{"startDate": 1e999}',
        b'{"startDate": ' + b"9" * 5000 + b"}",
        b"[]",
        b'"text"',
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(client, customer, text):  # API-4
    response = raw_post(client, INTERVALS, text, **bearer(customer))
    assert response.status_code == 400
    assert (response.json()["errorCode"], response.json()["field"]) == ("INVALID_JSON", "body")


@pytest.mark.parametrize(
    "body, field",
    [
        ('{"ESIID": ["\\u0000"]}', "ESIID[0]"),
        ('{"ESIID": ["\\ud800"]}', "ESIID[0]"),
        ('{"ESIID": "1", "x": {"y\\u0000": 1}}', "x"),
        ('{"startDate": "01/01/2026\\udfff"}', "startDate"),
    ],
)
def test_a_nul_or_a_lone_surrogate_anywhere_is_400_naming_where(client, customer, body, field):
    # API-4: PostgreSQL refuses both; they never reach a query
    response = raw_post(client, INTERVALS, body, **bearer(customer))
    assert response.status_code == 400
    assert (response.json()["errorCode"], response.json()["field"]) == (
        "INVALID_CHARACTER",
        field,
    )


def test_a_nul_in_a_user_id_is_400_and_counts_nothing(client, customer):  # API-4, ACC-11
    body = json.dumps({"username": customer.username + "\x00", "password": "x"})
    response = raw_post(client, reverse("api:api_authenticate"), body)
    assert response.status_code == 400
    assert User.objects.get(pk=customer.pk).failed_login_count == 0


def test_a_surrogate_pair_is_a_character_not_a_surrogate(client, key, served):  # API-4
    body = '{"message_id": "s1", "type": "\\ud83d\\ude00"}'  # 😀, well formed
    response = raw_post(client, MESSAGES, body, **token(key))
    assert response.json()["code"] == "UNKNOWN_TYPE"


# --- compat fields (API-1, API-4) -----------------------------------------------------------


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"startDate": "01/01/99999999999999999999"}, "startDate"),
        ({"startDate": "01/01/1899"}, "startDate"),
        ({"endDate": "12/31/2101"}, "endDate"),
        ({"startDate": "02/30/2026"}, "startDate"),
        ({"startDate": 20260101}, "startDate"),
        ({"startDate": ["01/01/2026"]}, "startDate"),
        ({"startDate": "٠١/٠١/٢٠٢٦"}, "startDate"),  # digits, but not ASCII ones
        ({"ESIID": [1044372000000000001]}, "ESIID"),
        ({"ESIID": [{"a": 1}]}, "ESIID"),
        ({"ESIID": ["1" * 23]}, "ESIID"),
        ({"ESIID": ["1\u0007"]}, "ESIID"),
        ({"ESIID": ["1"] * 101}, "ESIID"),
    ],
)
def test_bad_usage_request_fields_are_400_naming_the_field(client, customer, extra, field):
    # API-1, API-4
    esiid = customer.premise_links.get().premise.esiid
    body = {"startDate": "01/01/2026", "endDate": "01/07/2026", "ESIID": [esiid], **extra}
    response = raw_post(client, INTERVALS, json.dumps(body), **bearer(customer))
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["errormessage"]


def test_single_digit_months_and_days_are_still_dates(client, customer):  # API-1
    esiid = customer.premise_links.get().premise.esiid
    body = {"startDate": "1/1/2026", "endDate": "1/7/2026", "ESIID": [esiid]}
    response = raw_post(client, INTERVALS, json.dumps(body), **bearer(customer))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name, body, field",
    [
        ("api_meter", {"esiid": ["*"]}, "esiid"),
        ("api_meter", {"esiid": "9" * 23}, "esiid"),
        ("api_latest_odr_read", {"ESIID": {"a": 1}}, "ESIID"),
        ("api_on_demand_read", {"ESIID": "{esiid}", "MeterNumber": 113777001}, "MeterNumber"),
        ("api_on_demand_read", {"ESIID": "{esiid}", "MeterNumber": "1" * 31}, "MeterNumber"),
    ],
)
def test_bad_meter_fields_are_400_naming_the_field(client, customer, name, body, field):
    # API-1, API-4
    esiid = customer.premise_links.get().premise.esiid
    body = {k: v.format(esiid=esiid) if isinstance(v, str) else v for k, v in body.items()}
    response = raw_post(client, reverse(f"api:{name}"), json.dumps(body), **bearer(customer))
    assert response.status_code == 400 and response.json()["field"] == field
    assert not OnDemandRead.objects.exists()


# --- TDSP message ids and uploads (API-3, API-4) --------------------------------------------


@pytest.mark.parametrize("message_id", ["a/b", "../x", ".hidden", "x" * 65, "a b", "a\u0085b"])
def test_a_message_id_not_in_its_format_is_400(client, key, served, message_id):  # API-3
    before = rows(served)
    response = send(client, key, message_id=message_id, type="move_out", esiid=served.esiid)
    assert response.status_code == 400 and response.json()["field"] == "message_id"
    assert rows(served) == before


@pytest.mark.parametrize("message_id", ["a/b", "../../etc/x", "x" * 65, "a\x00b", ".."])
def test_an_upload_whose_id_is_not_in_its_format_is_400_and_not_stored(
    client, key, message_id
):  # API-3: "a/b" was stored, then answered 500 for ever
    file = SimpleUploadedFile("day.csv", b"esiid,date\n", "text/csv")
    response = client.post(UPLOADS, {"message_id": message_id, "file": file}, **token(key))
    assert response.status_code == 400 and response.json()["field"] == "message_id"
    assert not TdspMessage.objects.exists()


def test_an_upload_with_a_well_formed_id_answers_its_status_url(client, key):  # API-3
    file = SimpleUploadedFile("day.csv", b"esiid,date\n", "text/csv")
    response = client.post(UPLOADS, {"message_id": "OC-2026.03_15", "file": file}, **token(key))
    assert response.status_code == 202
    status = client.get(response.json()["status_url"], **token(key))
    assert status.status_code == 200 and status.json()["message_id"] == "OC-2026.03_15"


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("multipart/form-data", b"--x\r\n"),  # no boundary
        ("multipart/form-data; boundary=x", b"garbage"),
        ("multipart/form-data; boundary=" + "x" * 2000, b"--x\r\n"),
    ],
)
def test_an_unreadable_upload_form_is_a_json_400(client, key, content_type, body):  # API-4
    response = client.post(UPLOADS, body, content_type=content_type, **token(key))
    assert response.status_code == 400
    assert response.json()["code"] and response.json()["message"]
    assert not TdspMessage.objects.exists()


# --- ROR transactions and meter exchanges (MTR-2, MTR-3) ------------------------------------


@pytest.mark.parametrize(
    "duns",
    [
        "😀",
        "' OR 1=1 --",
        "12345678",
        "1234567890",
        "１２３４５６７８９",
        "١٢٣٤٥٦٧٨٩",
        123456789,
        "",
    ],
)
@pytest.mark.parametrize("kind", ["switch", "move_in"])
def test_a_duns_not_of_9_or_13_digits_is_refused_whole(client, key, served, kind, duns):
    # MTR-2: the REP of Record never changes to what is not a DUNS number
    before = rows(served)
    response = send(
        client,
        key,
        message_id="r1",
        type=kind,
        esiid=served.esiid,
        duns=duns,
        effective_date="2026-11-01",
    )
    assert response.status_code == 400 and response.json()["field"] == "duns"
    assert rows(served) == before


@pytest.mark.parametrize("duns", ["123456789", "1234567890123"])
def test_a_duns_of_9_or_13_digits_is_taken(client, key, served, duns):  # MTR-2
    response = send(
        client,
        key,
        message_id="r2",
        type="switch",
        esiid=served.esiid,
        duns=duns,
        effective_date="2026-11-01",
    )
    assert response.json()["result"] == "accepted"
    assert RorPeriod.objects.get(premise=served, ended_on__isnull=True).ror_duns == duns


@pytest.mark.parametrize(
    "meter_number", ["😀", "AB", "x" * 31, "-113", "113 000", "113/000", ["113000222"], 113000222]
)
def test_a_meter_number_not_in_its_format_is_refused_whole(client, key, served, meter_number):
    # MTR-3: meters are numbered with letters, digits and hyphens
    before = rows(served)
    response = send(
        client,
        key,
        message_id="x1",
        type="meter_exchange",
        esiid=served.esiid,
        meter_number=meter_number,
        exchange_date="2026-11-02",
    )
    assert response.status_code == 400 and response.json()["field"] == "meter_number"
    assert rows(served) == before


@pytest.mark.parametrize("meter_number", ["113", "X" * 30, "L113000222", "C-0001"])
def test_meter_numbers_in_their_format_are_taken(client, key, served, meter_number):  # MTR-3
    response = send(
        client,
        key,
        message_id="x2",
        type="meter_exchange",
        esiid=served.esiid,
        meter_number=meter_number,
        exchange_date="2026-11-02",
    )
    assert response.json()["result"] == "accepted"
    assert served.meters.get(removed_on__isnull=True).meter_number == meter_number


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"effective_date": "99999999-01-01"}, "effective_date"),
        ({"effective_date": "1899-12-31"}, "effective_date"),
        ({"effective_date": "2026-02-30"}, "effective_date"),
        ({"effective_date": "20261101"}, "effective_date"),
        ({"effective_date": 20261101}, "effective_date"),
        ({"esiid": "1" * 23}, "esiid"),
        ({"esiid": ["1"]}, "esiid"),
        ({"type": "x" * 41}, "type"),
        ({"type": ["move_out"]}, "type"),
    ],
)
def test_bad_transaction_fields_are_400_naming_the_field(client, key, served, fields, field):
    # API-4
    before = rows(served)
    body = {"message_id": "t1", "type": "move_out", "esiid": served.esiid}
    response = send(client, key, **{**body, "effective_date": "2026-11-01", **fields})
    assert response.status_code == 400 and response.json()["field"] == field
    assert rows(served) == before


# --- premise and meter updates (MTR-1) ------------------------------------------------------


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"city": {"name": "Dallas"}}, "changes.city"),
        ({"city": ["Dallas"]}, "changes.city"),
        ({"city": 75201}, "changes.city"),
        ({"city": "Dal\u0007las"}, "changes.city"),
        ({"city": "D" * 61}, "changes.city"),
        ({"time_zone": "Mars/Base"}, "changes.time_zone"),
        ({"time_zone": "america/chicago"}, "changes.time_zone"),
        ({"service_voltage": -1}, "changes.service_voltage"),
        ({"service_voltage": "-1"}, "changes.service_voltage"),
        ({"service_voltage": "120/-240"}, "changes.service_voltage"),
        ({"premise_status": "X"}, "changes.premise_status"),
        ({"state": "Texas"}, "changes.state"),
        ({"zip_code": "7520"}, "changes.zip_code"),
        ({"zip_plus4": "12a4"}, "changes.zip_plus4"),
        ({"leading_directional": "Q"}, "changes.leading_directional"),
        ({"ams_profile_effective_date": "9999-01-01"}, "changes.ams_profile_effective_date"),
        ({"ams_profile_effective_date": 1}, "changes.ams_profile_effective_date"),
        # one bad field refuses the good one with it
        ({"street_name": "Main", "city": {"x": 1}}, "changes.city"),
    ],
)
def test_a_premise_update_not_in_format_is_refused_whole(client, key, served, changes, field):
    # MTR-1, API-4
    before = rows(served)
    response = send(
        client, key, message_id="p1", type="premise_update", esiid=served.esiid, changes=changes
    )
    assert response.status_code == 400 and response.json()["field"] == field
    assert response.json()["message"]
    assert rows(served) == before


def test_a_premise_update_in_format_is_taken(client, key, served):  # MTR-1, the other side
    changes = {
        "time_zone": "America/Denver",
        "service_voltage": "277/480",
        "premise_status": "I",
        "leading_directional": "NW",
        "zip_plus4": "1234",
        "unit": None,
        "ams_profile_effective_date": "2026-01-31",
    }
    response = send(
        client, key, message_id="p2", type="premise_update", esiid=served.esiid, changes=changes
    )
    assert response.status_code == 200
    served.refresh_from_db()
    assert (served.time_zone, served.service_voltage, served.premise_status) == (
        "America/Denver",
        "277/480",
        "I",
    )
    assert served.ams_profile_effective_date == date(2026, 1, 31)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"channels": True}, "changes.channels"),
        ({"channels": 0}, "changes.channels"),
        ({"channels": 5}, "changes.channels"),
        ({"channels": 1.5}, "changes.channels"),
        ({"channels": "two"}, "changes.channels"),
        ({"phases": 4}, "changes.phases"),
        ({"interval_minutes": 10**30}, "changes.interval_minutes"),
        ({"kwh_multiplier": -1}, "changes.kwh_multiplier"),
        ({"kwh_multiplier": "NaN"}, "changes.kwh_multiplier"),
        ({"kwh_multiplier": "1.0001"}, "changes.kwh_multiplier"),
        ({"kwh_multiplier": 100000}, "changes.kwh_multiplier"),
        ({"kwh_multiplier": False}, "changes.kwh_multiplier"),
        ({"dg_capable": "yes"}, "changes.dg_capable"),
        ({"dg_capable": 1}, "changes.dg_capable"),
        ({"meter_status": "X"}, "changes.meter_status"),
        ({"meter_status": None}, "changes.meter_status"),
        ({"last_test_date": "01/01/2026"}, "changes.last_test_date"),
    ],
)
def test_a_meter_update_not_in_format_is_refused_whole(client, key, served, changes, field):
    # MTR-1, API-4
    before = rows(served)
    response = send(
        client,
        key,
        message_id="m1",
        type="meter_update",
        esiid=served.esiid,
        meter_number="113000111",
        changes=changes,
    )
    assert response.status_code == 400 and response.json()["field"] == field
    assert rows(served) == before


def test_a_meter_update_in_format_is_taken(client, key, served):  # MTR-1, the other side
    changes = {
        "channels": 2,
        "dg_channel": "2",
        "phases": None,
        "interval_minutes": 15,
        "kwh_multiplier": 2.5,
        "dg_capable": True,
        "last_test_date": None,
        "model": "Focus AXR-SD",
    }
    response = send(
        client,
        key,
        message_id="m2",
        type="meter_update",
        esiid=served.esiid,
        meter_number="113000111",
        changes=changes,
    )
    assert response.status_code == 200
    meter = served.meters.get()
    assert (meter.channels, meter.dg_channel, meter.phases, meter.dg_capable) == (2, 2, None, True)


def test_every_updatable_number_has_its_range():  # MTR-1: a new field needs one
    numbers = {
        field.name
        for field in Meter._meta.concrete_fields
        if field.name in METER_UPDATABLE and field.get_internal_type().endswith("IntegerField")
    }
    decimals = {
        field.name
        for field in Meter._meta.concrete_fields
        if field.name in METER_UPDATABLE and field.get_internal_type() == "DecimalField"
    }
    assert numbers == set(NUMBER_RANGES) and decimals == set(DECIMAL_RANGES)


# --- On Demand Read answers (USG-11) --------------------------------------------------------


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"read_at": "0001-01-01T00:00:00+05:00"}, "read_at"),
        ({"read_at": "2026-11-01T10:00:00"}, "read_at"),
        ({"read_at": 1793545200}, "read_at"),
        ({"register_read": "NaN"}, "register_read"),
        ({"register_read": "1e5"}, "register_read"),
        ({"register_read": True}, "register_read"),
        ({"register_read": -1}, "register_read"),
        ({"usage_kwh": [1]}, "usage_kwh"),
        ({"request_id": "r" * 65}, "request_id"),
        ({"status": ["COMPLETED"]}, "status"),
    ],
)
def test_bad_odr_answers_are_400_naming_the_field(client, key, served, fields, field):
    # USG-11, API-4
    customer = CustomerPremiseFactory(premise=served).customer
    read = odr.on_demand_read_request(user=customer, premise=served)
    body = {
        "message_id": "o1",
        "type": "odr_result",
        "request_id": read.tdsp_request_id,
        "status": "COMPLETED",
        "register_read": "12345.678",
        "read_at": "2026-11-01T10:00:00-05:00",
        **fields,
    }
    response = send(client, key, **body)
    assert response.status_code == 400 and response.json()["field"] == field
    read.refresh_from_db()
    assert read.is_pending
    assert not TdspMessage.objects.exists()


def test_a_failed_read_with_a_reason_not_text_is_400(client, key, served):  # USG-11
    customer = CustomerPremiseFactory(premise=served).customer
    read = odr.on_demand_read_request(user=customer, premise=served)
    response = send(
        client,
        key,
        message_id="o2",
        type="odr_result",
        request_id=read.tdsp_request_id,
        status="failed",
        reason={"why": "x"},
    )
    assert response.status_code == 400 and response.json()["field"] == "reason"
