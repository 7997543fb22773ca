from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data. Listed last in INSTALLED_APPS: it uses every other app and none uses it."""

    name = "kefu.demo"
    label = "demo"
    verbose_name = "演示数据 Demo"
