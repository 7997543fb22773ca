"""Template helpers of the reports app: whether a person may read the center's figures."""

from django import template

from kefu.reports import permissions

register = template.Library()


@register.filter
def can_view_kpis(user) -> bool:
    return permissions.can_view_kpis(user)
