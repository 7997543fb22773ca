from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    """Quality inspection (质检): transcripts, rubrics, rules, automatic inspection, review and appeal."""

    name = "kefu.quality"
    label = "quality"
    verbose_name = _("Quality inspection")

    def ready(self):
        from kefu.quality import receivers  # noqa: F401
