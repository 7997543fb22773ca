"""The care calendar (care:...) and the hand-over (handover:...) pages."""

from django.urls import include, path

from kefu.crm import views_care, views_handover

care_patterns = [
    path("", views_care.care_home, name="home"),
    path("rules/new/", views_care.care_rule_edit, name="rule_create"),
    path("rules/<int:pk>/", views_care.care_rule_edit, name="rule_edit"),
]

handover_patterns = [
    path("", views_handover.handover_home, name="home"),
    path("<int:pk>/", views_handover.handover_page, name="user"),
]

urlpatterns = [
    path("crm/care/", include((care_patterns, "care"))),
    path("crm/handover/", include((handover_patterns, "handover"))),
]
