"""API-2: what the 3rd-party API reads and writes, as JSON. ESIIDs are strings; times are
ISO 8601 with their offset. The 3rd party sees what its pages show: the ESIID in full only
where it typed it (its own requests), a HAN device's MAC address by its last six (NTF-4)."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements.models import Agreement, AgreementHistory
from han.message_text import MAX_CHARACTERS
from han.models import HanMessage, HanMessageEvent, HanProvisionRequest
from han.selectors import han_message_events, han_request_history
from han.services.messages import MAX_DURATION_MINUTES, MAX_ESIIDS, MessageDraft

SANDBOX_HELP = _("a sandbox object (BEY-5): made with a test token, on a test meter")


class MeSerializer(serializers.Serializer):
    """The token's user, as the API sees them."""

    user_id = serializers.CharField(source="username")
    company = serializers.CharField(source="company.name")
    company_kind = serializers.CharField(source="company.kind")
    functions = serializers.SerializerMethodField()
    token = serializers.SerializerMethodField()

    def get_functions(self, user: Any) -> list[str]:
        return self.context["functions"]

    def get_token(self, user: Any) -> dict[str, Any]:
        token = self.context["token"]
        return {"name": token.name, "prefix": token.shown_prefix, "sandbox": token.sandbox}


# --- agreements (AGR-2, AGR-15, AGR-18) --------------------------------------------------------


class AgreementHistorySerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()

    class Meta:
        model = AgreementHistory
        fields = ["created_at", "from_status", "to_status", "by", "reason"]

    def get_by(self, row: AgreementHistory) -> str:
        return row.actor.username if row.actor else row.actor_label


class AgreementSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="agreement_number")
    esiid = serializers.CharField(source="masked_esiid", help_text=_("masked, as on the pages"))
    customer_last_name = serializers.CharField()
    sandbox = serializers.BooleanField(source="premise.is_sandbox", help_text=SANDBOX_HELP)

    class Meta:
        model = Agreement
        fields = [
            "number",
            "kind",
            "status",
            "esiid",
            "meter_number",
            "customer_last_name",
            "start_date",
            "end_date",
            "created_at",
            "status_changed_at",
            "sandbox",
        ]


class AgreementDetailSerializer(AgreementSerializer):
    history = AgreementHistorySerializer(many=True, read_only=True)

    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "termination_reason", "history"]


# --- HAN device messages (HAN-9) ----------------------------------------------------------------


class HanMessageEventSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()

    class Meta:
        model = HanMessageEvent
        fields = ["created_at", "from_status", "to_status", "by", "reason"]

    def get_by(self, row: HanMessageEvent) -> str:
        return row.actor.username if row.actor else row.actor_label


class HanMessageSerializer(serializers.ModelSerializer):
    esiid = serializers.CharField(source="device.agreement.masked_esiid")
    device_request = serializers.CharField(
        source="device.agreement.agreement_number",
        help_text=_("the HAN Device agreement number of the device"),
    )
    device_mac = serializers.CharField(source="device.masked_mac")
    agreement = serializers.CharField(source="agreement.agreement_number")
    ends_at = serializers.DateTimeField()
    sandbox = serializers.BooleanField(
        source="device.agreement.premise.is_sandbox", help_text=SANDBOX_HELP
    )

    class Meta:
        model = HanMessage
        fields = [
            "id",
            "batch",
            "status",
            "failure_reason",
            "esiid",
            "device_request",
            "device_mac",
            "agreement",
            "text",
            "priority",
            "confirmation_required",
            "start_at",
            "duration_minutes",
            "ends_at",
            "created_at",
            "sent_at",
            "delivered_at",
            "confirmed_at",
            "sandbox",
        ]


class HanMessageDetailSerializer(HanMessageSerializer):
    timeline = serializers.SerializerMethodField()

    class Meta(HanMessageSerializer.Meta):
        fields = [*HanMessageSerializer.Meta.fields, "timeline"]

    @extend_schema_field(HanMessageEventSerializer(many=True))
    def get_timeline(self, message: HanMessage) -> Any:
        # The page's selector: the events with their actors in one query.
        return HanMessageEventSerializer(han_message_events(message=message), many=True).data


class HanMessageSendSerializer(serializers.Serializer):
    """HAN-9: send to `devices` (HAN Device agreement numbers) or else to every paired
    device you provisioned on `esiids`. The rules are the page's (han.services.messages)."""

    esiids = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=MAX_ESIIDS
    )
    devices = serializers.ListField(
        child=serializers.CharField(max_length=12), required=False, max_length=MAX_ESIIDS * 5
    )
    text = serializers.CharField(
        max_length=1000,
        trim_whitespace=False,
        help_text=_("plain text, at most %(max)d characters") % {"max": MAX_CHARACTERS},
    )
    start_at = serializers.DateTimeField(required=False, allow_null=True)
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_DURATION_MINUTES, default=60
    )
    priority = serializers.ChoiceField(
        choices=HanMessage.Priority.choices, default=HanMessage.Priority.NORMAL
    )
    confirmation_required = serializers.BooleanField(default=False)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if not data.get("esiids") and not data.get("devices"):
            raise serializers.ValidationError(
                {"esiids": [_("Give esiids, or devices (HAN Device agreement numbers).")]}
            )
        return data

    def draft(self) -> MessageDraft:
        data = self.validated_data
        return MessageDraft(
            text=data["text"],
            duration_minutes=data["duration_minutes"],
            priority=data["priority"],
            confirmation_required=data["confirmation_required"],
            start_at=data.get("start_at"),
        )


class HanMessageBatchSerializer(serializers.Serializer):
    batch = serializers.UUIDField()
    messages = HanMessageSerializer(many=True)


# --- HAN provision requests and devices (HAN-1..HAN-8) -------------------------------------------


class HanRequestSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="agreement.agreement_number")
    status = serializers.CharField(source="agreement.status")
    esiid = serializers.CharField(source="agreement.masked_esiid")
    meter_number = serializers.CharField(source="agreement.meter_number")
    mac_address = serializers.CharField(source="masked_mac")
    created_at = serializers.DateTimeField(source="agreement.created_at")
    sandbox = serializers.BooleanField(
        source="agreement.premise.is_sandbox", help_text=SANDBOX_HELP
    )

    class Meta:
        model = HanProvisionRequest
        fields = [
            "number",
            "status",
            "esiid",
            "meter_number",
            "device_type",
            "mac_address",
            "created_at",
            "meter_ready_at",
            "pairing_window_ends_at",
            "device_added_at",
            "closed_at",
            "sandbox",
        ]


class HanRequestDetailSerializer(HanRequestSerializer):
    history = serializers.SerializerMethodField()

    class Meta(HanRequestSerializer.Meta):
        fields = [*HanRequestSerializer.Meta.fields, "history"]

    @extend_schema_field(AgreementHistorySerializer(many=True))
    def get_history(self, request: HanProvisionRequest) -> Any:
        # The page's selector: the history with its actors in one query.
        return AgreementHistorySerializer(han_request_history(request=request), many=True).data
