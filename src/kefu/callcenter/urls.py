"""Call-center pages: calls:import (/calls/import/)."""

from django.urls import path

from kefu.callcenter import views

app_name = "calls"

urlpatterns = [
    path("calls/import/", views.import_page, name="import"),
]
