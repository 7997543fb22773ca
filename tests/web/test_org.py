"""Organisation management: only leads, only below their own rank, never a loop in the chart."""

import pytest

from kefu.accounts import services
from kefu.accounts.models import AgentGroup, Department, Role, Skill, User
from kefu.core.errors import PermissionDenied, ValidationError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_supervisor_creates_an_agent(org):
    user = services.user_create(
        by=org.supervisor,
        username="newbie",
        password="long-enough",
        role=Role.AGENT,
        display_name="小新",
        department=org.center,
        superior=org.supervisor,
        groups=[org.group],
    )
    assert user.check_password("long-enough")
    assert list(user.agent_groups.all()) == [org.group]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN, Role.GENERAL_MANAGER, Role.SUPERVISOR])
def test_a_supervisor_cannot_create_a_role_at_or_above_their_own(org, role):
    with pytest.raises(ValidationError) as refused:
        services.user_create(by=org.supervisor, username="boss", password="long-enough", role=role)
    assert "role" in refused.value.errors
    assert not User.objects.filter(username="boss").exists()


def test_a_manager_may_create_a_supervisor_and_an_admin_anything(org):
    supervisor = services.user_create(
        by=org.manager, username="sup2", password="long-enough", role=Role.SUPERVISOR
    )
    admin = UserFactory(role=Role.ADMIN)
    gm = services.user_create(by=admin, username="gm2", password="long-enough", role=Role.GENERAL_MANAGER)

    assert User.objects.get(username="sup2") == supervisor and supervisor.role == Role.SUPERVISOR
    assert User.objects.get(username="gm2") == gm and gm.role == Role.GENERAL_MANAGER
    assert supervisor.check_password("long-enough") and gm.check_password("long-enough")


@pytest.mark.parametrize("who", ["agent", "qa", "logistics_staff"])
def test_only_leads_manage_the_organisation(org, who):
    with pytest.raises(PermissionDenied):
        services.user_create(by=getattr(org, who), username="x", password="long-enough")
    with pytest.raises(PermissionDenied):
        services.group_update(by=getattr(org, who), group=org.group, name="改名")


def test_a_supervisor_cannot_edit_a_manager(org):
    with pytest.raises(PermissionDenied):
        services.user_update(by=org.supervisor, user=org.manager, display_name="改掉", department=org.center)


def test_a_superior_loop_is_refused(org):
    # supervisor's superior is manager; making supervisor the manager's superior would loop.
    with pytest.raises(ValidationError) as refused:
        services.user_update(by=org.gm, user=org.manager, superior=org.supervisor, department=org.center)
    assert "superior" in refused.value.errors
    org.manager.refresh_from_db()
    assert org.manager.superior == org.gm


def test_nobody_is_their_own_superior(org):
    with pytest.raises(ValidationError) as refused:
        services.user_update(
            by=org.manager, user=org.supervisor, superior=org.supervisor, department=org.center
        )
    assert "superior" in refused.value.errors


def test_a_department_cannot_move_below_its_own_child(org):
    child = services.department_create(by=org.manager, name="仓储组", code="storage", parent=org.logistics)
    with pytest.raises(ValidationError) as refused:
        services.department_update(
            by=org.manager, department=org.logistics, name="物流部", code="logistics", parent=child
        )
    assert "parent" in refused.value.errors


def test_group_update_sets_leader_members_and_skills(org):
    skill = services.skill_create(by=org.supervisor, name="家电")
    services.group_update(
        by=org.supervisor,
        group=org.group,
        name="热线一组",
        leader=org.supervisor,
        members=[org.agent],
        skills=[skill],
    )
    assert list(org.group.members.all()) == [org.agent]
    assert list(org.group.skills.all()) == [skill]


def test_staff_form_offers_only_roles_below_the_editor(org, as_user):
    html = as_user(org.supervisor).get("/org/staff/new/").content.decode()
    assert 'value="agent"' in html and 'value="department_staff"' in html
    assert 'value="manager"' not in html and 'value="admin"' not in html


