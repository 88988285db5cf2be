from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_actions import status_action
from .forms import StaffSignInForm
from .models import Company, Duns, DunsGrant, PersonalApiToken, StatusChange, Tdsp, User
from .services import companies, members
from .views import sign_in_refused_response


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
    )


class DunsInline(admin.TabularInline):
    model = Duns
    extra = 0
    fields = ["number", "status", "created_at"]
    readonly_fields = ["status", "created_at"]  # statuses change through the actions
    can_delete = False  # a DUNS leaves through Company Profile (grants, history, last-DUNS rule)


def _company_approve(*, staff, obj, comment):
    companies.company_approve(actor=staff, company=obj)


def _duns_approve(*, staff, obj, comment):
    companies.duns_approve(actor=staff, duns=obj)


def _with_comment(service, keyword: str):
    """Adapt a company or DUNS status service to `status_action`'s `change` call."""

    def change(*, staff, obj, comment):
        service(actor=staff, comment=comment, **{keyword: obj})

    return change


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    """OPS-1: companies with their DUNS and history; statuses change only through the
    actions, which call the same services, rules and emails as the TDSP and company pages."""

    list_display = ["name", "kind", "status", "city", "email", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "email", "duns_numbers__number"]
    inlines = [DunsInline, StatusHistoryInline]
    # The logo is the company's to change (Company Profile, which checks and re-encodes it,
    # SEC-4); staff see it as the portal serves it.
    exclude = ["logo"]
    readonly_fields = ["status", "status_changed_at", "purged_at", "logo_shown"]
    actions = [
        status_action(
            name="company_approve",
            description=_("Approve the selected pending companies"),
            change=_company_approve,
            comment_required=False,
        ),
        status_action(
            name="company_suspend",
            description=_("Suspend the selected companies"),
            change=_with_comment(companies.company_suspend, "company"),
            comment_required=True,
        ),
        status_action(
            name="company_reinstate",
            description=_("Reinstate the selected companies"),
            change=_with_comment(companies.company_reinstate, "company"),
            comment_required=False,
        ),
        status_action(
            name="company_revoke",
            description=_("Revoke the selected companies and all their accounts"),
            change=_with_comment(companies.company_revoke, "company"),
            comment_required=True,
        ),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"  # as on Company Profile (ACC-15)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("Logo"))
    def logo_shown(self, company: Company) -> str:
        if not company.logo_url:
            return "—"
        return format_html('<img src="{}" alt="" class="company-logo">', company.logo_url)


@admin.register(Duns)
class DunsAdmin(admin.ModelAdmin):
    """OPS-1: DUNS numbers; approve, suspend, reinstate, revoke through the services."""

    list_display = ["number", "company", "status", "created_at"]
    list_filter = ["status", "company__kind"]
    search_fields = ["number", "company__name"]
    list_select_related = ["company"]
    readonly_fields = ["status", "status_changed_at"]
    inlines = [StatusHistoryInline]
    actions = [
        status_action(
            name="duns_approve",
            description=_("Approve the selected pending DUNS numbers"),
            change=_duns_approve,
            comment_required=False,
        ),
        status_action(
            name="duns_suspend",
            description=_("Suspend the selected DUNS numbers"),
            change=_with_comment(companies.duns_suspend, "duns"),
            comment_required=True,
        ),
        status_action(
            name="duns_reinstate",
            description=_("Reinstate the selected DUNS numbers"),
            change=_with_comment(companies.duns_reinstate, "duns"),
            comment_required=False,
        ),
        status_action(
            name="duns_revoke",
            description=_("Revoke the selected DUNS numbers (and accounts left without one)"),
            change=_with_comment(companies.duns_revoke, "duns"),
            comment_required=True,
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # A DUNS keeps its number and company; a different one is added, not edited.
        if obj is not None:
            return [*self.readonly_fields, "number", "company"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # removal goes through Company Profile (ACC-9): grants, history, rules


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


@admin.register(PersonalApiToken)
class PersonalApiTokenAdmin(admin.ModelAdmin):
    """API-2: the 3rd-party API's personal tokens, read-only. Their users make and revoke
    them under My Profile; staff never see the hash of a secret."""

    list_display = [
        "user",
        "name",
        "shown_prefix",
        "sandbox",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["sandbox", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "shown_prefix"]
    list_select_related = ["user"]
    exclude = ["key_hash"]
    readonly_fields = [
        "user",
        "name",
        "sandbox",
        "shown_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a token is revoked, not deleted: its history stays


# Django admin's login goes through the same backend as the login page (ACC-11 lockout,
# SEC-5 limits); these give it the same messages and the same 429 with Retry-After.
admin.site.login_form = StaffSignInForm
_admin_site_login = admin.site.login


def _staff_login(request, extra_context=None):
    return sign_in_refused_response(request, _admin_site_login(request, extra_context))


admin.site.login = _staff_login  # type: ignore[method-assign]
