"""The public status page's facts (BEY-6, fed by the health checks of OPS-4).

Each part of the portal is up, degraded or down:
- web: up whenever this code runs;
- database: the OPS-4 check;
- worker and scheduler (beat), told apart by two stamps in the shared cache: beat's process
  stamps when it *sends* the heartbeat task (`scheduler_heartbeat_record`, a Celery
  `before_task_publish` hook in smt/tasks.py), a worker stamps when it *runs* it. A heartbeat
  sent and not run is the worker's delay; nothing sent is the scheduler's, and then the
  worker, having nothing to run, is only "not confirmed" (degraded);
- per TDSP, its usage-file feed (the newest file received through the TDSP API) and its
  On Demand Reads answered in the last hour (Completed against Failed; none is no failure).

The board (components, notices, history) is computed at most every STATUS_CACHE_SECONDS and
kept in Django's cache, so a thousand visitors cost one set of checks. Nothing shown comes
from an exception: a check that fails logs it and shows a fixed message.

History: a beat job (`status_record`) stores each component's worst state per Central day
in notifications' ComponentDay; a page computed afresh records a sample too, at most once
per STATUS_SAMPLE_SECONDS, so a day the worker was down (and recorded nothing) still shows.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Tdsp
from notifications.models import STATE_RANK, ComponentState, Notice
from notifications.selectors import component_days_between, notices_for_status_page
from notifications.services import component_day_record, component_days_purge
from smt.health import (
    HEARTBEAT_CACHE_KEY,
    SCHEDULER_HEARTBEAT_CACHE_KEY,
    check_database,
    heartbeat_age,
)
from smt.lib.sandbox import SANDBOX_TDSP_CODE
from usage.models import OnDemandRead, TdspMessage
from usage.tdsp.files import UPLOAD_KIND

logger = logging.getLogger(__name__)

STATUS_CACHE_KEY = "status-board"
STATUS_CACHE_SECONDS = 30  # BEY-6: how old the page's facts may be
STATUS_SAMPLE_KEY = "status-sampled"
STATUS_SAMPLE_SECONDS = 5 * 60  # BEY-6: one history sample per 5 minutes (the beat job's)
STATUS_HISTORY_DAYS = 30  # BEY-6: days shown, today included
# Worker and scheduler: degraded past the OPS-4 limit (WORKER_HEARTBEAT_STALE_SECONDS, 2 min,
# four missed 30-second heartbeats), down past 10 minutes.
HEARTBEAT_DOWN_SECONDS = 10 * 60
# A TDSP sends its usage file daily (USG-2): a few hours late is degraded, a whole day's file
# missing is down.
TDSP_FILE_DEGRADED_HOURS = 26
TDSP_FILE_DOWN_HOURS = 50
# On Demand Reads answered in the last hour (USG-11): Completed share below these is
# degraded / down; an hour without requests is up.
ODR_WINDOW = timedelta(hours=1)
ODR_DEGRADED_BELOW_PERCENT = 90
ODR_DOWN_BELOW_PERCENT = 50

UP, DEGRADED, DOWN = ComponentState.UP, ComponentState.DEGRADED, ComponentState.DOWN


def _state_word(state: str) -> str:
    return str(ComponentState(state).label)


@dataclass(frozen=True)
class ComponentStatus:
    """One part of the portal: its state and why, as facts; words come at display time
    (in the reader's language), so one cached board serves every language."""

    key: str
    kind: str  # web, database, worker, scheduler, tdsp_feed, odr, tdsps
    state: ComponentState
    reason: str  # ok, unavailable, absent, late, unconfirmed, no_file, low, no_requests, unchecked
    tdsp: str = ""
    seconds: float | None = None
    last_at: datetime | None = None
    completed: int = 0
    failed: int = 0

    @property
    def name(self) -> str:
        names = {
            "web": _("Web site"),
            "database": _("Database"),
            "worker": _("Background jobs (emails, reports, TDSP files)"),
            "scheduler": _("Scheduled jobs"),
            "tdsps": _("TDSP data"),
        }
        if self.kind == "tdsp_feed":
            return _("%(tdsp)s usage data files") % {"tdsp": self.tdsp}
        if self.kind == "odr":
            return _("%(tdsp)s On Demand Reads") % {"tdsp": self.tdsp}
        return names.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return _state_word(self.state)

    @property
    def message(self) -> str:
        minutes = round((self.seconds or 0) / 60)
        messages: dict[str, Callable[[], str]] = {
            "ok": lambda: _("Working normally."),
            "unavailable": lambda: _("Not reachable right now."),
            "unchecked": lambda: _("Could not be checked right now."),
            "absent": lambda: _("No sign of life recorded yet."),
            "late": lambda: _("Last seen %(minutes)s minutes ago.") % {"minutes": minutes},
            "unconfirmed": lambda: _("Cannot be confirmed while the scheduled jobs are late."),
            "no_file": lambda: _("No file received yet."),
            "file": lambda: _("Last file received %(when)s.") % {"when": self._when()},
            "no_requests": lambda: _("No requests in the last hour."),
            "rate": lambda: (
                _("%(percent)s%% of %(total)s requests answered in the last hour completed.")
                % {"percent": self.percent, "total": self.completed + self.failed}
            ),
        }
        return messages.get(self.reason, messages["unchecked"])()

    @property
    def percent(self) -> int | None:
        total = self.completed + self.failed
        return None if not total else int(100 * self.completed / total)

    def _when(self) -> str:
        if self.last_at is None:
            return ""
        return formats.date_format(timezone.localtime(self.last_at), "SHORT_DATETIME_FORMAT")


@dataclass(frozen=True)
class HistoryDay:
    day: date
    state: str | None  # None: nothing recorded that day

    @property
    def label(self) -> str:
        """ "12/03: Degraded" — the cell's text alternative (not colour alone, UX-5)."""
        word = _state_word(self.state) if self.state else _("no data")
        return f"{formats.date_format(self.day, 'MONTH_DAY_FORMAT')}: {word}"

    @property
    def css_state(self) -> str:
        return self.state or "none"


@dataclass(frozen=True)
class ComponentHistory:
    component: ComponentStatus
    days: list[HistoryDay]


@dataclass(frozen=True)
class StatusBoard:
    checked_at: datetime
    components: list[ComponentStatus]
    notices: list[Notice] = field(default_factory=list)
    history_days: list[date] = field(default_factory=list)
    recorded: dict[tuple[str, date], str] = field(default_factory=dict)

    @property
    def state(self) -> ComponentState:
        """The overall state: the worst of the components."""
        return worst(component.state for component in self.components)

    @property
    def state_label(self) -> str:
        return _state_word(self.state)

    @property
    def headline(self) -> str:
        return {
            UP: _("All systems are working normally."),
            DEGRADED: _("Some parts of the portal are slow or partly working."),
            DOWN: _("Some parts of the portal are not working."),
        }[self.state]

    @property
    def history(self) -> list[ComponentHistory]:
        """Each recorded component (the web is not: the worker cannot see it) by day."""
        return [
            ComponentHistory(
                component=component,
                days=[
                    HistoryDay(day, self.recorded.get((component.key, day)))
                    for day in self.history_days
                ],
            )
            for component in self.components
            if component.kind != "web"
        ]


def worst(states) -> ComponentState:
    return max((ComponentState(s) for s in states), key=STATE_RANK.__getitem__, default=UP)


# --- the checks -----------------------------------------------------------------------------


def _by_age(seconds: float) -> ComponentState:
    if seconds <= settings.WORKER_HEARTBEAT_STALE_SECONDS:
        return UP
    return DEGRADED if seconds <= HEARTBEAT_DOWN_SECONDS else DOWN


def _database() -> ComponentStatus:
    if check_database()["ok"]:
        return ComponentStatus("database", "database", UP, "ok")
    return ComponentStatus("database", "database", DOWN, "unavailable")


def _worker_and_scheduler() -> list[ComponentStatus]:
    try:
        ran = heartbeat_age(HEARTBEAT_CACHE_KEY)
        sent = heartbeat_age(SCHEDULER_HEARTBEAT_CACHE_KEY)
    except Exception:
        logger.exception("status: the heartbeats could not be read")
        return [
            ComponentStatus("worker", "worker", DEGRADED, "unchecked"),
            ComponentStatus("scheduler", "scheduler", DEGRADED, "unchecked"),
        ]
    if sent is None:
        scheduler = ComponentStatus("scheduler", "scheduler", DOWN, "absent")
    else:
        state = _by_age(sent)
        scheduler = ComponentStatus(
            "scheduler", "scheduler", state, "ok" if state == UP else "late", seconds=sent
        )
    if ran is None:
        worker = ComponentStatus("worker", "worker", DOWN, "absent")
    elif ran <= settings.WORKER_HEARTBEAT_STALE_SECONDS:
        worker = ComponentStatus("worker", "worker", UP, "ok", seconds=ran)
    elif sent is not None and sent < ran:
        # Beat sent a heartbeat after the last one a worker ran: the worker is behind.
        worker = ComponentStatus("worker", "worker", _by_age(ran), "late", seconds=ran)
    else:
        # Nothing sent since the last run: the worker had nothing to do; beat is the late one.
        worker = ComponentStatus("worker", "worker", DEGRADED, "unconfirmed", seconds=ran)
    return [worker, scheduler]


def _feed_state(age: timedelta) -> ComponentState:
    if age <= timedelta(hours=TDSP_FILE_DEGRADED_HOURS):
        return UP
    return DEGRADED if age <= timedelta(hours=TDSP_FILE_DOWN_HOURS) else DOWN


def _odr_state(percent: int | None) -> ComponentState:
    if percent is None or percent >= ODR_DEGRADED_BELOW_PERCENT:
        return UP
    return DEGRADED if percent >= ODR_DOWN_BELOW_PERCENT else DOWN


def _tdsps(now: datetime) -> list[ComponentStatus]:
    """Per TDSP (the sandboxes' simulated one left out): its file feed and its reads."""
    tdsps = list(Tdsp.objects.exclude(code=SANDBOX_TDSP_CODE).order_by("name"))
    last_files = dict(
        TdspMessage.objects.filter(kind=UPLOAD_KIND)
        .values("tdsp")
        .annotate(last=Max("received_at"))
        .values_list("tdsp", "last")
    )
    answered = {
        row["premise__tdsp"]: row
        for row in OnDemandRead.objects.filter(
            completed_at__gt=now - ODR_WINDOW, premise__is_sandbox=False
        )
        .values("premise__tdsp")
        .annotate(
            completed=Count("pk", filter=Q(status=OnDemandRead.Status.COMPLETED)),
            failed=Count("pk", filter=Q(status=OnDemandRead.Status.FAILED)),
        )
    }
    components = []
    for tdsp in tdsps:
        last = last_files.get(tdsp.pk)
        feed_key = f"tdsp-feed:{tdsp.code}"
        if last is None:
            components.append(
                ComponentStatus(feed_key, "tdsp_feed", DEGRADED, "no_file", tdsp.name)
            )
        else:
            state = _feed_state(now - last)
            components.append(
                ComponentStatus(feed_key, "tdsp_feed", state, "file", tdsp.name, last_at=last)
            )
        counts = answered.get(tdsp.pk, {"completed": 0, "failed": 0})
        completed, failed = counts["completed"], counts["failed"]
        if not completed + failed:
            components.append(
                ComponentStatus(f"odr:{tdsp.code}", "odr", UP, "no_requests", tdsp.name)
            )
        else:
            state = _odr_state(int(100 * completed / (completed + failed)))
            components.append(
                ComponentStatus(
                    f"odr:{tdsp.code}",
                    "odr",
                    state,
                    "rate",
                    tdsp.name,
                    completed=completed,
                    failed=failed,
                )
            )
    return components


def status_components() -> list[ComponentStatus]:
    """Every component's state now (BEY-6); a check that raises is logged and shown as
    "could not be checked", never with its text."""
    now = timezone.now()
    components = [ComponentStatus("web", "web", UP, "ok")]
    try:
        components.append(_database())
    except Exception:
        logger.exception("status: the database check failed")
        components.append(ComponentStatus("database", "database", DOWN, "unavailable"))
    components += _worker_and_scheduler()
    try:
        components += _tdsps(now)
    except Exception:
        logger.exception("status: the TDSP checks failed")
        components.append(ComponentStatus("tdsps", "tdsps", DEGRADED, "unchecked"))
    return components


# --- the board, cached ----------------------------------------------------------------------


def history_days(today: date) -> list[date]:
    """The STATUS_HISTORY_DAYS days shown, oldest first, today last."""
    return [today - timedelta(days=back) for back in range(STATUS_HISTORY_DAYS - 1, -1, -1)]


def status_board_compute() -> StatusBoard:
    components = status_components()
    days = history_days(timezone.localdate())
    _sample_if_due(components)
    notices: list[Notice] = []
    recorded: dict[tuple[str, date], str] = {}
    try:
        notices = list(notices_for_status_page())
        recorded = component_days_between(first_day=days[0], last_day=days[-1])
    except Exception:
        logger.exception("status: notices or history could not be read")
    return StatusBoard(
        checked_at=timezone.now(),
        components=components,
        notices=notices,
        history_days=days,
        recorded=recorded,
    )


def status_board() -> StatusBoard:
    """The board, from the cache when it is younger than STATUS_CACHE_SECONDS."""
    try:
        board = cache.get(STATUS_CACHE_KEY)
    except Exception:
        logger.exception("status: the cache could not be read")
        board = None
    if isinstance(board, StatusBoard):
        return board
    board = status_board_compute()
    try:
        cache.set(STATUS_CACHE_KEY, board, timeout=STATUS_CACHE_SECONDS)
    except Exception:
        logger.exception("status: the cache could not be written")
    return board


# --- history --------------------------------------------------------------------------------


def _sample_if_due(components: list[ComponentStatus]) -> None:
    """A page computed afresh records a sample when none was recorded for a while: the days
    the worker (which runs the beat job) was down are then not left empty."""
    try:
        if cache.add(STATUS_SAMPLE_KEY, 1, timeout=STATUS_SAMPLE_SECONDS):
            status_record(components=components)
    except Exception:
        logger.exception("status: a history sample could not be recorded")


def status_record(
    *, components: list[ComponentStatus] | None = None, dry_run: bool = False
) -> list[ComponentStatus]:
    """BEY-6: record one sample of every component (the web excepted) in today's history
    (Central time) and forget days older than the page shows. Returns what was sampled."""
    components = status_components() if components is None else components
    sampled = [component for component in components if component.kind != "web"]
    if dry_run:
        return sampled
    today = timezone.localdate()
    for component in sampled:
        component_day_record(component=component.key, day=today, state=component.state)
    component_days_purge(before=history_days(today)[0])
    cache.set(STATUS_SAMPLE_KEY, 1, timeout=STATUS_SAMPLE_SECONDS)
    return sampled
