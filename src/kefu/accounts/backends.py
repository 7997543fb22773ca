"""How a signed-in person is loaded and what Django permissions they hold: Django's ModelBackend with
fewer statements on every page."""

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

from kefu.accounts.models import User


class AccountBackend(ModelBackend):
    """ModelBackend (passwords, `is_active`, permissions of the person and of their groups) that

    - loads the person with their department: every page's header asks whether it is the service
      center (accounts.views.has_inbox);
    - reads the person's own and their groups' permissions in one statement instead of two."""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("department").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            perms = Permission.objects.all()
            if not user_obj.is_superuser:
                perms = perms.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in perms.values_list("content_type__app_label", "codename").order_by()
            }
        return user_obj._perm_cache
