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

    def get_readonly_fields(self, request, obj=None):
        """A level's code, once it exists, is what customers (Customer.tier, no database key), SLA
        policies and callback plans hold: it is not renamed."""
        return ("code",) if obj is not None else ()


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


# --- Loyalty card (会员卡/积分): levels and rules are kept here; the ledger is read-only ---------------
from kefu.customers.models import Card, CardApplication, CardLevel, PointsEntry, PointsRule  # noqa: E402


class PointsRuleInline(admin.TabularInline):
    model = PointsRule
    extra = 0


@admin.register(CardLevel)
class CardLevelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "rank", "min_points", "min_spend", "needs_approval")
    inlines = [PointsRuleInline]


@admin.register(PointsRule)
class PointsRuleAdmin(admin.ModelAdmin):
    list_display = ("level", "points_per_yuan", "valid_days", "active")
    list_filter = ("active", "level")


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    """Cards are issued through the customer page (a level needing approval goes to a supervisor);
    here they are read, and suspended or re-activated."""

    list_display = ("number", "customer", "level", "status", "issued_at", "approved_by")
    list_filter = ("status", "level")
    search_fields = ("number", "customer__name")
    fields = ("number", "customer", "level", "issued_at", "approved_by", "status")
    readonly_fields = ("number", "customer", "level", "issued_at", "approved_by")

    def has_add_permission(self, request):
        return False


@admin.register(CardApplication)
class CardApplicationAdmin(admin.ModelAdmin):
    list_display = ("customer", "level", "status", "requested_by", "created_at", "decided_by")
    list_filter = ("status", "level")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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


@admin.register(PointsEntry)
class PointsEntryAdmin(admin.ModelAdmin):
    """The append-only ledger: read here; corrections are new entries from the statement page."""

    list_display = ("at", "customer", "kind", "points", "balance_after", "reason")
    list_filter = ("kind",)
    search_fields = ("customer__name", "reason")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
