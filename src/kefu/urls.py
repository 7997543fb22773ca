from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from kefu.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("", include("kefu.accounts.urls")),
    path("", include("kefu.customers.urls")),
    path("", include("kefu.notify.urls")),
    path("", include("kefu.tickets.urls")),
]
urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
