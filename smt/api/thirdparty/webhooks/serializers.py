"""BEY-2: webhook endpoints and deliveries as the 3rd-party API shows them. The secret
appears only in the answers to create and rotate-secret."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .events import EVENT_TYPES
from .services import DESCRIPTION_MAX, URL_MAX


class WebhookEndpointSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active")
    events = serializers.ListField(child=serializers.ChoiceField(choices=list(EVENT_TYPES)))
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "active",
            "disabled_at",
            "disabled_reason",
            "created_by",
            "created_at",
            "secret_rotated_at",
            "consecutive_failures",
            "failing_since",
        ]

    def get_created_by(self, endpoint: WebhookEndpoint) -> str:
        return endpoint.created_by.username if endpoint.created_by else ""


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.SerializerMethodField(
        help_text=_("Standard Webhooks secret (whsec_…): shown only now; keep it to verify.")
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]

    def get_secret(self, endpoint: WebhookEndpoint) -> str:
        return str(self.context["secret"])


class WebhookEndpointWriteSerializer(serializers.Serializer):
    """Create: url and events are required. Update (PATCH): give only what changes;
    `active: true` enables a disabled endpoint again."""

    url = serializers.CharField(max_length=URL_MAX)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=list(EVENT_TYPES)), min_length=1
    )
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True, default=""
    )
    active = serializers.BooleanField(required=False)

    def validate_url(self, value: str) -> str:
        return value.strip()

    def changes(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if self.partial:
            data = {key: value for key, value in data.items() if key in self.initial_data}
        return data


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "response_code", "duration_ms", "error"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event_type")
    webhook_id = serializers.CharField(source="message_id", help_text=_("the webhook-id header"))
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)
    attempts = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "webhook_id",
            "status",
            "attempt_count",
            "next_attempt_at",
            "created_at",
            "last_attempt_at",
            "last_response_code",
            "last_duration_ms",
            "payload",
            "attempts",
        ]
