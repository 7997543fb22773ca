"""Customer pages: customers:list, customers:detail, customers:edit, customers:rfm (and its export)."""

from django.urls import path, re_path

from kefu.customers import views, views_rfm, views_tiers

app_name = "customers"

urlpatterns = [
    path("customers/", views.customer_list, name="list"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="edit"),
    # RFM (issue 14, part 5)
    path("customers/rfm/", views_rfm.rfm_page, name="rfm"),
    re_path(r"^customers/rfm/export\.(?P<fmt>csv|xlsx)$", views_rfm.rfm_export, name="rfm_export"),
]

# Loyalty card (会员卡/积分): statements, redeem / correct, card requests and the supervisors' approvals.
from kefu.customers import views_loyalty  # noqa: E402

urlpatterns += [
    path("customers/<int:pk>/points/", views_loyalty.points_statement, name="points"),
    path("customers/<int:pk>/points/<str:action>/", views_loyalty.points_change, name="points_change"),
    path("customers/<int:pk>/card/", views_loyalty.card_request, name="card_request"),
    path("customers/cards/", views_loyalty.cards, name="cards"),
    path("customers/cards/<int:pk>/decide/", views_loyalty.card_decide, name="card_decide"),
    # Issue 14, parts 3 and 4: order imports, the value-tier ladder, responsible persons
    path("customers/imports/", views_tiers.import_list, name="imports"),
    path("customers/imports/<int:pk>/", views_tiers.import_job, name="import_job"),
    path("customers/tiers/", views_tiers.tier_ladder, name="tiers"),
    path("customers/tiers/recompute/", views_tiers.tier_recompute_now, name="tiers_recompute"),
    path("customers/tiers/<str:code>/edit/", views_tiers.tier_edit, name="tier_edit"),
    path("customers/tiers/responsible/", views_tiers.responsible_list, name="responsible"),
    path("customers/<int:pk>/tier/", views_tiers.tier_override, name="tier_override"),
]

# Part 1 and 9 of the customer file: duplicates and merge, exports, anonymisation.
urlpatterns += [
    path("customers/duplicates/", views.duplicates_page, name="duplicates"),
    path("customers/export/", views.customer_list_export, name="export"),
    path("customers/<int:pk>/merge/", views.customer_merge_view, name="merge"),
    path("customers/<int:pk>/export/", views.customer_data_export, name="data_export"),
    path("customers/<int:pk>/anonymise/", views.customer_anonymise, name="anonymise"),
]
