from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data. Listed last in INSTALLED_APPS: it uses every other app and none uses it."""

    name = "kefu.demo"
    label = "demo"
    verbose_name = _("Demo data")
