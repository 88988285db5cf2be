"""On Demand Read (USG-11, SEC-5, SEC-6): the writes and the scoped reads.

A request is refused while its meter's limit holds: one request per meter per hour and 24 per
meter per calendar day in America/Chicago (decision, docs/decisions.md). A Failed read does
not hold the hourly limit, so "Please try again" can be followed at once, but it counts
toward the day's 24: the meter network was asked.

The request is recorded Pending in the caller's transaction and sent to the meter's TDSP by a
worker (through the TDSP's adapter) once it is committed. The TDSP answers through the TDSP
API (`odr_result`), which completes or fails the read; a beat sweep fails a read that got no
answer within `TIMEOUT_MINUTES`, so no read stays Pending for ever.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Tdsp, User
from smt.lib.errors import Refused
from usage.models import CustomerPremise, Meter, OnDemandRead, Premise
from usage.selectors import DataWindow
from usage.services.intervals import MARKET_TZ
from usage.services.ror import TransactionRefused
from usage.tdsp import adapter as tdsp_adapter

PER_HOUR = 1  # USG-11: requests per meter per hour
HOUR = timedelta(hours=1)  # USG-11
PER_DAY = 24  # USG-11: requests per meter per calendar day in America/Chicago (decision)
TIMEOUT_MINUTES = 10  # SEC-6: a read with no answer this long after the request is Failed
MAX_SEND_ATTEMPTS = 3  # worker attempts to hand a request to the TDSP adapter
# The report page reads a meter's few newest reads in one query; only a meter read this often
# within the limit's window needs a second one (on_demand_read_panel).
PANEL_READS = 5
# USG-11: the seed's exact words, shown for every failed read.
ERROR_MESSAGE = gettext_lazy(
    "Error! On Demand Read request could not be fulfilled. Please try again"
)

# The reads that hold the hourly limit: a failed one may be tried again at once.
HOLDING_STATUSES = (OnDemandRead.Status.PENDING, OnDemandRead.Status.COMPLETED)


class OnDemandReadRefused(Refused):
    """The meter's limit holds (USG-11) or it cannot be read; the message says why and
    `next_at` when the next request is possible."""

    def __init__(
        self, message: Any = None, field: str | None = None, *, next_at: datetime | None = None
    ) -> None:
        super().__init__(message, field)
        self.next_at = next_at


class OnDemandReadClosed(TransactionRefused):
    """A TDSP answer for a read that is no longer Pending: recorded as refused (API-3)."""


@dataclass(frozen=True)
class OdrAvailability:
    """Whether a meter may be read on demand now (USG-11), and if not why and until when."""

    allowed: bool
    reason: str = ""
    next_at: datetime | None = None


SHARED_READ_ONLY = gettext_lazy(
    "This meter is shared with you to see its usage only: its own customer can request an "
    "On Demand Read."
)


def on_demand_read_may_request(*, user: User, premise: Premise) -> bool:
    """ACC-22, USG-11: a meter shared with a friend is read-only, so a customer asks the meter
    for a read only when it is attached to their own account (a read uses up the meter's
    hourly limit). Everyone else who may see the meter (USG-12) may ask."""
    if not user.is_customer:
        return True
    return CustomerPremise.objects.filter(
        customer=user, premise=premise.pk, detached_at__isnull=True
    ).exists()


def local_time(value: datetime) -> str:
    """A time as users see it: America/Chicago, e.g. "05/01/2026 3:15 PM"."""
    return formats.date_format(value.astimezone(MARKET_TZ), "SHORT_DATETIME_FORMAT")


def _local_midnight(now: datetime) -> datetime:
    today = now.astimezone(MARKET_TZ).date()
    return datetime.combine(today, datetime.min.time(), tzinfo=MARKET_TZ)


def _next_local_midnight(now: datetime) -> datetime:
    # Aware arithmetic in one zone is wall-clock arithmetic: midnight stays midnight over DST.
    return _local_midnight(now) + timedelta(days=1)


def _window_start(now: datetime) -> datetime:
    return min(now - HOUR, _local_midnight(now))


def availability_from(reads: list[OnDemandRead], now: datetime) -> OdrAvailability:
    """USG-11 over the meter's reads since `_window_start(now)` (any order): the day's
    limit first, since it lasts longer. Pure, so the page and the service share it."""
    midnight = _local_midnight(now)
    today = [read for read in reads if read.requested_at >= midnight]
    if len(today) >= PER_DAY:
        next_at = _next_local_midnight(now)
        return OdrAvailability(
            False,
            _(
                "On Demand Read is limited to %(count)d requests per meter per day. "
                "The next request for this meter is possible at %(time)s."
            )
            % {"count": PER_DAY, "time": local_time(next_at)},
            next_at,
        )
    holding = sorted(
        read.requested_at
        for read in reads
        if read.status in HOLDING_STATUSES and read.requested_at > now - HOUR
    )
    if len(holding) >= PER_HOUR:
        next_at = holding[-PER_HOUR] + HOUR
        return OdrAvailability(
            False,
            _(
                "On Demand Read is limited to one request per meter per hour. "
                "The next request for this meter is possible at %(time)s."
            )
            % {"time": local_time(next_at)},
            next_at,
        )
    return OdrAvailability(True)


def _recent_reads(premise_id: int, now: datetime) -> list[OnDemandRead]:
    return list(
        OnDemandRead.objects.filter(premise=premise_id, requested_at__gte=_window_start(now))
    )


def _meter_in_service(premise: Premise) -> Meter | None:
    return premise.meters.filter(removed_on__isnull=True, is_smart=True).first()


@transaction.atomic
def on_demand_read_request(*, user: User, premise: Premise) -> OnDemandRead:
    """USG-11, SEC-5: record a Pending read of the premise's meter and send it to the TDSP
    once committed (SEC-6); refused with `OnDemandReadRefused` while the limit holds. The
    caller has checked that the user may see the premise (USG-12)."""
    if not on_demand_read_may_request(user=user, premise=premise):
        raise OnDemandReadRefused(str(SHARED_READ_ONLY))
    # One request at a time per meter: the limit is counted under the premise's lock.
    locked = Premise.objects.select_for_update().get(pk=premise.pk)
    meter = _meter_in_service(locked)
    if meter is None:
        raise OnDemandReadRefused(_("This meter cannot be read on demand."))
    now = timezone.now()
    availability = availability_from(_recent_reads(locked.pk, now), now)
    if not availability.allowed:
        raise OnDemandReadRefused(availability.reason, next_at=availability.next_at)
    read = OnDemandRead.objects.create(
        premise=locked,
        meter_number=meter.meter_number,
        requested_by=user,
        tdsp_request_id=uuid.uuid4().hex,
        requested_at=now,
    )
    transaction.on_commit(lambda: _dispatch(read.pk))
    return read


def _dispatch(read_id: int) -> None:
    from usage.tasks import on_demand_read_send_task

    on_demand_read_send_task.delay(read_id)


def on_demand_read_send(*, read_id: int) -> OnDemandRead:
    """Hand a Pending read to its TDSP's adapter (idempotent: once sent, never again). An
    adapter error rolls the attempt back, so the task's retry sends it again."""
    with transaction.atomic():
        read = (
            OnDemandRead.objects.select_for_update(of=("self",))
            .select_related("premise__tdsp")
            .get(pk=read_id)
        )
        if read.status != OnDemandRead.Status.PENDING or read.sent_at is not None:
            return read
        tdsp_adapter.adapter_for(read.premise.tdsp).request_on_demand_read(read)
        read.sent_at = timezone.now()
        read.attempts += 1
        read.save(update_fields=["sent_at", "attempts"])
    return read


