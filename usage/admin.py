from django.contrib import admin

from .models import CustomerPremise, Meter, Premise, RorPeriod


class MeterInline(admin.TabularInline):
    model = Meter
    extra = 0
    fields = ["meter_number", "installed_on", "removed_on", "is_smart", "meter_status"]


class RorPeriodInline(admin.TabularInline):
    model = RorPeriod
    extra = 0


@admin.register(Premise)
class PremiseAdmin(admin.ModelAdmin):
    list_display = ["esiid", "tdsp", "street_name", "city", "zip_code", "premise_status"]
    list_filter = ["tdsp", "premise_status"]
    search_fields = ["esiid", "street_name", "city", "meters__meter_number"]
    list_select_related = ["tdsp"]
    inlines = [MeterInline, RorPeriodInline]


@admin.register(Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = ["meter_number", "premise", "installed_on", "removed_on", "meter_status"]
    search_fields = ["meter_number", "premise__esiid"]
    list_select_related = ["premise"]


@admin.register(CustomerPremise)
class CustomerPremiseAdmin(admin.ModelAdmin):
    list_display = ["premise", "customer", "attached_at", "detached_at"]
    search_fields = ["premise__esiid", "customer__username", "customer__email"]
    list_select_related = ["premise", "customer"]
