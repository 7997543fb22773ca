"""The header's unread-notification counter."""

from django import template

from kefu.notify.models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """Counted once per request (the header may ask twice)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    if not hasattr(request, "_kefu_unread"):
        request._kefu_unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return request._kefu_unread
