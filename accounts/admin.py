from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.contenttypes.admin import GenericTabularInline

from .admin_actions import status_action
from .models import Company, Duns, DunsGrant, StatusChange, Tdsp, User
from .services import companies, members
from .services.companies import CompanyActionRefused


class StatusHistoryInline(GenericTabularInline):
    """SEC-7: who changed the status, when and why; read-only."""

    model = StatusChange
    ct_field = "subject_type"
    ct_fk_field = "subject_id"
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "actor_label", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def _account_action(action: str, description: str):
    def change(*, staff, obj, comment):
        members.account_change_status_by_staff(
            staff=staff, user=obj, action=action, comment=comment
        )

    return status_action(
        name=f"account_{action}",
        description=description,
        change=change,
        comment_required=action in members.COMMENT_REQUIRED_ACTIONS,
        refusals=(members.MemberActionRefused,),
    )


class DunsInline(admin.TabularInline):
    model = Duns
    extra = 0
    fields = ["number", "status", "created_at"]
    readonly_fields = ["status", "created_at"]  # statuses change through the actions


def _company_approve(*, staff, obj, comment):
    companies.company_approve(actor=staff, company=obj)


def _company_status(to_status: str):
    def change(*, staff, obj, comment):
        companies.company_change_status_by_staff(
            staff=staff, company=obj, to_status=to_status, comment=comment
        )

    return change


def _duns_approve(*, staff, obj, comment):
    companies.duns_approve(actor=staff, duns=obj)


def _duns_status(to_status: str):
    def change(*, staff, obj, comment):
        companies.duns_change_status_by_staff(
            staff=staff, duns=obj, to_status=to_status, comment=comment
        )

    return change


_COMPANY_REFUSALS = (CompanyActionRefused,)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "city", "email", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "email", "duns_numbers__number"]
    inlines = [DunsInline, StatusHistoryInline]
    readonly_fields = ["status", "status_changed_at", "purged_at"]
    # OPS-1: the same services, rules and emails as the TDSP and company pages.
    actions = [
        status_action(
            name="company_approve",
            description="Approve the selected pending companies",
            change=_company_approve,
            comment_required=False,
            refusals=_COMPANY_REFUSALS,
        ),
        status_action(
            name="company_suspend",
            description="Suspend the selected companies",
            change=_company_status(Company.Status.SUSPENDED),
            comment_required=True,
        ),
        status_action(
            name="company_reinstate",
            description="Reinstate the selected companies",
            change=_company_status(Company.Status.ACTIVE),
            comment_required=False,
        ),
        status_action(
            name="company_revoke",
            description="Revoke the selected companies and all their accounts",
            change=_company_status(Company.Status.REVOKED),
            comment_required=True,
        ),
    ]


@admin.register(Duns)
class DunsAdmin(admin.ModelAdmin):
    list_display = ["number", "company", "status", "created_at"]
    list_filter = ["status", "company__kind"]
    search_fields = ["number", "company__name"]
    list_select_related = ["company"]
    readonly_fields = ["status", "status_changed_at"]
    inlines = [StatusHistoryInline]
    actions = [
        status_action(
            name="duns_approve",
            description="Approve the selected pending DUNS numbers",
            change=_duns_approve,
            comment_required=False,
            refusals=_COMPANY_REFUSALS,
        ),
        status_action(
            name="duns_suspend",
            description="Suspend the selected DUNS numbers",
            change=_duns_status(Duns.Status.SUSPENDED),
            comment_required=True,
        ),
        status_action(
            name="duns_reinstate",
            description="Reinstate the selected DUNS numbers",
            change=_duns_status(Duns.Status.ACTIVE),
            comment_required=False,
        ),
        status_action(
            name="duns_revoke",
            description="Revoke the selected DUNS numbers (and accounts left without one)",
            change=_duns_status(Duns.Status.REVOKED),
            comment_required=True,
        ),
    ]


@admin.register(Tdsp)
class TdspAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "company"]


class DunsGrantInline(admin.TabularInline):
    model = DunsGrant
    extra = 0
    autocomplete_fields = ["duns"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "kind", "company", "status"]
    list_filter = ["kind", "status", "is_company_admin", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email", "company__name"]
    list_select_related = ["company"]
    inlines = [DunsGrantInline, StatusHistoryInline]
    # OPS-1: statuses change only through the actions, with the rules and emails of the pages.
    readonly_fields = ["status", "failed_login_count", "last_login", "date_joined"]
    actions = [
        _account_action(members.SUSPEND, "Suspend the selected accounts"),
        _account_action(members.REINSTATE, "Reinstate the selected accounts"),
        _account_action(members.REVOKE, "Revoke the selected accounts"),
    ]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (
            "SMT",
            {
                "fields": [
                    "kind",
                    "status",
                    "company",
                    "is_company_admin",
                    "can_energy_data",
                    "can_in_home_devices",
                    "middle_initial",
                    "suffix",
                    "title",
                    "phone",
                    "business_name",
                    "language",
                    "failed_login_count",
                ]
            },
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "email", "kind", "password1", "password2"],
            },
        ),
    )
