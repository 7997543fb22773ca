"""The customer portal: submit, track by number + phone or signed link, add information, rate."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kefu.intake.portal import limits
from kefu.intake.portal.models import Rating
from kefu.intake.portal.services import portal_submit
from kefu.intake.portal.tracking import SALT, ticket_for_token, tracking_token
from kefu.tickets.models import Attachment, Message, SlaClock, SlaTarget, Status, Ticket, TicketEvent
from kefu.tickets.services import message_reply, ticket_add_note, ticket_transition

PHONE = "13800138000"


def form(**overrides) -> dict:
    data = {
        "ticket_type": "complaint",
        "customer_name": "王先生",
        "customer_phone": PHONE,
        "content": "二楼奶茶店的吸管里有异物。",
        "demands": "退款并道歉",
        "location": "2F-12",
    }
    data.update(overrides)
    return data


def picture(name="photo.jpg", size=100, content_type="image/jpeg"):
    """A file whose content is of `content_type` (a JPEG, or a Windows program), `size` bytes long."""
    magic = {"image/jpeg": b"\xff\xd8\xff\xe0", "application/pdf": b"%PDF-1.7\n"}.get(
        content_type, b"MZ\x90\x00"
    )
    return SimpleUploadedFile(name, (magic + b"x" * size)[:size], content_type=content_type)


def submitted(client: Client, **overrides) -> Ticket:
    response = client.post("/portal/", form(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Ticket.objects.order_by("-id").first()


def page(client: Client, ticket: Ticket) -> str:
    response = client.get(f"/portal/t/{tracking_token(ticket)}/")
    assert response.status_code == 200
    return response.content.decode()


def resolved(org, ticket: Ticket, result="已退款并致歉。", note="商户态度差，已记过一次") -> Ticket:
    """Resolved with `result` for the customer and an internal `note` the customer must never see."""
    for action in ("accept", "start"):
        ticket = ticket_transition(ticket=ticket, action=action, by=org.agent)
    return ticket_transition(ticket=ticket, action="resolve", by=org.agent, customer_reply=result, note=note)


# --- submission ----------------------------------------------------------------------------------


def test_submitting_a_complaint_makes_an_unowned_portal_work_order_with_its_files(org, client):
    response = client.post(
        "/portal/", {**form(), "attachments": [picture(), picture("receipt.pdf", 50, "application/pdf")]}
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket_for_token(re.fullmatch(r"/portal/done/([^/]+)/", response["Location"])[1]) == ticket
    assert (ticket.channel, ticket.ticket_type, ticket.status) == ("portal", "complaint", Status.NEW)
    assert ticket.owner is None and ticket.customer_phone == PHONE and ticket.location == "2F-12"
    assert sorted(ticket.attachments.values_list("name", flat=True)) == ["photo.jpg", "receipt.pdf"]


def test_confirmation_page_shows_the_number_the_promised_time_and_a_signed_link(org, client):
    ticket = submitted(client)
    # The one promise (tickets.services.sla.reply_by): the resolution deadline, as the SMS says.
    due = SlaClock.objects.get(ticket=ticket, target=SlaTarget.RESOLUTION).due_at

    html = client.get(f"/portal/done/{tracking_token(ticket)}/").content.decode()

    assert ticket.number in html
    assert timezone.localtime(due).strftime("%Y-%m-%d %H:%M") in html
    links = re.findall(r'href="/portal/t/([^/"]+)/"', html)
    assert links and all(ticket_for_token(token) == ticket for token in links)


def test_missing_name_phone_and_content_are_each_named_at_their_field(org, client):
    response = client.post("/portal/", form(customer_name="", customer_phone="", content=""))

    assert response.status_code == 400
    html = response.content.decode()
    for field in ("customer_name", "customer_phone", "content"):
        assert re.search(rf'id="field-{field}">.*?class="p-error"', html, re.S), field
    assert not Ticket.objects.exists()


def test_a_malformed_phone_is_refused_at_the_phone_field(org, client):
    response = client.post("/portal/", form(customer_phone="12"))

    assert response.status_code == 400
    assert re.search(
        r'id="field-customer_phone">.*?不是电话号码|id="field-customer_phone">.*?p-error',
        response.content.decode(),
        re.S,
    )
    assert not Ticket.objects.exists()


def test_an_attachment_of_a_refused_type_saves_nothing_and_is_named_at_the_field(org, client):
    response = client.post(
        "/portal/", {**form(), "attachments": [picture(), picture("run.exe", 10, "application/x-msdownload")]}
    )

    assert response.status_code == 400
    assert re.search(r'id="field-attachments">.*?run\.exe', response.content.decode(), re.S)
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_an_attachment_over_the_size_limit_saves_nothing(org, client, settings):
    settings.KEFU_MAX_ATTACHMENT_BYTES = 1024 * 1024

    response = client.post("/portal/", {**form(), "attachments": [picture(size=1024 * 1024 + 1)]})

    assert response.status_code == 400
    assert re.search(r'id="field-attachments">.*?photo\.jpg', response.content.decode(), re.S)
    assert not Ticket.objects.exists()


def test_a_failed_attachment_in_the_service_rolls_the_work_order_back(org, settings):
    # The service checks the files too (the form's check could be skipped by another caller).
    from kefu.core.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        portal_submit(
            ticket_type="complaint",
            customer_name="王先生",
            customer_phone=PHONE,
            content="内容",
            files=[picture(), picture("x.exe", 5, "application/x-msdownload")],
        )
    assert "attachments" in refused.value.errors
    assert not Ticket.objects.exists()


def test_only_consultation_complaint_and_suggestion_can_be_submitted(org, client):
    response = client.post("/portal/", form(ticket_type="praise"))

    assert response.status_code == 400 and not Ticket.objects.exists()


def test_the_portal_is_in_chinese_by_default_and_switches_to_english(org, client):
    assert "提交" in client.get("/portal/").content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})

    assert "Consultation, complaint or suggestion" in client.get("/portal/").content.decode()


# --- tracking ------------------------------------------------------------------------------------


def test_number_and_matching_phone_lead_to_the_tracking_page(org, client):
    ticket = submitted(client)

    response = client.post("/portal/track/", {"number": ticket.number.lower(), "phone": "+86 138-0013-8000"})

    assert response.status_code == 302 and response["Location"].startswith("/portal/t/")
    html = client.get(response["Location"]).content.decode()
    assert ticket.number in html and "已受理" in html


def test_a_wrong_phone_is_refused_exactly_like_an_unknown_number(org, client):
    ticket = submitted(client)

    wrong_phone = client.post("/portal/track/", {"number": ticket.number, "phone": "13900000000"})
    unknown = client.post("/portal/track/", {"number": "TS-20000101-9999", "phone": PHONE})

    assert wrong_phone.status_code == unknown.status_code == 400
    message = "没有找到"
    assert message in wrong_phone.content.decode() and message in unknown.content.decode()
    assert ticket.content not in wrong_phone.content.decode()


def test_a_tampered_link_is_refused(org, client):
    ticket = submitted(client)
    token = tracking_token(ticket)
    other = token.replace(ticket.number, ticket.number[:-1] + "9")

    assert client.get(f"/portal/t/{other}/").status_code == 404
    assert client.get(f"/portal/t/{token}x/").status_code == 404


def test_an_expired_link_is_refused_with_a_way_back(org, client, settings):
    settings.KEFU_PORTAL_LINK_MAX_AGE_DAYS = 30
    ticket = submitted(client)
    token = tracking_token(ticket)

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = client.get(f"/portal/t/{token}/")

    assert response.status_code == 410
    assert "/portal/track/" in response.content.decode()


def test_a_link_signed_with_another_salt_is_refused(org, client):
    ticket = submitted(client)
    forged = signing.TimestampSigner(salt=SALT + "x").sign(ticket.number)

    assert client.get(f"/portal/t/{forged}/").status_code == 404


def test_status_is_shown_in_customer_words_not_internal_states(org, client):
    ticket = submitted(client)
    ticket = ticket_transition(ticket=ticket, action="accept", by=org.agent)
    from kefu.tickets.services import ticket_dispatch

    ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.logistics.pk], instructions="请核实")

    html = page(client, ticket)
    assert "处理中" in html and "已转办" not in html and "请核实" not in html


def test_internal_notes_and_department_replies_never_show(org, client):
    from kefu.tickets.services import dispatch_reply, ticket_dispatch

    ticket = submitted(client)
    ticket = ticket_transition(ticket=ticket, action="accept", by=org.agent)
    ticket_add_note(ticket=ticket, by=org.agent, note="内部备注：此顾客多次投诉")
    ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.store.pk])
    dispatch_reply(dispatch=ticket.dispatches.get(), by=org.store_staff, reply="门店内部说明：店员已处分")

    html = page(client, ticket)
    assert "内部备注" not in html and "门店内部说明" not in html


def test_an_agents_portal_reply_shows_on_the_tracking_page(org, client, django_capture_on_commit_callbacks):
    ticket = submitted(client)
    ticket = ticket_transition(ticket=ticket, action="accept", by=org.agent)

    with django_capture_on_commit_callbacks(execute=True):
        message = message_reply(ticket=ticket, by=org.agent, body_text="您好，已联系商户，今天内回复您。")

    message.refresh_from_db()
    assert message.channel == "portal" and message.delivery == Message.Delivery.SENT
    assert "已联系商户" in page(client, ticket)


def test_a_reply_not_yet_delivered_is_not_shown(org, client):
    ticket = submitted(client)
    ticket = ticket_transition(ticket=ticket, action="accept", by=org.agent)
    message_reply(ticket=ticket, by=org.agent, body_text="尚未送达的回复")  # on_commit never ran

    assert "尚未送达的回复" not in page(client, ticket)


# --- add information -------------------------------------------------------------------------------


def test_adding_information_records_a_portal_message_and_wakes_a_waiting_work_order(org, client):
    ticket = submitted(client)
    for action in ("accept", "start", "wait_customer"):
        ticket = ticket_transition(ticket=ticket, action=action, by=org.agent, note="请提供小票")
    assert "待您补充" in page(client, ticket)

    response = client.post(
        f"/portal/t/{tracking_token(ticket)}/add/",
        {"body_text": "小票见附件", "attachments": [picture("receipt.jpg")]},
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    message = ticket.messages.get()
    assert (message.channel, message.direction, message.body_text) == ("portal", "in", "小票见附件")
    assert list(message.attachments.values_list("name", flat=True)) == ["receipt.jpg"]
    assert ticket.status == Status.IN_PROGRESS
    assert "小票见附件" in page(client, ticket)


def test_an_empty_addition_is_refused_at_the_text_field(org, client):
    ticket = submitted(client)

    response = client.post(f"/portal/t/{tracking_token(ticket)}/add/", {"body_text": ""})

    assert response.status_code == 400
    assert re.search(r'id="field-body_text">.*?p-error', response.content.decode(), re.S)
    assert not Message.objects.exists()


# --- rating ----------------------------------------------------------------------------------------


def test_rating_is_offered_only_once_resolved(org, client):
    ticket = submitted(client)

    assert 'id="rate-form"' not in page(client, ticket)
    response = client.post(f"/portal/t/{tracking_token(ticket)}/rate/", {"score": "satisfied"})
    assert response.status_code == 400 and not Rating.objects.exists()


def test_a_resolved_work_order_is_rated_once_and_the_rating_is_on_the_timeline(org, client):
    ticket = resolved(org, submitted(client))
    html = page(client, ticket)
    assert "已办结" in html and "已退款并致歉" in html
    assert "记过" not in html  # the internal note stays internal
    url = f"/portal/t/{tracking_token(ticket)}/rate/"

    first = client.post(url, {"score": "dissatisfied", "comment": "等太久了"})
    second = client.post(url, {"score": "satisfied"})

    assert first.status_code == 302 and second.status_code == 400
    rating = Rating.objects.get()
    assert (rating.ticket, rating.score, rating.comment) == (ticket, "dissatisfied", "等太久了")
    event = TicketEvent.objects.get(ticket=ticket, data__portal_rating="dissatisfied")
    assert event.kind == TicketEvent.Kind.NOTE and event.actor is None and "等太久了" in event.note
    html = page(client, ticket)
    assert "不满意" in html and 'id="rate-form"' not in html


def test_a_bad_rating_reopens_the_work_order_once_the_rating_is_saved(
    org, client, django_capture_on_commit_callbacks
):
    # The portal only records the rating; kefu.callbacks hears rating_given after the commit and
    # applies "not satisfied means not closed" (reopen, escalate to the supervisor).
    from kefu.tickets.models import Escalation

    ticket = resolved(org, submitted(client))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/portal/t/{tracking_token(ticket)}/rate/", {"score": "dissatisfied"})

    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.escalations.filter(reason=Escalation.Reason.DISSATISFIED).exists()


def test_the_rating_signal_is_sent_after_commit(org, client, django_capture_on_commit_callbacks):
    from kefu.intake.portal.signals import rating_given

    ticket = resolved(org, submitted(client))
    seen = []

    def listener(sender, rating, **kwargs):
        seen.append(rating.score)

    rating_given.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/portal/t/{tracking_token(ticket)}/rate/", {"score": "fairly"})
    finally:
        rating_given.disconnect(listener)
    assert seen == ["fairly"]


# --- abuse protection ------------------------------------------------------------------------------


def test_after_repeated_submissions_a_challenge_must_be_answered(org, client, settings):
    settings.KEFU_PORTAL_CHALLENGE_AFTER = 2
    submitted(client, customer_phone="13800000001")
    submitted(client, customer_phone="13800000002")

    assert 'name="challenge_token"' in client.get("/portal/").content.decode()
    unanswered = client.post("/portal/", form(customer_phone="13800000003"))
    assert unanswered.status_code == 400
    assert re.search(r'id="field-challenge_answer">.*?p-error', unanswered.content.decode(), re.S)
    assert Ticket.objects.count() == 2

    challenge = limits.new_challenge()
    a, b = (int(x) for x in challenge["question"].split(" + "))
    wrong = client.post(
        "/portal/", {**form(), "challenge_token": challenge["token"], "challenge_answer": a + b + 1}
    )
    right = client.post(
        "/portal/", {**form(), "challenge_token": challenge["token"], "challenge_answer": a + b}
    )
    replayed = client.post(
        "/portal/", {**form(), "challenge_token": challenge["token"], "challenge_answer": a + b}
    )
    assert (wrong.status_code, right.status_code, replayed.status_code) == (400, 302, 400)
    assert Ticket.objects.count() == 3


def test_the_challenge_answer_cannot_be_read_from_the_page(org):
    challenge = limits.new_challenge()
    a, b = (int(x) for x in challenge["question"].split(" + "))

    payload = signing.loads(challenge["token"], salt=limits.CHALLENGE_SALT)

    assert str(a + b) not in [str(v) for v in payload.values()]


def test_too_many_posts_from_one_ip_get_a_clear_429_page(org, client, settings):
    settings.KEFU_PORTAL_SUBMITS_PER_IP = 3
    settings.KEFU_PORTAL_CHALLENGE_AFTER = 100
    for _ in range(3):
        client.post("/portal/", form(content=""))

    response = client.post("/portal/", form())

    assert response.status_code == 429 and "请稍候" in response.content.decode()
    assert not Ticket.objects.exists()


def test_too_many_work_orders_for_one_phone_are_refused_from_any_ip(org, settings):
    settings.KEFU_PORTAL_SUBMITS_PER_PHONE = 2
    settings.KEFU_PORTAL_CHALLENGE_AFTER = 100
    for ip in ("10.0.0.1", "10.0.0.2"):
        assert Client(REMOTE_ADDR=ip).post("/portal/", form()).status_code == 302

    response = Client(REMOTE_ADDR="10.0.0.3").post("/portal/", form())

    assert response.status_code == 429 and Ticket.objects.count() == 2


def test_the_limits_count_per_ip(org, settings):
    settings.KEFU_PORTAL_SUBMITS_PER_IP = 1
    assert Client(REMOTE_ADDR="10.0.0.1").post("/portal/", form(content="")).status_code == 400

    assert Client(REMOTE_ADDR="10.0.0.1").post("/portal/", form()).status_code == 429
    assert Client(REMOTE_ADDR="10.0.0.2").post("/portal/", form()).status_code == 302


def test_the_proxy_header_names_the_client_when_configured(org, settings):
    settings.KEFU_PORTAL_SUBMITS_PER_IP = 1
    settings.KEFU_PORTAL_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    Client(**proxy).post("/portal/", form(content=""), HTTP_X_FORWARDED_FOR="6.6.6.6, 1.1.1.1")

    assert (
        Client(**proxy).post("/portal/", form(content=""), HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 429
    )
    assert (
        Client(**proxy).post("/portal/", form(content=""), HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 400
    )


def test_lookups_by_number_and_phone_are_rate_limited(org, client, settings):
    settings.KEFU_PORTAL_LOOKUPS_PER_IP = 2
    for _ in range(2):
        client.post("/portal/track/", {"number": "TS-20000101-0001", "phone": PHONE})

    assert client.post("/portal/track/", {"number": "TS-20000101-0001", "phone": PHONE}).status_code == 429


# --- staff side ------------------------------------------------------------------------------------


def test_an_agent_answers_from_the_work_order_page_and_the_customer_sees_it(
    org, client, django_capture_on_commit_callbacks
):
    ticket = submitted(client)
    ticket = ticket_transition(ticket=ticket, action="accept", by=org.agent)
    agent = Client()
    agent.force_login(org.agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = agent.post(
            f"/tickets/{ticket.number}/reply/", {"channel": "portal", "body_text": "已为您登记退款。"}
        )

    assert response.status_code == 302
    assert "已为您登记退款" in page(client, ticket)


def test_staff_see_the_customers_rating_on_the_timeline(org, client):
    ticket = resolved(org, submitted(client))
    client.post(f"/portal/t/{tracking_token(ticket)}/rate/", {"score": "dissatisfied", "comment": "太慢"})
    agent = Client()
    agent.force_login(org.agent)

    html = agent.get(f"/tickets/{ticket.number}/").content.decode()

    assert "不满意" in html and "太慢" in html


def test_a_broken_cache_lets_customers_submit_rather_than_failing(org, client, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    for name in ("get", "add", "incr", "set"):
        monkeypatch.setattr(limits.cache, name, down)

    assert client.post("/portal/", form()).status_code == 302
    assert Ticket.objects.count() == 1


def test_a_link_forged_with_the_old_public_key_is_refused(org, client):
    ticket = submitted(client)
    forged = signing.TimestampSigner(key="kefu-insecure-development-key-change-me", salt=SALT).sign(
        ticket.number
    )

    assert client.get(f"/portal/t/{forged}/").status_code == 404


def test_guessing_the_phone_of_a_number_locks_that_number(org, client, settings):
    settings.KEFU_PORTAL_LOOKUPS_PER_IP = 1000  # the plain rate limit stays out of the way
    ticket = submitted(client)
    statuses = [
        Client(REMOTE_ADDR=f"10.3.0.{n}")
        .post("/portal/track/", {"number": ticket.number, "phone": f"1390000000{n}"})
        .status_code
        for n in range(10)
    ]
    assert statuses == [400] * 9 + [429]

    # The right phone, from yet another address: the number is locked for the cool-off.
    response = Client(REMOTE_ADDR="10.3.1.1").post(
        "/portal/track/", {"number": ticket.number, "phone": PHONE}
    )

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        later = Client(REMOTE_ADDR="10.3.1.1").post(
            "/portal/track/", {"number": ticket.number, "phone": PHONE}
        )
    assert later.status_code == 302
