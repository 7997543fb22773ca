from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kefu.intake.email import services
from kefu.intake.email.models import InboundMail, Mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "address",
        "ticket_type",
        "group",
        "imap_host",
        "enabled",
        "acknowledge",
        "last_polled_at",
    )
    list_filter = ("enabled", "ticket_type")
    readonly_fields = ("last_uid", "uid_validity", "last_polled_at", "last_error")
    fieldsets = (
        (None, {"fields": ("name", "address", "ticket_type", "group", "enabled", "acknowledge")}),
        (
            _("IMAP"),
            {"fields": ("imap_host", "imap_port", "imap_ssl", "imap_user", "imap_password", "imap_folder")},
        ),
        (_("Polling"), {"fields": ("last_polled_at", "last_uid", "uid_validity", "last_error")}),
    )


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ("received_at", "mailbox", "sender", "subject", "state", "ticket", "attempts")
    list_filter = ("state", "mailbox")
    search_fields = ("mail_id", "sender", "subject", "error")
    readonly_fields = [f.name for f in InboundMail._meta.fields if f.name != "raw"] + ["raw_preview"]
    exclude = ("raw",)
    actions = ["process_again"]

    @admin.display(description=_("raw message (first 20 000 characters)"))
    def raw_preview(self, obj):
        from django.utils.html import format_html

        return format_html("<pre>{}</pre>", bytes(obj.raw)[:20000].decode("utf-8", "replace"))

    @admin.action(description=_("Process again"))
    def process_again(self, request, queryset):
        done = 0
        for row in queryset.exclude(state=InboundMail.State.PROCESSED):
            row = services.inbound_retry(inbound=row)
            done += row.state == InboundMail.State.PROCESSED
        self.message_user(request, _("%(count)s mail processed.") % {"count": done}, messages.INFO)

    def has_add_permission(self, request):
        return False
