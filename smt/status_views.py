"""The public status page and its JSON (BEY-6): no sign-in, facts at most 30 s old."""

from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from smt.status import STATUS_CACHE_SECONDS, StatusBoard, status_board


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


@require_GET
@cache_control(max_age=STATUS_CACHE_SECONDS)
def status_page(request: HttpRequest) -> HttpResponse:
    """Each component green, degraded or down, the maintenance and incident notices, and the
    last 30 days (BEY-6, NTF-5)."""
    return render(request, "status.html", {"board": status_board()})


@require_GET
@cache_control(max_age=STATUS_CACHE_SECONDS)
def status_json(request: HttpRequest) -> JsonResponse:
    """The same for machines: states are `up`, `degraded`, `down`; a history day with
    nothing recorded is null; times are ISO 8601 in UTC, days ISO dates (Central)."""
    return JsonResponse(status_document(status_board()))


def status_document(board: StatusBoard) -> dict:
    return {
        "status": board.state.value,
        "checked_at": _iso(board.checked_at),
        "components": [
            {
                "key": component.key,
                "name": component.name,
                "state": component.state.value,
                "message": component.message,
            }
            for component in board.components
        ],
        "notices": [
            {
                "kind": notice.kind or None,
                "title": notice.shown_title,
                "body": notice.shown_body,
                "starts_at": _iso(notice.starts_at),
                "ends_at": _iso(notice.ends_at),
                "published_at": _iso(notice.published_from),
            }
            for notice in board.notices
        ],
        "history": [
            {
                "key": row.component.key,
                "name": row.component.name,
                "days": [{"day": day.day.isoformat(), "state": day.state} for day in row.days],
            }
            for row in board.history
        ],
    }
