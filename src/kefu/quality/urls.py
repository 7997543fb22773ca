"""Quality inspection pages under /quality/ (namespace `quality`)."""

app_name = "quality"

urlpatterns: list = []
