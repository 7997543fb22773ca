"""Admin for what managers edit: plans, scripts and their questions, the reason taxonomy, survey settings,
the contracts the "before it expires" plans call about."""

from django.contrib import admin

from kefu.callbacks.models import (
    CallbackPlan,
    CallbackTask,
    Contract,
    Feedback,
    Question,
    Reason,
    Satisfaction,
    Script,
    SurveySettings,
)


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 1


@admin.register(Script)
class ScriptAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active")
    inlines = [QuestionInline]


@admin.register(CallbackPlan)
class CallbackPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "trigger", "team", "script", "due_minutes", "max_attempts", "is_active")
    list_filter = ("trigger", "is_active")


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("name", "reference", "customer", "expires_on", "phone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "reference", "customer__name")
    raw_id_fields = ("customer",)
    date_hierarchy = "expires_on"


@admin.register(Reason)
class ReasonAdmin(admin.ModelAdmin):
    list_display = ("name", "factor", "position", "is_active")
    list_filter = ("factor", "is_active")
    list_editable = ("position", "is_active")


@admin.register(SurveySettings)
class SurveySettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "enabled", "scale", "not_twice_days", "link_days")


@admin.register(CallbackTask)
class CallbackTaskAdmin(admin.ModelAdmin):
    list_display = ("plan", "name", "phone", "state", "due_at", "attempt_count", "outcome")
    list_filter = ("state", "plan")
    raw_id_fields = ("ticket", "customer", "contract", "assigned_to", "completed_by")


@admin.register(Satisfaction)
class SatisfactionAdmin(admin.ModelAdmin):
    list_display = ("ticket", "round", "source", "score", "solved", "created_at")
    list_filter = ("source", "score")
    raw_id_fields = ("ticket", "task", "agent")


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("kind", "department", "ticket", "created_at", "replied_at")
    raw_id_fields = ("ticket", "satisfaction")
