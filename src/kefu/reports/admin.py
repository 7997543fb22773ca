from django.contrib import admin

from kefu.reports.models import ConversionCode


@admin.register(ConversionCode)
class ConversionCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
