"""Queue, offers, capacity, skills, transcript and leave-a-message rules of live chat."""

from datetime import timedelta

import pytest

from kefu.accounts.models import Skill
from kefu.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationError
from kefu.intake.chat import services
from kefu.intake.chat.models import ChatLine, ChatSession
from kefu.tickets.models import Channel, Message, Status
from kefu.tickets.services import ticket_create
from tests.intake.chat.conftest import T0, online, start

pytestmark = pytest.mark.django_db
S = timedelta(seconds=1)


def test_start_greets_at_once_with_queue_position(org):
    online(org.agent)
    start()
    second = start(name="李先生")
    greeting = second.lines.get()
    assert greeting.sender == ChatLine.Sender.SYSTEM
    assert "您好" in greeting.text and "第 2 位" in greeting.text
    assert second.greeted_at == second.requested_at


def test_start_in_english_greets_in_english(org):
    online(org.agent)
    session = start(language="en")
    assert session.lines.get().text.startswith("Hello, welcome!")


def test_start_with_nobody_online_invites_to_leave_a_message(org):
    session = start()
    assert session.leave_message_invited_at == T0
    assert "留言" in session.lines.order_by("id").last().text


def test_start_refuses_a_bad_phone_naming_the_field(org):
    with pytest.raises(ValidationError) as exc:
        start(phone="12")
    assert "phone" in exc.value.errors
    assert not ChatSession.objects.exists()


def test_start_again_with_an_open_token_returns_the_same_chat(org):
    session = start(token="a" * 32)
    assert start(token="a" * 32) == session


def test_dispatch_offers_to_the_longest_idle_online_agent(org):
    online(org.agent2, now=T0 - 60 * S)
    online(org.agent, now=T0)
    session = start()
    assert services.chat_dispatch(now=T0) == [(session.pk, org.agent2.pk)]
    session.refresh_from_db()
    assert session.state == ChatSession.State.OFFERED
    assert session.offer_expires_at == T0 + 30 * S


def test_dispatch_spreads_chats_over_free_agents(org):
    online(org.agent, now=T0 - 60 * S)
    online(org.agent2, now=T0)
    start(), start()
    offers = services.chat_dispatch(now=T0)
    assert [agent for _s, agent in offers] == [org.agent.pk, org.agent2.pk]


def test_dispatch_skips_an_agent_at_capacity(org):
    online(org.agent, max_chats=1)
    first, second = start(), start()
    services.chat_dispatch(now=T0)
    services.chat_accept(session=first, by=org.agent, now=T0)
    assert services.chat_dispatch(now=T0) == []
    second.refresh_from_db()
    assert second.state == ChatSession.State.WAITING


def test_dispatch_offers_a_chat_asking_for_a_skill_only_to_agents_with_it(org):
    billing = Skill.objects.create(name="billing")
    org.agent2.skills.add(billing)
    online(org.agent, now=T0 - 60 * S)
    online(org.agent2, now=T0)
    session = start(skill="billing")
    assert services.chat_dispatch(now=T0) == [(session.pk, org.agent2.pk)]


def test_dispatch_ignores_away_agents(org):
    online(org.agent)
    services.agent_set_status(agent=org.agent, status="away", now=T0)
    start()
    assert services.chat_dispatch(now=T0) == []


