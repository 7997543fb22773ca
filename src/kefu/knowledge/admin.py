from django.contrib import admin

from kefu.core.html import markdown_to_html, sanitize, to_text
from kefu.knowledge import cache
from kefu.knowledge.models import (
    Acknowledgement,
    Article,
    ArticleAttachment,
    ArticleVersion,
    Case,
    CaseNode,
    Category,
    PhraseRule,
    Script,
    Synonym,
)
from kefu.knowledge.search import article_document


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "position")
    search_fields = ("name",)


class VersionInline(admin.TabularInline):
    model = ArticleVersion
    extra = 0
    fields = ("number", "title", "note", "edited_by", "created_at")
    readonly_fields = fields
    can_delete = False


class AttachmentInline(admin.TabularInline):
    model = ArticleAttachment
    extra = 0


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "category",
        "audience",
        "owner",
        "review_on",
        "must_read",
        "version",
        "is_archived",
    )
    list_filter = ("audience", "must_read", "is_archived", "category")
    search_fields = ("title",)
    # The HTML is made from the Markdown (HTML may be written inside it), never typed raw here.
    readonly_fields = ("version", "body_html")
    inlines = [AttachmentInline, VersionInline]

    def save_model(self, request, obj, form, change):
        # The admin is a repair tool: the pages keep versions; here the text is still made safe and indexed.
        obj.body_html = (
            markdown_to_html(obj.body_markdown) if obj.body_markdown.strip() else sanitize(obj.body_html)
        )
        obj.body_text = to_text(obj.body_html)
        obj.search_text = article_document(obj)
        super().save_model(request, obj, form, change)


admin.site.register(Acknowledgement, list_display=("article", "user", "version", "acknowledged_at"))


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ("words", "updated_at")
    search_fields = ("words",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cache.bump_on_commit("synonyms")

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        cache.bump_on_commit("synonyms")

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        cache.bump_on_commit("synonyms")


@admin.register(Script)
class ScriptAdmin(admin.ModelAdmin):
    list_display = ("title", "stage", "owner", "group", "usage_count", "is_active")
    list_filter = ("stage", "is_active", "group")
    search_fields = ("title", "text")


@admin.register(PhraseRule)
class PhraseRuleAdmin(admin.ModelAdmin):
    list_display = ("phrase", "kind", "alternative", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("phrase", "alternative")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cache.bump_on_commit("phrases")

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        cache.bump_on_commit("phrases")

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        cache.bump_on_commit("phrases")


class NodeInline(admin.TabularInline):
    model = CaseNode
    extra = 0
    fields = ("parent", "kind", "text", "note", "audio", "position")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("title", "verdict", "source", "created_by", "created_at")
    list_filter = ("verdict", "source")
    search_fields = ("title",)
    inlines = [NodeInline]
