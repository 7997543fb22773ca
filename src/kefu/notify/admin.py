from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kefu.notify.models import (
    CustomerNotice,
    MessageTemplate,
    Notification,
    NotificationPreference,
    Webhook,
    WebhookDelivery,
)
from kefu.notify.webhooks import webhook_redeliver


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
    list_display = ("name", "url", "events", "is_active", "created_at")
    list_filter = ("is_active",)


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
