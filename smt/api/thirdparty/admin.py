"""BEY-2: staff see webhook endpoints and their deliveries with every attempt, read-only;
the signing secret is never shown."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from smt.lib.admin import ReadOnlyAdmin

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "company", "is_active", "consecutive_failures", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "company__name"]
    list_select_related = ["company"]
    # Every field but the secret.
    fields = [
        "company",
        "url",
        "description",
        "events",
        "is_active",
        "disabled_at",
        "disabled_reason",
        "created_by",
        "created_at",
        "secret_rotated_at",
        "consecutive_failures",
        "failing_since",
    ]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["attempted_at", "response_code", "duration_ms", "error"]
    readonly_fields = ["attempted_at", "response_code", "duration_ms", "error"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "message_id",
        "event_type",
        "endpoint",
        "status",
        "attempt_count",
        "last_response_code",
        "created_at",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["message_id", "endpoint__url"]
    list_select_related = ["endpoint"]
    inlines = [WebhookAttemptInline]
    fields = [
        "endpoint",
        "event_type",
        "message_id",
        "status",
        "attempt_count",
        "next_attempt_at",
        "created_at",
        "last_attempt_at",
        "last_response_code",
        "last_duration_ms",
        "payload",
    ]
