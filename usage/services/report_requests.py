"""Offline report requests (USG-7, USG-8, USG-9, SEC-6): the writes and the scoped reads.

A request is recorded Processing in the caller's transaction and a worker task is queued on
commit. The file is built in parts so that no task run is long (a killed worker's task comes
back after the broker's visibility timeout, CELERY_VISIBILITY_TIMEOUT, which must stay above
the longest run): one run appends the next meters, in ESIID order, for about
REPORT_PART_SECONDS, records how far the file got and queues the next run. The row stays
locked while a part is written, so two runs of one request take turns. Every byte goes
through the default storage (an S3 bucket, or MEDIA_ROOT on one machine: smt/settings.py),
which keeps whole objects and cannot append: each run stores the bytes it adds as a segment
named by the offset they start at, and the last run puts the segments together into the
file. A run killed mid-part leaves at most a segment past the recorded length, which the next
run replaces. The file becomes the request's (downloadable) only when the last part is in, so
a user never sees half a file. A part tried MAX_ATTEMPTS times makes the request
Unsuccessful, and a beat sweep re-queues requests whose task went missing, so no request
stays Processing for ever.

USG-8: one order may hold several reports (Daily Usage, Daily Meter Reads, Monthly Usage, each
with its own dates and View: `ReportRequest.parts`). They are built one after the other, each
into its own segments, in runs as above (`parts_built` counts the reports done); the last run
puts the files that hold data into one ZIP, the order's file. An order of one report makes its one
file as before.
"""

import dataclasses
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from accounts.models import User
from notifications.services import Attachment, send_email
from smt.lib.sandbox import in_sandbox
from usage import selectors
from usage.formats import csv_export, greenbutton, information
from usage.models import Premise, ReportPart, ReportRequest
from usage.services import reports

MAX_METERS = 5000  # USG-8: meters one export request may hold (decision)
MAX_ATTEMPTS = 3  # SEC-6: tries of one part; then the request is Unsuccessful, with the reason
STALE_MINUTES = 15  # a request started this long ago without finishing is re-queued
# SEC-6: one task run adds meters to the file for about this long, then queues the next part.
# Well below the broker's visibility timeout (90 s): measured, 1,000 meters × 30 days of
# Daily Usage take 4.5 s (benchmarks/RESULTS.md), so a part holds ~130,000 meter-days, and
# one meter's 48 months (the longest report, USG-6) take ~0.1 s, so a run ends within a
# second of this.
REPORT_PART_SECONDS = 20.0
NO_DATA = "No data found for the options chosen."  # USG-9
COULD_NOT_BUILD = gettext_lazy("The report could not be built. Please request it again.")
# agreements.Agreement.report_request points at a request with this related name (AGR-10).
# usage reads the link by name only and never imports agreements (CONVENTIONS).
AGREEMENTS_RELATION = "agreements"
# USG-9: Report Request Status shows one table (tab) per party, in this order.
STATUS_PARTIES = (
    ReportRequest.Party.ROR,
    ReportRequest.Party.CUSTOMER,
    ReportRequest.Party.THIRD_PARTY,
)
FILE_TYPES: dict[str, tuple[str, str]] = {  # file_format → (extension, content type)
    ReportRequest.FileFormat.CSV: ("csv", "text/csv"),
    ReportRequest.FileFormat.GREEN_BUTTON: (greenbutton.EXTENSION, greenbutton.CONTENT_TYPE),
}
ZIP_TYPE = ("zip", "application/zip")  # USG-8: an order of several reports
PART_FILE_NAMES: dict[str, str] = {  # USG-8: each report's file in the ZIP is named after it
    ReportRequest.ReportType.INTERVAL: "daily-usage",
    ReportRequest.ReportType.DAILY: "daily-meter-reads",
    ReportRequest.ReportType.MONTHLY: "monthly-usage",
}


