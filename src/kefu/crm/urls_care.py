"""The care calendar (care:...), the hand-over (handover:...) pages and the public care opt-out page."""

from django.urls import include, path

from kefu.crm import views_care, views_handover, views_optout

care_patterns = [
    path("", views_care.care_home, name="home"),
    path("rules/new/", views_care.care_rule_edit, name="rule_create"),
    path("rules/<int:pk>/", views_care.care_rule_edit, name="rule_edit"),
    path("customers/<int:pk>/opt-out/", views_optout.staff_opt_out, name="opt_out"),
    path("customers/<int:pk>/opt-in/", views_optout.staff_opt_in, name="opt_in"),
]

handover_patterns = [
    path("", views_handover.handover_home, name="home"),
    path("<int:pk>/", views_handover.handover_page, name="user"),
]

urlpatterns = [
    path("crm/care/", include((care_patterns, "care"))),
    path("crm/handover/", include((handover_patterns, "handover"))),
    # Public, no sign-in: the link in every care email (kefu.crm.optout.opt_out_url).
    path("care/opt-out/<str:token>/", views_optout.opt_out, name="care_opt_out"),
]
