"""Business-calendar arithmetic: shifts, weekends, statutory holidays, overrides, caching.

Holiday dates come from chinese-calendar 1.11's data for 2026 (checked with get_holidays /
get_workdays): Spring Festival 2026-02-15..23 with make-up Saturdays 02-14 and 02-28; National Day
2026-10-01..07 with make-up Sunday 09-20 and Saturday 10-10. The package knows no year after 2026.
"""

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.contrib import admin
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.core.admin import BusinessCalendarAdmin
from kefu.core.calendars import (
    Calendar,
    add_business_time,
    add_working_days,
    business_time_between,
    clear_calendar_cache,
    load_calendar,
    missing_holiday_years,
    next_working_moment,
    package_covers_year,
)
from kefu.core.errors import NotFound, ValidationError
from kefu.core.models import BusinessCalendar, CalendarOverride, Shift

SH = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(y, mo, d, h=0, mi=0, tz=SH):
    return datetime(y, mo, d, h, mi, tzinfo=tz)


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_calendar_cache()
    yield
    clear_calendar_cache()


NINE_TO_SIX = Calendar.build(shifts=[(time(9), time(18))])
DAY_AND_EVENING = Calendar.build(shifts=[(time(9), time(16, 30)), (time(16), time(22, 30))])
NIGHT = Calendar.build(shifts=[(time(22), time(6))], use_chinese_holidays=False)
ROUND_THE_CLOCK = Calendar.build(shifts=[(time(0), time(0))], use_chinese_holidays=False)


# --- shifts ----------------------------------------------------------------------------------


def test_overlapping_day_and_evening_shifts_merge_into_one_span():
    assert DAY_AND_EVENING.intervals == ((9 * H, 22 * H + 30 * M),)


def test_touching_shifts_merge_and_separate_shifts_stay_apart():
    cal = Calendar.build(shifts=[(time(13), time(18)), (time(9), time(12)), (time(12), time(13))])
    assert cal.intervals == ((9 * H, 18 * H),)
    split = Calendar.build(shifts=[(time(14), time(18)), (time(9), time(12))])
    assert split.intervals == ((9 * H, 12 * H), (14 * H, 18 * H))


def test_target_started_at_1620_on_day_and_evening_calendar_runs_to_2230_then_next_morning():
    # Wednesday 2026-05-06: 6h10m left today (16:20–22:30), the rest from 09:00 on Thursday.
    start = at(2026, 5, 6, 16, 20)
    assert add_business_time(DAY_AND_EVENING, start, 6 * H) == at(2026, 5, 6, 22, 20)
    assert add_business_time(DAY_AND_EVENING, start, 7 * H) == at(2026, 5, 7, 9, 50)


def test_target_started_before_opening_counts_from_opening():
    assert add_business_time(NINE_TO_SIX, at(2026, 5, 6, 7, 15), 2 * H) == at(2026, 5, 6, 11)


def test_target_started_at_closing_time_counts_from_next_working_morning():
    assert add_business_time(NINE_TO_SIX, at(2026, 5, 6, 18), 30 * M) == at(2026, 5, 7, 9, 30)


def test_target_that_uses_up_the_day_ends_at_closing_time_not_next_morning():
    assert add_business_time(NINE_TO_SIX, at(2026, 5, 6, 9), 9 * H) == at(2026, 5, 6, 18)


def test_gap_between_shifts_is_not_working_time():
    cal = Calendar.build(shifts=[(time(9), time(12)), (time(14), time(18))])
    assert add_business_time(cal, at(2026, 5, 6, 11), 2 * H) == at(2026, 5, 6, 15)
    assert business_time_between(cal, at(2026, 5, 6, 11), at(2026, 5, 6, 15)) == 2 * H


def test_shift_ending_before_it_starts_crosses_midnight_into_next_morning():
    # Friday 2026-05-08 22:00 → Saturday 06:00 belongs to Friday, although Saturday is off.
    assert add_business_time(NIGHT, at(2026, 5, 8, 23), 3 * H) == at(2026, 5, 9, 2)
    # Saturday's and Sunday's nights are off; the next night starts Monday 22:00.
    assert add_business_time(NIGHT, at(2026, 5, 9, 23), 1 * H) == at(2026, 5, 11, 23)
    assert NIGHT.day_end(date(2026, 5, 8)) == at(2026, 5, 9, 6)


