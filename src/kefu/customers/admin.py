from django.contrib import admin

from kefu.customers.models import Customer, CustomerEmail, CustomerPhone, Order, Payment, TierLevel


class PhoneInline(admin.TabularInline):
    model = CustomerPhone
    extra = 1


class EmailInline(admin.TabularInline):
    model = CustomerEmail
    extra = 1


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "tier", "created_at")
    list_filter = ("tier", "kind")
    raw_id_fields = ("organisation", "referred_by", "owner")
    search_fields = ("name", "phones__number", "emails__address")
    inlines = [PhoneInline, EmailInline]


@admin.register(TierLevel)
class TierLevelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "rank", "is_fallback", "needs_responsible", "routing_priority")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("source", "external_id", "customer", "kind", "amount", "placed_at")
    list_filter = ("kind", "source")
    search_fields = ("external_id", "customer__name")
    raw_id_fields = ("customer", "refund_of")


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("source", "external_id", "customer", "amount", "paid_at")
    search_fields = ("external_id", "customer__name")
    raw_id_fields = ("customer", "order")


# --- Issue 14, parts 3 and 4: imports and value tiers ---------------------------------------------
from kefu.customers.models import ImportJob, ImportMapping, TierChange, TierOverride  # noqa: E402


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ("source", "kind", "updated_at")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("file_name", "source", "kind", "status", "lines", "imported", "error_count", "created_at")
    list_filter = ("status", "kind")
    exclude = ("data",)
    readonly_fields = ("errors", "failure")


@admin.register(TierChange)
class TierChangeAdmin(admin.ModelAdmin):
    """Read only: changes are kept as they happened (the recompute and overrides write them)."""

    list_display = ("customer", "from_tier", "to_tier", "at", "by")
    list_filter = ("to_tier",)
    raw_id_fields = ("customer",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(TierOverride)
class TierOverrideAdmin(admin.ModelAdmin):
    list_display = ("customer", "tier", "reason", "expires_on", "by")
    raw_id_fields = ("customer", "by")
