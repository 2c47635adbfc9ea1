from django.contrib import admin

from subscriptions.models import (
    ChargePeriod,
    DiscountPolicy,
    Feature,
    PlanChange,
    Price,
    Product,
    Subscription,
)


class PriceInline(admin.TabularInline):
    """The product's prices over time; new prices are scheduled under Prices."""

    model = Price
    extra = 0
    fields = readonly_fields = ["currency", "monthly_amount", "effective_from"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ScheduledOnlyMixin:
    """R37: rows in force are read-only and can't be deleted; future ones can be."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_in_force)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_in_force)


@admin.register(Price)
class PriceAdmin(ScheduledOnlyMixin, admin.ModelAdmin):
    """Schedule a new list price from a date; statements use the price in force
    each day (R37)."""

    list_display = ["product", "currency", "monthly_amount", "effective_from"]
    list_filter = ["currency", "product"]
    ordering = ["product__sort_order", "currency", "-effective_from"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "family", "tier", "user_limit", "is_active"]
    list_filter = ["kind", "family", "is_active"]
    list_editable = ["user_limit", "is_active"]
    filter_horizontal = ["features"]
    inlines = [PriceInline]


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):
    list_display = ["name", "name_fr", "code"]


@admin.register(DiscountPolicy)
class DiscountPolicyAdmin(ScheduledOnlyMixin, admin.ModelAdmin):
    """Schedule new discount terms from a date (R37)."""

    list_display = ["__str__", "wholesale_rate", "direct_rate", "direct_months", "effective_from"]


class PlanChangeInline(admin.TabularInline):
    model = PlanChange
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "from_product", "to_product", "effective_on", "changed_by"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Support view: changes go through the services, so most fields are read-only."""

    list_display = ["client", "product", "billing", "status", "start_date", "firm"]
    list_filter = ["billing", "status", "product", "firm"]
    search_fields = ["client__display_name"]
    raw_id_fields = ["client", "parent"]
    readonly_fields = [
        "firm",
        "client",
        "product",
        "parent",
        "billing",
        "status",
        "currency",
        "discount_rate",
        "discount_until",
        "start_date",
        "ended_on",
        "created_by",
    ]
    inlines = [PlanChangeInline]

    def has_add_permission(self, request):
        return False


@admin.register(ChargePeriod)
class ChargePeriodAdmin(admin.ModelAdmin):
    list_display = ["client_name", "product", "payer", "starts_on", "ends_on", "firm"]
    list_filter = ["payer", "firm"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
