"""Organisation writes (组织架构): staff, agent groups, departments, skills, the annual holidays.

Only leads (supervisor, manager, general manager) and administrators manage the organisation, and a
lead manages only people ranked below them: a supervisor cannot create or edit a manager or an
administrator, nor make anyone a supervisor. A superior chain or a department tree may never loop.
"""

from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.accounts.models import LEAD_ROLES, AgentGroup, Department, Role, Skill, User
from kefu.core import holidays
from kefu.core.errors import PermissionDenied, ValidationError

# Rank for managing the organisation (not the escalation ladder): who may create and edit whom.
ORG_RANK = {
    Role.AGENT: 1,
    Role.QA: 1,
    Role.DEPARTMENT_STAFF: 1,
    Role.SUPERVISOR: 2,
    Role.MANAGER: 3,
    Role.GENERAL_MANAGER: 4,
    Role.ADMIN: 5,
}


def is_org_admin(user: User | None) -> bool:
    """Administrators (and Django superusers) manage anyone."""
    return user is not None and user.is_active and (user.is_superuser or user.role == Role.ADMIN)


def can_manage_org(user: User | None) -> bool:
    return user is not None and user.is_active and (user.is_superuser or user.role in LEAD_ROLES)


def assignable_roles(by: User) -> list[str]:
    """The roles `by` may give: every role to an administrator, else those ranked below their own."""
    if is_org_admin(by):
        return list(Role.values)
    own = ORG_RANK.get(by.role, 0)
    return [role for role in Role.values if ORG_RANK[role] < own]


def can_manage_user(by: User, target: User) -> bool:
    if is_org_admin(by):
        return True
    return can_manage_org(by) and ORG_RANK.get(target.role, 0) < ORG_RANK.get(by.role, 0)


def _require_lead(by: User) -> None:
    if not can_manage_org(by):
        raise PermissionDenied(_("Only supervisors, managers and administrators manage the organisation."))


def _check_role(by: User, role: str, errors: dict) -> None:
    if role not in Role.values:
        errors.setdefault("role", []).append(_("Unknown role “%(value)s”.") % {"value": role})
    elif role not in assignable_roles(by):
        errors.setdefault("role", []).append(
            _("You may not give the role “%(role)s”: it is not below your own.") % {"role": Role(role).label}
        )


def _check_superior(user: User | None, superior: User | None, errors: dict) -> None:
    """Refuse a superior chain that would come back to `user` (X above itself)."""
    if superior is None or user is None or user.pk is None:
        return
    node, seen = superior, set()
    while node is not None and node.pk not in seen:
        if node.pk == user.pk:
            errors.setdefault("superior", []).append(
                _("%(superior)s cannot be the superior of %(user)s: %(user)s is already above them.")
                % {"superior": superior.label, "user": user.label}
            )
            return
        seen.add(node.pk)
        node = node.superior


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)


def _set_groups(user: User, groups: Iterable[AgentGroup] | None) -> None:
    if groups is not None:
        user.agent_groups.set(list(groups))


def _check_password(password: str, user: User, errors: dict[str, list[str]]) -> None:
    """Django's validators (settings.AUTH_PASSWORD_VALIDATORS): length, common, all digits, like the name."""
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        errors.setdefault("password", []).extend(str(m) for m in exc.messages)


@transaction.atomic
def user_create(
    *,
    by: User,
    username: str,
    password: str,
    role: str = Role.AGENT,
    display_name: str = "",
    employee_no: str = "",
    email: str = "",
    phone: str = "",
    department: Department | None = None,
    superior: User | None = None,
    groups: Iterable[AgentGroup] | None = None,
    skills: Iterable[Skill] | None = None,
    is_active: bool = True,
) -> User:
    """Create a staff member (员工). Refuses a taken username, a short password and a role not below `by`'s."""
    _require_lead(by)
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        errors.setdefault("username", []).append(_("Give a username."))
    elif User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(
            _("The username “%(value)s” is taken.") % {"value": username}
        )
    _check_password(
        password or "",
        User(username=username, display_name=display_name, email=email or "", employee_no=employee_no),
        errors,
    )
    _check_role(by, role, errors)
    if superior is not None and not superior.is_active:
        errors.setdefault("superior", []).append(
            _("%(name)s is no longer active.") % {"name": superior.label}
        )
    _raise(errors)
    user = User(
        username=username,
        role=role,
        display_name=display_name.strip(),
        employee_no=employee_no.strip(),
        email=(email or "").strip().lower(),
        phone=phone.strip(),
        department=department,
        superior=superior,
        is_active=is_active,
    )
    user.set_password(password)
    user.save()
    _set_groups(user, groups)
    if skills is not None:
        user.skills.set(list(skills))
    return user


@transaction.atomic
def user_update(
    *,
    by: User,
    user: User,
    role: str | None = None,
    display_name: str | None = None,
    employee_no: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    department: Department | None = None,
    superior: User | None = None,
    groups: Iterable[AgentGroup] | None = None,
    skills: Iterable[Skill] | None = None,
    is_active: bool | None = None,
    password: str = "",
) -> User:
    """Change a staff member; `department` and `superior` are always set (None clears them).

    Refuses to edit someone not ranked below `by` (administrators excepted), to give a role not below
    `by`'s, and a superior who is already below this person (a loop).
    """
    _require_lead(by)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not can_manage_user(by, user):
        raise PermissionDenied(
            _("You may not edit %(name)s: their role is not below yours.") % {"name": user.label}
        )
    errors: dict[str, list[str]] = {}
    if role is not None and role != user.role:
        _check_role(by, role, errors)
    if user.pk == by.pk and is_active is False:
        errors.setdefault("is_active", []).append(_("You cannot deactivate yourself."))
    if superior is not None and superior.pk == user.pk:
        errors.setdefault("superior", []).append(_("Nobody can be their own superior."))
    else:
        _check_superior(user, superior, errors)
    if password:
        _check_password(password, user, errors)
    _raise(errors)
    for field, value in (
        ("role", role),
        ("display_name", display_name),
        ("employee_no", employee_no),
        ("phone", phone),
        ("is_active", is_active),
    ):
        if value is not None:
            setattr(user, field, value.strip() if isinstance(value, str) else value)
    if email is not None:
        user.email = email.strip().lower()
    user.department = department
    user.superior = superior
    if password:
        user.set_password(password)
    user.save()
    _set_groups(user, groups)
    if skills is not None:
        user.skills.set(list(skills))
    return user


