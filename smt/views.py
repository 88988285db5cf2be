import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.permissions import Capability, user_has_capability
from smt.health import health_report
from smt.navigation import get_started_tasks
from usage.services.dashboard import usage_dashboard
from usage.services.reports import AVAILABILITY_LAG_DAYS

logger = logging.getLogger(__name__)


@login_required
def home(request):
    """Home page per role with the "Get started" tasks and their counts (UX-6, seed 002); a
    customer's opens on the usage of their meters (USG-13, issue 15)."""
    context = {"tasks": get_started_tasks(request.user), "dashboard": None}
    if user_has_capability(request.user, Capability.CUSTOMER_METERS):
        context["dashboard"] = usage_dashboard(customer=request.user)
    return render(request, "home.html", context)


def help_page(request):
    """Help with the FAQs (`#faq`) that every email's sign-off links (NTF-1, seed 000)."""
    return render(request, "help.html", _page_facts())


def help_demo_page(request):
    """The "watch a demo" page of the emails' sign-off (seed 000): a tour of the main tasks."""
    return render(request, "help_demo.html")


def privacy_page(request):
    """The Smart Meter Texas Security & Privacy Policy every email links (NTF-1, seed 000)."""
    return render(request, "privacy.html", _page_facts())


def _page_facts() -> dict:
    """The numbers the Help and Privacy pages state, read from where the rules live."""
    return {
        "availability_days": AVAILABILITY_LAG_DAYS,
        "report_retention_days": settings.REPORT_RETENTION_DAYS,
        "session_hours": settings.SESSION_COOKIE_AGE // 3600,
    }


@require_GET
@never_cache
def healthz(request):
    """OPS-4: 200 when database, broker and worker are all well, 503 otherwise. Public: each
    check answers a fixed message and logs what failed (smt.health), never the exception."""
    try:
        report = health_report()
    except Exception:
        logger.exception("healthz: the health report failed")
        report = {"status": "error", "checks": {}}
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
