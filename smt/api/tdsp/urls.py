from django.urls import path

from smt.api.tdsp import views

app_name = "tdsp_api"

urlpatterns = [
    path("tdsp-api/v1/messages", views.messages, name="tdsp_messages"),
    path("tdsp-api/v1/usage-files", views.usage_files, name="tdsp_usage_files"),
    path("tdsp-api/v1/usage-files/<str:message_id>", views.usage_file, name="tdsp_usage_file"),
]
