from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kefu.core"
    label = "core"
    verbose_name = _("Core settings")

    def ready(self) -> None:
        from kefu.core import holidays
        from kefu.core.calendars import connect_signals
        from kefu.core.search import ensure_search_index_after_migrate

        connect_signals()
        holidays.connect_signals()
        # A later migration that alters the work-order table drops the SQLite FTS triggers with it.
        post_migrate.connect(ensure_search_index_after_migrate, sender=self)
