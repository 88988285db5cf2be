from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from notifications import views as notification_views
from smt import status_views, views
from smt.consent import views as consent_views

CONSENT = "my-account/who-can-see-my-data/"

admin.site.site_header = "Smart Meter Texas — staff"
admin.site.site_title = "SMT staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
    path("help/demo/", views.help_demo_page, name="help_demo"),  # seed 000 sign-off
    path("privacy/", views.privacy_page, name="privacy"),  # NTF-1: Security & Privacy Policy
    # ACC-1, ACC-3: the Terms of Use every registration asks to accept (and links).
    path("terms/", TemplateView.as_view(template_name="terms.html"), name="terms"),
    path("notices/", notification_views.notices, name="notices"),
    path("healthz", views.healthz, name="healthz"),
    # BEY-6: the public status page and its JSON for machines.
    path("status/", status_views.status_page, name="status"),
    path("status.json", status_views.status_json, name="status_json"),
    # BEY-1: My Account / Who can see my data, and Withdraw.
    path(CONSENT, consent_views.overview, name="consent_overview"),
    path(
        f"{CONSENT}<slug:kind>/<str:ref>/withdraw/",
        consent_views.withdraw,
        name="consent_withdraw",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("", include("usage.urls")),
    path("", include("agreements.urls")),
    path("", include("han.urls")),
    # The machine interfaces (smt/api/): API-1 on SMT's own paths, API-3 under /tdsp-api/v1/,
    path("", include("smt.api.compat.urls")),
    path("", include("smt.api.tdsp.urls")),
    path("", include("smt.api.thirdparty.urls")),  # API-2 under /tp-api/v1/
    path("", include("smt.api.thirdparty.webhooks.urls")),  # BEY-2: My Account / Webhooks
    path("admin/", admin.site.urls),
]
# No URL serves MEDIA_ROOT, not even with DEBUG: report files, agreement PDF copies and TDSP
# uploads are reached only through views that check who asks, and company logos, the one
# public kind, through accounts:company_logo (SEC-1, SEC-2).
