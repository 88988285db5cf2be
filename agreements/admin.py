"""OPS-1: customer agreements in Django admin, read-only with their history (AGR-18).

Statuses change only through agreements.services; staff read here and search by agreement
number, ESIID or customer last name.
"""

from django.contrib import admin

from .models import Agreement, AgreementHistory, AgreementInvitation


class AgreementHistoryInline(admin.TabularInline):
    model = AgreementHistory
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "actor", "actor_label", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AgreementInvitationInline(admin.TabularInline):
    """The emailed links, without their secret: only whether and how each was used."""

    model = AgreementInvitation
    extra = 0
    can_delete = False
    fields = ["purpose", "issued_for_status", "created_at", "expires_at", "used_at", "answer"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = [
        "agreement_number",
        "kind",
        "status",
        "company",
        "esiid",
        "customer_last_name",
        "start_date",
        "end_date",
        "created_at",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["agreement_number", "premise__esiid", "customer_last_name"]
    list_select_related = ["company", "premise"]
    inlines = [AgreementHistoryInline, AgreementInvitationInline]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Agreement._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="ESIID", ordering="premise__esiid")
    def esiid(self, obj: Agreement) -> str:
        return obj.premise.esiid
