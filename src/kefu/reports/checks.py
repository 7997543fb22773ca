"""Start-up check: the charts need Apache ECharts from the npm registry (scripts/install runs npm ci)."""

from django.conf import settings
from django.core.checks import Warning as CheckWarning
from django.core.checks import register


@register()
def echarts_installed(app_configs=None, **kwargs):
    if (settings.NODE_MODULES / "echarts" / "dist" / "echarts.min.js").is_file():
        return []
    return [
        CheckWarning(
            "Apache ECharts is not installed: the KPI pages show their tables without charts.",
            hint="Run scripts/install (it runs `npm ci` from package-lock.json), or set KEFU_NODE_MODULES.",
            id="kefu.reports.W001",
        )
    ]
