"""Notification pages: notify:list, read, count, preferences; notify:templates; notify:deliveries."""

from django.urls import path

from kefu.notify import views

app_name = "notify"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read/", views.notification_read, name="read"),
    path("notifications/count/", views.notification_count, name="count"),
    path("notifications/preferences/", views.notification_preferences, name="preferences"),
    path("notifications/templates/", views.template_list, name="templates"),
    path("notifications/webhooks/", views.delivery_list, name="deliveries"),
    path("notifications/notice/<str:number>/", views.notice_send, name="notice"),
    path("notifications/webhooks/<int:pk>/redeliver/", views.delivery_redeliver, name="redeliver"),
]
