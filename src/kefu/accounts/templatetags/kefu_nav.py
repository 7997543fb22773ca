"""What the header shows to whom: the same role tests the pages enforce."""

from django import template

from kefu.accounts import services, views

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
