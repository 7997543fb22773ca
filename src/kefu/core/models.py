"""Shared kernel data: business calendars (营业日历) with shifts and holiday overrides."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class BusinessCalendar(models.Model):
    """营业日历: the working time against which SLA clocks run.

    Working days come from chinese-calendar (statutory holidays and make-up workdays, 调休),
    corrected by `CalendarOverride` rows; working hours are the union of the calendar's shifts.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    use_chinese_holidays = models.BooleanField(_("use Chinese statutory holidays"), default=True)
    is_default = models.BooleanField(_("default calendar"), default=False)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    """班次: a span of working hours on every working day, e.g. 09:00–16:30."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="shifts")
    name = models.CharField(_("name"), max_length=50)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["start"]

    def __str__(self) -> str:
        return f"{self.name} {self.start:%H:%M}–{self.end:%H:%M}"


class CalendarOverride(models.Model):
    """A day that differs from chinese-calendar, or a year it does not know yet."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("holiday (no work)")
        WORKDAY = "workday", _("workday (make-up or extra)")

    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.CASCADE,
        related_name="overrides",
        null=True,
        blank=True,
        help_text=_("Empty: applies to every calendar."),
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_override_unique_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class IdempotencyKey(models.Model):
    """A create request's key, kept 24 hours, so the same request sent twice creates one thing.

    `scope` names the endpoint or form (api:tickets.create, form:tickets.capture), `owner` who sent
    it (user:12, portal), `key` the client's Idempotency-Key or the form's one-time token;
    `fingerprint` is the body's hash (a key reused with another body is refused) and `result` what
    the first request created, enough to answer again (core/idempotency.py).
    """

    scope = models.CharField(max_length=60)
    owner = models.CharField(max_length=60)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, blank=True)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["scope", "owner", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.owner} {self.key}"
