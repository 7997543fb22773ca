"""Who may read the center's figures: one place, asked by the pages and the API.

Supervisors, managers, the general manager and administrators read every KPI, dashboard, report and
the driver analysis; QA inspectors read them too (quality is half their work). Agents and department
staff do not: their own figures come with the performance work.
"""

from kefu.accounts.models import LEAD_ROLES, OVERSIGHT_ROLES


def can_view_kpis(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in OVERSIGHT_ROLES)
    )


def can_set_targets(user) -> bool:
    """Supervisors, managers, the general manager and administrators set the targets."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in LEAD_ROLES)
    )