def test_shift_from_midnight_to_midnight_is_round_the_clock_and_days_join():
    assert business_time_between(ROUND_THE_CLOCK, at(2026, 5, 4), at(2026, 5, 9)) == timedelta(days=5)
    assert add_business_time(ROUND_THE_CLOCK, at(2026, 5, 8, 12), 12 * H) == at(2026, 5, 9)
    assert add_business_time(ROUND_THE_CLOCK, at(2026, 5, 8, 12), 13 * H) == at(2026, 5, 11, 1)


def test_night_shift_overlapping_next_mornings_shift_is_counted_once():
    cal = Calendar.build(shifts=[(time(0), time(8)), (time(20), time(2))], use_chinese_holidays=False)
    # Tue 2026-05-05 00:00 → Wed 00:00: 00:00–08:00 and 20:00–24:00 (the rest is Wednesday's).
    assert business_time_between(cal, at(2026, 5, 5), at(2026, 5, 6)) == 12 * H
    # Tuesday 20:00 runs on without a break until Wednesday 08:00.
    assert add_business_time(cal, at(2026, 5, 5, 20), 12 * H) == at(2026, 5, 6, 8)


def test_calendar_without_shifts_runs_on_default_hours_and_says_so():
    cal = Calendar.build(shifts=[])
    assert cal.uses_default_hours
    assert cal.intervals == ((9 * H, 18 * H),)
    assert not NINE_TO_SIX.uses_default_hours


# --- working days ----------------------------------------------------------------------------


def test_weekend_is_skipped():
    # Friday 2026-03-13 17:00 + 2h → Monday 2026-03-16 10:00.
    assert add_business_time(NINE_TO_SIX, at(2026, 3, 13, 17), 2 * H) == at(2026, 3, 16, 10)
    assert business_time_between(NINE_TO_SIX, at(2026, 3, 13, 17), at(2026, 3, 16, 10)) == 2 * H


