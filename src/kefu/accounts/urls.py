"""Sign-in (unnamespaced: settings.LOGIN_URL is "login") and the organisation pages (org:...)."""

from django.urls import include, path

from kefu.accounts import views

org_patterns = [
    path("", views.org_home, name="home"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/", views.group_edit, name="group_edit"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:pk>/", views.department_edit, name="department_edit"),
    path("skills/new/", views.skill_create, name="skill_create"),
    path("holidays/", views.holidays_page, name="holidays"),
    path("holidays/<int:year>/", views.holidays_page, name="holidays_year"),
]

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", views.login_verify, name="login_verify"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("account/two-factor/", views.two_factor_page, name="two_factor"),
    path("org/", include((org_patterns, "org"))),
]
