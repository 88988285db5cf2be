"""TDSP API: REP of Record transactions and meter exchanges, and what they do to access
(API-3, API-4, MTR-2, MTR-3, USG-12)."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    CompanyFactory,
    CustomerPremiseFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    TdspFactory,
    UserFactory,
)
from tests.support.tdsp import send_tdsp_message as send
from usage.models import (
    CustomerPremise,
    Meter,
    MeterShare,
    OnDemandRead,
    Premise,
    RorPeriod,
    TdspMessage,
)
from usage.services import odr
from usage.tdsp.credentials import tdsp_credential_issue

pytestmark = pytest.mark.django_db

URL = reverse("tdsp_api:tdsp_messages")


@pytest.fixture
def served(oncor):
    """A premise served by a REP user's DUNS, with an attached customer and a friend."""
    rep = UserFactory(rep=True)
    premise = PremiseFactory(tdsp=oncor)
    MeterFactory(premise=premise, meter_number="113000111")
    RorPeriodFactory(
        premise=premise, ror_duns=rep.duns_grants.get().number, started_on=date(2024, 1, 1)
    )
    link = CustomerPremiseFactory(premise=premise)
    share = MeterShare.objects.create(
        owner=link.customer,
        premise=premise,
        friend_email="f@example.com",
        status=MeterShare.Status.ACTIVE,
        token_hash="x" * 64,
        invited_at=timezone.now(),
    )
    return {"rep": rep, "premise": premise, "customer": link.customer, "share": share}


def premise_rows(premise) -> dict[str, list[tuple]]:
    """Everything a TDSP message may change about a premise: the premise, its meters, its
    REP of Record periods, the attached customers, the shares and the On Demand Reads."""
    return {
        model.__name__: list(model.objects.filter(**lookup).order_by("pk").values_list())
        for model, lookup in [
            (Premise, {"pk": premise.pk}),
            (Meter, {"premise": premise}),
            (RorPeriod, {"premise": premise}),
            (CustomerPremise, {"premise": premise}),
            (MeterShare, {"premise": premise}),
            (OnDemandRead, {"premise": premise}),
        ]
    }


def sees(client, user, premise) -> bool:
    client.force_login(user)
    url = reverse("usage:premise_information", args=[premise.esiid, "premise"])
    return client.get(url).status_code == 200


def test_a_switch_takes_all_access_from_the_old_rep(client, key, served):  # MTR-2
    premise = served["premise"]
    new_rep = UserFactory(rep=True)
    response = send(
        client,
        key,
        message_id="m1",
        type="switch",
        esiid=premise.esiid,
        duns=new_rep.duns_grants.get().number,
        effective_date="2026-11-01",
    )
    assert response.json()["status"] == "processed"
    assert not sees(client, served["rep"], premise)  # no history either
    assert sees(client, new_rep, premise)
    assert sees(client, served["customer"], premise)  # the customer is unaffected


def test_a_move_out_ends_rep_customer_and_friend_access(client, key, served):  # MTR-2
    premise = served["premise"]
    send(
        client,
        key,
        message_id="m2",
        type="move_out",
        esiid=premise.esiid,
        effective_date="2026-11-01",
    )
    assert not sees(client, served["rep"], premise)
    assert not sees(client, served["customer"], premise)
    served["share"].refresh_from_db()
    assert served["share"].status == MeterShare.Status.REVOKED
    period = RorPeriod.objects.get(premise=premise)
    assert (period.ended_on, period.end_reason) == (date(2026, 11, 1), "move_out")


def test_a_move_in_gives_the_new_rep_access_at_once(client, key, served):  # MTR-2
    premise = served["premise"]
    send(
        client,
        key,
        message_id="m3",
        type="move_out",
        esiid=premise.esiid,
        effective_date="2026-11-01",
    )
    new_rep = UserFactory(rep=True)
    send(
        client,
        key,
        message_id="m4",
        type="move_in",
        esiid=premise.esiid,
        duns=new_rep.duns_grants.get().number,
        effective_date="2026-11-05",
    )
    assert sees(client, new_rep, premise)
    assert not sees(client, served["customer"], premise)  # the new customer attaches it


def test_a_meter_exchange_keeps_access_and_a_conventional_meter_ends_it(client, key, served):
    # MTR-3
    premise = served["premise"]
    send(
        client,
        key,
        message_id="m5",
        type="meter_exchange",
        esiid=premise.esiid,
        meter_number="113000222",
        exchange_date="2026-11-02",
    )
    assert sees(client, served["rep"], premise)
    client.force_login(served["rep"])
    html = client.get(reverse("usage:premise_information", args=[premise.esiid, "meter"])).content
    assert b"113000222" in html
    send(
        client,
        key,
        message_id="m6",
        type="meter_exchange",
        esiid=premise.esiid,
        meter_number="C-0001",
        exchange_date="2026-11-03",
        is_smart=False,
    )
    assert not sees(client, served["rep"], premise)
    assert not sees(client, served["customer"], premise)


