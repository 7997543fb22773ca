"""The customer file's own rules (客户档案): the birthday as people give it and the custom fields.

Each check raises `ValidationError` naming the field (`birth_day`, `custom.car_model` …) and is called
by `customer_update`, the only writer of a record; pages and the API show its messages.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from lunar_python import LunarMonth, LunarYear

from kefu.core.errors import FieldCode, FieldError, ValidationError
from kefu.customers.models import BirthdayCalendar, CustomField, CustomFieldKind

#: The widest lunar month has 30 days; a solar one 31.
MAX_DAY = {BirthdayCalendar.SOLAR: 31, BirthdayCalendar.LUNAR: 30}
#: A year of birth before this or after today is a typing mistake.
FIRST_BIRTH_YEAR = 1900


def birthday_clean(
    *, year: int | None, month: int | None, day: int | None, calendar: str, leap_month: bool, today: date
) -> dict:
    """The birthday fields checked together; returns them as the model stores them.

    Month 1–12; day 1–31 (solar) or 1–30 (lunar); month and day both or neither; a solar birthday
    must be a real date (30 February never, 29 February only in a leap year when the year is known);
    a leap month (闰月) only on the lunar calendar, and when the year is known that year must have
    that leap month, and a lunar day 30 needs a 30-day month that year.
    """
    errors: dict[str, list] = {}

    def refuse(field: str, message: str, code=FieldCode.OUT_OF_RANGE) -> None:
        errors.setdefault(field, []).append(FieldError(message, code))

    if calendar not in BirthdayCalendar.values:
        refuse("birthday_calendar", _("Choose solar or lunar."), FieldCode.INVALID_CHOICE)
        raise ValidationError(_("The birthday is not valid."), errors=errors)
    if year is not None and not FIRST_BIRTH_YEAR <= year <= today.year:
        refuse(
            "birth_year",
            _("A year between %(low)s and %(high)s.") % {"low": FIRST_BIRTH_YEAR, "high": today.year},
        )
    if month is not None and not 1 <= month <= 12:
        refuse("birth_month", _("A month from 1 to 12."))
    if day is not None and not 1 <= day <= MAX_DAY[calendar]:
        refuse("birth_day", _("A day from 1 to %(max)s.") % {"max": MAX_DAY[calendar]})
    if (month is None) != (day is None):
        refuse(
            "birth_day" if day is None else "birth_month",
            _("Give both the month and the day."),
            FieldCode.REQUIRED,
        )
    if leap_month and calendar != BirthdayCalendar.LUNAR:
        refuse("birthday_leap_month", _("Only a lunar birthday can fall in a leap month."), FieldCode.INVALID)
    if not errors and month is not None:
        if calendar == BirthdayCalendar.SOLAR:
            try:
                date(year or 2000, month, day)  # 2000 was a leap year: 29 February is a birthday
            except ValueError:
                refuse(
                    "birth_day",
                    _("%(month)s/%(day)s is not a date.") % {"month": month, "day": day},
                    FieldCode.INVALID,
                )
        elif year is not None:
            if leap_month and LunarYear.fromYear(year).getLeapMonth() != month:
                refuse(
                    "birthday_leap_month",
                    _("The lunar year %(year)s has no leap month %(month)s.")
                    % {"year": year, "month": month},
                    FieldCode.INVALID,
                )
            elif LunarMonth.fromYm(year, -month if leap_month else month).getDayCount() < day:
                refuse(
                    "birth_day",
                    _("That lunar month has 29 days in %(year)s.") % {"year": year},
                    FieldCode.INVALID,
                )
    if errors:
        raise ValidationError(_("The birthday is not valid."), errors=errors)
    return {
        "birth_year": year,
        "birth_month": month,
        "birth_day": day,
        "birthday_calendar": calendar,
        "birthday_leap_month": bool(leap_month),
    }


def custom_fields() -> list[CustomField]:
    """The active custom fields, in the order an administrator set."""
    return list(CustomField.objects.filter(active=True))


class _BadValue(Exception):
    def __init__(self, message: str, code: FieldCode):
        super().__init__(message)
        self.message, self.code = message, code


def _custom_value(field: CustomField, raw):
    """One value in its stored form (text, a number as a string of digits, an ISO date, a choice)."""
    if field.kind == CustomFieldKind.NUMBER:
        try:
            number = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise _BadValue(_("“%(value)s” is not a number.") % {"value": raw}, FieldCode.WRONG_TYPE)
        return int(number) if number == number.to_integral_value() else float(number)
    if field.kind == CustomFieldKind.DATE:
        try:
            parsed = raw if isinstance(raw, date) else parse_date(str(raw).strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise _BadValue(
                _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw}, FieldCode.WRONG_TYPE
            )
        return parsed.isoformat()
    value = str(raw).strip()
    if field.kind == CustomFieldKind.CHOICE and value not in [str(c) for c in field.choices]:
        raise _BadValue(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": value, "choices": "、".join(map(str, field.choices))},
            FieldCode.INVALID_CHOICE,
        )
    if len(value) > 500:
        raise _BadValue(_("At most 500 characters."), FieldCode.TOO_LONG)
    return value


def custom_values_clean(values: dict, *, current: dict | None = None) -> dict:
    """The custom values to store: `values` (code → raw value) checked against the active fields.

    A blank value removes the entry; a required field must end up with a value; an unknown code, a
    number or date that does not parse, or a choice not offered is refused with an error named
    `custom.<code>` saying which field. Values of fields no longer active are kept as they were.
    """
    fields = {f.code: f for f in custom_fields()}
    result = dict(current or {})
    errors: dict[str, list] = {}
    if not isinstance(values, dict):
        raise ValidationError.for_field(
            "custom", _("Custom values are a map of field code to value."), FieldCode.WRONG_TYPE
        )
    for code, raw in values.items():
        field = fields.get(code)
        if field is None:
            errors[f"custom.{code}"] = [
                FieldError(_("No custom field “%(code)s”.") % {"code": code}, FieldCode.NOT_FOUND)
            ]
            continue
        if raw is None or str(raw).strip() == "":
            result.pop(code, None)
            continue
        try:
            result[code] = _custom_value(field, raw)
        except _BadValue as bad:
            errors[f"custom.{code}"] = [FieldError(f"{field.label}: {bad.message}", bad.code)]
    for code, field in fields.items():
        if field.required and code not in result and f"custom.{code}" not in errors:
            errors[f"custom.{code}"] = [
                FieldError(_("%(label)s is required.") % {"label": field.label}, FieldCode.REQUIRED)
            ]
    if errors:
        raise ValidationError(_("Some custom fields are not valid."), errors=errors)
    return result
