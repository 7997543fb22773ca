"""Admin for quality inspection. Rubric versions, items and rules change only while they are drafts
(a published version never does); inspections and findings are records, read-only here."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kefu.quality.models import (
    Finding,
    Inspection,
    InspectorScope,
    Rubric,
    RubricItem,
    RubricVersion,
    Rule,
    Transcript,
)


def _is_draft(version) -> bool:
    return version is None or version.state == RubricVersion.State.DRAFT


class RuleForm(forms.ModelForm):
    """The condition is checked by the engine, as the services do, naming the place of a problem."""

    class Meta:
        model = Rule
        fields = ["version", "item", "name", "condition", "is_active"]

    def clean(self):
        from kefu.quality.services.rules import condition_errors

        data = super().clean()
        for field, messages in condition_errors(data.get("condition")).items():
            self.add_error("condition", [f"{field}: {m}" for m in messages])
        version, item = data.get("version"), data.get("item")
        if version is not None and item is not None and item.version_id != version.pk:
            self.add_error("item", _("The item belongs to another rubric version."))
        if version is not None and not _is_draft(version):
            self.add_error("version", _("A published or retired version never changes; make a new draft."))
        return data


class DraftOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class ItemInline(DraftOnlyInline):
    model = RubricItem
    fields = ["position", "code", "group", "name", "points", "direction", "severity", "per_occurrence"]


class RuleInline(DraftOnlyInline):
    model = Rule
    form = RuleForm
    fields = ["item", "name", "condition", "is_active"]


class VersionInline(admin.TabularInline):
    model = RubricVersion
    extra = 0
    fields = ["number", "state", "start_score", "floor_score", "ceiling_score", "published_at", "note"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["name", "channels", "queues", "position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    inlines = [VersionInline]


@admin.register(RubricVersion)
class RubricVersionAdmin(admin.ModelAdmin):
    list_display = [
        "rubric",
        "number",
        "state",
        "start_score",
        "floor_score",
        "ceiling_score",
        "published_at",
    ]
    list_filter = ["state", "rubric"]
    readonly_fields = ["state", "published_at", "created_by", "created_at"]
    inlines = [ItemInline, RuleInline]

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


@admin.register(RubricItem)
class RubricItemAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "version", "group", "points", "direction", "severity", "per_occurrence"]
    list_filter = ["group", "severity", "version__rubric"]
    search_fields = ["name", "code"]

    def has_change_permission(self, request, obj=None):
        return (obj is None or _is_draft(obj.version)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or _is_draft(obj.version)) and super().has_delete_permission(request, obj)


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ["name", "item", "version", "is_active"]
    list_filter = ["is_active", "version__rubric"]
    search_fields = ["name"]

    def has_change_permission(self, request, obj=None):
        return (obj is None or _is_draft(obj.version)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or _is_draft(obj.version)) and super().has_delete_permission(request, obj)


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ["__str__", "channel", "queue", "agent", "call_external_id", "started_at"]
    list_filter = ["channel", "queue"]
    search_fields = ["source_key", "call_external_id"]
    raw_id_fields = ["call", "chat_session", "ticket", "agent", "customer"]
    date_hierarchy = "started_at"


def _evidence(finding: Finding) -> str:
    """The finding's evidence, one line each: "#sentence “quote” note" (sentence numbers from 1)."""
    lines = []
    for e in finding.evidence or ():
        where = "—" if e.get("sentence") is None else f"#{e['sentence'] + 1}"
        quote = f" “{e['quote']}”" if e.get("quote") else ""
        note = f" {e['note']}" if e.get("note") else ""
        lines.append(f"{where}{quote}{note}")
    return "\n".join(lines)


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    fields = ["item", "rule", "source", "status", "sentence", "evidence_lines", "points", "severity"]
    readonly_fields = fields
    can_delete = False

    @admin.display(description=_("evidence"))
    def evidence_lines(self, obj):
        return _evidence(obj)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = [
        "transcript", "version", "agent", "channel", "queue", "state", "auto_score", "final_score",
        "worst_severity", "superseded",
    ]  # fmt: skip
    list_filter = ["state", "channel", "worst_severity", "superseded", "version__rubric"]
    date_hierarchy = "conversation_at"
    readonly_fields = [
        "transcript", "version", "agent", "channel", "queue", "conversation_at", "auto_score", "worst_severity",
        "superseded", "inspected_at",
    ]  # fmt: skip
    inlines = [FindingInline]


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["item", "inspection", "source", "status", "points", "severity"]
    list_filter = ["source", "status", "severity"]
    readonly_fields = ["inspection", "item", "rule", "source", "sentence", "evidence_lines", "points"]
    exclude = ["evidence"]

    @admin.display(description=_("evidence"))
    def evidence_lines(self, obj):
        return _evidence(obj)


@admin.register(InspectorScope)
class InspectorScopeAdmin(admin.ModelAdmin):
    list_display = ["inspector", "channels", "queues"]
    raw_id_fields = ["inspector"]
