"""Site URLs. Media files are not served directly: attachments go through a permission-checked view."""

from django.contrib import admin
from django.urls import include, path

from kefu.accounts.views import admin_login
from kefu.api import api

urlpatterns = [
    path("admin/login/", admin_login),  # before the admin's own: one login page, lockout and 2FA
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("", include("kefu.accounts.urls")),
    path("", include("kefu.customers.urls")),
    path("", include("kefu.intake.chat.urls")),
    path("", include("kefu.notify.urls")),
    path("", include("kefu.tickets.urls")),
    path("", include("kefu.intake.manual.urls")),
    path("", include("kefu.callcenter.urls")),
    path("", include("kefu.knowledge.urls")),  # before the portal: it owns /portal/faq/
    path("", include("kefu.callbacks.urls")),
    path("", include("kefu.quality.urls")),
    path("", include("kefu.reports.urls")),
    path("portal/", include("kefu.intake.portal.urls")),
    path("", include("kefu.crm.urls")),
    path("", include("kefu.crm.urls_care")),  # /crm/care/, /crm/handover/
]
