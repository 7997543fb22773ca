"""Personal data (个人信息保护): masking by role, the export permission and log, anonymisation."""

import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from kefu.accounts.models import Role
from kefu.callcenter.models import CallRecord
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.customers.models import Anonymisation, Customer, CustomerPhone, ExportLog, Order
from kefu.customers.privacy import (
    customer_anonymise,
    customer_data_export,
    customer_list_export,
    mask_email,
    mask_phone,
    may_export,
    sees_contacts,
)
from kefu.tickets.models import Ticket
from tests.factories import CustomerFactory, UserFactory, aware
from tests.org import build_org
from tests.tickets.helpers import new_ticket

AT = aware(2026, 11, 23, 10, 0)


@pytest.fixture
def org(db):
    return build_org()


def test_masks():
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("01012345678") == "010****5678"
    assert (
        mask_phone("+447911123456") == "+447*****3456"[:1] + "447" + "*" * 5 + "3456"
    )  # 12 digits: 3 + 5 + 4
    assert mask_phone("12345") == "***45"
    assert mask_email("zhang.wei@example.com") == "z***@example.com"
    assert mask_phone("") == "" and mask_email("") == ""


def test_who_sees_contacts_and_who_exports_by_role(org):
    assert [sees_contacts(u) for u in (org.agent, org.supervisor, org.manager, org.gm)] == [True] * 4
    assert [sees_contacts(u) for u in (org.qa, org.logistics_staff)] == [False, False]
    assert [may_export(u) for u in (org.supervisor, org.manager, org.gm)] == [True] * 3
    assert [may_export(u) for u in (org.agent, org.qa, org.logistics_staff)] == [False] * 3


def test_a_granted_permission_widens_the_role(org):
    org.qa.user_permissions.add(Permission.objects.get(codename="view_contacts"))
    org.agent.user_permissions.add(Permission.objects.get(codename="export_customers"))
    qa, agent = type(org.qa).objects.get(pk=org.qa.pk), type(org.agent).objects.get(pk=org.agent.pk)
    assert sees_contacts(qa) and may_export(agent)


def test_customer_list_masks_phones_for_qa_not_for_agents(org, client):
    customer = CustomerFactory(name="王芳")
    CustomerPhone.objects.create(customer=customer, number="13800138000")
    customer.emails.create(address="wangfang@example.com")
    client.force_login(org.qa)
    page = client.get("/customers/").content.decode()
    assert "138****8000" in page and "w***@example.com" in page
    assert "138 0013 8000" not in page and "wangfang@" not in page
    client.force_login(org.agent)
    page = client.get("/customers/").content.decode()
    assert "138 0013 8000" in page and "wangfang@example.com" in page


def test_department_inbox_masks_the_caller_phone(org, client):
    from kefu.tickets.services import ticket_dispatch, ticket_transition

    ticket = new_ticket(org, customer_phone="13800138000")
    ticket = ticket_transition(ticket=ticket, action="accept", by=org.agent, now=AT)
    ticket = ticket_transition(ticket=ticket, action="start", by=org.agent, now=AT)
    ticket_dispatch(
        ticket=ticket, by=org.agent, department_ids=[org.logistics.pk], instructions="请核实", now=AT
    )
    client.force_login(org.logistics_staff)
    page = client.get("/inbox/").content.decode()
    assert "138****8000" in page and "13800138000" not in page


def test_list_export_needs_the_permission_and_is_logged(org, client):
    for i in range(3):
        CustomerFactory(name=f"导出顾客{i}", phone=f"1380013800{i}")
    client.force_login(org.agent)
    assert client.get("/customers/export/?format=csv").status_code == 403
    assert not ExportLog.objects.exists()
    client.force_login(org.supervisor)
    response = client.get("/customers/export/?q=导出&format=csv")
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 3  # the header and the three customers
    assert "13800138000" in response.content.decode()  # unmasked: the exporter may see them
    log = ExportLog.objects.get()
    assert (log.by, log.kind, log.rows, log.file_format) == (org.supervisor, "list", 3, "csv")
    xlsx = client.get("/customers/export/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert ExportLog.objects.count() == 2


def test_export_service_refuses_an_unknown_format(org):
    with pytest.raises(ValidationError):
        customer_list_export(
            by=org.supervisor, customers=Customer.objects.all(), what="all", file_format="pdf"
        )
    with pytest.raises(PermissionDenied):
        customer_list_export(by=org.qa, customers=Customer.objects.all(), what="all")


def test_a_customer_data_export_holds_their_work_orders_and_orders(org):
    ticket = new_ticket(org, customer_name="王芳", customer_phone="13800138000")
    customer = ticket.customer
    Order.objects.create(customer=customer, external_id="A-1", amount=Decimal("199.00"), placed_at=AT)
    data, log = customer_data_export(customer=customer, by=org.manager)
    content = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("customer.json"))
    assert content["customer"]["name"] == "王芳" and content["phones"] == ["13800138000"]
    assert [t["number"] for t in content["tickets.ticket"]] == [ticket.number]
    assert [o["amount"] for o in content["customers.order"]] == ["199.00"]
    assert log.customer == customer and log.kind == "customer" and log.by == org.manager
    with pytest.raises(PermissionDenied):
        customer_data_export(customer=customer, by=org.agent)


