"""The 3rd-party API (API-2) under /tp-api/v1/, its OpenAPI document and its docs page."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .errors import not_found
from .views import agreements, han_messages, han_requests, me, meters, reports, sandbox, webhooks

app_name = "tp_api"
V1 = "tp-api/v1/"

urlpatterns = [
    path(f"{V1}me", me.MeView.as_view(), name="me"),
    path(f"{V1}sandbox", sandbox.SandboxView.as_view(), name="sandbox"),  # BEY-5
    path(f"{V1}agreements", agreements.AgreementList.as_view(), name="agreements"),
    path(f"{V1}agreements/<str:number>", agreements.AgreementDetail.as_view(), name="agreement"),
    path(
        f"{V1}agreements/<str:number>/resend",
        agreements.AgreementResend.as_view(),
        name="agreement_resend",
    ),
    path(
        f"{V1}agreements/<str:number>/terminate",
        agreements.AgreementTerminate.as_view(),
        name="agreement_terminate",
    ),
    path(
        f"{V1}agreements/<str:number>/extension",
        agreements.AgreementExtension.as_view(),
        name="agreement_extension",
    ),
    path(f"{V1}han/requests", han_requests.HanRequestList.as_view(), name="han_requests"),
    path(
        f"{V1}han/requests/<str:number>",
        han_requests.HanRequestDetail.as_view(),
        name="han_request",
    ),
    path(
        f"{V1}han/requests/<str:number>/remove",
        han_requests.HanRequestRemove.as_view(),
        name="han_request_remove",
    ),
    path(f"{V1}han/messages", han_messages.HanMessageList.as_view(), name="han_messages"),
    path(f"{V1}han/messages/<int:pk>", han_messages.HanMessageDetail.as_view(), name="han_message"),
    path(
        f"{V1}han/messages/<int:pk>/cancel",
        han_messages.HanMessageCancel.as_view(),
        name="han_message_cancel",
    ),
    # USG-8, USG-9: offline report requests, their status and files.
    path(f"{V1}reports", reports.ReportRequestList.as_view(), name="reports"),
    path(f"{V1}reports/<int:pk>", reports.ReportRequestDetail.as_view(), name="report"),
    path(
        f"{V1}reports/<int:pk>/download",
        reports.ReportRequestDownload.as_view(),
        name="report_download",
    ),
    # API-2: Customer Meters (3rd Party) and their usage (USG-3..USG-5, USG-10, USG-12).
    path(f"{V1}meters", meters.MeterList.as_view(), name="meters"),
    path(f"{V1}meters/<str:esiid>", meters.MeterDetail.as_view(), name="meter"),
    path(
        f"{V1}meters/<str:esiid>/intervals",
        meters.MeterIntervals.as_view(),
        name="meter_intervals",
    ),
    path(
        f"{V1}meters/<str:esiid>/intervals.xml",
        meters.MeterIntervalsXml.as_view(),
        name="meter_intervals_xml",
    ),
    path(
        f"{V1}meters/<str:esiid>/daily-reads",
        meters.MeterDailyReads.as_view(),
        name="meter_daily_reads",
    ),
    path(
        f"{V1}meters/<str:esiid>/monthly", meters.MeterMonthlyUsage.as_view(), name="meter_monthly"
    ),
    # BEY-2: webhook endpoints and their delivery log.
    path(f"{V1}webhooks", webhooks.WebhookList.as_view(), name="webhooks"),
    path(f"{V1}webhooks/<int:pk>", webhooks.WebhookDetail.as_view(), name="webhook"),
    path(
        f"{V1}webhooks/<int:pk>/rotate-secret",
        webhooks.WebhookRotateSecret.as_view(),
        name="webhook_rotate_secret",
    ),
    path(f"{V1}webhooks/<int:pk>/test", webhooks.WebhookTest.as_view(), name="webhook_test"),
    path(
        f"{V1}webhooks/<int:pk>/deliveries",
        webhooks.WebhookDeliveries.as_view(),
        name="webhook_deliveries",
    ),
    path(
        f"{V1}webhook-deliveries/<int:pk>/retry",
        webhooks.WebhookDeliveryRetry.as_view(),
        name="webhook_delivery_retry",
    ),
    # OpenAPI 3 (JSON; ?format=yaml or openapi.yaml for YAML) and the docs, self-hosted.
    path(f"{V1}openapi.json", SpectacularAPIView.as_view(), {"format": "json"}, name="openapi"),
    path(
        f"{V1}openapi.yaml", SpectacularAPIView.as_view(), {"format": "yaml"}, name="openapi_yaml"
    ),
    path(f"{V1}docs/", SpectacularSwaggerSplitView.as_view(url_name="tp_api:openapi"), name="docs"),
    re_path(r"^tp-api/.*$", not_found),
]
