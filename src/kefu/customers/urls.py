"""Customer pages: customers:list, customers:detail, customers:edit, customers:rfm (and its export)."""

from django.urls import path, re_path

from kefu.customers import views, views_rfm

app_name = "customers"

urlpatterns = [
    path("customers/", views.customer_list, name="list"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="edit"),
    # RFM (issue 14, part 5)
    path("customers/rfm/", views_rfm.rfm_page, name="rfm"),
    re_path(r"^customers/rfm/export\.(?P<fmt>csv|xlsx)$", views_rfm.rfm_export, name="rfm_export"),
]
