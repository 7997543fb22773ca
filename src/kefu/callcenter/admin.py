from django.contrib import admin

from kefu.callcenter.models import (
    AgentLine,
    AgentStateEvent,
    CallRecord,
    ImportLineError,
    ImportRun,
    OutcomeWord,
)


@admin.register(AgentLine)
class AgentLineAdmin(admin.ModelAdmin):
    list_display = ["extension", "user"]
    search_fields = ["extension", "user__username", "user__display_name"]
    raw_id_fields = ["user"]


@admin.register(CallRecord)
class CallRecordAdmin(admin.ModelAdmin):
    list_display = [
        "arrived_at",
        "caller_number",
        "queue",
        "agent",
        "outcome",
        "wait_seconds",
        "talk_seconds",
        "ticket",
    ]
    list_filter = ["source", "outcome", "direction", "queued", "queue"]
    search_fields = ["caller_number", "external_id", "ticket__number"]
    raw_id_fields = ["agent", "customer", "ticket", "import_run"]
    date_hierarchy = "arrived_at"


@admin.register(AgentStateEvent)
class AgentStateEventAdmin(admin.ModelAdmin):
    """Append-only: changes are read here, never edited (a correction is a new change)."""

    list_display = ["at", "agent", "state", "reason", "source", "external_id"]
    list_filter = ["state", "source"]
    search_fields = ["agent__username", "agent__display_name", "external_id", "reason"]
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class ImportLineErrorInline(admin.TabularInline):
    model = ImportLineError
    extra = 0
    readonly_fields = ["line_no", "reason", "raw"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "file_name", "source", "started_at", "lines", "imported", "duplicates", "changed", "skewed", "error_count",
        "agent_states",
    ]  # fmt: skip
    inlines = [ImportLineErrorInline]


@admin.register(OutcomeWord)
class OutcomeWordAdmin(admin.ModelAdmin):
    """The site's own outcome words, beside the built-in ones listed in docs/phone.md."""

    list_display = ["word", "outcome"]
    list_filter = ["outcome"]
    search_fields = ["word"]
