from django.urls import path

from usage.views import dashboard, exports, meters, odr, reports, sharing, tdsp

app_name = "usage"

urlpatterns = [
    path("register/<slug:kind>/", meters.register_customer, name="register_customer"),
    path("my-account/meters/", meters.my_meters, name="my_meters"),
    path("my-account/meters/<int:pk>/remove/", meters.my_meter_remove, name="my_meter_remove"),
    path("my-account/meters/<int:pk>/share/", sharing.my_meter_share, name="my_meter_share"),
    path("my-account/friends-meters/", sharing.friends_meters, name="friends_meters"),
    path("usage/my-usage/", dashboard.my_usage, name="my_usage"),  # USG-13: Usage / My Usage
    path("my-account/shares/<int:pk>/end/", sharing.share_end, name="share_end"),
    path("shared-meter/<str:token>/", sharing.share_answer, name="share_answer"),
    # MTR-4: the same list under My Account and under Usage.
    path("my-account/customer-meters/", meters.ror_meters, name="ror_meters"),
    path("usage/customer-meters/", meters.ror_meters, name="ror_meters_usage"),
    # USG-12: a TDSP's meters, under My Account and under Usage (as the ROR list).
    path("my-account/tdsp-meters/", tdsp.tdsp_meters, name="tdsp_meters"),
    path("usage/tdsp-meters/", tdsp.tdsp_meters, name="tdsp_meters_usage"),
    # BEY-4: SMT staff, the meters without data for N days, per TDSP.
    path("usage/stale-meters/", tdsp.stale_meters, name="stale_meters"),
    path("usage/meters/<str:esiid>/usage/", reports.usage_report, name="usage_report"),
    path(
        "usage/meters/<str:esiid>/usage/export/", reports.usage_report_csv, name="usage_report_csv"
    ),
    path(
        "usage/meters/<str:esiid>/usage/print/", reports.usage_report_pdf, name="usage_report_pdf"
    ),
    path(
        "usage/meters/<str:esiid>/usage/green-button/",
        reports.usage_report_xml,
        name="usage_report_xml",
    ),
    path(
        "usage/meters/<str:esiid>/download-my-data/",
        reports.download_my_data,
        name="download_my_data",
    ),
    path(
        "usage/meters/<str:esiid>/on-demand-read/",
        odr.on_demand_read,
        name="on_demand_read",
    ),
    path(
        "usage/meters/<str:esiid>/on-demand-read/status/",
        odr.on_demand_read_status,
        name="on_demand_read_status",
    ),
    path(
        "usage/meters/<str:esiid>/<slug:kind>/",
        meters.premise_information,
        name="premise_information",
    ),
    path(
        "usage/meters/<str:esiid>/<slug:kind>/print/",
        meters.premise_information_pdf,
        name="premise_information_pdf",
    ),
    path(
        "usage/meters/<str:esiid>/<slug:kind>/export/",
        meters.premise_information_csv,
        name="premise_information_csv",
    ),
    path("usage/export/", exports.export_reports, name="export_reports"),
    path("usage/export-information/", exports.export_information, name="export_information"),
    path("usage/report-requests/", exports.report_request_status, name="report_requests"),
    path(
        "usage/report-requests/<int:pk>/download/",
        exports.report_request_download,
        name="report_request_download",
    ),
]
