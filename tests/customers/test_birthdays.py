"""Birthdays on their own calendar: solar, lunar, leap months (闰月) and short months.

The expected solar dates come from lunar-python (6tail) and agree with the printed almanac
(万年历): lunar 2020 has 闰四月, 2023 闰二月, 2025 闰六月, 2028 闰五月; 2021, 2026 and 2027 have none.
"""

from datetime import date, timedelta

import pytest

from kefu.customers.birthdays import birthdays_on, leap_month_of, next_birthday
from kefu.customers.models import BirthdayCalendar, Customer
from tests.factories import CustomerFactory


def solar(month, day):
    return Customer(birth_month=month, birth_day=day, birthday_calendar=BirthdayCalendar.SOLAR)


def lunar(month, day, leap=False):
    return Customer(
        birth_month=month, birth_day=day, birthday_calendar=BirthdayCalendar.LUNAR, birthday_leap_month=leap
    )


def test_the_leap_months_the_tests_rely_on():
    assert [leap_month_of(y) for y in (2020, 2021, 2023, 2025, 2026, 2027, 2028)] == [4, 0, 2, 6, 0, 0, 5]


def test_a_solar_birthday_is_this_year_until_it_has_passed():
    assert next_birthday(solar(12, 3), date(2026, 12, 3)) == date(2026, 12, 3)  # on the day itself
    assert next_birthday(solar(12, 3), date(2026, 12, 4)) == date(2027, 12, 3)


def test_29_february_falls_on_the_28th_in_a_common_year():
    assert next_birthday(solar(2, 29), date(2027, 1, 1)) == date(2027, 2, 28)  # 2027: common year
    assert next_birthday(solar(2, 29), date(2027, 3, 1)) == date(2028, 2, 29)  # 2028: leap year


def test_no_birthday_no_date():
    assert next_birthday(Customer(), date(2026, 1, 1)) is None
    assert next_birthday(solar(4, 31), date(2026, 1, 1)) is None  # 31 April is no date


def test_a_lunar_birthday_moves_with_the_lunar_year():
    # 八月十五 (中秋): 2026-09-25, 2027-09-15.
    assert next_birthday(lunar(8, 15), date(2026, 1, 1)) == date(2026, 9, 25)
    assert next_birthday(lunar(8, 15), date(2026, 9, 26)) == date(2027, 9, 15)


def test_a_lunar_birthday_in_the_last_month_may_still_be_ahead_in_january():
    # 腊月初十 of lunar 2025 is 2026-01-28, before the Spring Festival (2026-02-17).
    assert next_birthday(lunar(12, 10), date(2026, 1, 5)) == date(2026, 1, 28)
    # and 腊月初十 of lunar 2026 is 2027-01-17.
    assert next_birthday(lunar(12, 10), date(2026, 2, 1)) == date(2027, 1, 17)


def test_a_leap_month_birthday_falls_in_the_leap_month_when_the_year_has_it():
    born = lunar(4, 8, leap=True)  # 闰四月初八
    # 2020 has 闰四月: 闰四月初八 is 2020-05-30 (the ordinary 四月初八, 2020-04-30, is not this birthday).
    assert next_birthday(born, date(2020, 4, 1)) == date(2020, 5, 30)
    # 2021 has no 闰四月: the ordinary 四月初八, 2021-05-19.
    assert next_birthday(born, date(2020, 6, 1)) == date(2021, 5, 19)


def test_an_ordinary_month_birthday_keeps_the_ordinary_month_in_a_leap_year():
    # 2028 has 闰五月: 五月初八 is 2028-05-31, 闰五月初八 2028-06-30.
    assert next_birthday(lunar(5, 8), date(2028, 5, 1)) == date(2028, 5, 31)
    assert next_birthday(lunar(5, 8), date(2028, 6, 1)) == date(2029, 6, 19)  # 2029's 五月初八
    assert next_birthday(lunar(5, 8, leap=True), date(2028, 6, 1)) == date(2028, 6, 30)
    # 2026, 2027 have no 闰五月: the leap-month birthday is the ordinary 五月初八 (2026-06-22, 2027-06-12).
    assert next_birthday(lunar(5, 8, leap=True), date(2026, 1, 1)) == date(2026, 6, 22)
    assert next_birthday(lunar(5, 8, leap=True), date(2026, 6, 23)) == date(2027, 6, 12)


def test_day_30_in_a_29_day_month_falls_on_the_29th():
    # 腊月 of lunar 2026 has 29 days: 腊月三十 → 腊月廿九, 2027-02-05.
    assert next_birthday(lunar(12, 30), date(2026, 10, 1)) == date(2027, 2, 5)
    # 闰六月 of 2025 has 29 days: 闰六月三十 → 闰六月廿九, 2025-08-22; the ordinary 六月 has 30.
    assert next_birthday(lunar(6, 30, leap=True), date(2025, 8, 1)) == date(2025, 8, 22)
    assert next_birthday(lunar(6, 30), date(2025, 7, 1)) == date(2025, 7, 24)


BIRTHDAYS = [
    ("solar", 2, 29, False),
    ("solar", 2, 28, False),
    ("solar", 12, 31, False),
    ("lunar", 1, 1, False),
    ("lunar", 4, 8, True),
    ("lunar", 4, 8, False),
    ("lunar", 5, 30, True),
    ("lunar", 5, 30, False),
    ("lunar", 6, 30, True),
    ("lunar", 12, 30, False),
]


@pytest.mark.django_db
@pytest.mark.parametrize("year", [2020, 2025, 2027, 2028])
def test_everyone_selected_on_a_day_is_exactly_who_has_their_birthday_that_day(year):
    """birthdays_on (SQL, for the care run) and next_birthday (one record) say the same, every day of
    years with a leap month (2020, 2025, 2028), a common solar year (2027) and a leap solar year (2028)."""
    people = [
        CustomerFactory(birthday_calendar=cal, birth_month=m, birth_day=d, birthday_leap_month=leap)
        for cal, m, d, leap in BIRTHDAYS
    ]
    day, hits = date(year, 1, 1), 0
    while day.year == year:
        selected = set(Customer.objects.filter(birthdays_on(day)).values_list("pk", flat=True))
        expected = {p.pk for p in people if next_birthday(p, day) == day}
        assert selected == expected, day
        hits += len(selected)
        day += timedelta(days=1)
    assert hits >= len(BIRTHDAYS) - 1  # each birthday once a year (a leap-month one may miss a lunar year)