def _party(user: User) -> str:
    if user.is_customer:
        return ReportRequest.Party.CUSTOMER
    if user.kind == user.Kind.THIRD_PARTY:
        return ReportRequest.Party.THIRD_PARTY  # USG-9: told apart from ROR requests
    return ReportRequest.Party.ROR


@transaction.atomic
def report_request_create(
    *,
    user: User,
    premises: Iterable[Premise],
    report_type: str = "",
    start: date | None = None,
    end: date | None = None,
    versions: bool = False,
    file_format: str = ReportRequest.FileFormat.CSV,
    parts: Sequence[ReportPart] = (),
) -> ReportRequest:
    """USG-7, USG-8, MTR-7: one order number for the meters; the worker builds it. One report
    (`report_type` and its options) or several (`parts`, USG-8 Export Report(s)).
    USG-10: Green Button XML only for the report types that have it, current version only."""
    if not parts:
        parts = [ReportPart(report_type, start, end, versions, file_format)]
    parts = [_file_format_rules(part) for part in parts]
    first = parts[0]
    premises = list(premises)
    request = ReportRequest.objects.create(
        is_sandbox=any(premise.is_sandbox for premise in premises),  # BEY-5
        requested_by=user,
        company=user.company,
        party=_party(user),
        report_type=first.report_type,
        file_format=first.file_format,
        versions=first.versions,
        start_date=first.start_date,
        end_date=first.end_date,
        parts=[part.as_json() for part in parts] if len(parts) > 1 else [],
        requested_at=timezone.now(),
    )
    request.premises.set(premises)
    transaction.on_commit(lambda: _dispatch(request.pk))
    return request


def _file_format_rules(part: ReportPart) -> ReportPart:
    """USG-10, per report: Green Button XML only for the types that have it (others are
    CSV), and then the current version only."""
    if part.report_type not in greenbutton.REPORT_TYPES:
        part = dataclasses.replace(part, file_format=ReportRequest.FileFormat.CSV)
    if part.file_format == ReportRequest.FileFormat.GREEN_BUTTON:
        part = dataclasses.replace(part, versions=False)
    return part


def _dispatch(request_id: int) -> None:
    from usage.tasks import report_request_build_task

    report_request_build_task.delay(request_id)


def report_request_build(*, request_id: int) -> ReportRequest:
    """Build the next part of a Processing request's CSV or Green Button file, finishing the
    request with its last part (USG-7, SEC-6; idempotent). Queues the next part on commit."""
    with transaction.atomic():
        request = ReportRequest.objects.select_for_update().get(pk=request_id)
        if request.status != ReportRequest.Status.PROCESSING:
            return request
        if request.attempts >= MAX_ATTEMPTS:  # this part failed (or killed a worker) each time
            report_request_fail(request_id=request_id, reason=str(COULD_NOT_BUILD))
            request.refresh_from_db()
            return request
        request.attempts += 1  # committed now: a run killed mid-part still counts
        request.started_at = timezone.now()
        request.save(update_fields=["attempts", "started_at"])
    return _build_part(request_id)


