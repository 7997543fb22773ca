"""Conversion (转化率, the seeds' 服务统计: served against converted). Kefu records no sale or
booking of its own; the one outcome it stores per contact is a call's wrap-up code, so a call is
converted when it was answered and closed with a wrap-up code the administrator marked as a
conversion (kefu.reports.models.ConversionCode). Time field: the call's arrival (arrived_at)."""

from django.db.models import Case, Count, Exists, IntegerField, Max, Q, Value, When
from django.utils.translation import gettext_lazy as _

from kefu.callcenter.models import CallRecord, Outcome
from kefu.reports.metrics.base import Better, Family, Period, Scope, Unit, figure, ratio
from kefu.reports.metrics.common import in_period, scoped
from kefu.reports.models import ConversionCode

CALL_FILTERS = {"agent": "agent_id", "group": "@agent_id", "queue": "queue"}


def _codes():
    return ConversionCode.objects.filter(is_active=True)


def _served_rows(period: Period, scope: Scope, options):
    """Calls answered (outcome answered) that arrived in the period."""
    rows = CallRecord.objects.filter(outcome=Outcome.ANSWERED)
    return scoped(in_period(rows, "arrived_at", period), scope, CALL_FILTERS)


SERVED = Family(
    code="conversion",
    name=_("Calls served"),
    rows=_served_rows,
    time_field="arrived_at",
    dimensions={"agent": "agent_id", "group": "agent__agent_groups", "queue": "queue"},
    components=lambda options: {
        "served": Count("id"),
        "converted": Count("id", filter=Q(wrapup_code__in=_codes().values("code"))),
        # 1 when any conversion code is chosen: without one, "0 % converted" would be a false zero.
        "codes_chosen": Max(
            Case(When(Exists(_codes()), then=Value(1)), default=Value(0), output_field=IntegerField())
        ),
    },
    maxima=frozenset({"codes_chosen"}),
)


@figure("conversions", _("Conversions"), unit=Unit.COUNT, better=Better.HIGHER, family=SERVED)
def conversions(c, options):
    """Conversions (转化量) = answered calls that arrived in the period whose wrap-up code is an active
    conversion code; no value while no conversion code is chosen."""
    return c["converted"] if c["codes_chosen"] else None


@figure("conversion_rate", _("Conversion rate"), unit=Unit.PERCENT, better=Better.HIGHER, family=SERVED)
def conversion_rate(c, options):
    """Conversion rate (转化率) = converted / served: served = calls answered (outcome answered) that
    arrived in the period; converted = those closed with an active conversion code as wrap-up code.
    No value while no conversion code is chosen."""
    return ratio(c["converted"], c["served"]) if c["codes_chosen"] else None
