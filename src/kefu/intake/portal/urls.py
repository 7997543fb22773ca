"""Customer portal, mounted at /portal/: intake_portal:submit, :done, :track, :ticket, :add, :rate."""

from django.urls import path

from kefu.intake.portal import views

app_name = "intake_portal"

urlpatterns = [
    path("", views.submit, name="submit"),
    path("done/<str:token>/", views.done, name="done"),
    path("track/", views.track, name="track"),
    path("t/<str:token>/", views.ticket_page, name="ticket"),
    path("t/<str:token>/add/", views.add_info, name="add"),
    path("t/<str:token>/rate/", views.rate, name="rate"),
]
