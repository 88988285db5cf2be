"""Files beyond one machine: with SMT_S3_BUCKET set, every stored file lives in a private S3
bucket (smt/settings.py STORAGES), and users reach it exactly as on the local filesystem.

A real S3 API answers here: moto's standalone server, on 127.0.0.1 and a free port, in a
thread of this process. The contract users rely on runs against it: a report file built by
the worker's code and downloaded through the view that checks who asks; an agreement's PDF
copy (with the company's logo read from the bucket) and the logo's own view; the TDSP upload
a worker loads; and the retention sweeps that remove the objects. Nothing may land on the
local disk meanwhile.
"""

import io
import socket
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import empty
from PIL import Image

moto_server = pytest.importorskip(
    "moto.server",
    reason="moto[server] is not installed (requirements-dev.txt): no S3 server to test against",
    exc_type=ImportError,  # moto without its [server] extras too
)
import boto3  # noqa: E402  (after the skip: the module only runs where moto is)
from botocore.exceptions import ClientError  # noqa: E402

from agreements.services.answers import agreement_accept  # noqa: E402
from tests.agreements.helpers import (  # noqa: E402
    CUSTOMER_EMAIL,
    one_time,
    third_party_admin,
    token_of,
)
from tests.factories import MeterFactory, PremiseFactory, UserFactory  # noqa: E402
from tests.usage.test_report_worker import content  # noqa: E402
from usage.models import ReportRequest, TdspMessage  # noqa: E402
from usage.services import report_requests  # noqa: E402
from usage.services.intervals import (  # noqa: E402
    IntervalDayInput,
    interval_days_store,
    intervals_in_day,
)
from usage.tdsp import files as tdsp_files  # noqa: E402

pytestmark = pytest.mark.django_db

CREDENTIALS = {"aws_access_key_id": "smt-test", "aws_secret_access_key": "smt-test-secret"}
REGION = "us-east-1"
END = date(2026, 10, 31)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()  # the thread ends: nothing is left running


@pytest.fixture
def bucket(s3_endpoint: str) -> Iterator[Any]:
    """A fresh bucket, and the default storage switched to it as SMT_S3_BUCKET would."""
    s3 = boto3.resource("s3", endpoint_url=s3_endpoint, region_name=REGION, **CREDENTIALS)
    bucket = s3.create_bucket(Bucket=f"smt-test-{uuid.uuid4().hex[:12]}")
    options = {
        "bucket_name": bucket.name,
        "endpoint_url": s3_endpoint,
        "region_name": REGION,
        "access_key": CREDENTIALS["aws_access_key_id"],
        "secret_key": CREDENTIALS["aws_secret_access_key"],
        "default_acl": "private",
        "querystring_auth": False,
        "file_overwrite": False,
        "addressing_style": "path",
    }
    s3_storages = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    # override_settings sends setting_changed, whose STORAGES receiver empties the caches
    # of `storages` and the lazy `default_storage` (which FileFields hold) on entry and exit.
    with override_settings(STORAGES=s3_storages):
        assert default_storage._wrapped is empty  # nothing cached from before
        assert type(storages["default"]).__name__ == "S3Storage"
        yield bucket
    assert type(storages["default"]).__name__ == "FileSystemStorage"
    bucket.objects.all().delete()
    bucket.delete()


@pytest.fixture
def media_root() -> Iterator[Path]:
    """Nothing is written to the local disk while the bucket is the storage."""
    root = Path(settings.MEDIA_ROOT)
    yield root
    assert not [path for path in root.rglob("*") if path.is_file()]


def keys(bucket: Any, prefix: str = "") -> list[str]:
    return sorted(item.key for item in bucket.objects.filter(Prefix=prefix))


def in_bucket(bucket: Any, key: str) -> bool:
    try:
        bucket.Object(key).load()
    except ClientError as error:
        assert error.response["Error"]["Code"] in {"404", "NoSuchKey"}
        return False
    return True


def premises_with_data(count: int = 3) -> list:
    premises = [PremiseFactory() for _n in range(count)]
    items = []
    for premise in premises:
        MeterFactory(premise=premise)
        for offset in range(3):
            day = END - timedelta(days=offset)
            values = tuple([Decimal("0.250")] * intervals_in_day(day))
            items.append(IntervalDayInput(premise.pk, day, "C", values, "A" * len(values)))
    interval_days_store(items)
    return premises


# --- report files ---------------------------------------------------------------------------


def test_a_report_built_by_the_worker_is_downloaded_from_the_bucket_by_its_owner_only(
    bucket, media_root, monkeypatch, django_capture_on_commit_callbacks
):  # USG-7, USG-9, SEC-6
    monkeypatch.setattr(report_requests, "REPORT_PART_SECONDS", 0)  # one meter a run: parts
    owner = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):  # the worker's tasks run eagerly
        request = report_requests.report_request_create(
            user=owner,
            premises=premises_with_data(),
            report_type="interval",
            start=END - timedelta(days=2),
            end=END,
        )

    request.refresh_from_db()
    assert request.status == ReportRequest.Status.COMPLETE and request.rows == 3 * 3 * 96
    # Only the order's file is left: the parts' segments went once it was in.
    assert keys(bucket) == [request.file.name]
    stored = bucket.Object(request.file.name).get()["Body"].read()
    assert stored.decode() == content(request)

    url = reverse("usage:report_request_download", args=[request.pk])
    client = Client()
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored
    assert response["Content-Type"] == "text/csv"
    assert f"report-{request.order_number}.csv" in response["Content-Disposition"]

    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to sign in
    assert bucket.name not in response.get("Location", "")


