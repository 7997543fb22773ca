from django.contrib import admin

from kefu.intake.chat.models import AgentChatStatus, ChatLine, ChatPhrase, ChatSession


class ChatLineInline(admin.TabularInline):
    model = ChatLine
    extra = 0
    readonly_fields = ("sender", "agent", "text", "internal", "created_at", "message")
    can_delete = False


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = ("id", "customer_name", "customer_phone", "state", "agent", "ticket", "requested_at")
    list_filter = ("state",)
    search_fields = ("customer_name", "customer_phone", "customer_email", "token")
    inlines = [ChatLineInline]
    readonly_fields = ("token", "passed_over")  # the routing's own record, not configuration


@admin.register(AgentChatStatus)
class AgentChatStatusAdmin(admin.ModelAdmin):
    list_display = ("agent", "status", "max_chats", "idle_since")


@admin.register(ChatPhrase)
class ChatPhraseAdmin(admin.ModelAdmin):
    list_display = ("text", "category", "position", "is_active")
    list_filter = ("category", "is_active")
