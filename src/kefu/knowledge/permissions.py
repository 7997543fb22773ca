"""Who may do what in the knowledge base: one place, asked by services and pages."""

from kefu.accounts.models import Role

EDITOR_ROLES = {Role.SUPERVISOR, Role.MANAGER, Role.GENERAL_MANAGER, Role.ADMIN}
# Who is expected to read a must-read briefing.
BRIEFED_ROLES = {Role.AGENT, Role.SUPERVISOR}


def can_read_internal(user) -> bool:
    """Every signed-in staff member reads internal articles; customers (no account) never do."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_edit(user) -> bool:
    """Supervisors, managers and administrators keep articles, scripts, phrase rules and synonyms."""
    return bool(
        user is not None and user.is_authenticated and (user.is_superuser or user.role in EDITOR_ROLES)
    )


def can_edit_cases(user) -> bool:
    """QA inspectors build the case library with the editors."""
    return can_edit(user) or bool(user is not None and user.is_authenticated and user.role == Role.QA)
