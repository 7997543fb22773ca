"""API of the callbacks app: callback and satisfaction measures, for supervisors and managers."""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kefu.accounts.api import LocalMoment, user_of
from kefu.callbacks import selectors
from kefu.core.errors import FieldCode, PermissionDenied, ValidationError

router = Router(tags=["callbacks"])


class MeasuresFilters(Schema):
    start: LocalMoment | None = Field(None, description="Default: 30 days before `end`.")
    end: LocalMoment | None = Field(None, description="Default: now.")
    by: str = Field("ticket_type", description="ticket_type, channel, department, agent or week.")


class CallbackMeasuresOut(Schema):
    tasks: int
    finished: int
    reached: int
    completed_in_time: int
    completion_in_time_rate: float
    reach_rate: float
    pass_rate: float
    unreachable: int


class RateOut(Schema):
    key: str
    answers: int
    not_satisfied: int
    rate: float


class MeasuresOut(Schema):
    start: datetime
    end: datetime
    by: str
    callbacks: CallbackMeasuresOut
    satisfaction: list[RateOut]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)  # a time without offset is the center's local time
    return value


@router.get("/measures", response=MeasuresOut, summary="Callback and satisfaction measures")
def measures(request, filters: Query[MeasuresFilters]):
    """Callback completion within target, reach rate, pass rate (回访合格率), and the satisfaction rate
    grouped by `by`. Supervisors, managers and QA only."""
    user = user_of(request)
    if not (user.is_lead or user.role == "qa"):
        raise PermissionDenied(_("Supervisors, managers and QA only."))
    if filters.by not in selectors.DIMENSIONS:
        message = _("One of: %(values)s") % {"values": ", ".join(selectors.DIMENSIONS)}
        raise ValidationError.for_field("by", message, FieldCode.INVALID_CHOICE)
    end = _aware(filters.end) or timezone.now()
    start = _aware(filters.start) or end - timedelta(days=30)
    if start >= end:
        raise ValidationError.for_field("start", _("Must be before end."), FieldCode.OUT_OF_RANGE)
    return {
        "start": start,
        "end": end,
        "by": filters.by,
        "callbacks": selectors.callback_measures(start=start, end=end),
        "satisfaction": selectors.satisfaction_rates(start=start, end=end, by=filters.by),
    }