@transaction.atomic
def _build_part(request_id: int) -> ReportRequest:
    # Locked until the part is recorded: a second run of the same request waits here, then
    # goes on from where this one left the file.
    request = ReportRequest.objects.select_for_update().get(pk=request_id)
    if request.status != ReportRequest.Status.PROCESSING:
        return request
    index = min(request.parts_built, len(request.report_parts) - 1)
    report = request.report_parts[index]  # USG-8: the report of the order being built
    part = _Part(
        request.premises.order_by("esiid")[request.premises_built :],
        deadline=time.monotonic() + REPORT_PART_SECONDS,
    )
    windows = _data_windows(request, report)
    start = request.bytes_built
    with tempfile.TemporaryFile() as scratch:
        segment = _Segment(scratch, offset=start)
        if report.file_format == ReportRequest.FileFormat.GREEN_BUTTON:
            rows = _green_button_part(request, report, segment, part, windows)
        else:
            rows = _csv_part(report, segment, part, windows)
        request.bytes_built = segment.tell()
        finishing = part.exhausted and index + 1 >= len(request.report_parts)
        if not finishing:
            # Whatever a killed run stored at this offset is replaced, not added to.
            _store_whole(_segment_name(request, index, start), scratch)
        request.premises_built += part.taken
        request.rows += rows
        if part.exhausted and request.is_multi_part:
            _record_report_rows(request, index)
        if finishing:
            _finish(request, last=scratch, start=start)  # the last bytes go straight in
            return request
    if part.exhausted:
        # USG-8: the next report of the order starts its own file from its first meter.
        request.parts_built = index + 1
        request.premises_built = request.bytes_built = 0
        request.feed_reading_types = ""
    request.attempts = 0  # the part is in: the next part has its own tries
    request.save(
        update_fields=[
            "premises_built",
            "bytes_built",
            "feed_reading_types",
            "rows",
            "attempts",
            "parts",
            "parts_built",
        ]
    )
    transaction.on_commit(lambda: _dispatch(request_id))
    return request


class _Segment:
    """The bytes one run adds to a report's file, kept in a temporary file until they are
    stored whole. `tell()` is the position in the whole file (the CSV header goes at 0 only)."""

    def __init__(self, scratch: IO[bytes], *, offset: int) -> None:
        self.scratch = scratch
        self.offset = offset

    def write(self, chunk: bytes) -> int:
        return self.scratch.write(chunk)

    def tell(self) -> int:
        return self.offset + self.scratch.tell()


class _Part:
    """The premises of one part: those not in the file yet, until the time is up (always at
    least one, so every run makes progress)."""

    def __init__(self, premises: Iterable[Premise], *, deadline: float) -> None:
        self.premises = premises
        self.deadline = deadline
        self.taken = 0  # premises handed out, each written whole before the next is asked for
        self.exhausted = False  # True once the last premise of the request was handed out

    def __iter__(self) -> Iterator[Premise]:
        for premise in self.premises:
            if self.taken and time.monotonic() >= self.deadline:
                return
            self.taken += 1
            yield premise
        self.exhausted = True


def _record_report_rows(request: ReportRequest, index: int) -> None:
    """USG-8: the rows of the order's report just finished (the total so far less the
    earlier reports'), kept with it for Report Request Status."""
    parts = [dict(values) for values in request.parts]
    earlier = sum(values.get("rows") or 0 for values in parts[:index])
    parts[index]["rows"] = request.rows - earlier
    request.parts = parts


def _building_name(request: ReportRequest, index: int | None = None) -> str:
    """Where the file is built, and stays once complete (the order number makes it unique);
    with `index`, the file of one report of a several-report order (USG-8)."""
    if index is None or not request.is_multi_part:
        return f"reports/{request.requested_at:%Y/%m}/{report_file_name(request)}"
    return f"reports/{request.requested_at:%Y/%m}/{_part_file_name(request, index)}"


def _segment_name(request: ReportRequest, index: int, offset: int) -> str:
    """Where one run's bytes of a report's file are stored, named by their offset in it."""
    return f"{_building_name(request, index)}.{offset:012d}.part"


def _segments(
    request: ReportRequest, index: int, *, end: int | None = None
) -> list[tuple[str, int]]:
    """The stored segments of a report's file with their sizes, in order: up to the offset
    `end` (each one must be there), or without it every segment there is (to delete them).
    A run that wrote nothing stored an empty segment, which the next run replaced unless
    it was the last."""
    segments: list[tuple[str, int]] = []
    offset = 0
    while end is None or offset < end:
        name = _segment_name(request, index, offset)
        if not default_storage.exists(name):
            if end is None:
                break
            raise FileNotFoundError(f"{name}: a part of report {request.order_number} is lost")
        size = default_storage.size(name)
        segments.append((name, size))
        if not size:
            break
        offset += size
    return segments


