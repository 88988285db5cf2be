from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Company, Duns, DunsGrant, Tdsp, User


class DunsInline(admin.TabularInline):
    model = Duns
    extra = 0
    fields = ["number", "status", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "city", "email", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "email", "duns_numbers__number"]
    inlines = [DunsInline]


@admin.register(Duns)
class DunsAdmin(admin.ModelAdmin):
    list_display = ["number", "company", "status", "created_at"]
    list_filter = ["status", "company__kind"]
    search_fields = ["number", "company__name"]
    list_select_related = ["company"]


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
    inlines = [DunsGrantInline]
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
