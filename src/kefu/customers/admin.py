from django.contrib import admin

from kefu.customers.models import Customer, CustomerEmail, CustomerPhone


class PhoneInline(admin.TabularInline):
    model = CustomerPhone
    extra = 1


class EmailInline(admin.TabularInline):
    model = CustomerEmail
    extra = 1


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "tier", "created_at")
    list_filter = ("tier",)
    search_fields = ("name", "phones__number", "emails__address")
    inlines = [PhoneInline, EmailInline]
