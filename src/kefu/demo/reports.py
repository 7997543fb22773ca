"""The demo's reports: the wrap-up code that counts as a conversion, and the interval rollups of the
demo month built, as a center that has run Kefu for a while has them (the dashboards read them)."""

from datetime import datetime, timedelta

from django.utils import timezone

from kefu.reports import rollups
from kefu.reports.models import ConversionCode


def reports_demo_load(*, now: datetime, days: int) -> int:
    """Returns the rollup rows built over the last `days` days up to today."""
    ConversionCode.objects.get_or_create(code="业务办理成功", defaults={"name": "办理成功（计为转化）"})
    last = timezone.localtime(now).date()
    first = last - timedelta(days=days)
    return sum(rollups.rebuild(family, first=first, last=last) for family in rollups.rolled_up())
