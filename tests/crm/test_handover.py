"""Departed staff (离职交接): one step hands everything over; the nightly check finds what was left."""

from datetime import date

import pytest

from kefu.accounts.models import User
from kefu.callbacks.models import CallbackTask
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.crm.handover import handover, held_counts, leftovers, leftovers_check
from kefu.crm.models import CareKind, CareStatus, CareTouch
from kefu.notify.models import MessageTemplate, Notification, TemplateChannel, TemplateKind
from kefu.tickets.models import Status, Ticket, TicketEvent
from kefu.tickets.timeline import describe
from tests.callbacks.conftest import plan_org
from tests.factories import CustomerFactory, aware

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    """The small organisation with a callback plan (tests/callbacks)."""
    return plan_org(db)


def make_ticket(owner, n, status=Status.IN_PROGRESS):
    return Ticket.objects.create(
        number=f"TS-20261203-{n:04d}", title="宽带报修", ticket_type="complaint", channel="phone",
        status=status, owner=owner, created_at=aware(2026, 12, 1, 9), updated_at=aware(2026, 12, 1, 9),
    )  # fmt: skip


@pytest.fixture
def departing(org):
    """org.agent holds two customers, two open work orders (and a closed one), an open callback task."""
    agent = org.agent
    CustomerFactory(owner=agent, phone="13800138010", name="陈先生")
    CustomerFactory(owner=agent, phone="13800138011", consent_sms=False)
    make_ticket(agent, 1)
    make_ticket(agent, 2, Status.ACCEPTED)
    make_ticket(agent, 3, Status.CLOSED)
    CallbackTask.objects.create(
        plan=org.plan, subject_key="c1", period="p1", assigned_to=agent, created_at=aware(2026, 12, 1, 9)
    )
    return agent


def test_after_a_handover_nothing_is_held_by_the_departed_colleague(
    org, departing, sms_outbox, django_capture_on_commit_callbacks
):
    notice = MessageTemplate.objects.create(
        name="交接通知", kind=TemplateKind.FREE, channel=TemplateChannel.SMS,
        body="{customer_name}您好，您的专属客服已更换为{agent_no}。",
    )  # fmt: skip
    assert held_counts(departing) == {"customers": 2, "tickets": 2, "callbacks": 1, "chats": 0}

    with django_capture_on_commit_callbacks(execute=True):  # the messages leave after the commit
        record = handover(
            user=departing, by=org.manager, to=org.agent2, notify_customers=True, template=notice,
            now=aware(2026, 12, 3, 10),
        )  # fmt: skip

    assert held_counts(departing) == {"customers": 0, "tickets": 0, "callbacks": 0, "chats": 0}
    assert not User.objects.get(pk=departing.pk).is_active
    assert record.counts == {"customers": {str(org.agent2.pk): 2}, "tickets": {str(org.agent2.pk): 2},
                             "callbacks": {str(org.agent2.pk): 1}}  # fmt: skip
    assert Ticket.objects.get(number="TS-20261203-0003").owner == departing  # a closed one stays as it was
    event = TicketEvent.objects.filter(ticket__number="TS-20261203-0001", kind=TicketEvent.Kind.UPDATE).get()
    assert event.actor == org.manager and "→" not in describe(event) and org.agent2.label in describe(event)
    # The customers hear of their new person, consent honoured: one SMS, one skipped and recorded.
    touches = CareTouch.objects.filter(kind=CareKind.HANDOVER)
    assert sorted(touches.values_list("status", flat=True)) == [
        CareStatus.SKIPPED_NO_CONSENT,
        CareStatus.SENT,
    ]
    (sms,) = sms_outbox
    assert sms.text == f"陈先生您好，您的专属客服已更换为{org.agent2.label}。"
    assert Notification.objects.filter(user=org.agent2, kind="handover").count() == 1
    assert leftovers() == []


def test_each_kind_may_go_to_its_own_colleague(org, departing):
    handover(user=departing, by=org.manager, customers_to=org.supervisor, to=org.agent2)
    assert held_counts(org.supervisor)["customers"] == 2
    assert held_counts(org.agent2)["tickets"] == 2


def test_a_kind_without_a_colleague_is_refused_and_nothing_is_saved(org, departing):
    with pytest.raises(ValidationError) as refused:
        handover(user=departing, by=org.manager, customers_to=org.agent2)
    assert set(refused.value.errors) == {"tickets_to", "callbacks_to"}
    assert held_counts(departing)["customers"] == 2
    assert User.objects.get(pk=departing.pk).is_active


def test_only_managers_hand_over(org, departing):
    with pytest.raises(PermissionDenied):
        handover(user=departing, by=org.agent2, to=org.agent2)
    with pytest.raises(ValidationError) as itself:
        handover(user=departing, by=org.manager, to=departing)
    assert "to" in itself.value.errors


def test_the_nightly_check_finds_what_an_inactive_colleague_still_holds(org, departing):
    User.objects.filter(pk=departing.pk).update(is_active=False)  # deactivated without a hand-over
    admin = User.objects.create(username="admin1", role="admin")
    (left,) = leftovers_check()
    assert (left.user, left.counts) == (departing, {"customers": 2, "tickets": 2, "callbacks": 1, "chats": 0})
    assert Notification.objects.filter(user=admin, kind="handover").count() == 1
    assert leftovers_check()[0].total == 5  # 2 + 2 + 1


def test_care_run_command_takes_a_date(db, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("care_run", "--date", "2026-09-25")
    assert "Care run 2026-09-25" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--date"):
        call_command("care_run", "--date", "25/09/2026")
    assert date(2026, 9, 25)
