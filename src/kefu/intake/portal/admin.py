from django.contrib import admin

from kefu.intake.portal.models import Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("ticket", "score", "created_at")
    list_filter = ("score",)
    search_fields = ("ticket__number", "comment")
    raw_id_fields = ("ticket",)
