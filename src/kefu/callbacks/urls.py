"""Callback pages under /callbacks/ (callbacks:...) and the public survey at /survey/<token>/ (survey:answer)."""

from django.urls import include, path

from kefu.callbacks import views

callback_patterns = [
    path("", views.queue, name="queue"),
    path("tasks/<int:pk>/", views.task, name="task"),
    path("reviews/", views.reviews, name="reviews"),
    path("report/", views.report, name="report"),
    path("measures/", views.measures, name="measures"),
    path("feedback/", views.feedback, name="feedback"),
]

survey_patterns = [
    path("<str:token>/", views.survey, name="answer"),
]

urlpatterns = [
    path("callbacks/", include((callback_patterns, "callbacks"))),
    path("survey/", include((survey_patterns, "survey"))),
]
