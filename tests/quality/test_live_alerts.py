"""Live alerts (实时预警): while a chat runs, a severe rule of the chat rubric or the customer's
negative emotion tells the agent's supervisor at once (in-app and over the notifications websocket),
once per rule per chat."""

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from kefu.intake.chat import services as chat
from kefu.notify.consumers import user_group
from kefu.notify.models import Notification
from kefu.quality.live_alerts import KIND
from kefu.quality.models import LiveAlert
from kefu.quality.services import rubrics, rules

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
S = timedelta(seconds=1)


@pytest.fixture
def running(org, django_capture_on_commit_callbacks):
    """A chat the agent has accepted; `say(sender, text)` posts a line and runs what it queued."""
    chat.agent_console(agent=org.agent, opened=True)
    chat.agent_set_status(agent=org.agent, status="online", now=T0)
    session = chat.chat_start(token=secrets.token_hex(16), name="张女士", now=T0)
    chat.chat_post_line(session=session, sender="customer", text="在吗", now=T0 + S)
    session = chat.chat_accept(session=session, by=org.agent, now=T0 + 5 * S)
    moment = [T0 + 10 * S]

    def say(sender: str, text: str):
        moment[0] += 10 * S
        with django_capture_on_commit_callbacks(execute=True):
            chat.chat_post_line(
                session=session,
                sender=sender,
                text=text,
                by=org.agent if sender == "agent" else None,
                now=moment[0],
            )

    return session, say


def chat_rubric(by, *, severity="severe"):
    rubric = rubrics.rubric_create(name="在线评分表", channels=["chat"], by=by)
    version = rubric.versions.get()
    item = rubrics.item_create(version=version, code="buck", name="推诿", group="wording", points=10,
                               severity=severity, by=by)  # fmt: skip
    rule = rules.rule_create(version=version, item=item, name="推诿用语",
                             condition={"type": "keywords", "words": ["不归我管"]}, by=by)  # fmt: skip
    rubrics.version_publish(version=version, by=by)
    return rule


def alerts(user):
    return Notification.objects.filter(user=user, kind=KIND)


def test_a_customer_saying_they_will_complain_notifies_the_supervisor_once(org, running):
    session, say = running
    say("customer", "你们太慢了，我要投诉")
    say("agent", "非常抱歉，我马上为您处理")
    say("customer", "我还是要投诉你们")

    [alert] = alerts(org.supervisor)
    assert alert.ticket == session.ticket  # the toast and the list link to the chat's work order
    assert "我要投诉" in alert.body
    assert not alerts(org.agent).exists() and not alerts(org.manager).exists()
    assert LiveAlert.objects.filter(chat_session=session).count() == 1


def test_a_negated_complaint_raises_no_alert(org, running):
    _session, say = running
    say("customer", "我不是投诉，就是问一下")
    assert not alerts(org.supervisor).exists()


def test_a_severe_rule_of_the_chat_rubric_alerts_once_per_chat(org, running):
    rule = chat_rubric(org.manager)
    session, say = running
    say("agent", "这不归我管")
    say("agent", "真的不归我管")

    [alert] = alerts(org.supervisor)
    assert rule.name in alert.body and "不归我管" in alert.body
    assert LiveAlert.objects.get(chat_session=session).rule == rule


def test_a_minor_rule_of_the_chat_rubric_raises_no_alert(org, running):
    chat_rubric(org.manager, severity="minor")
    _session, say = running
    say("agent", "这不归我管")
    assert not alerts(org.supervisor).exists()


def test_the_alert_reaches_the_supervisors_open_page_over_the_notifications_websocket(org, running):
    _session, say = running
    layer = get_channel_layer()
    page = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(org.supervisor.pk), page)

    say("customer", "服务太差了，我要给差评")

    message = async_to_sync(layer.receive)(page)
    assert message["type"] == "notify"
    assert message["payload"]["kind"] == KIND and "差评" in message["payload"]["body"]


def test_an_agent_without_anyone_above_alerts_the_supervisors(org, running):
    org.agent.superior = None
    org.agent.department = None
    org.agent.save(update_fields=["superior", "department"])
    _session, say = running
    say("customer", "我要投诉")
    assert alerts(org.supervisor).count() == 1