def test_a_replayed_message_is_acknowledged_without_effect(client, key, served):  # API-3
    premise = served["premise"]
    body = dict(message_id="m7", type="move_out", esiid=premise.esiid, effective_date="2026-11-01")
    first = send(client, key, **body).json()
    second = send(client, key, **body).json()
    assert first["status"] == "processed" and second["status"] == "duplicate"
    assert second["result"] == "accepted"
    assert TdspMessage.objects.count() == 1


def test_a_transaction_that_does_not_fit_is_refused_and_recorded(client, key, served):
    # API-3: a second move-out has no REP of Record left to move out.
    premise = served["premise"]
    send(
        client,
        key,
        message_id="m8",
        type="move_out",
        esiid=premise.esiid,
        effective_date="2026-11-01",
    )
    response = send(
        client,
        key,
        message_id="m9",
        type="move_out",
        esiid=premise.esiid,
        effective_date="2026-11-02",
    )
    assert response.json()["result"] == "refused"
    assert "no REP of Record" in response.json()["reason"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"type": "switch"}, "message_id"),
        ({"message_id": "x", "type": "teleport"}, "type"),
        (
            {"message_id": "x", "type": "move_out", "esiid": "1", "effective_date": "2026-11-01"},
            "esiid",
        ),
        (
            {"message_id": "x", "type": "move_out", "esiid": "OWN", "effective_date": "11/01/2026"},
            "effective_date",
        ),
    ],
)
def test_bad_messages_are_400_or_404_naming_the_field(client, key, served, body, field):  # API-4
    if body.get("esiid") == "OWN":
        body["esiid"] = served["premise"].esiid
    before = premise_rows(served["premise"])
    response = send(client, key, **body)
    assert response.status_code in (400, 404)
    assert response.json()["field"] == field
    assert not TdspMessage.objects.exists()
    assert premise_rows(served["premise"]) == before  # nothing applied


def test_a_tdsp_cannot_touch_another_tdsps_premise(client, served):  # API-3, SEC-1
    other = TdspFactory(code="tnmp", name="TNMP", company=CompanyFactory(kind="tdsp", name="TNMP"))
    other_key = tdsp_credential_issue(tdsp=other)
    before = premise_rows(served["premise"])
    response = send(
        client,
        other_key,
        message_id="z",
        type="move_out",
        esiid=served["premise"].esiid,
        effective_date="2026-11-01",
    )
    assert response.status_code == 404
    assert response.json()["field"] == "esiid"
    assert not TdspMessage.objects.filter(message_id="z").exists()  # not even as refused
    assert premise_rows(served["premise"]) == before  # the REP, customer and friend keep it
    assert sees(client, served["rep"], served["premise"])


def test_an_answer_to_an_unknown_request_is_404_and_changes_nothing(client, key, served):
    # API-3, USG-11: an odr_result names a request id of this TDSP's, or nothing happens.
    read = odr.on_demand_read_request(user=served["customer"], premise=served["premise"])
    before = premise_rows(served["premise"])
    response = send(
        client,
        key,
        message_id="r1",
        type="odr_result",
        request_id=f"not-{read.tdsp_request_id}",
        status="COMPLETED",
        register_read="12345.6",
        read_at="2026-11-01T10:00:00-05:00",
    )
    assert response.status_code == 404
    assert response.json()["field"] == "request_id"
    assert not TdspMessage.objects.filter(message_id="r1").exists()
    assert premise_rows(served["premise"]) == before  # the read is still Pending


@pytest.mark.parametrize("value", ["999999999.9995", 999999999.9999999])
def test_a_read_that_rounds_to_a_billion_kwh_is_400_naming_the_field(client, key, served, value):
    # API-4: kept to the watt-hour it would be 1,000,000,000.000, past the column (a 500 on
    # PostgreSQL before); 999999999.9994 rounds down and is taken.
    read = odr.on_demand_read_request(user=served["customer"], premise=served["premise"])
    answer = {
        "type": "odr_result",
        "request_id": read.tdsp_request_id,
        "status": "COMPLETED",
        "read_at": "2026-11-01T10:00:00-05:00",
    }
    refused = send(client, key, message_id="r1", register_read=value, **answer)
    assert refused.status_code == 400
    assert refused.json()["field"] == "register_read"
    taken = send(client, key, message_id="r2", register_read="999999999.9994", **answer)
    assert taken.status_code == 200
    read.refresh_from_db()
    assert str(read.register_read) == "999999999.999"


def test_unknown_credential_is_401(client):  # API-3
    assert send(client, "nope", message_id="a", type="switch").status_code == 401


def test_the_command_issues_a_key_that_works(client, oncor, served):  # API-3
    out = StringIO()
    call_command("create_tdsp_credential", oncor.code, stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    premise = served["premise"]
    response = send(
        client,
        key,
        message_id="c1",
        type="move_out",
        esiid=premise.esiid,
        effective_date="2026-11-01",
    )
    assert response.json()["status"] == "processed"
