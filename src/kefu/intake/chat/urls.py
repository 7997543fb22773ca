"""Chat pages: chat:console, chat:demo."""

from django.urls import path

from kefu.intake.chat import views

app_name = "chat"

urlpatterns = [
    path("chat/console/", views.console, name="console"),
    path("chat/demo/", views.demo, name="demo"),
]