def test_a_report_of_several_reports_is_zipped_from_the_bucket(
    bucket, media_root, monkeypatch, django_capture_on_commit_callbacks
):  # USG-8
    monkeypatch.setattr(report_requests, "REPORT_PART_SECONDS", 0)
    owner = UserFactory()
    dates = {"start_date": END - timedelta(days=2), "end_date": END}
    parts = [
        report_requests.ReportPart("interval", **dates),
        report_requests.ReportPart("daily", **dates),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        request = report_requests.report_request_create(
            user=owner, premises=premises_with_data(2), parts=parts
        )

    request.refresh_from_db()
    assert request.status == ReportRequest.Status.COMPLETE
    assert keys(bucket) == [request.file.name] and request.file.name.endswith(".zip")
    client = Client()
    client.force_login(owner)
    response = client.get(reverse("usage:report_request_download", args=[request.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK\x03\x04")


def test_retention_removes_the_report_file_from_the_bucket(
    bucket, media_root, django_capture_on_commit_callbacks
):  # USG-9 decision, OPS-2
    with django_capture_on_commit_callbacks(execute=True):
        request = report_requests.report_request_create(
            user=UserFactory(),
            premises=premises_with_data(1),
            report_type="interval",
            start=END - timedelta(days=2),
            end=END,
        )
    request.refresh_from_db()
    name = request.file.name
    assert in_bucket(bucket, name)

    later = timezone.now() + timedelta(days=settings.REPORT_RETENTION_DAYS, minutes=1)
    with time_machine.travel(later):
        call_command("purge_report_files", stdout=StringIO())

    assert not ReportRequest.objects.filter(pk=request.pk).exists()
    assert not in_bucket(bucket, name) and keys(bucket) == []


# --- agreement PDF copies and logos -------------------------------------------------------------


def test_the_agreement_pdf_copy_and_the_logo_go_through_the_bucket(
    bucket, media_root, django_capture_on_commit_callbacks
):  # AGR-10, ACC-1, NTF-1
    picture = io.BytesIO()
    Image.new("RGB", (40, 20), "green").save(picture, format="PNG")
    user = third_party_admin()
    user.company.logo.save("logo.png", ContentFile(picture.getvalue()))
    logo = user.company.logo.name
    assert keys(bucket, "company-logos/") == [logo]

    response = Client().get(user.company.logo_url)  # public by design (ACC-1)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content == picture.getvalue()
    assert bucket.name not in user.company.logo_url

    agreement = one_time(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        agreement_accept(token=token_of(agreement))

    # EM203 carries the copy read back from the bucket, the logo drawn in from the bucket.
    [message] = [m for m in mail.outbox if m.to == [CUSTOMER_EMAIL] and m.attachments]
    [(filename, pdf, mimetype)] = message.attachments
    assert (filename, mimetype) == (
        f"agreement-{agreement.agreement_number}.pdf",
        "application/pdf",
    )
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf
    [copy] = keys(bucket, "agreements/copies/")
    assert bucket.Object(copy).get()["Body"].read() == pdf

    bucket.Object(logo).delete()  # gone from the bucket: the view says 404, never 500
    assert Client().get(user.company.logo_url).status_code == 404


# --- TDSP uploads --------------------------------------------------------------------------


def test_a_tdsp_upload_is_loaded_from_the_bucket_and_removed_after_retention(
    bucket, media_root, oncor, django_capture_on_commit_callbacks
):  # USG-2, API-3, OPS-2
    premise = PremiseFactory(tdsp=oncor)
    MeterFactory(premise=premise)
    row = f"{premise.esiid},2026-03-14,C,1,{'A' * 96}," + ",".join(["0.250"] * 96)
    upload = SimpleUploadedFile(
        "day.csv", f"esiid,date,channel,version,quality,kwh\n{row}\n".encode(), "text/csv"
    )
    with django_capture_on_commit_callbacks(execute=True):
        message = tdsp_files.tdsp_file_receive(tdsp=oncor, message_id="f1", upload=upload)

    message = TdspMessage.objects.get(pk=message.pk)
    assert message.outcome["result"] == "loaded" and message.outcome["stored"] == 1
    stored = message.payload["stored_as"]
    assert in_bucket(bucket, stored)

    later = timezone.now() + timedelta(days=settings.TDSP_FILE_RETENTION_DAYS, minutes=1)
    with time_machine.travel(later):
        assert tdsp_files.tdsp_files_purge_expired() == 1
    assert not in_bucket(bucket, stored)