def test_golden_week_2026_is_skipped():
    assert not any(NINE_TO_SIX.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    # Wednesday 09-30 17:00: one hour left, then nothing until Thursday 10-08.
    assert add_business_time(NINE_TO_SIX, at(2026, 9, 30, 17), 2 * H) == at(2026, 10, 8, 10)


def test_24_working_hours_across_golden_week():
    # 8h on 09-30, 9h on 10-08, 7h on 10-09.
    assert add_business_time(NINE_TO_SIX, at(2026, 9, 30, 10), 24 * H) == at(2026, 10, 9, 16)


def test_spring_festival_2026_is_skipped():
    assert not any(NINE_TO_SIX.is_working_day(date(2026, 2, d)) for d in range(15, 24))
    # Friday 02-13 17:00 → the make-up Saturday 02-14, then nothing until Tuesday 02-24.
    assert add_business_time(NINE_TO_SIX, at(2026, 2, 13, 17), 11 * H) == at(2026, 2, 24, 10)


def test_make_up_workdays_of_2026_count_as_working_days():
    make_up = [
        d for d in chinese_calendar.get_workdays(date(2026, 1, 1), date(2026, 12, 31)) if d.weekday() >= 5
    ]
    assert make_up == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert all(NINE_TO_SIX.is_working_day(d) for d in make_up)
    # Saturday 2026-02-28 is worked: Friday 17:00 + 2h ends Saturday 10:00.
    assert add_business_time(NINE_TO_SIX, at(2026, 2, 27, 17), 2 * H) == at(2026, 2, 28, 10)


def test_working_days_agree_with_chinese_calendar_is_workday_for_every_covered_day():
    day, last = date(2004, 1, 1), date(2026, 12, 31)
    while day <= last:
        assert NINE_TO_SIX.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_calendar_without_chinese_holidays_works_monday_to_friday():
    cal = Calendar.build(use_chinese_holidays=False)
    assert cal.is_working_day(date(2026, 10, 1))  # a Thursday in Golden Week
    assert not cal.is_working_day(date(2026, 10, 10))  # a make-up Saturday


def test_override_holiday_beats_package_workday():
    cal = Calendar.build(overrides={date(2026, 3, 18): False, date(2026, 10, 10): False})
    assert not cal.is_working_day(date(2026, 3, 18))  # an ordinary Wednesday
    assert not cal.is_working_day(date(2026, 10, 10))  # a make-up Saturday
    assert add_business_time(cal, at(2026, 3, 17, 17), 2 * H) == at(2026, 3, 19, 10)


def test_override_workday_beats_package_holiday():
    cal = Calendar.build(overrides={date(2026, 10, 2): True, date(2026, 3, 14): True})
    assert cal.is_working_day(date(2026, 10, 2))
    assert cal.is_working_day(date(2026, 3, 14))  # an ordinary Saturday
    assert add_business_time(cal, at(2026, 9, 30, 17), 2 * H) == at(2026, 10, 2, 10)


def test_year_missing_from_package_falls_back_to_weekdays(caplog):
    assert not package_covers_year(2031)
    cal = Calendar.build(name="warns about 2031")
    with caplog.at_level(logging.WARNING, logger="kefu.core.calendars"):
        assert cal.is_working_day(date(2031, 1, 1))  # New Year's Day, a Wednesday: unknown, so worked
        assert not cal.is_working_day(date(2031, 1, 4))  # a Saturday
    assert "2031" in caplog.text
    assert add_business_time(cal, at(2031, 1, 3, 17), 2 * H) == at(2031, 1, 6, 10)


def test_missing_holiday_years_reports_years_the_package_lacks():
    assert missing_holiday_years(Calendar.build(), [2025, 2026, 2027, 2031]) == [2027, 2031]


def test_missing_holiday_years_ignores_years_with_an_override():
    cal = Calendar.build(overrides={date(2031, 1, 1): False})
    assert missing_holiday_years(cal, [2026, 2027, 2031]) == [2027]


def test_missing_holiday_years_is_empty_for_a_calendar_without_chinese_holidays():
    assert missing_holiday_years(Calendar.build(use_chinese_holidays=False), [2031]) == []


# --- add_working_days ------------------------------------------------------------------------


def test_three_working_days_over_a_weekend_end_at_wednesdays_closing():
    assert add_working_days(NINE_TO_SIX, at(2026, 3, 13, 15), 3) == at(2026, 3, 18, 18)


def test_three_working_days_from_a_saturday_end_at_wednesdays_closing():
    assert add_working_days(NINE_TO_SIX, at(2026, 3, 14, 11), 3) == at(2026, 3, 18, 18)


def test_three_working_days_over_golden_week_include_the_make_up_saturday():
    # 09-30 does not count; 10-01..07 are off; 10-08, 10-09 and Saturday 10-10 are worked.
    assert add_working_days(NINE_TO_SIX, at(2026, 9, 30, 10), 3) == at(2026, 10, 10, 18)


def test_working_days_end_at_the_last_shifts_end():
    assert add_working_days(DAY_AND_EVENING, at(2026, 5, 6, 10), 1) == at(2026, 5, 7, 22, 30)
    assert add_working_days(NIGHT, at(2026, 5, 6, 10), 1) == at(2026, 5, 8, 6)


def test_working_days_count_from_the_local_date_of_start():
    # 2026-03-13 17:00 UTC is already Saturday 01:00 in Shanghai.
    assert add_working_days(NINE_TO_SIX, at(2026, 3, 13, 17, tz=UTC), 1) == at(2026, 3, 16, 18)


def test_add_working_days_refuses_fewer_than_one_day():
    with pytest.raises(ValueError, match="days"):
        add_working_days(NINE_TO_SIX, at(2026, 3, 13), 0)


# --- edges and inputs ------------------------------------------------------------------------


def test_zero_delta_returns_start_unchanged():
    start = at(2026, 3, 14, 3, 7)  # a Saturday night, outside working time
    assert add_business_time(NINE_TO_SIX, start, timedelta(0)) == start


def test_negative_delta_is_refused():
    with pytest.raises(ValueError, match="negative"):
        add_business_time(NINE_TO_SIX, at(2026, 3, 13), -M)


def test_naive_datetimes_are_refused():
    naive = datetime(2026, 3, 13, 10)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive"):
        add_business_time(NINE_TO_SIX, naive, H)
    with pytest.raises(ValueError, match="naive"):
        business_time_between(NINE_TO_SIX, at(2026, 3, 13), naive)
    with pytest.raises(ValueError, match="naive"):
        add_working_days(NINE_TO_SIX, naive, 1)
    with pytest.raises(ValueError, match="naive"):
        next_working_moment(NINE_TO_SIX, naive)


def test_business_time_between_is_zero_when_end_is_not_after_start():
    assert business_time_between(NINE_TO_SIX, at(2026, 3, 13, 12), at(2026, 3, 13, 11)) == timedelta(0)
    assert business_time_between(NINE_TO_SIX, at(2026, 3, 13, 12), at(2026, 3, 13, 12)) == timedelta(0)


def test_business_time_between_counts_only_working_hours():
    # Friday 12:00 → Monday 12:00: 6h + 3h.
    assert business_time_between(NINE_TO_SIX, at(2026, 3, 13, 12), at(2026, 3, 16, 12)) == 9 * H


def test_next_working_moment_keeps_a_working_moment_and_moves_others_to_opening():
    assert next_working_moment(NINE_TO_SIX, at(2026, 3, 13, 10)) == at(2026, 3, 13, 10)
    assert next_working_moment(NINE_TO_SIX, at(2026, 3, 13, 18)) == at(2026, 3, 16, 9)
    assert next_working_moment(NINE_TO_SIX, at(2026, 9, 30, 19)) == at(2026, 10, 8, 9)


def test_results_are_in_the_calendars_time_zone():
    start = datetime(2026, 3, 13, 1, tzinfo=UTC)  # 09:00 in Shanghai
    for result in (
        add_business_time(NINE_TO_SIX, start, H),
        add_business_time(NINE_TO_SIX, start, timedelta(0)),
        next_working_moment(NINE_TO_SIX, start),
        add_working_days(NINE_TO_SIX, start, 1),
    ):
        assert result.tzinfo is SH
    assert add_business_time(NINE_TO_SIX, start, H) == at(2026, 3, 13, 10)


def test_durations_across_a_dst_change_are_real_elapsed_time():
    berlin = ZoneInfo("Europe/Berlin")
    # Sunday 2026-03-29: clocks jump 02:00 → 03:00, so 00:00–06:00 holds five real hours.
    cal = Calendar.build(shifts=[(time(0), time(6))], tz=berlin, overrides={date(2026, 3, 29): True})
    assert business_time_between(cal, at(2026, 3, 29, tz=berlin), at(2026, 3, 30, tz=berlin)) == 5 * H
    assert add_business_time(cal, at(2026, 3, 29, tz=berlin), 3 * H) == at(2026, 3, 29, 4, tz=berlin)
    # Sunday 2026-10-25: clocks fall back 03:00 → 02:00, so the same shift holds seven.
    cal = Calendar.build(shifts=[(time(0), time(6))], tz=berlin, overrides={date(2026, 10, 25): True})
    assert business_time_between(cal, at(2026, 10, 25, tz=berlin), at(2026, 10, 26, tz=berlin)) == 7 * H


# --- properties ------------------------------------------------------------------------------

BERLIN_NIGHTS = Calendar.build(
    shifts=[(time(1), time(3)), (time(22), time(6, 30)), (time(12), time(13))],
    tz="Europe/Berlin",
    use_chinese_holidays=False,
)
CALENDARS = st.sampled_from(
    [
        NINE_TO_SIX,
        DAY_AND_EVENING,
        NIGHT,
        ROUND_THE_CLOCK,
        BERLIN_NIGHTS,
        Calendar.build(shifts=[(time(8, 30), time(12)), (time(13, 30), time(17, 45))]),
    ]
)
# Mid-2025 to 2028: Golden Weeks, Spring Festivals and years the package lacks.
STARTS = st.datetimes(min_value=datetime(2025, 6, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC))  # noqa: DTZ001
DELTAS = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))


