"""Quality inspection pages under /quality/ (namespace `quality`)."""

from django.urls import path

from kefu.quality import views

app_name = "quality"

urlpatterns: list = [
    # transcripts
    path("quality/transcripts/", views.transcripts, name="transcripts"),
    path("quality/transcripts/<int:pk>/", views.transcript, name="transcript"),
]
