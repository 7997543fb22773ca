"""Admin for what managers edit: plans, scripts and their questions, the reason taxonomy, survey settings,
the contracts the "before it expires" plans call about."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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
from kefu.core.formfields import ChoiceListField, LinesField
from kefu.customers.models import RfmSegment, TierLevel
from kefu.tickets.models import TicketType


class QuestionForm(forms.ModelForm):
    """A single-choice question's answers one a line, not a JSON list."""

    choices = LinesField(label=_("choices"), required=False, help_text=_("Single choice: one answer a line."))

    def clean(self):
        data = super().clean()
        choices = data.get("choices") or []
        if data.get("kind") == Question.Kind.CHOICE and len(choices) < 2:
            self.add_error("choices", _("A single-choice question needs at least two answers, one a line."))
        elif data.get("kind") and data.get("kind") != Question.Kind.CHOICE and choices:
            self.add_error("choices", _("Only a single-choice question has answers to choose from."))
        return data


class QuestionInline(admin.TabularInline):
    model = Question
    form = QuestionForm
    extra = 1


class CallbackPlanForm(forms.ModelForm):
    """Work-order types and customer tiers as checkboxes, not JSON lists."""

    ticket_types = ChoiceListField(
        label=_("work-order types"),
        choices=TicketType.choices,
        required=False,
        help_text=_("None ticked: every type."),
    )
    customer_tiers = ChoiceListField(
        label=_("customer tiers"),
        choices=(),
        required=False,
        help_text=_("None ticked: every tier."),
    )

    rfm_segments = ChoiceListField(
        label=_("RFM segments"),
        choices=RfmSegment.choices,
        required=False,
        help_text=_(
            "Periodic care: the customers whose current RFM segment is ticked (with the tiers ticked, both)."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_tiers"].choices = TierLevel.objects.values_list("code", "name")


@admin.register(Script)
class ScriptAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active")
    inlines = [QuestionInline]


@admin.register(CallbackPlan)
class CallbackPlanAdmin(admin.ModelAdmin):
    form = CallbackPlanForm
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
