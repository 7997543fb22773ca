from django.contrib import admin

from kefu.customers.models import Customer, CustomerEmail, CustomerPhone, Order, Payment, RfmScore, TierLevel


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


# --- RFM (issue 14, part 5): snapshots, read-only (kefu.customers.rfm writes them) ------------------
@admin.register(RfmScore)
class RfmScoreAdmin(admin.ModelAdmin):
    list_display = ("customer", "as_of", "recency_days", "frequency", "monetary", "r", "f", "m", "segment")
    list_filter = ("as_of", "segment")
    search_fields = ("customer__name",)
    raw_id_fields = ("customer",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