def _locked_pending(read_id: int) -> OnDemandRead:
    read = OnDemandRead.objects.select_for_update().get(pk=read_id)
    if read.status != OnDemandRead.Status.PENDING:
        raise OnDemandReadClosed(
            f"On Demand Read {read.tdsp_request_id} is already {read.get_status_display()}."
        )
    return read


@transaction.atomic
def on_demand_read_complete(
    *, read_id: int, register_read: Decimal, read_at: datetime, usage_kwh: Decimal | None = None
) -> OnDemandRead:
    """USG-11: Pending → Completed with the meter's register read and its time (API-3)."""
    read = _locked_pending(read_id)
    read.status = OnDemandRead.Status.COMPLETED
    read.register_read, read.read_at, read.usage_kwh = register_read, read_at, usage_kwh
    read.completed_at = timezone.now()
    read.save(update_fields=["status", "register_read", "read_at", "usage_kwh", "completed_at"])
    return read


@transaction.atomic
def on_demand_read_fail(*, read_id: int, reason: str = "") -> OnDemandRead:
    """USG-11: Pending → Failed (the TDSP said so, or no answer came, SEC-6). Users see
    `ERROR_MESSAGE`; the reason is kept for SMT staff."""
    read = _locked_pending(read_id)
    read.status = OnDemandRead.Status.FAILED
    read.failure_reason = reason[:300]
    read.completed_at = timezone.now()
    read.save(update_fields=["status", "failure_reason", "completed_at"])
    return read


