"""django-axes (failed sign-ins and lockouts) as installed by Kefu: named in the reader's language.

Its own module: an apps.py holding two application configurations would make Django guess which one
is kefu.accounts'.
"""

from axes.apps import AppConfig as AxesConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class SignInProtectionConfig(AxesConfig):
    """django-axes (failed sign-ins, lockouts) under a name the admin shows in the reader's language:
    the package has no Chinese catalogue. Its models' names are translated in ours (below)."""

    verbose_name = _("Sign-in protection")


#: django-axes' model names as its admin shows them, so that our catalogue carries their Chinese.
AXES_MODEL_NAMES = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
)
