"""Customer pages: customers:list, customers:detail, customers:edit."""

from django.urls import path

from kefu.customers import views, views_tiers

app_name = "customers"

urlpatterns = [
    path("customers/", views.customer_list, name="list"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="edit"),
    # Issue 14, parts 3 and 4: order imports, the value-tier ladder, responsible persons
    path("customers/imports/", views_tiers.import_list, name="imports"),
    path("customers/imports/<int:pk>/", views_tiers.import_job, name="import_job"),
    path("customers/tiers/", views_tiers.tier_ladder, name="tiers"),
    path("customers/tiers/recompute/", views_tiers.tier_recompute_now, name="tiers_recompute"),
    path("customers/tiers/<str:code>/edit/", views_tiers.tier_edit, name="tier_edit"),
    path("customers/tiers/responsible/", views_tiers.responsible_list, name="responsible"),
    path("customers/<int:pk>/tier/", views_tiers.tier_override, name="tier_override"),
]
