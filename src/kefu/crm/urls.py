"""crm:timeline (the customer 360's older pages)."""

from django.urls import path

from kefu.crm import views

app_name = "crm"

urlpatterns = [
    path("customers/<int:pk>/timeline/", views.timeline, name="timeline"),
]