def test_with_no_agent_online_dispatch_neither_reads_nor_locks_the_waiting_queue(org):
    """Every start routes: reading (FOR UPDATE) the whole queue when nobody can take a chat made the
    starts wait for each other, seconds apiece under load (bench/load.py's chats)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        start()
    with CaptureQueriesContext(connection) as queries:
        assert services.chat_dispatch(now=T0) == []
    assert not [q["sql"] for q in queries if "intake_chat_chatsession" in q["sql"]]
    assert ChatSession.objects.filter(state="waiting").count() == 3


def test_an_unanswered_offer_expires_and_goes_to_the_next_agent(org):
    online(org.agent, now=T0 - 60 * S)
    online(org.agent2, now=T0)
    session = start()
    services.chat_dispatch(now=T0)
    assert services.chat_sweep(now=T0 + 29 * S) == 0
    assert services.chat_sweep(now=T0 + 30 * S) == 1
    assert services.chat_dispatch(now=T0 + 30 * S) == [(session.pk, org.agent2.pk)]


def test_a_declined_offer_goes_to_the_next_agent(org):
    online(org.agent, now=T0 - 60 * S)
    online(org.agent2, now=T0)
    session = start()
    services.chat_dispatch(now=T0)
    services.chat_decline(session=session, by=org.agent, now=T0)
    assert services.chat_dispatch(now=T0) == [(session.pk, org.agent2.pk)]


def test_an_offer_passed_over_by_everyone_goes_round_again(org):
    online(org.agent)
    session = start()
    services.chat_dispatch(now=T0)
    services.chat_decline(session=session, by=org.agent, now=T0)
    assert services.chat_dispatch(now=T0) == [(session.pk, org.agent.pk)]


def test_going_away_hands_pending_offers_back(org):
    online(org.agent)
    session = start()
    services.chat_dispatch(now=T0)
    services.agent_set_status(agent=org.agent, status="away", now=T0)
    session.refresh_from_db()
    assert session.state == ChatSession.State.WAITING and session.offered_to is None


def test_only_center_staff_go_online(org):
    with pytest.raises(PermissionDenied):
        online(org.logistics_staff)


def test_accept_creates_a_chat_work_order_owned_by_the_agent_with_the_lines_so_far(org):
    online(org.agent)
    session = start(phone="13800138000")
    services.chat_post_line(session=session, sender="customer", text="快递三天没到", now=T0 + S)
    services.chat_dispatch(now=T0)
    session = services.chat_accept(session=session, by=org.agent, now=T0 + 5 * S)
    ticket = session.ticket
    assert ticket.channel == Channel.CHAT and ticket.owner == org.agent
    assert ticket.status == Status.ACCEPTED and ticket.customer_phone == "13800138000"
    assert ticket.content == "快递三天没到"
    texts = list(ticket.messages.order_by("created_at", "id").values_list("direction", "body_text"))
    assert texts[1] == (Message.Direction.INBOUND, "快递三天没到")
    assert "为您服务" in texts[-1][1]


def test_accept_continues_the_customers_open_work_order_matched_by_phone(org):
    existing = ticket_create(
        by=org.agent,
        ticket_type="complaint",
        channel="phone",
        content="上周的投诉",
        customer_phone="13800138000",
        accept=True,
        now=T0 - timedelta(days=1),
    ).ticket
    online(org.agent)
    session = start(phone="138 0013 8000")
    services.chat_dispatch(now=T0)
    session = services.chat_accept(session=session, by=org.agent, now=T0)
    assert session.ticket == existing


def test_accept_refuses_a_chat_offered_to_a_colleague(org):
    online(org.agent, now=T0 - 60 * S)
    online(org.agent2, now=T0)
    session = start()
    services.chat_dispatch(now=T0)
    with pytest.raises(TransitionNotAllowed):
        services.chat_accept(session=session, by=org.agent2, now=T0)


def test_accept_picks_a_waiting_chat_from_the_queue(org):
    online(org.agent)
    services.agent_set_status(agent=org.agent, status="away", now=T0)
    session = start()
    session = services.chat_accept(session=session, by=org.agent, now=T0)
    assert session.state == ChatSession.State.ACTIVE and session.agent == org.agent


def test_every_line_is_a_message_on_the_work_order_with_a_chat_external_id(org):
    online(org.agent)
    session = start()
    services.chat_dispatch(now=T0)
    session = services.chat_accept(session=session, by=org.agent, now=T0)
    question = services.chat_post_line(session=session, sender="customer", text="在吗", now=T0 + S)
    answer = services.chat_post_line(
        session=session, sender="agent", by=org.agent, text="在的", now=T0 + 2 * S
    )
    assert Message.objects.get(external_id=f"chat:{question.pk}").direction == Message.Direction.INBOUND
    reply = Message.objects.get(external_id=f"chat:{answer.pk}")
    assert reply.direction == Message.Direction.OUTBOUND and reply.author == org.agent
    assert reply.ticket == session.ticket


def test_the_first_agent_line_measures_the_first_response_from_the_request(org):
    online(org.agent)
    session = start()
    services.chat_dispatch(now=T0)
    session = services.chat_accept(session=session, by=org.agent, now=T0 + 10 * S)
    services.chat_post_line(session=session, sender="agent", by=org.agent, text="您好", now=T0 + 25 * S)
    services.chat_post_line(session=session, sender="agent", by=org.agent, text="请讲", now=T0 + 40 * S)
    session.refresh_from_db()
    assert session.first_response_seconds == 25
    assert session.first_response_at == T0 + 25 * S


def test_an_agent_not_serving_the_chat_may_not_write_in_it(org):
    online(org.agent)
    session = start()
    session = services.chat_accept(session=session, by=org.agent, now=T0)
    with pytest.raises(PermissionDenied):
        services.chat_post_line(session=session, sender="agent", by=org.agent2, text="你好", now=T0)


def test_an_empty_line_is_refused_naming_the_field(org):
    session = start()
    with pytest.raises(ValidationError) as exc:
        services.chat_post_line(session=session, sender="customer", text="  ", now=T0)
    assert "text" in exc.value.errors


def test_transfer_hands_the_chat_to_a_colleague_with_a_note_only_agents_see(org):
    online(org.agent)
    online(org.agent2)
    session = services.chat_accept(session=start(), by=org.agent, now=T0)
    session = services.chat_transfer(session=session, by=org.agent, to=org.agent2, note="客户要退款", now=T0)
    assert session.agent == org.agent2
    note = session.lines.get(internal=True)
    assert "客户要退款" in note.text and note.message is None
    assert session.ticket.owner == org.agent  # the first-contact owner stays responsible


def test_transfer_refuses_a_colleague_who_is_not_online(org):
    online(org.agent)
    session = services.chat_accept(session=start(), by=org.agent, now=T0)
    with pytest.raises(ValidationError) as exc:
        services.chat_transfer(session=session, by=org.agent, to=org.agent2, now=T0)
    assert "to" in exc.value.errors


def test_transfer_refuses_a_colleague_without_a_free_place(org):
    online(org.agent)
    online(org.agent2, max_chats=1)
    services.chat_accept(session=start(), by=org.agent2, now=T0)
    session = services.chat_accept(session=start(), by=org.agent, now=T0)
    with pytest.raises(ValidationError):
        services.chat_transfer(session=session, by=org.agent, to=org.agent2, now=T0)


def test_ending_an_active_chat_frees_the_agents_place(org):
    online(org.agent, max_chats=1)
    session = services.chat_accept(session=start(), by=org.agent, now=T0)
    waiting = start()
    services.chat_end(session=session, by=org.agent, now=T0 + 60 * S)
    session.refresh_from_db()
    assert session.state == ChatSession.State.ENDED and session.ended_at == T0 + 60 * S
    assert services.chat_dispatch(now=T0 + 60 * S) == [(waiting.pk, org.agent.pk)]


def test_leaving_a_message_makes_an_unowned_chat_work_order_and_tells_its_number(org):
    session = start(name="王先生")
    ticket = services.chat_leave_message(session=session, text="想咨询会员积分", phone="13900139000", now=T0)
    assert ticket.channel == Channel.CHAT and ticket.owner is None and ticket.status == Status.NEW
    assert ticket.customer_phone == "13900139000" and ticket.content == "想咨询会员积分"
    session.refresh_from_db()
    assert session.state == ChatSession.State.MISSED
    assert ticket.number in session.lines.order_by("id").last().text
    assert ticket.messages.filter(body_text="想咨询会员积分").exists()


def test_leaving_a_message_requires_a_phone_or_email(org):
    session = start()
    with pytest.raises(ValidationError) as exc:
        services.chat_leave_message(session=session, text="你好", now=T0)
    assert "phone" in exc.value.errors
    assert session.lines.count() == 2  # greeting and invitation, nothing half-saved


def test_a_long_wait_invites_to_leave_a_message(org):
    online(org.agent)
    session = start()
    assert session.leave_message_invited_at is None
    services.chat_sweep(now=T0 + 180 * S)
    session.refresh_from_db()
    assert session.leave_message_invited_at == T0 + 180 * S


def test_a_customer_leaving_before_any_agent_keeps_their_words_on_a_work_order(org):
    session = start(phone="13800138000")
    services.chat_post_line(session=session, sender="customer", text="发票开错了", now=T0 + S)
    session = services.chat_end(session=session, ended_by="customer", now=T0 + 10 * S)
    assert session.state == ChatSession.State.MISSED
    assert session.ticket.messages.filter(body_text="发票开错了").exists()


def test_a_customer_leaving_without_a_word_makes_no_work_order(org):
    session = services.chat_end(session=start(), ended_by="customer", now=T0 + 10 * S)
    assert session.state == ChatSession.State.MISSED and session.ticket is None


def test_ending_twice_changes_nothing(org):
    online(org.agent)
    session = services.chat_accept(session=start(), by=org.agent, now=T0)
    services.chat_end(session=session, by=org.agent, now=T0 + S)
    lines = session.lines.count()
    services.chat_end(session=session, by=org.agent, now=T0 + 2 * S)
    assert session.lines.count() == lines


def test_department_staff_cannot_accept_chats(org):
    session = start()
    with pytest.raises(PermissionDenied):
        services.chat_accept(session=session, by=org.logistics_staff, now=T0)


def test_a_waiting_chat_whose_visitor_stays_away_ends_as_missed(org):
    online(org.agent, max_chats=1)
    session = start()
    services.chat_post_line(session=session, sender="customer", text="在吗", now=T0 + S)
    services.chat_visitor_presence(session=session, connected=False, now=T0 + 2 * S)
    assert services.chat_sweep(now=T0 + 61 * S) == 0
    services.chat_sweep(now=T0 + 62 * S)
    session.refresh_from_db()
    assert session.state == ChatSession.State.MISSED
    assert session.ticket.messages.filter(body_text="在吗").exists()


def test_a_visitor_who_comes_back_in_time_keeps_their_place(org):
    session = start()
    services.chat_visitor_presence(session=session, connected=False, now=T0)
    services.chat_visitor_presence(session=session, connected=True, now=T0 + 5 * S)
    services.chat_sweep(now=T0 + 120 * S)
    session.refresh_from_db()
    assert session.state == ChatSession.State.WAITING


def test_an_online_agent_whose_console_is_closed_gets_no_offers(org):
    online(org.agent)
    session = start()
    services.chat_dispatch(now=T0)
    services.agent_console(agent=org.agent, opened=False)
    session.refresh_from_db()
    assert session.state == ChatSession.State.WAITING  # the pending offer came back
    assert services.chat_dispatch(now=T0) == []


def test_a_limit_that_is_not_a_number_is_refused_naming_the_field(org):
    with pytest.raises(ValidationError) as exc:
        services.agent_set_status(agent=org.agent, status="online", max_chats="many", now=T0)
    assert "max_chats" in exc.value.errors


def test_ending_a_served_chat_offers_the_survey_in_the_chat_window(org, monkeypatch):
    pushed = []
    monkeypatch.setattr(services.events, "push", lambda group, payload: pushed.append((group, payload)))
    online(org.agent)
    session = services.chat_accept(session=start(), by=org.agent, now=T0)
    services.chat_end(session=session, by=org.agent, now=T0 + 60 * S)
    surveys = [(group, p) for group, p in pushed if p["type"] == "survey"]
    assert [group for group, _p in surveys] == [f"chat.visitor.{session.token}"]
    assert surveys[0][1]["choices"][0]["label"] == "满意"
    kinds = [p["type"] for _g, p in pushed if p["type"] in ("state", "survey")]
    assert kinds[-2:] == ["state", "survey"]  # the last thing the customer sees


def test_chat_survey_answer_is_recorded_once_with_source_chat(org, monkeypatch):
    pushed = []
    monkeypatch.setattr(services.events, "push", lambda group, payload: pushed.append(payload))
    online(org.agent)
    session = services.chat_accept(session=start(), by=org.agent, now=T0)
    services.chat_end(session=session, by=org.agent, now=T0 + 60 * S)
    token = next(p["token"] for p in pushed if p["type"] == "survey")
    satisfaction = services.chat_survey_answer(session=session, token=token, score="fairly", now=T0 + 90 * S)
    assert (satisfaction.ticket_id, satisfaction.source) == (session.ticket_id, "chat")
    with pytest.raises(ValidationError):
        services.chat_survey_answer(session=session, token=token, score="satisfied", now=T0 + 95 * S)


def test_chat_survey_answer_refuses_a_survey_of_another_chat(org, monkeypatch):
    pushed = []
    monkeypatch.setattr(services.events, "push", lambda group, payload: pushed.append(payload))
    online(org.agent)
    mine = services.chat_accept(session=start(), by=org.agent, now=T0)
    services.chat_end(session=mine, by=org.agent, now=T0 + 60 * S)
    token = next(p["token"] for p in pushed if p["type"] == "survey")
    other = services.chat_accept(session=start(phone="13900000009"), by=org.agent, now=T0 + 70 * S)
    with pytest.raises(NotFound):
        services.chat_survey_answer(session=other, token=token, score="dissatisfied", now=T0 + 90 * S)


def test_a_missed_chat_offers_no_survey(org, monkeypatch):
    pushed = []
    monkeypatch.setattr(services.events, "push", lambda group, payload: pushed.append(payload))
    session = start(phone="13800138000")
    services.chat_post_line(session=session, sender="customer", text="发票开错了", now=T0 + S)
    services.chat_end(session=session, ended_by="customer", now=T0 + 10 * S)
    assert not [p for p in pushed if p["type"] == "survey"]


def _a_customer(phone: str):
    from kefu.customers.models import Customer
    from kefu.customers.services import customer_create

    customer, _created = customer_create(name="王总", phone=phone)
    Customer.objects.filter(pk=customer.pk).update(tier="A")  # the seed ladder: A raises by 1
    return customer


def test_a_chat_from_an_a_tier_customer_is_offered_before_earlier_visitors(org):
    _a_customer("13800138000")
    online(org.agent, max_chats=1)  # one free place: who gets it?
    first = start(name="访客")
    vip = start(name="王总", phone="138 0013 8000", now=T0 + 5 * S)
    # Seed ladder: A customers' routing priority is 1; unknown visitors stay at 0.
    assert (vip.tier, vip.priority) == ("A", 1) and (first.tier, first.priority) == ("", 0)
    assert "第 1 位" in vip.lines.get().text  # ahead of the visitor who asked 5 s earlier
    assert services.chat_dispatch(now=T0 + 6 * S) == [(vip.pk, org.agent.pk)]
    from kefu.intake.chat.selectors import waiting_queue

    assert [row["id"] for row in waiting_queue()] == [vip.pk, first.pk]
    assert waiting_queue()[0]["tier"] == "A"


def test_customers_of_the_same_tier_keep_the_order_they_asked_in(org):
    _a_customer("13800138000")
    _a_customer("13900139000")
    online(org.agent, max_chats=1)
    earlier = start(phone="13900139000")
    later = start(phone="13800138000", now=T0 + S)
    assert "第 2 位" in later.lines.get().text
    assert services.chat_dispatch(now=T0 + 2 * S) == [(earlier.pk, org.agent.pk)]
