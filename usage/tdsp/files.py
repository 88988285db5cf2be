"""Usage files a TDSP uploads through the TDSP API (API-3, USG-2): kept, loaded by a worker,
their outcome recorded on the message, the file removed after its retention (OPS-2)."""

import hashlib
import re
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Tdsp
from usage.models import TdspMessage
from usage.services.ingest import TdspFileRefused, tdsp_file_lines, tdsp_file_load

UPLOAD_KIND = "usage_file"
UPLOAD_DIR = "tdsp-files"
MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # SEC-4: a day file of 100,000 meters is ~120 MB
ERRORS_IN_OUTCOME = 1_000  # bad rows listed in the API answer; the count stays exact
PROCESSING = "processing"
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9_-]")  # a dot too: never "..", never a hidden file


def _storage_name(tdsp: Tdsp, message_id: str) -> str:
    """Where the file is kept: the message id made safe for a path whatever it holds (the
    TDSP API checks its format first; storage picks a free name on a clash)."""
    safe = _UNSAFE_IN_NAME.sub("_", message_id)[:64] or "upload"
    return f"{UPLOAD_DIR}/{tdsp.code}/{timezone.now():%Y/%m}/{safe}.csv"


@transaction.atomic
def tdsp_file_receive(*, tdsp: Tdsp, message_id: str, upload: UploadedFile) -> TdspMessage:
    """Keep an uploaded file and record its message; a worker loads it (USG-2, SEC-6).

    The message row and the stored file are written before the answer, so an accepted file is
    never lost; the task is scheduled on commit and re-reads the row.
    """
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = default_storage.save(_storage_name(tdsp, message_id), upload)
    message = TdspMessage.objects.create(
        tdsp=tdsp,
        message_id=message_id,
        kind=UPLOAD_KIND,
        payload={
            "file": upload.name,
            "size": upload.size,
            "sha256": digest.hexdigest(),
            "stored_as": stored,
        },
        outcome={"result": PROCESSING},
        received_at=timezone.now(),
    )
    from usage.tasks import tdsp_file_load_task  # tasks import this module

    transaction.on_commit(lambda: tdsp_file_load_task.delay(message.pk))
    return message


def tdsp_file_process(*, message_pk: int) -> dict[str, Any]:
    """Load an uploaded file once; a repeated task finds it done and changes nothing."""
    message = TdspMessage.objects.select_related("tdsp").get(pk=message_pk)
    if message.outcome.get("result") != PROCESSING:
        return message.outcome
    try:
        with default_storage.open(message.payload["stored_as"], "rb") as raw:
            # Bounded reading (SEC-4); the load is one transaction, so a refusal at any line
            # (not UTF-8, too big) stores nothing and the outcome says so.
            lines = tdsp_file_lines(raw)
            report = tdsp_file_load(lines=lines, name=message.payload["file"], tdsp=message.tdsp)
    except TdspFileRefused as error:
        outcome = {"result": "refused", "reason": str(error), "stored": 0}
        if error.line:
            outcome["line"] = error.line
    else:
        outcome = {"result": "loaded", **report.summary(limit=ERRORS_IN_OUTCOME)}
    return _finish_upload(message_pk, outcome)


def tdsp_file_fail(*, message_pk: int, reason: str) -> dict[str, Any]:
    """The worker gave up (retries exhausted): the TDSP and staff see why."""
    return _finish_upload(message_pk, {"result": "failed", "reason": reason[:500]})


@transaction.atomic
def _finish_upload(message_pk: int, outcome: dict[str, Any]) -> dict[str, Any]:
    message = TdspMessage.objects.select_for_update().get(pk=message_pk)
    if message.outcome.get("result") == PROCESSING:
        message.outcome = outcome
        message.save(update_fields=["outcome"])
    return message.outcome


def tdsp_files_purge_expired(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """OPS-2: uploaded files are kept TDSP_FILE_RETENTION_DAYS days (their rows are the
    record after that); the message and its outcome stay. Returns how many were removed."""
    now = now or timezone.now()
    expired = TdspMessage.objects.filter(
        kind=UPLOAD_KIND,
        received_at__lt=now - timedelta(days=settings.TDSP_FILE_RETENTION_DAYS),
    ).exclude(payload__stored_as="")
    expired = expired.exclude(outcome__result=PROCESSING)  # a worker may still read it
    if dry_run:
        return expired.count()
    removed = 0
    for message in expired:
        default_storage.delete(message.payload["stored_as"])
        message.payload = {**message.payload, "stored_as": "", "removed_at": now.isoformat()}
        message.save(update_fields=["payload"])
        removed += 1
    return removed
