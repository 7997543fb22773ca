"""What the header shows to whom: the same role tests the pages enforce."""

from django import template
from django.utils import timezone

from kefu.accounts import services, views
from kefu.core import holidays

register = template.Library()


@register.filter
def has_inbox(user) -> bool:
    return user.is_authenticated and views.has_inbox(user)


@register.filter
def sees_customers(user) -> bool:
    return user.is_authenticated and views.sees_customers(user)


@register.filter
def manages_org(user) -> bool:
    return user.is_authenticated and services.can_manage_org(user)


@register.filter
def manages_calendars(user) -> bool:
    return user.is_authenticated and services.can_manage_calendars(user)


@register.inclusion_tag("accounts/_holiday_banner.html")
def holiday_banner(user) -> dict:
    """Managers and administrators: next year's holidays are not entered yet (from November)."""
    if not (user.is_authenticated and services.can_manage_calendars(user)):
        return {"years": []}
    return {"years": holidays.years_needing_arrangement(timezone.localdate())}
