"""The 3rd-party API (API-2) under /tp-api/v1/, its OpenAPI document and its docs page."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .errors import not_found
from .views import agreements, han_messages, me

app_name = "tp_api"
V1 = "tp-api/v1/"

urlpatterns = [
    path(f"{V1}me", me.MeView.as_view(), name="me"),
    path(f"{V1}agreements", agreements.AgreementList.as_view(), name="agreements"),
    path(f"{V1}agreements/<str:number>", agreements.AgreementDetail.as_view(), name="agreement"),
    path(f"{V1}han/messages", han_messages.HanMessageList.as_view(), name="han_messages"),
    path(f"{V1}han/messages/<int:pk>", han_messages.HanMessageDetail.as_view(), name="han_message"),
    path(
        f"{V1}han/messages/<int:pk>/cancel",
        han_messages.HanMessageCancel.as_view(),
        name="han_message_cancel",
    ),
    # OpenAPI 3 (JSON; ?format=yaml or openapi.yaml for YAML) and the docs, self-hosted.
    path(f"{V1}openapi.json", SpectacularAPIView.as_view(), {"format": "json"}, name="openapi"),
    path(
        f"{V1}openapi.yaml", SpectacularAPIView.as_view(), {"format": "yaml"}, name="openapi_yaml"
    ),
    path(f"{V1}docs/", SpectacularSwaggerSplitView.as_view(url_name="tp_api:openapi"), name="docs"),
    re_path(r"^tp-api/.*$", not_found),
]
