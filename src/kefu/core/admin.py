"""Admin for business calendars (营业日历): shifts and overrides are edited on the calendar's page."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core.calendars import load_calendar, missing_holiday_years
from kefu.core.models import BusinessCalendar, CalendarOverride, Shift


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 0


class CalendarOverrideInline(admin.TabularInline):
    model = CalendarOverride
    extra = 0
    fields = ["date", "kind", "name"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "use_chinese_holidays", "is_default", "holiday_data"]
    search_fields = ["name"]
    inlines = [ShiftInline, CalendarOverrideInline]

    @admin.display(description=_("holiday data"))
    def holiday_data(self, obj: BusinessCalendar) -> str:
        """Warn about this year and the next when neither chinese-calendar nor overrides cover them."""
        year = timezone.localdate().year
        missing = missing_holiday_years(load_calendar(obj.pk), [year, year + 1])
        if not missing:
            return _("complete")
        years = ", ".join(str(y) for y in missing)
        return _("missing for %(years)s — add overrides") % {"years": years}


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "calendar"]
    list_filter = ["kind", "calendar"]
    search_fields = ["name"]
    date_hierarchy = "date"
