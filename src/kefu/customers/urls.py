"""Customer pages: customers:list, customers:detail, customers:edit."""

from django.urls import path

from kefu.customers import views

app_name = "customers"

urlpatterns = [
    path("customers/", views.customer_list, name="list"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="edit"),
]

# Part 1 and 9 of the customer file: duplicates and merge, exports, anonymisation.
urlpatterns += [
    path("customers/duplicates/", views.duplicates_page, name="duplicates"),
    path("customers/export/", views.customer_list_export, name="export"),
    path("customers/<int:pk>/merge/", views.customer_merge_view, name="merge"),
    path("customers/<int:pk>/export/", views.customer_data_export, name="data_export"),
    path("customers/<int:pk>/anonymise/", views.customer_anonymise, name="anonymise"),
]
