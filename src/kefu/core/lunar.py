"""The Chinese lunisolar calendar (农历), from lunar-python (6tail's maintained library, 1900–2100).

lunar-python builds a whole year's tables for each conversion (tens of milliseconds); a care run or
a page converts thousands of dates, so each lunar year's months are read once into a small table
(the first solar day, the month, leap or not, 29 or 30 days) and cached, and conversions are
arithmetic on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from lunar_python import LunarYear, Solar


@dataclass(frozen=True)
class LunarMonthSpan:
    year: int
    month: int  # 1–12
    leap: bool  # a leap month (闰月)
    first: date  # its first day (初一) on the solar calendar
    days: int  # 29 (小月) or 30 (大月)


@lru_cache(maxsize=256)
def months_of(lunar_year: int) -> tuple[LunarMonthSpan, ...]:
    """The months of `lunar_year` in order (13 in a year with a leap month)."""
    spans = []
    for month in LunarYear.fromYear(lunar_year).getMonthsInYear():
        first = Solar.fromJulianDay(month.getFirstJulianDay())
        spans.append(
            LunarMonthSpan(
                lunar_year,
                abs(month.getMonth()),
                month.getMonth() < 0,
                date(first.getYear(), first.getMonth(), first.getDay()),
                month.getDayCount(),
            )
        )
    return tuple(spans)


def leap_month_of(lunar_year: int) -> int:
    """The leap month (闰月) of `lunar_year`, or 0 when it has none (2020: 4, 2023: 2, 2025: 6, 2028: 5)."""
    return next((m.month for m in months_of(lunar_year) if m.leap), 0)


def month_span(lunar_year: int, month: int, leap: bool = False) -> LunarMonthSpan:
    for span in months_of(lunar_year):
        if span.month == month and span.leap == leap:
            return span
    raise ValueError(f"lunar year {lunar_year} has no {'leap ' if leap else ''}month {month}")


def lunar_to_solar(year: int, month: int, day: int, leap: bool = False) -> date:
    """The solar date of lunar `month`/`day` of lunar `year` (its leap month, 闰月, when `leap`)."""
    span = month_span(year, month, leap)
    if not 1 <= day <= span.days:
        raise ValueError(f"lunar {year}-{month} has {span.days} days, not {day}")
    return span.first + timedelta(days=day - 1)


@dataclass(frozen=True)
class LunarDay:
    """A solar date as the lunar calendar names it: year, month (1–12), day, and whether the month is leap."""

    year: int
    month: int
    day: int
    leap: bool

    @classmethod
    def of(cls, day: date) -> LunarDay:
        for year in (day.year, day.year - 1):  # 正月 begins in January or February
            for span in months_of(year):
                offset = (day - span.first).days
                if 0 <= offset < span.days:
                    return cls(year, span.month, offset + 1, span.leap)
        raise ValueError(f"{day} is outside the lunar calendar's range")
