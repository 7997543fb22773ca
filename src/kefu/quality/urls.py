"""Quality inspection pages under /quality/ (namespace `quality`)."""

from django.urls import path

from kefu.quality import views_rubrics

app_name = "quality"

urlpatterns: list = [
    # Rubric and rule editor (views_rubrics).
    path("quality/rubrics/", views_rubrics.rubric_list, name="rubric_list"),
    path("quality/rubrics/versions/<int:pk>/", views_rubrics.rubric_version, name="rubric_version"),
    path(
        "quality/rubrics/versions/<int:pk>/publish/",
        views_rubrics.rubric_version_publish,
        name="rubric_version_publish",
    ),
    path(
        "quality/rubrics/versions/<int:pk>/new-version/",
        views_rubrics.rubric_version_copy,
        name="rubric_version_copy",
    ),
    path("quality/rubrics/versions/<int:version_pk>/rules/new/", views_rubrics.rule_edit, name="rule_new"),
    path(
        "quality/rubrics/versions/<int:version_pk>/rules/<int:pk>/", views_rubrics.rule_edit, name="rule_edit"
    ),
    path(
        "quality/rubrics/versions/<int:version_pk>/rules/<int:pk>/delete/",
        views_rubrics.rule_delete,
        name="rule_delete",
    ),
]
