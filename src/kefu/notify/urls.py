"""Notification pages: notify:list, notify:read, notify:count."""

from django.urls import path

from kefu.notify import views

app_name = "notify"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read/", views.notification_read, name="read"),
    path("notifications/count/", views.notification_count, name="count"),
]
