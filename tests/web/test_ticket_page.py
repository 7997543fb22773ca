"""The work-order page: what it shows, every action it offers, and how refusals are rendered (never a 500)."""

import pytest
from django.utils import timezone

from kefu.tickets.models import Dispatch, Escalation, Status, Ticket, TicketEvent
from kefu.tickets.services import ticket_dispatch, ticket_transition, ticket_update
from kefu.tickets.services.dispatch import default_deadline
from tests.web.conftest import make_ticket

pytestmark = pytest.mark.django_db


def page(client, ticket) -> str:
    return client.get(f"/tickets/{ticket.number}/").content.decode()


def test_page_shows_register_clocks_timeline_and_the_allowed_actions(org, as_user):
    ticket = make_ticket(org, demands="退款", location="一楼收银台")
    html = page(as_user(org.agent), ticket)
    assert ticket.number in html
    assert "快递三天没有送到" in html and "一楼收银台" in html and "退款" in html
    assert "首次响应" in html and "办结" in html  # the SLA clocks, in Chinese
    assert "剩余" in html  # time left on a running clock
    assert 'value="accept"' in html and 'value="cancel"' in html
    assert 'value="resolve"' not in html  # not allowed from “new”
    assert f'name="version" value="{ticket.version}"' in html


def test_accept_then_start_through_the_buttons(org, as_user):
    ticket = make_ticket(org)
    client = as_user(org.agent)
    response = client.post(
        f"/tickets/{ticket.number}/action/", {"action": "accept", "version": ticket.version}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED
    client.post(f"/tickets/{ticket.number}/action/", {"action": "start", "version": ticket.version})
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    html = page(client, ticket)
    assert "已受理 → 处理中" in html or ("已受理" in html and "处理中" in html)


def test_a_transition_that_needs_a_note_shows_the_error_at_the_note(org, as_user):
    ticket = make_ticket(org, accept=True)
    response = as_user(org.agent).post(
        f"/tickets/{ticket.number}/action/", {"action": "cancel", "note": "", "version": ticket.version}
    )
    assert response.status_code == 400
    assert response.context["action_form"].errors["note"] == ["“取消”需要填写备注。"]
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED


def test_resolving_asks_for_the_reply_to_the_customer_apart_from_the_note(org, as_user):
    ticket = make_ticket(org, accept=True)
    client = as_user(org.agent)
    html = page(client, ticket)
    # Its own form, the reply drafted (no result script yet: the default sentence), the note empty.
    assert 'id="resolve-form"' in html and 'id="resolve_customer_reply"' in html
    assert "您反映的问题已处理完毕，感谢您的耐心等待。" in html
    response = client.post(
        f"/tickets/{ticket.number}/action/",
        {"action": "resolve", "note": "仓库漏发", "customer_reply": " ", "version": ticket.version},
    )
    assert response.status_code == 400
    assert response.context["resolve_form"].errors["customer_reply"] == [
        "“办结”需要填写给客户的答复（内部备注不会发给客户）。"
    ]
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED
    client.post(
        f"/tickets/{ticket.number}/action/",
        {
            "action": "resolve",
            "note": "仓库漏发",
            "customer_reply": "已为您补发。",
            "version": ticket.version,
        },
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution, ticket.customer_reply) == (
        Status.RESOLVED, "仓库漏发", "已为您补发。"
    )  # fmt: skip
    # The timeline keeps both: the note, and what the customer was told at this resolution.
    timeline = page(client, ticket).split('class="timeline"')[1]
    assert "仓库漏发" in timeline and "<dt>答复客户</dt><dd>已为您补发。</dd>" in timeline


def test_a_transition_not_allowed_is_shown_on_the_page_not_a_500(org, as_user):
    ticket = make_ticket(org)
    response = as_user(org.agent).post(
        f"/tickets/{ticket.number}/action/", {"action": "close", "version": ticket.version}
    )
    assert response.status_code == 400
    assert "工单处于“新建”状态时不允许" in response.content.decode()


def test_an_action_the_user_may_not_take_is_refused_with_a_message(org, as_user):
    ticket = make_ticket(org, accept=True)
    response = as_user(org.agent2).post(
        f"/tickets/{ticket.number}/action/", {"action": "start", "version": ticket.version}
    )
    assert response.status_code == 400
    assert "您不能对此工单执行“开始处理”。" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED


def test_stale_version_on_edit_shows_the_message_and_keeps_nothing(org, as_user):
    ticket = make_ticket(org, accept=True)
    read_version = ticket.version
    ticket_update(ticket=ticket, by=org.supervisor, version=read_version, demands="主管改过")
    client = as_user(org.agent)
    form = client.get(f"/tickets/{ticket.number}/edit/").context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(
        version=read_version, title="我的新标题", content=ticket.content, severity="general", priority=2
    )
    response = client.post(f"/tickets/{ticket.number}/edit/", data, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/tickets/{ticket.number}/"
    assert "已被他人修改" in html and "请重新加载后再试" in html
    ticket.refresh_from_db()
    assert ticket.title != "我的新标题"
    assert ticket.demands == "主管改过"
    assert "我的新标题" not in html


def test_edit_saves_the_fields_and_records_the_change(org, as_user):
    ticket = make_ticket(org, accept=True)
    client = as_user(org.agent)
    form = client.get(f"/tickets/{ticket.number}/edit/").context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(title="电饭煲跳闸", severity="general", priority=3)
    response = client.post(f"/tickets/{ticket.number}/edit/", data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.title == "电饭煲跳闸" and ticket.priority == 3
    assert ticket.events.filter(kind=TicketEvent.Kind.UPDATE).exists()


def test_edit_with_a_bad_email_shows_the_field_error(org, as_user):
    ticket = make_ticket(org, accept=True)
    client = as_user(org.agent)
    form = client.get(f"/tickets/{ticket.number}/edit/").context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(customer_email="not-an-email")
    response = client.post(f"/tickets/{ticket.number}/edit/", data)
    assert response.status_code == 400
    assert "customer_email" in response.context["form"].errors


def test_stale_version_on_a_button_is_refused_with_the_message(org, as_user):
    ticket = make_ticket(org, accept=True)
    old = ticket.version
    ticket_transition(ticket=ticket, action="start", by=org.agent)
    response = as_user(org.agent).post(
        f"/tickets/{ticket.number}/action/",
        {"action": "resolve", "note": "已处理", "version": old},
        follow=True,
    )
    assert "已被他人修改" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_dispatch_form_defaults_the_deadline_and_dispatches(org, as_user):
    ticket = make_ticket(org, accept=True)
    client = as_user(org.agent)
    initial = client.get(f"/tickets/{ticket.number}/").context["dispatch_form"].initial["deadline"]
    expected = default_deadline(ticket, timezone.now())
    assert abs((initial - expected).total_seconds()) < 120
    response = client.post(
        f"/tickets/{ticket.number}/dispatch/",
        {
            "departments": [org.logistics.pk, org.store.pk],
            "instructions": "请核实物流",
            "deadline": "",
            "version": ticket.version,
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assert set(ticket.dispatches.values_list("department_id", flat=True)) == {org.logistics.pk, org.store.pk}
    html = page(client, ticket)
    assert "物流部" in html and "请核实物流" in html and "待回复" in html


def test_dispatch_without_departments_shows_the_error_at_the_field(org, as_user):
    ticket = make_ticket(org, accept=True)
    response = as_user(org.agent).post(
        f"/tickets/{ticket.number}/dispatch/", {"instructions": "x", "version": ticket.version}
    )
    assert response.status_code == 400
    assert response.context["dispatch_form"].errors["departments"] == ["请至少选择一个部门。"]
    assert not Dispatch.objects.exists()


def test_dispatch_deadline_in_the_past_is_refused_at_the_field(org, as_user):
    ticket = make_ticket(org, accept=True)
    response = as_user(org.agent).post(
        f"/tickets/{ticket.number}/dispatch/",
        {"departments": [org.logistics.pk], "deadline": "2020-01-01T10:00", "version": ticket.version},
    )
    assert response.status_code == 400
    assert "deadline" in response.context["dispatch_form"].errors


def test_merge_into_an_unknown_number_is_a_field_error(org, as_user):
    ticket = make_ticket(org, accept=True)
    response = as_user(org.agent).post(
        f"/tickets/{ticket.number}/merge/", {"into": "TS-19990101-0001", "version": ticket.version}
    )
    assert response.status_code == 400
    assert "into" in response.context["merge_form"].errors


def test_merge_into_another_open_work_order(org, as_user):
    first = make_ticket(org, accept=True)
    duplicate = make_ticket(org, accept=True)
    response = as_user(org.agent).post(
        f"/tickets/{duplicate.number}/merge/",
        {"into": first.number, "note": "重复来电", "version": duplicate.version},
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == first


def test_notes_are_added_and_an_empty_one_is_refused(org, as_user):
    ticket = make_ticket(org, accept=True)
    client = as_user(org.agent)
    assert client.post(f"/tickets/{ticket.number}/note/", {"note": "客户再次来电催办"}).status_code == 302
    assert "客户再次来电催办" in page(client, ticket)
    response = client.post(f"/tickets/{ticket.number}/note/", {"note": " "})
    assert response.status_code == 400
    assert response.context["note_form"].errors["note"] == ["备注为空。"]


def test_escalate_by_hand_goes_one_step_up(org, as_user):
    ticket = make_ticket(org, accept=True)
    client = as_user(org.agent)
    response = client.post(f"/tickets/{ticket.number}/escalate/", {"note": "客户坚持要求主管处理"})
    assert response.status_code == 302
    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.to_user == org.supervisor
    html = page(client, ticket)
    assert "客户坚持要求主管处理" in html and "人工升级" in html


def test_escalate_without_a_reason_is_refused_at_the_field(org, as_user):
    ticket = make_ticket(org, accept=True)
    response = as_user(org.agent).post(f"/tickets/{ticket.number}/escalate/", {"note": ""})
    assert response.status_code == 400
    assert response.context["escalate_form"].errors["note"] == ["请说明升级原因。"]


def test_an_unaccepted_attachment_type_is_an_error_on_the_page(org, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = make_ticket(org, accept=True)
    bad = SimpleUploadedFile("run.sh", b"rm -rf /", content_type="application/x-sh")
    response = as_user(org.agent).post(f"/tickets/{ticket.number}/attachments/", {"attachments": [bad]})
    assert response.status_code == 400
    assert response.context["attach_form"].errors["attachments"]
    assert not ticket.attachments.exists()


def test_department_members_can_answer_from_the_work_order_page(org, as_user):
    ticket = make_ticket(org, accept=True)
    ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.logistics.pk])
    client = as_user(org.logistics_staff)
    dispatch = ticket.dispatches.get()
    assert f"/inbox/{dispatch.pk}/reply/" in page(client, ticket)
    response = client.post(
        f"/inbox/{dispatch.pk}/reply/", {"text": "已联系快递补发", "next": f"/tickets/{ticket.number}/"}
    )
    assert response["Location"] == f"/tickets/{ticket.number}/"
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DEPARTMENT_REPLIED


def test_the_agent_sees_the_department_reply_and_resolves(org, as_user):
    from kefu.tickets.services import dispatch_reply

    ticket = make_ticket(org, accept=True)
    [dispatch] = ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.logistics.pk])
    dispatch_reply(dispatch=dispatch, by=org.logistics_staff, reply="已补发，明天送达")
    client = as_user(org.agent)
    ticket.refresh_from_db()
    html = page(client, ticket)
    assert "部门已回复" in html and "已补发，明天送达" in html
    client.post(
        f"/tickets/{ticket.number}/action/",
        {
            "action": "resolve",
            "note": "已告知客户",
            "customer_reply": "已补发，明天送达。",
            "version": ticket.version,
        },
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_workspace_lists_queues_without_a_query_per_row(org, as_user, django_assert_max_num_queries):
    for _ in range(3):
        make_ticket(org, accept=True)
    client = as_user(org.agent)
    client.get("/")  # warm the session and the calendar cache
    with django_assert_max_num_queries(20) as few:
        client.get("/")
    for _ in range(12):
        make_ticket(org, accept=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/").content.decode()
    assert html.count('class="num"') == 15
    assert "剩余" in html or "超时" in html


def test_workspace_queues_show_the_right_rows(org, as_user):
    mine = make_ticket(org, accept=True)
    unowned = make_ticket(org, by="agent2")
    client = as_user(org.agent)
    html = client.get("/?queue=mine").content.decode()
    assert mine.number in html and unowned.number not in html
    assert unowned.number in client.get("/?queue=group").content.decode()
    assert "升级给我的" in client.get("/").content.decode()


def test_queue_badges_stop_counting_at_99_plus(org, as_user, monkeypatch):
    from kefu.tickets import views

    monkeypatch.setattr(views, "TAB_COUNT_CAP", 3)
    client = as_user(org.agent)
    for _ in range(3):
        make_ticket(org, accept=True)
    assert '<span class="tab-count">3</span>' in client.get("/?queue=mine").content.decode()
    make_ticket(org, accept=True)
    assert '<span class="tab-count">3+</span>' in client.get("/?queue=mine").content.decode()


def test_a_long_queue_pages_through_its_first_rows_and_says_there_are_more(org, as_user, monkeypatch):
    from kefu.tickets import views

    monkeypatch.setattr(views.CappedPaginator, "cap", 30)
    for _ in range(30):
        make_ticket(org, accept=True)
    client = as_user(org.agent)
    assert "30+" not in client.get("/?queue=mine").content.decode()  # exactly the cap: nothing more
    make_ticket(org, accept=True)
    first = client.get("/?queue=mine").content.decode()
    assert "30+" in first and first.count('class="num"') == 25
    second = client.get("/?queue=mine&page=2").content.decode()
    assert second.count('class="num"') == 5


def test_a_reply_given_by_phone_is_recorded_in_the_conversation(org, as_user):
    ticket = make_ticket(org, accept=True)
    client = as_user(org.agent)
    response = client.post(
        f"/tickets/{ticket.number}/reply/",
        {"channel": "phone", "subject": "", "body_text": "已电话告知：明天送达"},
    )
    assert response.status_code == 302
    html = page(client, ticket)
    assert "已电话告知：明天送达" in html
    assert ticket.messages.get().author == org.agent


def test_an_empty_reply_is_refused_at_its_field(org, as_user):
    ticket = make_ticket(org, accept=True)
    response = as_user(org.agent).post(
        f"/tickets/{ticket.number}/reply/", {"channel": "phone", "body_text": ""}
    )
    assert response.status_code == 400
    assert not ticket.messages.exists()


def test_department_staff_see_no_reply_form(org, as_user):
    ticket = make_ticket(org, accept=True)
    ticket_dispatch(
        ticket=ticket, by=org.agent, department_ids=[org.logistics.pk], instructions="核实", version=None
    )
    form = f'action="/tickets/{ticket.number}/reply/"'
    assert form in page(as_user(org.agent), ticket)
    assert form not in page(as_user(org.logistics_staff), ticket)
