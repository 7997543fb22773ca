from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports (报表): every KPI defined once (`metrics`), dashboards, the driver analysis, exports."""

    name = "kefu.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from kefu.reports import checks, receivers, rollups  # noqa: F401 - the start-up check, the receivers
        from kefu.reports.metrics.base import ROLLUP_READER

        ROLLUP_READER.register(rollups.read)