@settings(max_examples=300, deadline=None)
@given(cal=CALENDARS, start=STARTS, delta=DELTAS)
def test_business_time_between_start_and_deadline_is_the_delta(cal, start, delta):
    assert business_time_between(cal, start, add_business_time(cal, start, delta)) == delta


@settings(max_examples=300, deadline=None)
@given(cal=CALENDARS, start=STARTS, d1=DELTAS, d2=DELTAS)
def test_add_business_time_is_monotonic_in_delta(cal, start, d1, d2):
    d1, d2 = sorted([d1, d2])
    assert add_business_time(cal, start, d1) <= add_business_time(cal, start, d2)


@settings(max_examples=300, deadline=None)
@given(cal=CALENDARS, start=STARTS, delta=DELTAS.filter(bool))
def test_deadline_lies_in_working_time_when_delta_is_positive(cal, start, delta):
    # Working time is half-open, so the deadline may be a closing time: the instant just before it works.
    result = add_business_time(cal, start, delta)
    just_before = result - timedelta(microseconds=1)
    assert next_working_moment(cal, just_before) == just_before
    assert result > start


@settings(max_examples=200, deadline=None)
@given(cal=CALENDARS, start=STARTS)
def test_next_working_moment_adds_no_working_time(cal, start):
    moment = next_working_moment(cal, start)
    assert moment >= start
    assert business_time_between(cal, start, moment) == timedelta(0)


