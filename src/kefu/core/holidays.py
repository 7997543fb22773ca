"""The State Council's annual holiday arrangement (国务院办公厅关于部分节假日安排的通知), entered once
a year for every calendar.

chinese-calendar knows the statutory holidays and make-up workdays only up to the year its release
was made in; for a later year Kefu counts Monday–Friday, so a complaint clock started on 31 December
would run through New Year's Day. Each November the State Council publishes next year's arrangement;
a manager enters it here (one form, global `CalendarOverride` rows that apply to every calendar),
and until then managers see a banner (`years_needing_arrangement`).

The form is prefilled with the statutory days themselves (全国年节及纪念日放假办法, 2025 revision):
New Year 1 day, Spring Festival 4 days from New Year's Eve (除夕 to 初三), Qingming 1 day, Labour
Day 2 days, Dragon Boat 1 day, Mid-Autumn 1 day, National Day 3 days. The lunar dates and the
Qingming solar term come from lunar-python (a maintained lunisolar calendar library, 1900–2100).
The published arrangement usually extends each holiday over a weekend and moves make-up workdays
(调休); those the manager enters from the notice — they cannot be computed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lunar_python import Solar

from kefu.core.calendars import calendars, clear_calendar_cache, missing_holiday_years
from kefu.core.errors import ValidationError
from kefu.core.lunar import lunar_to_solar
from kefu.core.models import CalendarOverride

# Sent with `dates` (a sorted list of `date`) after working days changed on any calendar, inside
# the transaction that changed them: deadlines computed on the old days may now be wrong.
days_changed = Signal()

# From this month on, next year's arrangement is due (the State Council publishes it in November
# or December).
ARRANGEMENT_DUE_MONTH = 11

FESTIVALS = {
    "new_year": gettext_lazy("New Year's Day (元旦)"),
    "spring_festival": gettext_lazy("Spring Festival (春节)"),
    "qingming": gettext_lazy("Qingming Festival (清明节)"),
    "labour_day": gettext_lazy("Labour Day (劳动节)"),
    "dragon_boat": gettext_lazy("Dragon Boat Festival (端午节)"),
    "mid_autumn": gettext_lazy("Mid-Autumn Festival (中秋节)"),
    "national_day": gettext_lazy("National Day (国庆节)"),
}


@dataclass(frozen=True)
class HolidayRange:
    """Days off from `start` to `end`, both included."""

    name: str
    start: date
    end: date

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def _qingming(year: int) -> date:
    solar = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def statutory_holidays(year: int) -> list[HolidayRange]:
    """The statutory days of `year`, for the form to start from (see the module docstring)."""
    new_years_eve = lunar_to_solar(year, 1, 1) - timedelta(days=1)  # 除夕: the last day of the lunar year
    days = [
        ("new_year", date(year, 1, 1), date(year, 1, 1)),
        ("spring_festival", new_years_eve, new_years_eve + timedelta(days=3)),
        ("qingming", _qingming(year), _qingming(year)),
        ("labour_day", date(year, 5, 1), date(year, 5, 2)),
        ("dragon_boat", lunar_to_solar(year, 5, 5), lunar_to_solar(year, 5, 5)),
        ("mid_autumn", lunar_to_solar(year, 8, 15), lunar_to_solar(year, 8, 15)),
        ("national_day", date(year, 10, 1), date(year, 10, 3)),
    ]
    return [HolidayRange(str(FESTIVALS[key]), start, end) for key, start, end in days]


def entered_arrangement(year: int) -> tuple[list[HolidayRange], list[tuple[date, str]]]:
    """The global holiday ranges and make-up workdays already entered for `year` (consecutive
    holiday days of one name make one range), to show the form as it was saved."""
    rows = CalendarOverride.objects.filter(calendar__isnull=True, date__year=year).order_by("date")
    ranges: list[HolidayRange] = []
    workdays: list[tuple[date, str]] = []
    for row in rows:
        if row.kind == CalendarOverride.Kind.WORKDAY:
            workdays.append((row.date, row.name))
        elif ranges and ranges[-1].name == row.name and ranges[-1].end + timedelta(days=1) == row.date:
            ranges[-1] = HolidayRange(row.name, ranges[-1].start, row.date)
        else:
            ranges.append(HolidayRange(row.name, row.date, row.date))
    return ranges, workdays


def _check(year: int, holidays: list[HolidayRange], workdays: list[tuple[date, str]]) -> None:
    """Field errors for a range out of order or far from `year`, a day both off and at work."""
    errors: dict[str, list[str]] = {}
    # New Year's holiday may begin on 30 December, the Spring Festival may not; a week either side.
    first, last = date(year - 1, 12, 25), date(year + 1, 1, 7)
    for n, holiday in enumerate(holidays):
        if holiday.end < holiday.start:
            errors.setdefault(f"holidays.{n}", []).append(_("The last day is before the first."))
        elif holiday.start < first or holiday.end > last:
            errors.setdefault(f"holidays.{n}", []).append(
                _("%(name)s is not in %(year)s.") % {"name": holiday.name or _("This holiday"), "year": year}
            )
    off = {d for holiday in holidays if holiday.end >= holiday.start for d in holiday.days()}
    for n, (day, _name) in enumerate(workdays):
        if not first <= day <= last:
            errors.setdefault(f"workdays.{n}", []).append(
                _("%(day)s is not in %(year)s.") % {"day": day, "year": year}
            )
        elif day in off:
            errors.setdefault(f"workdays.{n}", []).append(
                _("%(day)s is also entered as a holiday.") % {"day": day}
            )
    if not holidays:
        errors.setdefault("holidays", []).append(_("Enter at least one holiday."))
    if errors:
        raise ValidationError(_("The holiday arrangement has errors."), errors=errors)


@transaction.atomic
def save_arrangement(
    year: int, holidays: Iterable[HolidayRange], workdays: Iterable[tuple[date, str]]
) -> list[date]:
    """Replace the global days of `year` with this arrangement, for every calendar at once.

    A calendar's own override rows still win on their dates (a store open on New Year's Day).
    Returns every date whose kind changed, and tells `days_changed` listeners about them (the SLA
    clocks' deadlines). Callers check who may do it (accounts.services.holiday_arrangement_save).
    """
    holidays, workdays = list(holidays), list(workdays)
    _check(year, holidays, workdays)
    wanted: dict[date, tuple[str, str]] = {}
    for holiday in holidays:
        for day in holiday.days():
            wanted[day] = (CalendarOverride.Kind.HOLIDAY, holiday.name)
    for day, name in workdays:
        wanted[day] = (CalendarOverride.Kind.WORKDAY, name)
    # This year's rows, and rows on the new dates (a New Year's range that starts in December).
    old_rows = CalendarOverride.objects.filter(calendar__isnull=True).filter(
        Q(date__year=year) | Q(date__in=list(wanted))
    )
    before = {row.date: row.kind for row in old_rows}
    old_rows.delete()
    CalendarOverride.objects.bulk_create(
        CalendarOverride(calendar=None, date=day, kind=kind, name=name[:100])
        for day, (kind, name) in sorted(wanted.items())
    )
    clear_calendar_cache()
    changed = sorted(
        day for day in before.keys() | wanted.keys() if before.get(day) != wanted.get(day, (None,))[0]
    )
    if changed:
        days_changed.send(sender=CalendarOverride, dates=changed)
    return changed


def years_needing_arrangement(today: date) -> list[int]:
    """The years a manager must still enter: this year if unknown, and from November next year —
    for any calendar that counts Chinese holidays (the built-in one when there is none). Read from
    the calendars every process keeps in memory: the banner asks on every page."""
    years = [today.year] + ([today.year + 1] if today.month >= ARRANGEMENT_DUE_MONTH else [])
    loaded = calendars.get()
    rows = [cal for key, cal in loaded.items() if key is not None] or [loaded[None]]
    return sorted({year for cal in rows for year in missing_holiday_years(cal, years)})


def _override_edited(sender, instance: CalendarOverride, **kwargs) -> None:
    days_changed.send(sender=CalendarOverride, dates=[instance.date])


def connect_signals() -> None:
    """A single override edited in the admin changes working days too (from apps.ready);
    save_arrangement's bulk writes send no model signals and announce their dates themselves."""
    post_save.connect(_override_edited, sender=CalendarOverride, dispatch_uid="holidays.override_saved")
    post_delete.connect(_override_edited, sender=CalendarOverride, dispatch_uid="holidays.override_deleted")


# --- festival days for greetings (the care calendar, kefu.crm.care) -----------------------------

#: The day each festival is greeted on: solar (month, day) or lunar (month, day) of the year. The
#: statutory ones are the FESTIVALS above (the Spring Festival on 初一, not the day off before it).
GREETING_DAYS: dict[str, tuple[str, int, int]] = {
    "new_year": ("solar", 1, 1),
    "spring_festival": ("lunar", 1, 1),
    "lantern": ("lunar", 1, 15),
    "dragon_boat": ("lunar", 5, 5),
    "qixi": ("lunar", 7, 7),
    "mid_autumn": ("lunar", 8, 15),
    "double_ninth": ("lunar", 9, 9),
    "national_day": ("solar", 10, 1),
}
GREETING_NAMES = {
    **FESTIVALS,
    "lantern": gettext_lazy("Lantern Festival (元宵节)"),
    "qixi": gettext_lazy("Qixi Festival (七夕)"),
    "double_ninth": gettext_lazy("Double Ninth Festival (重阳节)"),
}


def festival_day(key: str, year: int) -> date:
    """The day festival `key` (GREETING_DAYS) falls on in `year`: 中秋 2026 is 25 September."""
    calendar, month, day = GREETING_DAYS[key]
    return date(year, month, day) if calendar == "solar" else lunar_to_solar(year, month, day)
