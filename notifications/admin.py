from django.contrib import admin, messages

from smt.lib.errors import Refused

from .models import ComponentDay, Notice, OutboundEmail
from .services import email_resend


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """The email log (NTF-3, OPS-1): staff see every email and resend failed ones."""

    list_display = [
        "created_at",
        "recipient",
        "template",
        "language",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "template", "language"]
    search_fields = ["recipient", "template", "subject", "event_key", "related_id"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [field.name for field in OutboundEmail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Resend the selected emails")
    def resend(self, request, queryset):
        queued = 0
        for email in queryset:
            try:
                email_resend(email=email)
                queued += 1
            except Refused as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
        self.message_user(request, f"{queued} email(s) queued again.", messages.SUCCESS)


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Site notices for the Notices tab (NTF-5)."""

    list_display = [
        "title",
        "level",
        "published_from",
        "published_until",
        "for_customers",
        "for_reps",
        "for_third_parties",
        "for_tdsps",
        "for_status_page",
        "kind",
        "starts_at",
        "ends_at",
    ]
    list_filter = [
        "level",
        "for_customers",
        "for_reps",
        "for_third_parties",
        "for_tdsps",
        "for_status_page",
        "kind",
    ]
    search_fields = ["title", "body", "title_es", "body_es"]
    fieldsets = [
        (None, {"fields": ["level", "published_from", "published_until"]}),
        ("English", {"fields": ["title", "body"]}),
        ("Español", {"fields": ["title_es", "body_es"]}),
        (
            "Audiences",
            {
                "fields": [
                    "for_customers",
                    "for_reps",
                    "for_third_parties",
                    "for_tdsps",
                    "for_status_page",
                ]
            },
        ),
        # BEY-6: scheduled maintenance and incidents on the public status page.
        ("Maintenance or incident", {"fields": ["kind", "starts_at", "ends_at"]}),
    ]


@admin.register(ComponentDay)
class ComponentDayAdmin(admin.ModelAdmin):
    """BEY-6: the status page's history, recorded by the status_record job (read-only)."""

    list_display = ["day", "component", "worst_state", "samples", "updated_at"]
    list_filter = ["worst_state", "component"]
    date_hierarchy = "day"
    readonly_fields = [field.name for field in ComponentDay._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