# --- loading from the database ---------------------------------------------------------------


def make_calendar(name="hotline", *, shifts=((time(9), time(18)),), **fields):
    row = BusinessCalendar.objects.create(name=name, **fields)
    for i, (start, end) in enumerate(shifts):
        Shift.objects.create(calendar=row, name=f"shift {i}", start=start, end=end)
    return row


@pytest.mark.django_db
def test_load_calendar_without_any_rows_is_monday_to_friday_nine_to_six_with_chinese_holidays():
    cal = load_calendar()
    assert cal.id is None
    assert cal.intervals == ((9 * H, 18 * H),)
    assert cal.use_chinese_holidays
    assert not cal.is_working_day(date(2026, 10, 1))
    assert cal.tz == SH


@pytest.mark.django_db
def test_built_in_calendar_applies_global_overrides():
    CalendarOverride.objects.create(date=date(2031, 1, 1), kind="holiday", name="元旦")
    assert not load_calendar().is_working_day(date(2031, 1, 1))


@pytest.mark.django_db
def test_load_calendar_merges_the_rows_shifts():
    row = make_calendar(shifts=[(time(16), time(22, 30)), (time(9), time(16, 30))], timezone="Asia/Urumqi")
    cal = load_calendar(row.pk)
    assert (cal.id, cal.name, cal.tz) == (row.pk, "hotline", ZoneInfo("Asia/Urumqi"))
    assert cal.intervals == ((9 * H, 22 * H + 30 * M),)


@pytest.mark.django_db
def test_load_calendar_none_prefers_the_default_calendar_else_the_first():
    first = make_calendar("first")
    assert load_calendar().id == first.pk
    default = make_calendar("default", is_default=True)
    assert load_calendar().id == default.pk


@pytest.mark.django_db
def test_load_calendar_unknown_id_raises_not_found():
    with pytest.raises(NotFound):
        load_calendar(987654)


@pytest.mark.django_db
def test_load_calendar_with_an_unknown_time_zone_names_the_field():
    row = make_calendar(timezone="Mars/Olympus")
    with pytest.raises(ValidationError) as exc:
        load_calendar(row.pk)
    assert "timezone" in exc.value.errors


@pytest.mark.django_db
def test_calendars_own_override_beats_a_global_override():
    row = make_calendar()
    CalendarOverride.objects.create(calendar=row, date=date(2026, 10, 2), kind="workday")
    CalendarOverride.objects.create(calendar=None, date=date(2026, 10, 2), kind="holiday")
    CalendarOverride.objects.create(calendar=None, date=date(2026, 5, 6), kind="holiday")
    cal = load_calendar(row.pk)
    assert cal.is_working_day(date(2026, 10, 2))
    assert not cal.is_working_day(date(2026, 5, 6))


@pytest.mark.django_db
def test_missing_year_is_not_reported_once_an_override_row_exists_for_it():
    row = make_calendar()
    assert missing_holiday_years(load_calendar(row.pk), [2026, 2031]) == [2031]
    CalendarOverride.objects.create(calendar=row, date=date(2031, 10, 1), kind="holiday", name="国庆节")
    assert missing_holiday_years(load_calendar(row.pk), [2026, 2031]) == []


