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


# --- Part 1 and 9 of the customer file: custom fields; merges, exports and anonymisations (read-only) --

from kefu.customers.models import Anonymisation, CustomerMerge, CustomField, ExportLog  # noqa: E402


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ("label", "code", "kind", "required", "position", "active")
    list_editable = ("position", "active")
    list_filter = ("kind", "active")


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: shown to administrators, never edited or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "by", "kind", "what", "file_format", "rows")
    list_filter = ("kind", "file_format")
    date_hierarchy = "at"


@admin.register(CustomerMerge)
class CustomerMergeAdmin(ReadOnlyAdmin):
    list_display = ("at", "by", "kept", "removed_id", "removed_name")
    search_fields = ("removed_name", "kept__name")


@admin.register(Anonymisation)
class AnonymisationAdmin(ReadOnlyAdmin):
    list_display = ("at", "by", "customer", "reason")
