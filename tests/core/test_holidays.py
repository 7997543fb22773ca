"""The annual holiday arrangement: prefilled statutory days, saved for every calendar, the banner's
question (which years are missing), and running SLA deadlines moved with the days."""

from datetime import date, time, timedelta

import chinese_calendar
import pytest
from django.utils import translation
from tests.factories import aware
from tests.org import build_org
from tests.tickets.helpers import new_ticket

from kefu.core import holidays
from kefu.core.calendars import clear_calendar_cache, load_calendar
from kefu.core.errors import ValidationError
from kefu.core.holidays import HolidayRange, save_arrangement, statutory_holidays, years_needing_arrangement
from kefu.core.models import BusinessCalendar, CalendarOverride, Shift
from kefu.tickets.models import SlaClock, SlaTarget


@pytest.fixture(autouse=True)
def _fresh_calendars():
    clear_calendar_cache()
    yield
    clear_calendar_cache()


def by_name(year: int) -> dict[str, HolidayRange]:
    """The prefilled holidays by their English names."""
    with translation.override("en"):
        return {h.name.split(" (")[0]: h for h in statutory_holidays(year)}


def test_the_lunar_festivals_of_2027_fall_on_their_published_dates():
    days = by_name(2027)
    # 除夕 2027 is 5 February (Spring Festival 6 February); Qingming 5 April; 端午 9 June; 中秋 15 September.
    assert (days["Spring Festival"].start, days["Spring Festival"].end) == (
        date(2027, 2, 5),
        date(2027, 2, 8),
    )
    assert days["Qingming Festival"].start == date(2027, 4, 5)
    assert days["Dragon Boat Festival"].start == date(2027, 6, 9)
    assert days["Mid-Autumn Festival"].start == date(2027, 9, 15)
    assert (days["National Day"].start, days["National Day"].end) == (date(2027, 10, 1), date(2027, 10, 3))
    assert days["Labour Day"].end == date(2027, 5, 2)


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_prefilled_day_is_a_holiday_in_the_published_arrangements(year):
    """Against chinese-calendar's copy of the State Council's notices (the 2025 rules: 除夕 and 2 May off)."""
    for holiday in statutory_holidays(year):
        for day in holiday.days():
            assert chinese_calendar.is_holiday(day), (holiday.name, day)


@pytest.mark.parametrize("year", range(2012, 2025))
def test_the_festival_days_match_older_arrangements(year):
    """Before 2025 除夕 and 2 May were not statutory: the festivals' own days must still be off."""
    for name, holiday in by_name(year).items():
        day = holiday.start + timedelta(days=1) if name == "Spring Festival" else holiday.start
        assert chinese_calendar.is_holiday(day), (holiday.name, day)


@pytest.mark.django_db
def test_saving_an_arrangement_sets_the_days_of_every_calendar():
    own = BusinessCalendar.objects.create(name="门店", is_default=True)
    other = BusinessCalendar.objects.create(name="热线")
    changed = save_arrangement(
        2027,
        [
            HolidayRange("元旦", date(2027, 1, 1), date(2027, 1, 3)),
            HolidayRange("春节", date(2027, 2, 5), date(2027, 2, 11)),
        ],
        [(date(2027, 2, 20), "春节")],
    )
    assert date(2027, 1, 1) in changed and date(2027, 2, 20) in changed
    for calendar in (own, other):
        cal = load_calendar(calendar.pk)
        assert not cal.is_working_day(date(2027, 1, 1))  # a Friday
        assert not cal.is_working_day(date(2027, 2, 8))  # a Monday in the Spring Festival
        assert cal.is_working_day(date(2027, 2, 20))  # a make-up Saturday
        assert cal.is_working_day(date(2027, 1, 4))
    assert holidays.entered_arrangement(2027)[0][1] == HolidayRange(
        "春节", date(2027, 2, 5), date(2027, 2, 11)
    )


@pytest.mark.django_db
def test_saving_again_replaces_the_year_and_keeps_a_calendars_own_days():
    calendar = BusinessCalendar.objects.create(name="门店", is_default=True)
    CalendarOverride.objects.create(
        calendar=calendar, date=date(2027, 1, 1), kind="workday", name="元旦照常营业"
    )
    save_arrangement(
        2027, [HolidayRange("元旦", date(2027, 1, 1), date(2027, 1, 3))], [(date(2027, 1, 9), "x")]
    )
    save_arrangement(2027, [HolidayRange("春节", date(2027, 2, 5), date(2027, 2, 8))], [])
    assert set(CalendarOverride.objects.filter(calendar=None).values_list("date", flat=True)) == {
        date(2027, 2, 5) + timedelta(days=n) for n in range(4)
    }
    assert load_calendar(calendar.pk).is_working_day(date(2027, 1, 1))  # its own row wins


@pytest.mark.django_db
def test_a_range_out_of_order_or_a_workday_on_a_holiday_is_a_field_error_and_saves_nothing():
    with pytest.raises(ValidationError) as caught:
        save_arrangement(
            2027,
            [
                HolidayRange("元旦", date(2027, 1, 3), date(2027, 1, 1)),
                HolidayRange("春节", date(2027, 2, 5), date(2027, 2, 8)),
            ],
            [(date(2027, 2, 6), "春节")],
        )
    assert set(caught.value.errors) == {"holidays.0", "workdays.0"}
    with pytest.raises(ValidationError) as caught:
        save_arrangement(2027, [HolidayRange("国庆", date(2028, 10, 1), date(2028, 10, 3))], [])
    assert "holidays.0" in caught.value.errors
    assert not CalendarOverride.objects.exists()


@pytest.mark.django_db
def test_the_banner_asks_for_next_year_from_november_until_it_is_entered():
    BusinessCalendar.objects.create(name="热线", is_default=True)
    assert years_needing_arrangement(date(2026, 10, 31)) == []
    assert years_needing_arrangement(date(2026, 11, 1)) == [2027]
    save_arrangement(2027, statutory_holidays(2027), [])
    assert years_needing_arrangement(date(2026, 12, 20)) == []


@pytest.mark.django_db
def test_a_calendar_without_chinese_holidays_asks_for_nothing():
    BusinessCalendar.objects.create(name="海外", is_default=True, use_chinese_holidays=False)
    assert years_needing_arrangement(date(2026, 12, 20)) == []


@pytest.mark.django_db
def test_entering_new_years_day_moves_a_running_deadline_that_ran_through_it():
    """The issue's case: a 24-hour complaint clock started on 31 December ran through 1 January."""
    org = build_org()
    Shift.objects.update(start=time(0), end=time(0))  # round the clock: 24 working hours a day
    clear_calendar_cache()
    ticket = new_ticket(org, now=aware(2026, 12, 31, 10, 0))
    clock = SlaClock.objects.get(ticket=ticket, target=SlaTarget.RESOLUTION)
    first_response = SlaClock.objects.get(ticket=ticket, target=SlaTarget.FIRST_RESPONSE)
    assert clock.due_at == aware(2027, 1, 1, 10, 0)  # 1 January counted as a working Friday

    save_arrangement(2027, [HolidayRange("元旦", date(2027, 1, 1), date(2027, 1, 3))], [])

    clock.refresh_from_db()
    assert clock.due_at == aware(2027, 1, 4, 10, 0)
    assert clock.next_action_at == clock.due_at
    before = first_response.due_at
    first_response.refresh_from_db()
    assert first_response.due_at == before  # due on 31 December: not touched by January's days
