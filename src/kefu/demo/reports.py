"""The demo's reports: the targets, the manager's report subscriptions, the wrap-up code that counts
as a conversion, and the interval rollups of the demo month built, as a center that has run Kefu for
a while has them (the dashboards read them)."""

from datetime import datetime, timedelta

from django.utils import timezone

from kefu.reports import rollups
from kefu.reports.models import ConversionCode
from kefu.reports.service_reports import Kind, subscription_set
from kefu.reports.targets import target_set

#: The demo center's targets (目标): the seeds' usual levels, shares as 0..1. The demo's figures miss
#: some of them, so the dashboard and the service reports show below-target marks on first start.
DEMO_TARGETS = {
    "calls_answer_rate": 0.90,
    "calls_service_level": 0.80,
    "fcr": 0.85,
    "csat": 0.90,
    "complaints_within_sla": 0.95,
}


def reports_demo_load(*, manager, now: datetime, days: int) -> int:
    """The targets above, set by the manager, who also receives the daily complaint record and the
    weekly service report by email; returns the rollup rows built over the last `days` days."""
    for figure, value in DEMO_TARGETS.items():
        target_set(figure=figure, value=value, note="demo", by=manager)
    for kind in (Kind.DAILY, Kind.WEEKLY):
        subscription_set(user=manager, kind=kind, on=True)
    ConversionCode.objects.get_or_create(code="业务办理成功", defaults={"name": "办理成功（计为转化）"})
    last = timezone.localtime(now).date()
    first = last - timedelta(days=days)
    return sum(rollups.rebuild(family, first=first, last=last) for family in rollups.rolled_up())
