"""The chat sessions' transition table (kefu.intake.chat.workflow) and routing that the services
schedule themselves after they commit."""

import itertools

import pytest

from kefu.core.errors import TransitionNotAllowed
from kefu.intake.chat import services, workflow
from kefu.intake.chat.models import ChatLine, ChatSession
from kefu.intake.chat.tasks import chat_sweep_task
from tests.intake.chat.conftest import T0, online, start

State = ChatSession.State
ACTIONS = [workflow.OFFER, workflow.WITHDRAW, workflow.DECLINE, workflow.ACCEPT, workflow.TRANSFER,
           workflow.POST, workflow.END, workflow.LEAVE_MESSAGE]  # fmt: skip


def test_the_table_knows_every_state_and_action():
    assert {state for state, _action in workflow.TRANSITIONS} | set(workflow.TRANSITIONS.values()) == set(
        State.values
    )
    assert {action for _state, action in workflow.TRANSITIONS} == set(ACTIONS) == set(workflow.REFUSALS)


@pytest.mark.parametrize(("state", "action"), itertools.product([State.ENDED, State.MISSED], ACTIONS))
def test_a_finished_chat_moves_no_more(state, action):
    with pytest.raises(TransitionNotAllowed):
        workflow.check(state, action)


@pytest.mark.parametrize(
    ("state", "action", "target"),
    [
        (State.WAITING, workflow.OFFER, State.OFFERED),
        (State.OFFERED, workflow.DECLINE, State.WAITING),
        (State.OFFERED, workflow.ACCEPT, State.ACTIVE),
        (State.ACTIVE, workflow.TRANSFER, State.ACTIVE),
        (State.ACTIVE, workflow.END, State.ENDED),
        (State.OFFERED, workflow.END, State.MISSED),
        (State.WAITING, workflow.LEAVE_MESSAGE, State.MISSED),
    ],
)
def test_allowed_moves_lead_to_their_state(state, action, target):
    assert workflow.check(state, action) == target


@pytest.mark.parametrize(
    ("state", "action", "message"),
    [
        (State.WAITING, workflow.TRANSFER, "Only a chat in progress can be transferred."),
        (State.ACTIVE, workflow.ACCEPT, "This chat was already taken or has ended."),
        (State.ACTIVE, workflow.LEAVE_MESSAGE, "An agent is already with you, or the chat has ended."),
        (State.WAITING, workflow.DECLINE, "This chat is not offered to you."),
        (State.ACTIVE, workflow.OFFER, "This chat was already taken or has ended."),
    ],
)
def test_a_refused_move_raises_the_domain_error_with_its_reason(state, action, message, settings):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(TransitionNotAllowed) as refused:
        workflow.check(state, action)
    assert refused.value.message == message
    assert refused.value.as_dict()["code"] == "transition_not_allowed"


@pytest.mark.django_db
def test_the_services_consult_the_table(org, monkeypatch):
    online(org.agent)
    session = start()
    monkeypatch.delitem(workflow.TRANSITIONS, (State.WAITING, workflow.ACCEPT))

    with pytest.raises(TransitionNotAllowed):
        services.chat_accept(session=session, by=org.agent, now=T0)
    session.refresh_from_db()
    assert session.state == State.WAITING and session.agent is None


@pytest.mark.django_db
def test_transferring_a_waiting_chat_is_refused(org):
    online(org.agent)
    online(org.agent2)
    session = start()

    with pytest.raises(TransitionNotAllowed):
        services.chat_transfer(session=session, by=org.agent, to=org.agent2, now=T0)


@pytest.mark.django_db
def test_a_new_chat_is_offered_once_it_commits_without_the_caller_routing(
    org, django_capture_on_commit_callbacks
):
    online(org.agent)

    with django_capture_on_commit_callbacks(execute=True):
        session = start()

    session.refresh_from_db()
    assert session.state == State.OFFERED and session.offered_to == org.agent


@pytest.mark.django_db
def test_an_ended_chat_frees_the_place_for_the_next_in_the_queue(org, django_capture_on_commit_callbacks):
    online(org.agent, max_chats=1)
    first, second = start(), start()
    services.chat_dispatch(now=T0)
    services.chat_accept(session=first, by=org.agent, now=T0)
    second.refresh_from_db()
    assert second.state == State.WAITING

    with django_capture_on_commit_callbacks(execute=True):
        services.chat_end(session=first, by=org.agent, now=T0)

    second.refresh_from_db()
    assert second.state == State.OFFERED and second.offered_to == org.agent


@pytest.mark.django_db
def test_an_agent_going_online_takes_the_waiting_chat(org, django_capture_on_commit_callbacks):
    session = start()
    services.agent_console(agent=org.agent, opened=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.agent_set_status(agent=org.agent, status="online", now=T0)

    session.refresh_from_db()
    assert session.state == State.OFFERED and session.offered_to == org.agent


@pytest.mark.django_db
def test_a_declined_chat_goes_to_the_next_agent_at_once(org, django_capture_on_commit_callbacks):
    online(org.agent)
    session = start()
    services.chat_dispatch(now=T0)
    session.refresh_from_db()
    first = session.offered_to
    online(org.agent2 if first == org.agent else org.agent)

    with django_capture_on_commit_callbacks(execute=True):
        services.chat_decline(session=session, by=first, now=T0)

    session.refresh_from_db()
    assert session.state == State.OFFERED and session.offered_to not in (None, first)


@pytest.mark.django_db
def test_the_periodic_sweep_routes_the_queue(org, django_capture_on_commit_callbacks):
    online(org.agent)
    session = start()  # its routing was lost (never committed here)

    with django_capture_on_commit_callbacks(execute=True):
        chat_sweep_task.call_local()

    session.refresh_from_db()
    assert session.state == State.OFFERED


@pytest.mark.django_db
def test_a_customer_line_on_a_finished_chat_is_refused(org):
    online(org.agent)
    session = start()
    services.chat_end(session=session, ended_by=ChatLine.Sender.CUSTOMER, now=T0)

    with pytest.raises(TransitionNotAllowed):
        services.chat_post_line(session=session, sender=ChatLine.Sender.CUSTOMER, text="还在吗", now=T0)