def on_demand_reads_fail_stale(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """SEC-6 beat sweep: reads still Pending `TIMEOUT_MINUTES` after the request become
    Failed. Returns how many (with `dry_run`, only counts). Safe to run twice."""
    now = now or timezone.now()
    stale = OnDemandRead.objects.filter(
        status=OnDemandRead.Status.PENDING,
        requested_at__lte=now - timedelta(minutes=TIMEOUT_MINUTES),
    ).values_list("pk", flat=True)
    if dry_run:
        return stale.count()
    failed = 0
    reason = f"No answer from the TDSP within {TIMEOUT_MINUTES} minutes."
    for read_id in list(stale):
        try:
            on_demand_read_fail(read_id=read_id, reason=reason)
        except OnDemandReadClosed:  # the answer came while the sweep ran
            continue
        failed += 1
    return failed


# --- scoped reads -------------------------------------------------------------------------------


def on_demand_read_for_tdsp(*, tdsp: Tdsp, request_id: str) -> OnDemandRead | None:
    """API-3: a read the TDSP may answer, by its request id; another TDSP's is None."""
    return OnDemandRead.objects.filter(tdsp_request_id=request_id, premise__tdsp=tdsp).first()


def _shown_from(window: DataWindow | None) -> datetime | None:
    """USG-12: a 3rd party sees the reads requested from its agreement's first day."""
    if window is None or not window.start:
        return None
    return datetime.combine(window.start, datetime.min.time(), tzinfo=MARKET_TZ)


def on_demand_read_latest(
    *, premise: Premise, window: DataWindow | None = None
) -> OnDemandRead | None:
    """USG-11: the premise's latest read, whatever its status, within the reader's data
    window (USG-12)."""
    reads = OnDemandRead.objects.filter(premise=premise)
    shown_from = _shown_from(window)
    if shown_from:
        reads = reads.filter(requested_at__gte=shown_from)
    return reads.first()  # Meta.ordering: newest first


@dataclass(frozen=True)
class OdrPanel:
    """What the report page's On Demand Read section shows (USG-11)."""

    latest: OnDemandRead | None
    availability: OdrAvailability
    error_message = ERROR_MESSAGE  # shown for a Failed read


def on_demand_read_panel(
    *, premise: Premise, window: DataWindow | None = None, may_request: bool = True
) -> OdrPanel:
    """The latest read of a premise the user may see (within their data window, USG-12), and
    whether the button is enabled (the limit counts every read of the meter; `may_request`
    is `on_demand_read_may_request` for the user)."""
    now = timezone.now()
    # One query for both, newest first (Meta.ordering): the reads the limit counts are a
    # prefix of that order, and so are the reads the user may see, so the latest shown is
    # the first row if it is shown at all. All PANEL_READS rows recent: there may be more.
    newest = list(OnDemandRead.objects.filter(premise=premise.pk)[:PANEL_READS])
    window_start = _window_start(now)
    recent = [read for read in newest if read.requested_at >= window_start]
    if len(recent) == PANEL_READS:
        recent = _recent_reads(premise.pk, now)
    shown_from = _shown_from(window)
    latest = newest[0] if newest else None
    if latest and shown_from and latest.requested_at < shown_from:
        latest = None
    if not may_request:
        return OdrPanel(latest=latest, availability=OdrAvailability(False, str(SHARED_READ_ONLY)))
    return OdrPanel(latest=latest, availability=availability_from(recent, now))