def _store_whole(name: str, content: IO[bytes]) -> None:
    """Store `content` as `name`, replacing what a killed run may have left there. The
    request's row is locked meanwhile, so nothing else writes the name."""
    content.seek(0)
    default_storage.delete(name)
    stored = default_storage.save(name, File(content, name=name))
    if stored != name:  # the storage kept an object that appeared meanwhile: not ours to use
        default_storage.delete(stored)
        raise RuntimeError(f"{name} was written by someone else while this run stored it")


def _part_file_name(request: ReportRequest, index: int) -> str:
    """The name of one report's file in an order's ZIP: report-00000012-1-daily-usage.csv."""
    report = request.report_parts[index]
    extension, _content_type = FILE_TYPES[report.file_format]
    name = PART_FILE_NAMES.get(report.report_type, report.report_type)
    return f"report-{request.order_number}-{index + 1}-{name}.{extension}"


def _csv_part(
    report: ReportPart,
    handle: _Segment,
    part: _Part,
    windows: dict[int, selectors.DataWindow],
) -> int:
    """Append the part's meters to the CSV file (the header once, at the top); returns the
    data rows written."""
    rows = 0
    for premise in part:
        window = windows.get(premise.pk, selectors.UNLIMITED)
        header = handle.tell() == 0
        chunks = _premise_csv(report, premise, window, header=header)
        if chunks is None:
            continue  # USG-12: no day of the range within the agreement's period
        for chunk in chunks:
            handle.write(chunk.encode())
            rows += chunk.count("\n")
        if header:
            rows -= 1  # the header line
    return rows


def _premise_csv(
    report: ReportPart, premise: Premise, window: selectors.DataWindow, *, header: bool
) -> Iterator[str] | None:
    """One meter's part of the CSV file: its Premise or Meter Information (MTR-7, no dates),
    or its usage over the report's dates inside the requester's data `window` (USG-12);
    None when no day of the range is inside it."""
    if report.report_type in information.KINDS:
        return csv_export.information_csv(report.report_type, premise, header=header)
    start, end = _dates(report)
    span = window.clamp(start, end) if window.is_limited else (start, end)
    if span is None:
        return None
    return csv_export.report_csv(
        report.report_type,
        premise,
        *span,
        versions=report.versions,
        header=header,
        window=window,
    )


def _dates(report: ReportPart) -> tuple[date, date]:
    """The dates of a usage report (only the information reports have none)."""
    start, end = report.start_date, report.end_date
    assert start is not None and end is not None  # requested with both (USG-6, AGR-10)
    return start, end


def _data_windows(request: ReportRequest, report: ReportPart) -> dict[int, selectors.DataWindow]:
    """USG-12, AGR-14: the days of each meter the requester may see, read when the file is
    built, so an agreement that ended meanwhile gives no more days. Rows outside are left out
    (clamped, not refused: one order may hold meters of different agreements). A One-Time
    agreement's own report (AGR-10) keeps the period the customer agreed to; the information
    reports (MTR-7) are no time series. Empty means no limit."""
    if report.report_type not in reports.REPORT_TYPES:
        return {}
    windows = selectors.premise_data_windows(
        user=request.requested_by, premises=request.premises.all()
    )
    if not any(window.is_limited for window in windows.values()):
        return {}
    return {} if _delivers_agreement(request) else windows


def _delivers_agreement(request: ReportRequest) -> bool:
    """Whether an agreement points at this request (AGR-10: a One-Time agreement's report)."""
    return ReportRequest.objects.filter(
        pk=request.pk, **{f"{AGREEMENTS_RELATION}__isnull": False}
    ).exists()


# A ReadingType entry of the feed: one per channel per feed, which parts must not repeat.
_READING_TYPE_ENTRY = re.compile(
    r'^<entry><id>[^<]*</id><link rel="self" href="[^"]*/ReadingType/(\d+)"'
)


