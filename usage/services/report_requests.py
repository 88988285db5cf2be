"""Offline report requests (USG-7, USG-8, USG-9, SEC-6): the writes and the scoped reads.

A request is recorded Processing in the caller's transaction and a worker task is queued on
commit. The task builds the whole file again if it runs twice, so a worker killed mid-way
costs a retry, never a half file; a beat sweep re-queues requests whose worker vanished and
gives up after `MAX_ATTEMPTS`, so no request stays Processing for ever.
"""

import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.services import Attachment, send_email
from usage import selectors
from usage.formats import csv_export, greenbutton, information
from usage.models import Premise, ReportRequest
from usage.services import reports

MAX_METERS = 5000  # USG-8: meters one export request may hold (decision)
MAX_ATTEMPTS = 3  # SEC-6: then the request is Unsuccessful, with the reason
STALE_MINUTES = 15  # a request started this long ago without finishing is re-queued
NO_DATA = "No data found for the options chosen."  # USG-9
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
    report_type: str,
    start: date | None = None,
    end: date | None = None,
    versions: bool = False,
    file_format: str = ReportRequest.FileFormat.CSV,
) -> ReportRequest:
    """USG-7, USG-8, MTR-7: one order number for the meters; the worker builds it.
    USG-10: Green Button XML only for the report types that have it, current version only."""
    if report_type not in greenbutton.REPORT_TYPES:
        file_format = ReportRequest.FileFormat.CSV
    if file_format == ReportRequest.FileFormat.GREEN_BUTTON:
        versions = False
    request = ReportRequest.objects.create(
        requested_by=user,
        company=user.company,
        party=_party(user),
        report_type=report_type,
        file_format=file_format,
        versions=versions,
        start_date=start,
        end_date=end,
        requested_at=timezone.now(),
    )
    request.premises.set(premises)
    transaction.on_commit(lambda: _dispatch(request.pk))
    return request


def _dispatch(request_id: int) -> None:
    from usage.tasks import report_request_build_task

    report_request_build_task.delay(request_id)


def report_request_build(*, request_id: int) -> ReportRequest:
    """Build the CSV or Green Button file of a Processing request and finish it
    (idempotent)."""
    with transaction.atomic():
        request = ReportRequest.objects.select_for_update().get(pk=request_id)
        if request.status != ReportRequest.Status.PROCESSING:
            return request
        request.attempts += 1
        request.started_at = timezone.now()
        request.save(update_fields=["attempts", "started_at"])
    windows = _data_windows(request)
    if request.file_format == ReportRequest.FileFormat.GREEN_BUTTON:
        return _build_green_button(request, windows)
    rows = 0
    header = True
    with tempfile.TemporaryFile(mode="w+b") as handle:
        for premise in request.premises.order_by("esiid"):
            window = windows.get(premise.pk, selectors.UNLIMITED)
            chunks = _premise_csv(request, premise, window, header=header)
            if chunks is None:
                continue  # USG-12: no day of the range within the agreement's period
            for chunk in chunks:
                handle.write(chunk.encode())
                rows += chunk.count("\n")
            if header:
                rows -= 1  # the header line
                header = False
        handle.seek(0)
        _finish(request, handle, rows)
    return request


def _premise_csv(
    request: ReportRequest, premise: Premise, window: selectors.DataWindow, *, header: bool
) -> Iterator[str] | None:
    """One meter's part of the CSV file: its Premise or Meter Information (MTR-7, no dates),
    or its usage over the request's dates inside the requester's data `window` (USG-12);
    None when no day of the range is inside it."""
    if request.report_type in information.KINDS:
        return csv_export.information_csv(request.report_type, premise, header=header)
    start, end = _dates(request)
    span = window.clamp(start, end) if window.is_limited else (start, end)
    if span is None:
        return None
    return csv_export.report_csv(
        request.report_type,
        premise,
        *span,
        versions=request.versions,
        header=header,
        window=window,
    )


def _dates(request: ReportRequest) -> tuple[date, date]:
    """The dates of a usage report request (only the information reports have none)."""
    start, end = request.start_date, request.end_date
    assert start is not None and end is not None  # requested with both (USG-6, AGR-10)
    return start, end


def _data_windows(request: ReportRequest) -> dict[int, selectors.DataWindow]:
    """USG-12, AGR-14: the days of each meter the requester may see, read when the file is
    built, so an agreement that ended meanwhile gives no more days. Rows outside are left out
    (clamped, not refused: one order may hold meters of different agreements). A One-Time
    agreement's own report (AGR-10) keeps the period the customer agreed to; the information
    reports (MTR-7) are no time series. Empty means no limit."""
    if request.report_type not in reports.REPORT_TYPES:
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


def _build_green_button(
    request: ReportRequest, windows: dict[int, selectors.DataWindow]
) -> ReportRequest:
    """USG-10: one ESPI feed for all the request's meters, streamed into the file."""
    readings = 0
    with tempfile.TemporaryFile(mode="w+b") as handle:
        for chunk in greenbutton.green_button_feed(
            request.premises.order_by("esiid"), *_dates(request), windows=windows or None
        ):
            handle.write(chunk.encode())
            readings += greenbutton.reading_count(chunk)
        handle.seek(0)
        _finish(request, handle, readings)
    return request


def report_file_name(request: ReportRequest) -> str:
    extension, _content_type = FILE_TYPES[request.file_format]
    return f"report-{request.order_number}.{extension}"


def report_content_type(request: ReportRequest) -> str:
    return FILE_TYPES[request.file_format][1]


@transaction.atomic
def _finish(request: ReportRequest, handle: IO[bytes], rows: int) -> None:
    locked = ReportRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != ReportRequest.Status.PROCESSING:
        return  # another run finished it first
    locked.rows = rows
    locked.completed_at = timezone.now()
    if rows:
        locked.status = ReportRequest.Status.COMPLETE
        locked.file.save(report_file_name(locked), File(handle), save=False)
    else:
        locked.status = ReportRequest.Status.UNSUCCESSFUL
        locked.detail = NO_DATA
    locked.save(update_fields=["rows", "completed_at", "status", "detail", "file"])
    _email_finished(locked)
    request.status, request.detail, request.rows = locked.status, locked.detail, locked.rows


def report_email_attaches(request: ReportRequest) -> bool:
    """USG-9 decision: a complete Green Button result travels with the email when it is at
    most REPORT_EMAIL_ATTACHMENT_MAX_BYTES; otherwise (and for CSV) the email links to it."""
    return (
        request.is_downloadable
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
        report_type = str(ReportRequest.ReportType(request.report_type).label)
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
            report_request_fail(
                request_id=request.pk,
                reason=_("The report could not be built. Please request it again."),
            )
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
        ReportRequest.objects.filter(mine, requested_at__gte=retention)
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
