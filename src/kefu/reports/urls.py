"""KPI pages: reports:home (/reports/), reports:drill (/reports/drill/), reports:heat (/reports/heat/, the
dashboard's heat map panel), reports:wallboard (/reports/wallboard/),
reports:targets (/reports/targets/), reports:drivers (/reports/drivers/, the satisfaction driver analysis),
reports:service (/reports/service/) and reports:service_subscribe."""

from django.urls import path

from kefu.reports import views, views_drivers, views_service

app_name = "reports"

urlpatterns = [
    path("reports/", views.home, name="home"),
    path("reports/drill/", views.drill, name="drill"),
    path("reports/heat/", views.heat, name="heat"),
    path("reports/wallboard/", views.wallboard_page, name="wallboard"),
    path("reports/targets/", views.targets_page, name="targets"),
    path("reports/drivers/", views_drivers.drivers_page, name="drivers"),
    path("reports/service/", views_service.service, name="service"),
    path("reports/service/subscribe/", views_service.service_subscribe, name="service_subscribe"),
]
