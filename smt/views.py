from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from smt.health import health_report
from smt.navigation import get_started_tasks


@login_required
def home(request):
    """Home page per role with the "Get started" tasks (UX-6, seed 002)."""
    return render(request, "home.html", {"tasks": get_started_tasks(request.user)})


def help_page(request):
    return render(request, "help.html")


@require_GET
@never_cache
def healthz(request):
    """OPS-4: 200 when database, broker and worker are all well, 503 otherwise."""
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
