from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kefu.core.formfields import ChoiceListField
from kefu.notify.models import (
    CustomerNotice,
    MessageTemplate,
    Notification,
    NotificationPreference,
    Webhook,
    WebhookDelivery,
)
from kefu.notify.webhooks import webhook_redeliver
from kefu.tickets.models import TicketEvent

EVERY_EVENT = "*"


class WebhookForm(forms.ModelForm):
    """The event kinds to send as checkboxes ("every event" among them), not a JSON list."""

    events = ChoiceListField(
        label=_("events"),
        choices=[(EVERY_EVENT, _("Every event"))] + list(TicketEvent.Kind.choices),
        help_text=_("The work-order events sent to this address."),
    )

    def clean_events(self):
        events = self.cleaned_data["events"]
        return [EVERY_EVENT] if EVERY_EVENT in events else events


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "kind", "created_at", "read_at")
    list_filter = ("kind",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "email")
    list_filter = ("kind", "email")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "channel", "is_active", "updated_at")
    list_filter = ("kind", "channel", "is_active")
    search_fields = ("name", "body")


@admin.register(CustomerNotice)
class CustomerNoticeAdmin(admin.ModelAdmin):
    list_display = ("ticket", "kind", "channel", "state", "hold_until", "created_at")
    list_filter = ("kind", "channel", "state")
    raw_id_fields = ("ticket", "event", "message", "created_by")


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ("name", "url", "event_labels", "is_active", "created_at")
    list_filter = ("is_active",)

    @admin.display(description=_("events"))
    def event_labels(self, webhook):
        labels = dict(WebhookForm.base_fields["events"].choices)
        return ", ".join(str(labels.get(kind, kind)) for kind in webhook.events)


@admin.action(description=_("Redeliver the selected deliveries"))
def redeliver(modeladmin, request, queryset):
    count = 0
    for delivery in queryset:
        webhook_redeliver(delivery=delivery, by=request.user)
        count += 1
    modeladmin.message_user(
        request,
        ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
        % {"count": count},
        messages.SUCCESS,
    )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "uuid",
        "webhook",
        "event_kind",
        "state",
        "attempts",
        "status_code",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("state", "webhook", "event_kind")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = [redeliver]

    def has_add_permission(self, request):
        return False
