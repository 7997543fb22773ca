"""A customer's birthday (生日) on the calendar they keep it in: the next occurrence, and who has it on a day.

The record stores month and day (and the year when known) on the solar calendar (公历) or the lunar one
(农历), with `birthday_leap_month` for a birthday in a leap month (闰月). This module is the one owner
of how such a birthday falls in a given year; the care calendar (kefu.crm.care) asks it both ways:

- `next_birthday(customer, on_or_after)`: the date of the next birthday, for one record;
- `birthdays_on(day)`: a filter for every customer whose birthday falls on `day`, for a million at once.

The rules:
- Solar 29 February falls on 28 February in a common year (still in the birthday's own month, and
  the day people born on it usually celebrate).
- A lunar birthday is the lunar month and day of each lunar year, converted to the solar calendar with
  lunar-python (6tail's maintained lunisolar calendar, 1900–2100).
- A leap-month birthday (e.g. 闰四月初八) falls in the leap month in the years that have that leap
  month, and in the ordinary month of the same number otherwise.
- Day 30 in a lunar month that has only 29 days (小月) falls on the 29th.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q

from kefu.core.lunar import LunarDay, leap_month_of, lunar_to_solar, month_span
from kefu.customers.models import BirthdayCalendar


def lunar_month_days(lunar_year: int, month: int, leap: bool = False) -> int:
    """How many days lunar `month` (the leap one when `leap`) of `lunar_year` has: 29 or 30."""
    return month_span(lunar_year, month, leap).days


# --- one record --------------------------------------------------------------------------------


def _solar_in(year: int, month: int, day: int) -> date | None:
    if month == 2 and day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)  # a common year: 29 February falls on the 28th
    try:
        return date(year, month, day)
    except ValueError:
        return None  # 31 April: not a date in any year


def _lunar_in(lunar_year: int, month: int, day: int, leap: bool) -> date:
    leap = leap and leap_month_of(lunar_year) == month  # in a year without that leap month: the ordinary one
    day = min(day, lunar_month_days(lunar_year, month, leap))  # day 30 in a 29-day month: the 29th
    return lunar_to_solar(lunar_year, month, day, leap)


def birthday_in(customer, year: int) -> date | None:
    """The customer's birthday in `year` of their own calendar (a lunar year for a lunar birthday)."""
    month, day = customer.birth_month, customer.birth_day
    if not month or not day or not (1 <= month <= 12) or not (1 <= day <= 31):
        return None
    if customer.birthday_calendar == BirthdayCalendar.LUNAR:
        if day > 30:
            return None
        return _lunar_in(year, month, day, bool(customer.birthday_leap_month))
    return _solar_in(year, month, day)


def next_birthday(customer, on_or_after: date) -> date | None:
    """The first day on or after `on_or_after` that is the customer's birthday, or None without one.

    A lunar year straddles two solar ones (正月 begins in January or February), so the lunar year
    before `on_or_after`'s is tried first: its 腊月 may still be ahead.
    """
    lunar = customer.birthday_calendar == BirthdayCalendar.LUNAR
    start = LunarDay.of(on_or_after).year - 1 if lunar else on_or_after.year
    for year in range(start, start + 3):
        found = birthday_in(customer, year)
        if found is None:
            return None
        if found >= on_or_after:
            return found
    return None


# --- everyone at once ----------------------------------------------------------------------------


def _is_last_of_february(day: date) -> bool:
    return day.month == 2 and (day + timedelta(days=1)).month == 3


def solar_birthdays_on(day: date) -> Q:
    """Customers whose solar birthday falls on `day` (28 February in a common year also has the 29th's)."""
    days = [day.day]
    if _is_last_of_february(day) and day.day == 28:
        days.append(29)
    return Q(
        birthday_calendar=BirthdayCalendar.SOLAR,
        birth_month=day.month,
        birth_day__in=days,
    )


def lunar_birthdays_on(day: date) -> Q:
    """Customers whose lunar birthday falls on `day`: today's lunar month and day, plus those the rules
    above move here (a leap-month birthday in a year without that leap month, day 30 in a 29-day month)."""
    today = LunarDay.of(day)
    days = [today.day]
    if today.day == 29 and lunar_month_days(today.year, today.month, today.leap) == 29:
        days.append(30)
    if today.leap:
        leaps = Q(birthday_leap_month=True)  # only leap-month birthdays fall in a leap month
    elif leap_month_of(today.year) == today.month:
        leaps = Q(birthday_leap_month=False)  # this month's leap twin comes later this year
    else:
        leaps = Q()  # no leap twin this year: leap-month birthdays fall here too
    return Q(birthday_calendar=BirthdayCalendar.LUNAR, birth_month=today.month, birth_day__in=days) & leaps


def birthdays_on(day: date) -> Q:
    """A filter on Customer for everyone whose birthday (solar or lunar) falls on `day`.

    The same rules as `next_birthday`, turned round: a SQL condition over birth_month / birth_day
    (one lunar look-up for the day), so a care run selects a million customers in one query.
    """
    return solar_birthdays_on(day) | lunar_birthdays_on(day)


def birthday_year(customer, day: date) -> int:
    """The year (of the customer's own calendar) whose birthday falls on `day`: one greeting per year."""
    if customer.birthday_calendar == BirthdayCalendar.LUNAR:
        return LunarDay.of(day).year
    return day.year
