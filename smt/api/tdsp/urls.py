"""API-3 under /tdsp-api/v1/, its OpenAPI document (JSON, YAML) and its docs page."""

from django.urls import path, re_path

from smt.api.common.openapi import document_routes
from smt.api.tdsp import views
from smt.api.tdsp.openapi import TITLE, tdsp_document

app_name = "tdsp_api"

urlpatterns = [
    path("tdsp-api/v1/messages", views.messages, name="tdsp_messages"),
    path("tdsp-api/v1/usage-files", views.usage_files, name="tdsp_usage_files"),
    path("tdsp-api/v1/usage-files/<str:message_id>", views.usage_file, name="tdsp_usage_file"),
    *document_routes("tdsp-api/v1/", tdsp_document, name=app_name, title=TITLE),
    re_path(r"^tdsp-api/", views.not_found),  # last: a JSON 404 for any other path (API-4)
]