def test_staff_form_refuses_a_forged_manager_role(org, as_user):
    response = as_user(org.supervisor).post(
        "/org/staff/new/",
        {"username": "boss", "password": "long-enough", "role": "manager", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(username="boss").exists()


def test_staff_page_creates_and_edits(org, as_user):
    client = as_user(org.supervisor)
    response = client.post(
        "/org/staff/new/",
        {
            "username": "newbie",
            "password": "long-enough",
            "role": "agent",
            "display_name": "小新",
            "department": org.center.pk,
            "superior": org.supervisor.pk,
            "groups": [org.group.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    response = client.post(
        f"/org/staff/{user.pk}/",
        {
            "role": "agent",
            "display_name": "小新新",
            "department": org.center.pk,
            "superior": org.supervisor.pk,
            "groups": [org.other_group.pk],
            "is_active": "",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "小新新" and not user.is_active
    assert list(user.agent_groups.all()) == [org.other_group]


def test_edit_page_of_a_higher_rank_is_forbidden(org, as_user):
    assert as_user(org.supervisor).get(f"/org/staff/{org.manager.pk}/").status_code == 403


def test_superior_loop_is_shown_at_the_field_on_the_page(org, as_user):
    response = as_user(org.gm).post(
        f"/org/staff/{org.manager.pk}/",
        {"role": "manager", "department": org.center.pk, "superior": org.supervisor.pk, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "superior" in response.context["form"].errors


def test_org_home_shows_departments_staff_and_groups(org, as_user):
    client = as_user(org.manager)
    assert "物流部" in client.get("/org/").content.decode()
    staff = client.get("/org/?tab=staff").content.decode()
    assert org.agent.username in staff and "客服代表" in staff
    groups = client.get("/org/?tab=groups").content.decode()
    assert "热线一组" in groups


def test_department_and_group_pages_save(org, as_user):
    client = as_user(org.manager)
    response = client.post("/org/departments/new/", {"name": "财务部", "code": "finance", "head": org.gm.pk})
    assert response.status_code == 302
    assert Department.objects.get(code="finance").head == org.gm
    response = client.post(
        "/org/groups/new/", {"name": "投诉专席", "leader": org.supervisor.pk, "members": [org.agent.pk]}
    )
    assert response.status_code == 302
    assert AgentGroup.objects.get(name="投诉专席").leader == org.supervisor
    client.post("/org/skills/new/", {"name": "英语"})
    assert Skill.objects.filter(name="英语").exists()


@pytest.mark.parametrize("weak", ["12345678", "password", "aaaaaaaa", "short1x", "manager-boss"])
def test_weak_staff_passwords_are_refused_at_the_password_field(org, weak):
    with pytest.raises(ValidationError) as refused:
        services.user_create(
            by=org.manager, username="manager-boss", password=weak, display_name="Manager Boss"
        )

    assert "password" in refused.value.errors
    assert not User.objects.filter(username="manager-boss").exists()


@pytest.mark.parametrize("weak", ["12345678", "password", "aaaaaaaa"])
def test_weak_passwords_are_refused_when_changed_too(org, weak):
    with pytest.raises(ValidationError) as refused:
        services.user_update(by=org.manager, user=org.agent, password=weak)

    assert "password" in refused.value.errors


def test_the_minimum_length_is_configurable(org, settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 16},
        }
    ]
    with pytest.raises(ValidationError):
        services.user_update(by=org.manager, user=org.agent, password="fifteen-chars-x")
    services.user_update(by=org.manager, user=org.agent, password="sixteen-chars-xy")


def test_the_staff_form_shows_the_password_rule_and_refuses_a_common_password(org, as_user):
    client = as_user(org.manager)
    page = client.get("/org/staff/new/")
    assert "10" in page.content.decode()

    response = client.post(
        "/org/staff/new/", {"username": "weakling", "password": "password", "role": "agent"}
    )

    assert response.status_code == 200 and not User.objects.filter(username="weakling").exists()
