"""Admin for configuration (categories, SLA policies). Work orders are read-only here: every change
goes through the services, so the timeline and the clocks stay right."""

from django.contrib import admin

from kefu.tickets.models import (
    Category,
    Dispatch,
    Escalation,
    EscalationSettings,
    SlaPolicy,
    Ticket,
    TicketEvent,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "ticket_type", "is_active", "position")
    list_filter = ("ticket_type", "is_active")
    search_fields = ("name",)
    autocomplete_fields = ("parent",)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "ticket_type",
        "severity",
        "customer_tier",
        "first_response_minutes",
        "resolution_minutes",
        "department_reply_minutes",
        "callback_minutes",
        "max_escalation_level",
        "is_active",
    )
    list_filter = ("ticket_type", "severity", "is_active")


admin.site.register(EscalationSettings, autocomplete_fields=("board_contact",))


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ("created_at", "kind", "action", "from_status", "to_status", "actor", "note")


class DispatchInline(ReadOnlyInline):
    model = Dispatch
    fields = ("department", "state", "deadline", "reply", "return_reason")


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "ticket_type", "channel", "status", "severity", "owner", "created_at")
    list_filter = ("ticket_type", "status", "channel", "severity")
    search_fields = ("number", "customer_phone", "customer_name", "title")
    inlines = [DispatchInline, EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("ticket", "to_user", "reason", "level", "created_at")
    list_filter = ("reason",)