def test_anonymise_keeps_rows_and_amounts_and_removes_who_it_was(org):
    admin = UserFactory(username="admin", role=Role.ADMIN)
    ticket = new_ticket(
        org, customer_name="王芳", customer_phone="13800138000", content="王芳说快递三天没有送到"
    )
    customer = ticket.customer
    customer.address, customer.birth_month, customer.birth_day = "北京市朝阳区", 5, 1
    customer.custom = {"car_model": "SUV"}
    customer.save()
    Order.objects.create(customer=customer, external_id="A-1", amount=Decimal("199.00"), placed_at=AT)
    Order.objects.create(
        customer=customer, external_id="A-2", amount=Decimal("-50.00"), placed_at=AT, kind="refund"
    )
    CallRecord.objects.create(
        source="cti", external_id="c1", outcome="answered", arrived_at=AT, created_at=AT, customer=customer
    )
    before = (Ticket.objects.count(), CallRecord.objects.count(), Order.objects.count())

    with pytest.raises(PermissionDenied):
        customer_anonymise(customer=customer, reason="本人来函要求", by=org.manager)
    with pytest.raises(ValidationError):
        customer_anonymise(customer=customer, reason=" ", by=admin)
    customer_anonymise(customer=customer, reason="本人来函要求删除个人信息", by=admin, now=AT)

    customer.refresh_from_db()
    placeholder = f"已匿名 #{customer.pk}"
    assert customer.name == placeholder and customer.anonymised_at == AT
    assert (customer.address, customer.birth_month, customer.custom) == ("", None, {})
    assert not customer.phones.exists() and not customer.emails.exists()
    assert (Ticket.objects.count(), CallRecord.objects.count(), Order.objects.count()) == before
    assert sum(o.amount for o in customer.orders.all()) == Decimal("149.00")  # 199 − 50, as before
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.customer_id, ticket.customer_name, ticket.customer_phone) == (customer.pk, placeholder, "")
    assert "王芳" not in ticket.content and ticket.content.startswith(placeholder)
    terms = ticket.search_text.split()  # the search terms rebuilt from the redacted text
    assert "快递" in terms and "王芳" not in terms
    assert Anonymisation.objects.get().reason == "本人来函要求删除个人信息"
    with pytest.raises(ValidationError):  # once is enough
        customer_anonymise(customer=customer, reason="again", by=admin)


def test_anonymise_reaches_the_messages_and_chats_of_the_customers_work_orders(org):
    """Rows that belong to a work order (its messages, the chat tied to it and the chat's lines) hold
    the customer's words too: their name, phone and email go with the record's."""
    from kefu.intake.chat.models import ChatLine, ChatSession
    from kefu.tickets.models import Channel, Message
    from kefu.tickets.services.messages import message_receive

    admin = UserFactory(username="admin", role=Role.ADMIN)
    ticket = new_ticket(org, customer_name="王芳", customer_phone="13800138000", content="快递三天没有送到")
    other = new_ticket(org, customer_name="李雷", customer_phone="13900139000", content="李雷问发票")
    message_receive(
        ticket=ticket,
        channel=Channel.EMAIL,
        body_text="我是王芳，电话 13800138000，邮件 wangfang@example.com",
        author_name="王芳",
        address="wangfang@example.com",
    )
    customer = ticket.customer
    customer.emails.create(address="wangfang@example.com")
    chat = ChatSession.objects.create(
        token="t" * 32, customer_name="王芳", customer_phone="13800138000", ticket=ticket, requested_at=AT
    )
    line = ChatLine.objects.create(session=chat, sender="customer", text="王芳：还没到", created_at=AT)
    from kefu.quality.models import Transcript

    transcript = Transcript.objects.create(
        channel="phone",
        source_key="call-1",
        customer=customer,
        started_at=AT,
        sentences=[{"role": "customer", "speaker": "王芳", "text": "我叫王芳，尾号8000", "start_ms": 0}],
    )

    customer_anonymise(customer=customer, reason="本人要求", by=admin, now=AT)

    placeholder = f"已匿名 #{customer.pk}"
    mail = Message.objects.get(ticket=ticket, channel=Channel.EMAIL)
    assert mail.body_text == f"我是{placeholder}，电话 {placeholder}，邮件 {placeholder}"
    assert (mail.author_name, mail.address) == (placeholder, placeholder)
    chat.refresh_from_db()
    line.refresh_from_db()
    assert (chat.customer_name, chat.customer_phone) == (placeholder, "")
    assert line.text == f"{placeholder}：还没到"
    transcript.refresh_from_db()  # JSON documents too: the words, not the keys or timings
    assert transcript.sentences == [
        {"role": "customer", "speaker": placeholder, "text": f"我叫{placeholder}，尾号8000", "start_ms": 0}
    ]
    # Another customer's work order is left as it was.
    other.refresh_from_db()
    assert (other.customer_name, other.content) == ("李雷", "李雷问发票")
    redacted = Anonymisation.objects.get().redacted
    assert redacted["tickets.message"] >= 1 and redacted["intake_chat.chatline"] == 1
