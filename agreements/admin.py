"""OPS-1: customer agreements in Django admin, read-only with their history (AGR-18).

Statuses change only through agreements.services; staff read here and search by agreement
number, ESIID or customer last name. A HAN Device agreement links to its HAN provision request
(device, TDSP messages, emails), whose admin page the `han` app registers.
"""

from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils.html import format_html

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
        "sandbox",
    ]
    list_filter = ["kind", "status", "premise__is_sandbox"]
    search_fields = ["agreement_number", "premise__esiid", "customer_last_name"]
    list_select_related = ["company", "premise"]
    inlines = [AgreementHistoryInline, AgreementInvitationInline]

    @admin.display(boolean=True, description="Sandbox", ordering="premise__is_sandbox")
    def sandbox(self, agreement: Agreement) -> bool:
        return agreement.premise.is_sandbox  # BEY-5: a test token's, on a test meter

    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return ["han_request_link", *(f.name for f in Agreement._meta.fields)]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="ESIID", ordering="premise__esiid")
    def esiid(self, obj: Agreement) -> str:
        return obj.premise.esiid

    @admin.display(description="HAN provision request")
    def han_request_link(self, obj: Agreement) -> str:
        """HAN-1, OPS-1: the device behind a HAN Device agreement (the `han_request` reverse
        relation; agreements does not import the higher `han` app)."""
        if not obj.is_han_device:
            return "—"
        try:
            request_pk = obj.han_request.pk
        except ObjectDoesNotExist:
            return "—"
        url = reverse("admin:han_hanprovisionrequest_change", args=[request_pk])
        return format_html('<a href="{}">Device, TDSP messages and emails</a>', url)
