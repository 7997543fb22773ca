"""Recording a contact (登记) and editing the register: numbers, the first-contact owner, the
customer record, bad input, optimistic locking and the timeline of changes."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.core.errors import PermissionDenied, StaleVersion, ValidationError
from kefu.customers.models import Customer, CustomerPhone
from kefu.tickets.models import Attachment, SlaClock, Status, Ticket, TicketEvent, TicketNumberSequence
from kefu.tickets.services import (
    ticket_add_note,
    ticket_attach,
    ticket_create,
    ticket_transition,
    ticket_update,
)
from tests.factories import CategoryFactory, CustomerFactory, aware
from tests.tickets.helpers import MONDAY_9, new_ticket, stock, ticket_in

LATER = MONDAY_9 + timedelta(hours=1)


def row_counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Ticket, Customer, CustomerPhone, TicketEvent, TicketNumberSequence, SlaClock)
    }


# --- numbers ---------------------------------------------------------------------------------------


def test_complaint_number_is_ts_local_date_and_0001(org):
    ticket = new_ticket(org, now=aware(2026, 11, 23, 10, 0))
    assert ticket.number == "TS-20261123-0001"


def test_second_complaint_of_the_day_gets_0002(org):
    new_ticket(org, now=aware(2026, 11, 23, 10, 0))
    second = new_ticket(org, now=aware(2026, 11, 23, 17, 0))
    assert second.number == "TS-20261123-0002"


def test_consultation_gets_zx_with_its_own_sequence(org):
    new_ticket(org, now=aware(2026, 11, 23, 10, 0))
    consultation = new_ticket(org, ticket_type="consultation", now=aware(2026, 11, 23, 10, 5))
    assert consultation.number == "ZX-20261123-0001"


def test_number_uses_the_centers_local_date_not_utc(org):
    # given 00:30 on 23 November in Shanghai, which is still 22 November in UTC
    just_after_midnight = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)
    ticket = new_ticket(org, now=just_after_midnight)
    assert ticket.number == "TS-20261123-0001"


def test_sequence_starts_again_on_the_next_local_day(org):
    new_ticket(org, now=aware(2026, 11, 23, 23, 59))
    next_day = new_ticket(org, now=aware(2026, 11, 24, 0, 1))
    assert next_day.number == "TS-20261124-0001"


# --- the first-contact owner (首问负责制) ----------------------------------------------------------------


def test_staff_member_who_records_it_is_the_first_contact_owner(org):
    ticket = new_ticket(org, by="agent")
    assert (ticket.owner, ticket.created_by, ticket.group, ticket.status) == (
        org.agent,
        org.agent,
        org.group,
        "new",
    )
    created = ticket.events.get(kind=TicketEvent.Kind.CREATED)
    assert (created.actor, created.to_status, created.created_at) == (org.agent, Status.NEW, MONDAY_9)


def test_self_service_contact_has_no_owner_until_an_agent_accepts_it(org):
    # given a contact arriving through the portal by itself
    ticket = new_ticket(org, by=None, channel="portal")
    assert (ticket.owner, ticket.created_by, ticket.group) == (None, None, None)

    # when an agent accepts it, then that agent becomes the first-contact owner
    ticket = ticket_transition(ticket=ticket, action="accept", by=org.agent2, now=LATER)
    assert (ticket.owner, ticket.accepted_at, ticket.status) == (org.agent2, LATER, Status.ACCEPTED)


def test_accept_by_a_lead_keeps_the_recorder_as_owner(org):
    ticket = new_ticket(org, by="agent")
    ticket = ticket_transition(ticket=ticket, action="accept", by=org.supervisor, now=LATER)
    assert ticket.owner == org.agent


def test_recording_with_accept_takes_it_at_once(org):
    ticket = new_ticket(org, accept=True)
    assert (ticket.status, ticket.accepted_at, ticket.owner) == (Status.ACCEPTED, MONDAY_9, org.agent)


def test_recording_returns_the_work_order_and_the_clocks_it_started(org):
    created = ticket_create(
        by=org.agent, ticket_type="consultation", channel="phone", content="几点开门？", now=MONDAY_9
    )
    stored = SlaClock.objects.filter(ticket=created.ticket).order_by("started_at", "id")
    assert [(c.pk, c.target, c.due_at) for c in created.clocks] == [
        (c.pk, c.target, c.due_at) for c in stored
    ]
    assert {c.target for c in created.clocks} == {"first_response", "resolution"}
    assert "started_clocks" not in vars(created.ticket)  # nothing stuck on the instance


def test_department_staff_cannot_record_a_work_order(org):
    before = row_counts()
    with pytest.raises(PermissionDenied):
        new_ticket(org, by="logistics_staff")
    assert row_counts() == before


def test_title_defaults_to_the_first_line_of_the_customers_words(org):
    ticket = new_ticket(org, content="  门店收银员态度恶劣\n第二天又去了一次  ")
    assert ticket.title == "门店收银员态度恶劣"
    assert ticket.content == "门店收银员态度恶劣\n第二天又去了一次"


# --- the customer record ---------------------------------------------------------------------------


def test_customer_found_by_phone_in_any_format_is_reused(org):
    # given a known customer with the phone stored as digits
    known = CustomerFactory(name="张女士", phone="13800138000")
    customers = Customer.objects.count()

    # when a contact gives the number with the country code and dashes
    ticket = new_ticket(org, customer_name="", customer_phone="+86 138-0013-8000")

    # then the same customer is linked, and no customer is added
    assert ticket.customer == known
    assert ticket.customer_phone == "13800138000"
    assert ticket.customer_name == "张女士"
    assert Customer.objects.count() == customers


def test_unknown_phone_creates_a_customer_with_that_phone(org):
    ticket = new_ticket(org, customer_name="李先生", customer_phone="0086 139 0000 1111")
    assert ticket.customer.name == "李先生"
    assert list(ticket.customer.phones.values_list("number", flat=True)) == ["13900001111"]


def test_known_email_in_other_case_is_reused(org):
    first = new_ticket(org, customer_phone="", customer_email="zhang@example.com")
    second = new_ticket(org, customer_phone="", customer_email="  ZHANG@Example.COM ")
    assert second.customer == first.customer
    assert second.customer_email == "zhang@example.com"


def test_anonymous_contact_has_no_customer_record(org):
    customers = Customer.objects.count()
    ticket = new_ticket(org, customer_name="", customer_phone="")
    assert ticket.customer is None
    assert Customer.objects.count() == customers


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"content": ""}, "content"),
        ({"content": "  \n "}, "content"),
        ({"content": None}, "content"),
        ({"category_id": 999999}, "category_id"),
        ({"ticket_type": "gossip"}, "ticket_type"),
        ({"channel": "pigeon"}, "channel"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"priority": 9}, "priority"),
        ({"priority": "high"}, "priority"),
        ({"customer_email": "not-an-email"}, "customer_email"),
        ({"customer_phone": "12"}, "customer_phone"),
        ({"subject_person_id": 999999}, "subject_person_id"),
        ({"subject_department_id": 999999}, "subject_department_id"),
        ({"group_id": 999999}, "group_id"),
        ({"title": "长" * 201}, "title"),
        ({"customer_name": "名" * 101}, "customer_name"),
        ({"location": "铺" * 101}, "location"),
    ],
    ids=lambda v: v if isinstance(v, str) else next(iter(v)),
)
def test_bad_input_names_the_field_and_creates_nothing(org, fields, field):
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        new_ticket(org, **fields)
    assert field in refused.value.errors
    assert field in refused.value.message
    assert all(refused.value.errors[field])
    assert row_counts() == before


def test_category_of_another_type_is_refused(org):
    # given a consultation category
    category = CategoryFactory(ticket_type="consultation", name="营业时间")
    before = row_counts()
    # when a complaint is recorded under it, then the category is refused by name
    with pytest.raises(ValidationError) as refused:
        new_ticket(org, ticket_type="complaint", category_id=category.pk)
    assert "营业时间" in refused.value.errors["category_id"][0]
    assert row_counts() == before


def test_inactive_category_is_refused(org):
    category = CategoryFactory(ticket_type="complaint", is_active=False)
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        new_ticket(org, category_id=category.pk)
    assert "category_id" in refused.value.errors
    assert row_counts() == before


def test_every_bad_field_is_reported_at_once(org):
    with pytest.raises(ValidationError) as refused:
        new_ticket(org, content="", channel="pigeon", customer_email="@")
    assert set(refused.value.errors) == {"content", "channel", "customer_email"}


# --- editing ---------------------------------------------------------------------------------------


def test_update_records_old_and_new_values_on_the_timeline(org):
    ticket = new_ticket(org, title="快递没到")
    category = CategoryFactory(ticket_type="complaint", name="物流")

    ticket = ticket_update(
        ticket=ticket, by=org.agent, version=1, now=LATER, title="快递三天没到", category_id=category.pk
    )

    assert (ticket.title, ticket.category, ticket.version, ticket.updated_at) == (
        "快递三天没到",
        category,
        2,
        LATER,
    )
    event = ticket.events.get(kind=TicketEvent.Kind.UPDATE)
    assert (event.actor, event.created_at) == (org.agent, LATER)
    assert event.data["changes"] == {"title": ["快递没到", "快递三天没到"], "category": ["", "物流"]}


def test_update_with_a_stale_version_is_refused_and_changes_nothing(org):
    # given the work order was edited after version 1 was read
    ticket = new_ticket(org, title="快递没到")
    ticket_update(ticket=ticket, by=org.agent, version=1, now=LATER, demands="退款")
    before = stock(ticket)

    # when the old form is saved, then it is refused, naming both versions
    with pytest.raises(StaleVersion) as refused:
        ticket_update(ticket=ticket, by=org.agent, version=1, now=LATER, title="另一个标题")
    assert "2" in refused.value.message and "1" in refused.value.message
    assert stock(ticket) == before
    assert Ticket.objects.get(pk=ticket.pk).title == "快递没到"


def test_update_that_changes_nothing_writes_nothing(org):
    ticket = new_ticket(org, title="快递没到")
    before = stock(ticket)
    ticket_update(ticket=ticket, by=org.agent, version=1, now=LATER, title="  快递没到 ")
    assert stock(ticket) == before


def test_update_of_a_field_outside_the_register_is_refused(org):
    ticket = new_ticket(org)
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        ticket_update(
            ticket=ticket, by=org.agent, version=1, now=LATER, status="closed", owner_id=org.agent2.pk
        )
    assert set(refused.value.errors) == {"status", "owner_id"}
    assert stock(ticket) == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"content": ""}, "content"),
        ({"category_id": 999999}, "category_id"),
        ({"customer_email": "x@"}, "customer_email"),
    ],
    ids=["content", "category_id", "customer_email"],
)
def test_update_with_bad_input_names_the_field_and_changes_nothing(org, fields, field):
    ticket = new_ticket(org)
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        ticket_update(ticket=ticket, by=org.agent, version=1, now=LATER, **fields)
    assert field in refused.value.errors
    assert stock(ticket) == before


def test_closed_work_order_cannot_be_edited(org):
    ticket = ticket_in(org, Status.CLOSED)
    before = stock(ticket)
    with pytest.raises(ValidationError):
        ticket_update(ticket=ticket, by=org.supervisor, version=None, now=LATER, title="改一下")
    assert stock(ticket) == before


def test_agent_who_is_not_the_owner_cannot_edit(org):
    ticket = new_ticket(org, by="agent")
    before = stock(ticket)
    with pytest.raises(PermissionDenied):
        ticket_update(ticket=ticket, by=org.agent2, version=1, now=LATER, title="别人的工单")
    assert stock(ticket) == before


# --- notes and attachments -------------------------------------------------------------------------


def test_note_goes_on_the_timeline(org):
    ticket = new_ticket(org)
    event = ticket_add_note(ticket=ticket, by=org.agent2, note="  顾客情绪激动，注意安抚 ", now=LATER)
    assert (event.kind, event.actor, event.note, event.created_at) == (
        TicketEvent.Kind.NOTE,
        org.agent2,
        "顾客情绪激动，注意安抚",
        LATER,
    )


def test_empty_note_is_refused(org):
    ticket = new_ticket(org)
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        ticket_add_note(ticket=ticket, by=org.agent, note="  ", now=LATER)
    assert "note" in refused.value.errors
    assert stock(ticket) == before


def test_note_by_someone_who_cannot_see_the_ticket_is_refused(org):
    ticket = new_ticket(org)
    before = stock(ticket)
    with pytest.raises(PermissionDenied):
        ticket_add_note(ticket=ticket, by=org.store_staff, note="路过", now=LATER)
    assert stock(ticket) == before


def test_attachment_is_kept_and_recorded(org):
    ticket = new_ticket(org)
    upload = SimpleUploadedFile("快递单.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    attachment = ticket_attach(ticket=ticket, by=org.agent, uploaded_file=upload, now=LATER)
    assert (attachment.name, attachment.size, attachment.uploaded_by) == ("快递单.jpg", 103, org.agent)
    assert ticket.events.get(kind=TicketEvent.Kind.ATTACHMENT).note == "快递单.jpg"


@pytest.mark.parametrize(
    ("name", "content_type", "size"),
    [("big.jpg", "image/jpeg", 2048), ("run.exe", "application/x-msdownload", 10)],
    ids=["too-large", "wrong-type"],
)
def test_bad_attachment_is_refused_by_name(org, settings, name, content_type, size):
    settings.KEFU_MAX_ATTACHMENT_BYTES = 1024
    ticket = new_ticket(org)
    before = stock(ticket)
    magic = b"MZ" if name.endswith(".exe") else b"\xff\xd8\xff"  # what the content really is
    upload = SimpleUploadedFile(name, magic + b"0" * size, content_type=content_type)
    with pytest.raises(ValidationError) as refused:
        ticket_attach(ticket=ticket, by=org.agent, uploaded_file=upload, now=LATER)
    assert "attachment" in refused.value.errors
    assert stock(ticket) == before
    assert not Attachment.objects.exists()
