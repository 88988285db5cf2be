"""My Account / Webhooks (BEY-2): the pages of the webhook endpoints."""

from django.urls import path

from . import pages

app_name = "tp_api_web"
WEBHOOKS = "my-account/webhooks/"

urlpatterns = [
    path(WEBHOOKS, pages.webhook_list, name="webhooks"),
    path(f"{WEBHOOKS}new/", pages.webhook_create, name="webhook_create"),
    path(f"{WEBHOOKS}<int:pk>/", pages.webhook_detail, name="webhook"),
    path(f"{WEBHOOKS}<int:pk>/edit/", pages.webhook_edit, name="webhook_edit"),
    path(f"{WEBHOOKS}<int:pk>/delete/", pages.webhook_delete, name="webhook_delete"),
    path(f"{WEBHOOKS}<int:pk>/rotate-secret/", pages.webhook_rotate, name="webhook_rotate"),
    path(f"{WEBHOOKS}<int:pk>/test/", pages.webhook_test, name="webhook_test"),
    path(
        f"{WEBHOOKS}deliveries/<int:pk>/retry/",
        pages.webhook_delivery_retry_page,
        name="webhook_delivery_retry",
    ),
]
