"""Template helpers of the reports app: whether a person may read the center's figures, statistics as text."""

from django import template

from kefu.reports import permissions

register = template.Library()


@register.filter
def can_view_kpis(user) -> bool:
    return permissions.can_view_kpis(user)


@register.filter
def stat(value, digits=3) -> str:
    """A statistic for a table (the driver analysis): `digits` decimals, "—" when it has no value."""
    if value is None or value != value:
        return "—"
    return f"{value:.{int(digits)}f}"


@register.filter
def p_value(value) -> str:
    """A p-value for a table: "<0.001" below a thousandth, else 3 decimals; "—" without one."""
    if value is None or value != value:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"
