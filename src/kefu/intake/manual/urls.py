"""Manual channels: intake_manual:capture (/intake/<channel>/new/)."""

from django.urls import path

from kefu.intake.manual import views

app_name = "intake_manual"

urlpatterns = [
    path("intake/<str:channel>/new/", views.capture, name="capture"),
    path("tickets/<str:number>/facts/", views.edit_facts, name="edit_facts"),
]