def _green_button_part(
    request: ReportRequest,
    report: ReportPart,
    handle: _Segment,
    part: _Part,
    windows: dict[int, selectors.DataWindow],
) -> int:
    """USG-10: append the part's meters to the one ESPI feed of the request. Each part is
    the feed of its meters with what an earlier part wrote left out: the feed's head and
    LocalTimeParameters (its first two chunks), ReadingType entries already in the file, and
    the closing tag until the last part. Returns the IntervalReadings written."""
    first = request.bytes_built == 0
    sent = set(request.feed_reading_types)
    readings = 0
    feed = greenbutton.green_button_feed(
        part, *_dates(report), now=request.requested_at, windows=windows or None
    )
    for index, chunk in enumerate(feed):
        if index < 2 and not first:
            continue
        if chunk == "</feed>\n" and not part.exhausted:
            continue
        reading_type = _READING_TYPE_ENTRY.match(chunk)
        if reading_type:
            if reading_type[1] in sent:
                continue
            sent.add(reading_type[1])
        handle.write(chunk.encode())
        readings += greenbutton.reading_count(chunk)
    request.feed_reading_types = "".join(sorted(sent))
    return readings


def _file_type(request: ReportRequest) -> tuple[str, str]:
    return ZIP_TYPE if request.is_multi_part else FILE_TYPES[request.file_format]


def report_file_name(request: ReportRequest) -> str:
    extension, _content_type = _file_type(request)
    return f"report-{request.order_number}.{extension}"


def report_content_type(request: ReportRequest) -> str:
    return _file_type(request)[1]


def _finish(request: ReportRequest, *, last: IO[bytes], start: int) -> None:
    """The last part is in (inside _build_part's transaction, the row locked): the file
    becomes the request's, or the request is Unsuccessful when it holds no data. `last` holds
    the last report's bytes from offset `start` on, which were not stored as a segment."""
    name = _building_name(request)
    final = len(request.report_parts) - 1
    request.completed_at = timezone.now()
    if request.rows:
        request.status = ReportRequest.Status.COMPLETE
        request.file.name = name
        with tempfile.TemporaryFile() as whole:
            if request.is_multi_part:
                _zip_reports(request, whole, last=last, start=start)
            else:
                _join_segments(_segments(request, final, end=start), last, into=whole)
            _store_whole(name, whole)
    else:
        request.status = ReportRequest.Status.UNSUCCESSFUL
        request.detail = NO_DATA
        default_storage.delete(name)
    # Once the order's file is in, never before (with a killed run's segment at `start`).
    built = _stored_segments(request)
    transaction.on_commit(lambda: _delete_files(built))
    request.save(
        update_fields=[
            "premises_built",
            "bytes_built",
            "feed_reading_types",
            "rows",
            "parts",
            "completed_at",
            "status",
            "detail",
            "file",
        ]
    )
    _email_finished(request)


def _stored_segments(request: ReportRequest) -> list[str]:
    """Every segment stored for the request, of each of its reports (USG-8)."""
    indexes = range(len(request.report_parts))
    return [name for index in indexes for name, _size in _segments(request, index)]


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _join_segments(
    segments: Iterable[tuple[str, int]], last: IO[bytes] | None, *, into: IO[bytes]
) -> None:
    """A report's file: its stored segments in order, then the last run's bytes if any."""
    for name, _size in segments:
        with default_storage.open(name, "rb") as segment:
            shutil.copyfileobj(segment, into)
    if last is not None:
        last.seek(0)
        shutil.copyfileobj(last, into)


