"""Quality inspection pages under /quality/ (namespace `quality`)."""

from django.urls import path

from kefu.quality import views_reviews as views

app_name = "quality"

urlpatterns: list = [
    path("quality/reviews/", views.review_queue, name="reviews"),
    path("quality/inspections/<int:pk>/review/", views.review, name="review"),
    path("quality/mine/", views.mine, name="mine"),
    path("quality/appeals/", views.appeals, name="appeals"),
    path("quality/sampling/", views.sampling_plans, name="sampling"),
]