# transaction=True: rows saved in the open transaction are read fresh (kefu.core.refcache), so the
# snapshot is only kept once the calendar is committed, as in production.
@pytest.mark.django_db(transaction=True)
def test_loaded_calendar_is_cached_until_something_changes(django_assert_num_queries):
    row = make_calendar()
    cal = load_calendar(row.pk)
    with django_assert_num_queries(0):
        assert load_calendar(row.pk) is cal
        assert load_calendar() is cal  # the default one comes from the same snapshot


@pytest.mark.django_db(transaction=True)
def test_a_committed_shift_edit_replaces_the_kept_calendar():
    row = make_calendar()
    kept = load_calendar(row.pk)
    shift = row.shifts.get()
    shift.end = time(20)
    shift.save()
    fresh = load_calendar(row.pk)
    assert fresh is not kept
    assert fresh.intervals == ((9 * H, 20 * H),)


@pytest.mark.django_db(transaction=True)
def test_a_calendar_made_by_another_process_is_found_by_its_id():
    make_calendar("first")
    load_calendar()  # this process's snapshot, taken before the new row exists
    # bulk_create sends no signal: as if another process had saved it.
    (other,) = BusinessCalendar.objects.bulk_create([BusinessCalendar(name="other")])
    assert load_calendar(other.pk).name == "other"


@pytest.mark.django_db(transaction=True)
def test_a_calendar_edited_in_an_open_transaction_is_read_as_that_transaction_sees_it():
    from django.db import transaction

    row = make_calendar()
    load_calendar(row.pk)
    with transaction.atomic():
        shift = row.shifts.get()
        shift.end = time(20)
        shift.save()
        assert load_calendar(row.pk).intervals == ((9 * H, 20 * H),)
        transaction.set_rollback(True)
    assert load_calendar(row.pk).intervals == ((9 * H, 18 * H),)


@pytest.mark.django_db
def test_editing_a_shift_changes_the_next_load():
    row = make_calendar()
    assert load_calendar(row.pk).intervals == ((9 * H, 18 * H),)
    shift = row.shifts.get()
    shift.end = time(20)
    shift.save()
    assert load_calendar(row.pk).intervals == ((9 * H, 20 * H),)


@pytest.mark.django_db
def test_adding_and_deleting_overrides_changes_the_next_load():
    row = make_calendar()
    assert load_calendar(row.pk).is_working_day(date(2026, 5, 6))
    override = CalendarOverride.objects.create(calendar=None, date=date(2026, 5, 6), kind="holiday")
    assert not load_calendar(row.pk).is_working_day(date(2026, 5, 6))
    override.delete()
    assert load_calendar(row.pk).is_working_day(date(2026, 5, 6))


@pytest.mark.django_db
def test_marking_a_calendar_default_changes_the_default_load():
    make_calendar("first")
    second = make_calendar("second")
    assert load_calendar().name == "first"
    second.is_default = True
    second.save()
    assert load_calendar().name == "second"


@pytest.mark.django_db
def test_calendar_row_without_shifts_loads_default_hours():
    row = make_calendar(shifts=[])
    cal = load_calendar(row.pk)
    assert cal.uses_default_hours
    assert cal.intervals == ((9 * H, 18 * H),)


# --- admin -----------------------------------------------------------------------------------


def test_calendar_models_are_registered_in_admin():
    assert isinstance(admin.site._registry[BusinessCalendar], BusinessCalendarAdmin)
    assert admin.site._registry[CalendarOverride]
    inlines = {inline.model for inline in admin.site._registry[BusinessCalendar].inlines}
    assert inlines == {Shift, CalendarOverride}


@pytest.mark.django_db
def test_admin_warns_about_missing_holiday_years(time_machine):
    time_machine.move_to(datetime(2026, 6, 1, tzinfo=SH))
    row = make_calendar()
    model_admin = admin.site._registry[BusinessCalendar]
    assert "2027" in str(model_admin.holiday_data(row))
    CalendarOverride.objects.create(calendar=row, date=date(2027, 1, 1), kind="holiday")
    assert "2027" not in str(model_admin.holiday_data(row))