def _zip_reports(request: ReportRequest, into: IO[bytes], *, last: IO[bytes], start: int) -> None:
    """USG-8: the order's ZIP holds the file of each of its reports that found data (a
    report without data is told on Report Request Status, not shipped as an empty file).
    Written whole again by a run that repeats the last part."""
    final = len(request.report_parts) - 1
    with zipfile.ZipFile(into, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, report in enumerate(request.report_parts):
            if not report.rows:
                continue
            tail = last if index == final else None
            segments = _segments(request, index, end=None if tail is None else start)
            size = sum(size for _name, size in segments)
            size += 0 if tail is None else tail.seek(0, 2)
            built = timezone.localtime(request.completed_at).timetuple()[:6]
            info = zipfile.ZipInfo(_part_file_name(request, index), built)
            info.compress_type = zipfile.ZIP_DEFLATED
            # A report's file may pass 2 GiB: then the ZIP needs its ZIP64 fields.
            with archive.open(info, "w", force_zip64=size > zipfile.ZIP64_LIMIT) as member:
                _join_segments(segments, tail, into=member)


def report_email_attaches(request: ReportRequest) -> bool:
    """USG-9 decision: a complete Green Button result travels with the email when it is at
    most REPORT_EMAIL_ATTACHMENT_MAX_BYTES; otherwise (and for CSV) the email links to it."""
    return (
        request.is_downloadable
        and not request.is_multi_part  # USG-8: a ZIP of several reports is linked
        and request.file_format == ReportRequest.FileFormat.GREEN_BUTTON
        and request.file.size <= settings.REPORT_EMAIL_ATTACHMENT_MAX_BYTES
    )


def _announced_by_agreement(request: ReportRequest) -> bool:
    """AGR-10, NTF-3: a One-Time agreement's report is announced by EM204 (agreements), so the
    generic email would be a second email for the same event. A 3rd party's own Export
    Report(s) request has no agreement and keeps the generic email."""
    return request.party == ReportRequest.Party.THIRD_PARTY and _delivers_agreement(request)


def _email_finished(request: ReportRequest) -> None:
    """USG-7: the requester is told the report is ready (or why not); USG-9: small Green
    Button results are attached."""
    if _announced_by_agreement(request):
        return
    user = request.requested_by
    with translation.override(user.language):
        report_type = ", ".join(report.label for report in request.report_parts)  # USG-8
    attached = report_email_attaches(request)
    attachments = (
        (
            Attachment(
                path=request.file.name,
                filename=report_file_name(request),
                mimetype=report_content_type(request),
            ),
        )
        if attached
        else ()
    )
    send_email(
        to=user.email,
        template="usage/report_ready",
        language=user.language,
        related=request,
        event_key=f"report-ready-{request.pk}",
        context={
            "first_name": user.first_name,
            "order_number": request.order_number,
            "report_type": report_type,
            "complete": request.status == ReportRequest.Status.COMPLETE,
            "detail": request.detail,
            "attached": attached,
            "download_path": reverse("usage:report_request_download", args=[request.pk]),
        },
        attachments=attachments,
    )


@transaction.atomic
def report_request_fail(*, request_id: int, reason: str) -> None:
    locked = ReportRequest.objects.select_for_update().get(pk=request_id)
    if locked.status != ReportRequest.Status.PROCESSING:
        return
    # The parts built so far, if any (of each report of a several-report order, USG-8).
    _delete_files([_building_name(locked), *_stored_segments(locked)])
    locked.status = ReportRequest.Status.UNSUCCESSFUL
    locked.detail = reason[:300]
    locked.completed_at = timezone.now()
    locked.save(update_fields=["status", "detail", "completed_at"])
    _email_finished(locked)


def _stale_requests(now: datetime) -> QuerySet[ReportRequest]:
    return ReportRequest.objects.filter(status=ReportRequest.Status.PROCESSING).filter(
        Q(started_at__lte=now - timedelta(minutes=STALE_MINUTES))
        | Q(started_at=None, requested_at__lte=now - timedelta(minutes=STALE_MINUTES))
    )


def report_requests_requeue_stale(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """SEC-6: requests whose worker vanished are queued again, or given up after
    MAX_ATTEMPTS. Returns how many were re-queued (or, dry, how many are stale)."""
    now = now or timezone.now()
    stale = _stale_requests(now)
    if dry_run:
        return stale.count()
    requeued = 0
    for request in stale:
        if request.attempts >= MAX_ATTEMPTS:
            report_request_fail(request_id=request.pk, reason=str(COULD_NOT_BUILD))
        else:
            report_request_requeue(request_id=request.pk, now=now)
            requeued += 1
    return requeued


def report_request_requeue(*, request_id: int, now: datetime | None = None) -> None:
    """Queue a Processing request again (sweep, or SMT staff from the admin)."""
    ReportRequest.objects.filter(pk=request_id).update(started_at=now or timezone.now())
    _dispatch(request_id)


# --- scoped reads -------------------------------------------------------------------------------


def report_requests_for_user(*, user: User) -> QuerySet[ReportRequest]:
    """USG-9: a user's own requests, and their company's when they are its admin."""
    mine = Q(requested_by=user)
    if user.company_id and user.is_company_admin:
        mine |= Q(company=user.company_id)
    retention = timezone.now() - timedelta(days=settings.REPORT_RETENTION_DAYS)
    return (
        ReportRequest.objects.filter(mine, requested_at__gte=retention, is_sandbox=in_sandbox())
        .select_related("requested_by")
        .prefetch_related("premises")
    )


def _with_agreement(requests: QuerySet[ReportRequest]) -> QuerySet[ReportRequest]:
    """USG-9: a 3rd party's request names the agreement it came from and that agreement's
    customer (empty for the 3rd party's own exports), read through the agreement's link."""
    linked = ReportRequest.objects.filter(
        pk=OuterRef("pk"), **{f"{AGREEMENTS_RELATION}__isnull": False}
    ).order_by()
    number = f"{AGREEMENTS_RELATION}__agreement_number"
    first, last = (f"{AGREEMENTS_RELATION}__customer_{p}_name" for p in ("first", "last"))
    return requests.annotate(
        agreement_number=Subquery(linked.values(number)[:1]),
        customer_name=Subquery(
            linked.annotate(name=Concat(first, Value(" "), last, output_field=CharField())).values(
                "name"
            )[:1]
        ),
    )


def report_request_status_tables(*, user: User) -> list[dict[str, str | Promise]]:
    """USG-9: the parties the user has requests of ({"party", "label"}), in STATUS_PARTIES
    order; Report Request Status shows a table (tab) for each and none for the others."""
    parties = report_requests_for_user(user=user).order_by().values_list("party", flat=True)
    present = set(parties.distinct())
    return [
        {"party": party, "label": ReportRequest.Party(party).label}
        for party in STATUS_PARTIES
        if party in present
    ]


def report_requests_of_party(*, user: User, party: str) -> QuerySet[ReportRequest]:
    """USG-9: one table of Report Request Status; 3rd-party rows carry the agreement number
    and the customer's name."""
    requests = report_requests_for_user(user=user).filter(party=party)
    if party == ReportRequest.Party.THIRD_PARTY:
        requests = _with_agreement(requests)
    return requests


def report_request_get_for_user(*, user: User, pk: int) -> ReportRequest:
    return get_object_or_404(report_requests_for_user(user=user), pk=pk)


def report_files_purge_expired(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """USG-9 decision: result files are kept REPORT_RETENTION_DAYS days, then removed with
    their request (OPS-2 report file retention)."""
    now = now or timezone.now()
    expired = ReportRequest.objects.filter(
        requested_at__lt=now - timedelta(days=settings.REPORT_RETENTION_DAYS)
    ).exclude(status=ReportRequest.Status.PROCESSING)
    if dry_run:
        return expired.count()
    count = 0
    for request in expired:
        if request.file:
            request.file.delete(save=False)
        request.delete()
        count += 1
    return count
