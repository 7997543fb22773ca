"""A small organisation for work-order tests: the ladder, two agent groups, two departments."""

from dataclasses import dataclass

from kefu.accounts.models import AgentGroup, Department, Role, User
from kefu.tickets.models import EscalationSettings
from tests.factories import (
    AgentGroupFactory,
    CalendarFactory,
    DepartmentFactory,
    SlaPolicyFactory,
    UserFactory,
)


@dataclass
class Org:
    center: Department
    logistics: Department
    store: Department
    board: User
    gm: User
    manager: User
    supervisor: User
    agent: User
    agent2: User
    other_agent: User
    qa: User
    logistics_staff: User
    logistics_head: User
    store_staff: User
    group: AgentGroup
    other_group: AgentGroup


def build_org(*, with_policy: bool = True) -> Org:
    """GM ← manager ← supervisor ← agents; logistics and store departments with their own staff."""
    calendar = CalendarFactory()
    board = UserFactory(username="board", role=Role.GENERAL_MANAGER, display_name="董事会联系人")
    gm = UserFactory(username="gm", role=Role.GENERAL_MANAGER, display_name="总经理")
    center = DepartmentFactory(name="客服中心", code="center", is_service_center=True, head=gm)
    manager = UserFactory(username="manager", role=Role.MANAGER, superior=gm, department=center)
    supervisor = UserFactory(username="supervisor", role=Role.SUPERVISOR, superior=manager, department=center)
    group = AgentGroupFactory(name="热线一组", leader=supervisor, department=center)
    other_group = AgentGroupFactory(name="热线二组", leader=supervisor, department=center)
    agent = UserFactory(username="agent", superior=supervisor, department=center, groups_=[group])
    agent2 = UserFactory(username="agent2", superior=supervisor, department=center, groups_=[group])
    other_agent = UserFactory(username="other", superior=supervisor, department=center, groups_=[other_group])
    qa = UserFactory(username="qa", role=Role.QA, superior=manager, department=center)
    logistics = DepartmentFactory(name="物流部", code="logistics")
    logistics_head = UserFactory(
        username="logistics_head", role=Role.MANAGER, department=logistics, superior=gm
    )
    logistics.head = logistics_head
    logistics.save()
    logistics_staff = UserFactory(
        username="logistics", role=Role.DEPARTMENT_STAFF, department=logistics, superior=logistics_head
    )
    store = DepartmentFactory(name="门店部", code="store")
    store_staff = UserFactory(username="store", role=Role.DEPARTMENT_STAFF, department=store)
    settings_row = EscalationSettings.load()
    settings_row.board_contact = board
    settings_row.save()
    if with_policy:
        SlaPolicyFactory(name="默认", calendar=calendar)
    return Org(
        center=center,
        logistics=logistics,
        store=store,
        board=board,
        gm=gm,
        manager=manager,
        supervisor=supervisor,
        agent=agent,
        agent2=agent2,
        other_agent=other_agent,
        qa=qa,
        logistics_staff=logistics_staff,
        logistics_head=logistics_head,
        store_staff=store_staff,
        group=group,
        other_group=other_group,
    )
