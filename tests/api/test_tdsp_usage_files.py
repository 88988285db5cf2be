"""TDSP API: usage file upload and premise/meter updates (API-3, API-4, USG-2, MTR-1)."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import CompanyFactory, MeterFactory, PremiseFactory, TdspFactory
from tests.support.tdsp import send_tdsp_message as send
from usage.models import DailyRead, IntervalDay, TdspMessage
from usage.services import ingest
from usage.tdsp import files
from usage.tdsp.credentials import tdsp_credential_issue

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("tdsp_api:tdsp_usage_files")
MESSAGES_URL = reverse("tdsp_api:tdsp_messages")
HEADER = "esiid,date,channel,version,quality,kwh"


@pytest.fixture
def premise(oncor):
    premise = PremiseFactory(tdsp=oncor)
    MeterFactory(premise=premise, meter_number="113000111")
    return premise


def day_file(esiid, *, value="0.250", version=1, extra="") -> SimpleUploadedFile:
    row = f"{esiid},2026-03-14,C,{version},{'A' * 96}," + ",".join([value] * 96)
    return SimpleUploadedFile("day.csv", f"{HEADER}\n{row}\n{extra}".encode(), "text/csv")


def upload(client, key, message_id="f1", file=None):
    data = {"message_id": message_id}
    if file is not None:
        data["file"] = file
    return client.post(UPLOAD_URL, data, HTTP_AUTHORIZATION=f"Token {key}")


def test_an_uploaded_file_is_loaded_by_the_worker_and_reported(
    client, key, premise, django_capture_on_commit_callbacks
):  # USG-2, API-3
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, key, file=day_file(premise.esiid, extra="junk\n"))

    assert response.status_code == 202
    answer = client.get(response.json()["status_url"], HTTP_AUTHORIZATION=f"Token {key}").json()
    assert answer["result"] == "loaded"
    assert (answer["kind"], answer["stored"], answer["skipped"]) == ("interval", 1, 1)
    assert answer["errors"] == [
        {
            "line": 3,
            "message": "1 fields; expected esiid, date, channel, version, quality "
            "and the day's values",
        }
    ]
    day = IntervalDay.objects.get(premise=premise)
    assert day.total_kwh == Decimal("24.000")


def test_the_status_says_processing_until_the_worker_has_loaded_it(client, key, premise):
    response = upload(client, key, file=day_file(premise.esiid))  # on_commit not run

    assert response.status_code == 202
    assert response.json()["result"] == "processing"
    message = TdspMessage.objects.get(message_id="f1")
    assert message.payload["file"] == "day.csv" and len(message.payload["sha256"]) == 64

    files.tdsp_file_process(message_pk=message.pk)
    files.tdsp_file_process(message_pk=message.pk)  # a repeated task changes nothing

    assert IntervalDay.objects.count() == 1
    status = client.get(response.json()["status_url"], HTTP_AUTHORIZATION=f"Token {key}")
    assert status.json()["result"] == "loaded"


def test_a_replayed_message_id_is_acknowledged_without_loading_again(
    client, key, premise, django_capture_on_commit_callbacks
):  # API-3
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, key, file=day_file(premise.esiid))
    with django_capture_on_commit_callbacks(execute=True):
        replay = upload(client, key, file=day_file(premise.esiid, value="9.000", version=2))

    assert replay.status_code == 200
    assert replay.json()["status"] == "duplicate" and replay.json()["stored"] == 1
    assert IntervalDay.objects.get().version == 1
    assert TdspMessage.objects.count() == 1


def test_a_file_without_a_known_header_is_refused_whole(
    client, key, premise, django_capture_on_commit_callbacks
):  # USG-2, SEC-4
    bad = SimpleUploadedFile("x.csv", b"hello,world\n1,2\n", "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, key, file=bad)

    status = client.get(response.json()["status_url"], HTTP_AUTHORIZATION=f"Token {key}").json()
    assert status["result"] == "refused"
    assert "not a known header" in status["reason"]


def test_a_binary_file_is_refused_not_a_500(
    client, key, django_capture_on_commit_callbacks
):  # SEC-4
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, key, file=SimpleUploadedFile("x.csv", b"\xff\xfe\x00\x01"))

    status = client.get(response.json()["status_url"], HTTP_AUTHORIZATION=f"Token {key}").json()
    assert status == {**status, "result": "refused", "reason": "the file is not UTF-8 text"}


def test_a_failed_load_is_recorded_for_the_tdsp_and_staff(client, key, premise):  # SEC-6
    response = upload(client, key, file=day_file(premise.esiid))
    message = TdspMessage.objects.get()

    files.tdsp_file_fail(message_pk=message.pk, reason="database unavailable")

    status = client.get(response.json()["status_url"], HTTP_AUTHORIZATION=f"Token {key}").json()
    assert (status["result"], status["reason"]) == ("failed", "database unavailable")


def test_an_esiid_of_another_tdsp_is_a_bad_row(
    client, key, django_capture_on_commit_callbacks
):  # API-3
    theirs = PremiseFactory(
        tdsp=TdspFactory(code="aep", name="AEP", company=CompanyFactory(kind="tdsp"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, key, file=day_file(theirs.esiid))

    status = client.get(response.json()["status_url"], HTTP_AUTHORIZATION=f"Token {key}").json()
    assert status["stored"] == 0 and "is not served by" in status["errors"][0]["message"]
    assert not IntervalDay.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [({}, "message_id"), ({"message_id": "f1"}, "file"), ({"message_id": "x" * 65}, "message_id")],
)
def test_a_bad_upload_is_a_400_naming_the_field(client, key, data, field):  # API-4
    response = client.post(UPLOAD_URL, data, HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 400
    assert response.json()["field"] == field


def test_a_file_over_the_size_limit_is_refused(client, key, premise, monkeypatch):  # SEC-4
    file = day_file(premise.esiid)
    monkeypatch.setattr(files, "MAX_UPLOAD_BYTES", file.size - 1)

    response = upload(client, key, file=file)

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("FILE_TOO_LARGE", "file")
    monkeypatch.setattr(files, "MAX_UPLOAD_BYTES", file.size)
    assert upload(client, key, file=day_file(premise.esiid)).status_code == 202


def test_uploads_need_the_tdsps_credential(client, key, premise):  # API-3
    assert upload(client, "wrong", file=day_file(premise.esiid)).status_code == 401
    response = upload(client, key, file=day_file(premise.esiid))
    other_key = tdsp_credential_issue(
        tdsp=TdspFactory(code="tnmp", name="TNMP", company=CompanyFactory(kind="tdsp"))
    )

    status = client.get(response.json()["status_url"], HTTP_AUTHORIZATION=f"Token {other_key}")

    assert status.status_code == 404


# --- premise and meter updates (MTR-1) ------------------------------------------------------


def test_a_premise_update_changes_only_the_fields_sent(client, key, premise):  # MTR-1
    response = send(
        client,
        key,
        message_id="u1",
        type="premise_update",
        esiid=premise.esiid,
        changes={"street_name": "Main", "zip_code": "75202", "city": premise.city},
    )

    assert response.status_code == 200
    assert response.json()["changed"] == ["street_name", "zip_code"]
    premise.refresh_from_db()
    assert (premise.street_name, premise.zip_code) == ("Main", "75202")


def test_a_meter_update_matches_the_meter_number_without_its_letter(
    client, key, premise
):  # MTR-1, MTR-8
    response = send(
        client,
        key,
        message_id="u2",
        type="meter_update",
        esiid=premise.esiid,
        meter_number="L113000111",
        changes={"kwh_multiplier": "2.5", "last_test_date": "2026-05-01", "meter_status": "D"},
    )

    assert response.status_code == 200
    meter = premise.meters.get()
    assert meter.kwh_multiplier == Decimal("2.5")
    assert (meter.last_test_date, meter.meter_status) == (date(2026, 5, 1), "D")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"esiid": "1"}, "changes.esiid"),
        ({"premise_status": "X"}, "changes.premise_status"),
        ({"ams_profile_effective_date": "tomorrow"}, "changes.ams_profile_effective_date"),
        ({"street_name": ""}, "changes.street_name"),
        ({}, "changes"),
    ],
)
def test_a_bad_premise_update_is_a_400_naming_the_field(
    client, key, premise, changes, field
):  # API-4
    response = send(
        client, key, message_id="u3", type="premise_update", esiid=premise.esiid, changes=changes
    )

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert not TdspMessage.objects.exists()  # a corrected message may use the same id


def test_a_meter_not_in_service_is_refused(client, key, premise):  # MTR-1
    response = send(
        client,
        key,
        message_id="u4",
        type="meter_update",
        esiid=premise.esiid,
        meter_number="999",
        changes={"model": "X"},
    )

    assert response.json()["result"] == "refused"
    assert "999 is not in service" in response.json()["reason"]


# --- OPS-2: retention of uploaded files ---------------------------------------------------------


def test_uploaded_files_are_removed_after_their_retention_and_the_record_stays(
    client, key, premise, settings, django_capture_on_commit_callbacks
):  # OPS-2
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, key, file=day_file(premise.esiid))
    stored = TdspMessage.objects.get().payload["stored_as"]
    retention = timedelta(days=settings.TDSP_FILE_RETENTION_DAYS)

    with time_machine.travel(start + retention - timedelta(minutes=1)):
        assert files.tdsp_files_purge_expired() == 0
    with time_machine.travel(start + retention + timedelta(minutes=1)):
        out = StringIO()
        call_command("purge_tdsp_files", "--dry-run", stdout=out)
        assert out.getvalue() == "Would remove 1 uploaded TDSP file(s) past retention.\n"
        assert default_storage.exists(stored)
        call_command("purge_tdsp_files", stdout=StringIO())
        assert files.tdsp_files_purge_expired() == 0  # safe twice

    assert not default_storage.exists(stored)
    message = TdspMessage.objects.get()
    assert message.outcome["result"] == "loaded" and message.payload["stored_as"] == ""


# --- whole or nothing, bounded lines (USG-2, SEC-4, SEC-6) -----------------------------------


def daily_file(esiid, rows, tail=b"") -> SimpleUploadedFile:
    days = (date(1980, 1, 1) + timedelta(days=n) for n in range(rows))
    text = "esiid,date,version,start_read,end_read,consumption_kwh\n" + "".join(
        f"{esiid},{day},1,1.000,2.000,1.000\n" for day in days
    )
    return SimpleUploadedFile("reads.csv", text.encode() + tail, "text/csv")


def test_a_file_refused_after_12000_good_rows_stores_none_of_them(
    client, key, premise, django_capture_on_commit_callbacks
):  # USG-2, SEC-4: never "refused" with rows stored
    bad_byte = b"\xff\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, key, file=daily_file(premise.esiid, 12_000, tail=bad_byte))

    status = client.get(response.json()["status_url"], HTTP_AUTHORIZATION=f"Token {key}").json()
    assert status["result"] == "refused" and status["reason"] == "the file is not UTF-8 text"
    assert (status["line"], status["stored"]) == (12_002, 0)
    assert DailyRead.objects.count() == 0


def test_an_overlong_line_is_a_bad_row_and_the_rest_loads(
    client, key, premise, django_capture_on_commit_callbacks, monkeypatch
):  # SEC-4
    monkeypatch.setattr(ingest, "MAX_LINE_BYTES", 1024)
    long_line = b"1" * 1_000_000 + b"\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, key, file=daily_file(premise.esiid, 2, tail=long_line))

    status = client.get(response.json()["status_url"], HTTP_AUTHORIZATION=f"Token {key}").json()
    assert (status["result"], status["stored"], status["skipped"]) == ("loaded", 2, 1)
    assert status["errors"] == [{"line": 4, "message": "the line is longer than 1,024 bytes"}]
    assert DailyRead.objects.count() == 2
