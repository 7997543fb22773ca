from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import AgentGroup, ApiToken, Department, Skill, TwoFactor, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "employee_no", "role", "department", "superior", "is_active")
    list_filter = ("role", "department", "is_active")
    search_fields = ("username", "display_name", "employee_no", "email", "phone")
    autocomplete_fields = ("superior", "department")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Organisation"),
            {"fields": ("display_name", "employee_no", "role", "department", "superior", "phone", "skills")},
        ),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Organisation"), {"fields": ("display_name", "employee_no", "role", "department", "superior")}),
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "parent", "head", "is_service_center")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent", "head")


@admin.register(AgentGroup)
class AgentGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "leader")
    filter_horizontal = ("members", "skills")
    autocomplete_fields = ("leader", "department")


admin.site.register(Skill, search_fields=("name",))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")


@admin.register(TwoFactor)
class TwoFactorAdmin(admin.ModelAdmin):
    """Administrators see who has two-factor sign-in and may delete it for a person who lost the phone."""

    list_display = ("user", "confirmed_at")
    fields = ("user", "confirmed_at")
    readonly_fields = ("user", "confirmed_at")

    def has_add_permission(self, request):
        return False
