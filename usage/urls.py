from django.urls import path

from . import views

app_name = "usage"

urlpatterns = [
    path("register/<slug:kind>/", views.register_customer, name="register_customer"),
    path("my-account/meters/", views.my_meters, name="my_meters"),
    path("my-account/meters/<int:pk>/remove/", views.my_meter_remove, name="my_meter_remove"),
    path("my-account/meters/<int:pk>/share/", views.my_meter_share, name="my_meter_share"),
    path("my-account/friends-meters/", views.friends_meters, name="friends_meters"),
    path("my-account/shares/<int:pk>/end/", views.share_end, name="share_end"),
    path("shared-meter/<str:token>/", views.share_answer, name="share_answer"),
    # MTR-4: the same list under My Account and under Usage.
    path("my-account/customer-meters/", views.ror_meters, name="ror_meters"),
    path("usage/customer-meters/", views.ror_meters, name="ror_meters_usage"),
    path("usage/meters/<str:esiid>/usage/", views.usage_report, name="usage_report"),
    path("usage/meters/<str:esiid>/usage/export/", views.usage_report_csv, name="usage_report_csv"),
    path("usage/meters/<str:esiid>/usage/print/", views.usage_report_pdf, name="usage_report_pdf"),
    path(
        "usage/meters/<str:esiid>/usage/green-button/",
        views.usage_report_xml,
        name="usage_report_xml",
    ),
    path(
        "usage/meters/<str:esiid>/download-my-data/",
        views.download_my_data,
        name="download_my_data",
    ),
    path(
        "usage/meters/<str:esiid>/on-demand-read/",
        views.on_demand_read,
        name="on_demand_read",
    ),
    path(
        "usage/meters/<str:esiid>/<slug:kind>/",
        views.premise_information,
        name="premise_information",
    ),
    path(
        "usage/meters/<str:esiid>/<slug:kind>/print/",
        views.premise_information_pdf,
        name="premise_information_pdf",
    ),
    path(
        "usage/meters/<str:esiid>/<slug:kind>/export/",
        views.premise_information_csv,
        name="premise_information_csv",
    ),
    path("usage/export/", views.export_reports, name="export_reports"),
    path("usage/export-information/", views.export_information, name="export_information"),
    path("usage/report-requests/", views.report_request_status, name="report_requests"),
    path(
        "usage/report-requests/<int:pk>/download/",
        views.report_request_download,
        name="report_request_download",
    ),
]
