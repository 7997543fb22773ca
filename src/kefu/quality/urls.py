"""Quality inspection pages under /quality/ (namespace `quality`)."""

from django.urls import path

from kefu.quality import calibration_views, report_views, views, views_reviews, views_rubrics

app_name = "quality"

urlpatterns: list = [
    path("quality/reviews/", views_reviews.review_queue, name="reviews"),
    path("quality/inspections/<int:pk>/review/", views_reviews.review, name="review"),
    path("quality/mine/", views_reviews.mine, name="mine"),
    path("quality/appeals/", views_reviews.appeals, name="appeals"),
    path("quality/sampling/", views_reviews.sampling_plans, name="sampling"),
    path("quality/reports/", report_views.report, name="reports"),
    path("quality/reports/inspections/", report_views.inspections, name="report_inspections"),
    path("quality/reports/inspections/<int:pk>/", report_views.inspection, name="report_inspection"),
    path("quality/reports/inspections/<int:pk>/case/", report_views.promote, name="report_promote"),
    path("quality/calibration/", calibration_views.sessions, name="calibration"),
    path("quality/calibration/<int:pk>/", calibration_views.session, name="calibration_session"),
    path(
        "quality/calibration/<int:pk>/score/<int:transcript_pk>/",
        calibration_views.score,
        name="calibration_score",
    ),
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
    # transcripts
    path("quality/transcripts/", views.transcripts, name="transcripts"),
    path("quality/transcripts/<int:pk>/", views.transcript, name="transcript"),
]