def _group_fields(group: AgentGroup, name: str, errors: dict) -> None:
    name = (name or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("Give a name."))
    elif AgentGroup.objects.filter(name=name).exclude(pk=group.pk).exists():
        errors.setdefault("name", []).append(_("The name “%(value)s” is taken.") % {"value": name})
    group.name = name


@transaction.atomic
def group_create(
    *,
    by: User,
    name: str,
    department: Department | None = None,
    leader: User | None = None,
    members: Iterable[User] = (),
    skills: Iterable[Skill] = (),
) -> AgentGroup:
    """Create an agent group (客服组)."""
    return group_update(
        by=by,
        group=AgentGroup(),
        name=name,
        department=department,
        leader=leader,
        members=members,
        skills=skills,
    )


@transaction.atomic
def group_update(
    *,
    by: User,
    group: AgentGroup,
    name: str,
    department: Department | None = None,
    leader: User | None = None,
    members: Iterable[User] = (),
    skills: Iterable[Skill] = (),
) -> AgentGroup:
    """Rename a group, set its leader, members and skills. Refuses a taken name and an inactive leader."""
    _require_lead(by)
    errors: dict[str, list[str]] = {}
    _group_fields(group, name, errors)
    if leader is not None and not leader.is_active:
        errors.setdefault("leader", []).append(_("%(name)s is no longer active.") % {"name": leader.label})
    _raise(errors)
    group.department = department
    group.leader = leader
    group.save()
    group.members.set(list(members))
    group.skills.set(list(skills))
    return group


def _check_parent(department: Department, parent: Department | None, errors: dict) -> None:
    """A department cannot sit below itself or below one of its own sub-departments."""
    if parent is None or department.pk is None:
        return
    if parent.pk == department.pk or department.pk in {d.pk for d in parent.ancestors()}:
        errors.setdefault("parent", []).append(
            _("%(parent)s is inside %(department)s; a department cannot sit below itself.")
            % {"parent": parent.name, "department": department.name or department.code}
        )


@transaction.atomic
def department_create(
    *,
    by: User,
    name: str,
    code: str,
    parent: Department | None = None,
    head: User | None = None,
    is_service_center: bool = False,
    email: str = "",
) -> Department:
    """Create a department (部门)."""
    return department_update(
        by=by,
        department=Department(),
        name=name,
        code=code,
        parent=parent,
        head=head,
        is_service_center=is_service_center,
        email=email,
    )


@transaction.atomic
def department_update(
    *,
    by: User,
    department: Department,
    name: str,
    code: str,
    parent: Department | None = None,
    head: User | None = None,
    is_service_center: bool = False,
    email: str = "",
) -> Department:
    """Rename a department, move it in the tree, set its head. Refuses a loop and a taken code."""
    _require_lead(by)
    errors: dict[str, list[str]] = {}
    name, code = (name or "").strip(), (code or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("Give a name."))
    if not code:
        errors.setdefault("code", []).append(_("Give a code."))
    elif Department.objects.filter(code=code).exclude(pk=department.pk).exists():
        errors.setdefault("code", []).append(_("The code “%(value)s” is taken.") % {"value": code})
    _check_parent(department, parent, errors)
    if head is not None and not head.is_active:
        errors.setdefault("head", []).append(_("%(name)s is no longer active.") % {"name": head.label})
    _raise(errors)
    department.name = name
    department.code = code
    department.parent = parent
    department.head = head
    department.is_service_center = is_service_center
    department.email = (email or "").strip().lower()
    department.save()
    return department


@transaction.atomic
def skill_create(*, by: User, name: str) -> Skill:
    """Add a skill (技能) that agents and groups can be given."""
    _require_lead(by)
    name = (name or "").strip()
    if not name:
        raise ValidationError.for_field("name", _("Give a name."))
    if Skill.objects.filter(name__iexact=name).exists():
        raise ValidationError.for_field("name", _("The name “%(value)s” is taken.") % {"value": name})
    return Skill.objects.create(name=name)


# Who enters the State Council's annual holiday arrangement for every calendar (and sees the banner).
CALENDAR_ROLES = {Role.MANAGER, Role.GENERAL_MANAGER, Role.ADMIN}


def can_manage_calendars(user: User | None) -> bool:
    return user is not None and user.is_active and (user.is_superuser or user.role in CALENDAR_ROLES)


def holiday_arrangement_save(*, by: User, year: int, holidays_off, workdays) -> list:
    """Enter `year`'s statutory holidays and make-up workdays for every calendar (core.holidays);
    running SLA deadlines move with them. Returns the dates whose kind changed."""
    if not can_manage_calendars(by):
        raise PermissionDenied(_("Only managers and administrators enter the annual holidays."))
    return holidays.save_arrangement(year, holidays_off, workdays)
