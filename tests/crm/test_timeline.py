"""The customer 360: every contact across channels on one timeline, open matters first, and only
what the viewer may see."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Q
from django.test import Client

from kefu.callbacks.models import CallbackTask, Satisfaction
from kefu.callcenter.models import CallRecord
from kefu.crm.timeline import customer_timeline
from kefu.customers.loyalty import services as loyalty
from kefu.customers.models import CardLevel, Order, PointsRule
from kefu.intake.chat.models import ChatSession
from kefu.intake.email.models import InboundMail
from kefu.tickets.models import Status
from tests.callbacks.conftest import plan_org
from tests.tickets.helpers import MONDAY_9, ticket_in

# One customer's contacts over a week, an hour apart, oldest first.
T = [MONDAY_9 + timedelta(hours=h) for h in range(10)]


@pytest.fixture
def story(db):
    """A customer with a closed and an open work order, a call, a chat running, a mail, a callback to
    make, a survey answer, an order and the points it earned."""
    org = plan_org(db)
    closed = ticket_in(org, Status.CLOSED, now=T[0])
    customer = closed.customer
    CallRecord.objects.create(
        source="cti",
        external_id="c1",
        arrived_at=T[1],
        outcome="answered",
        talk_seconds=95,
        customer=customer,
        created_at=T[1],
    )
    mail_ticket = ticket_in(org, Status.CANCELLED, now=T[2], channel="email")
    InboundMail.objects.create(
        raw=b"", subject="发票开错了", sender="zhang@example.com", ticket=mail_ticket, received_at=T[2]
    )
    Satisfaction.objects.create(
        ticket=closed,
        source="callback",
        score="satisfied",
        ticket_type="complaint",
        channel="phone",
        created_at=T[3],
    )
    level = CardLevel.objects.create(code="normal", name="普通卡", rank=1)
    PointsRule.objects.create(level=level, points_per_yuan=Decimal("1"))
    loyalty.card_request(customer=customer, level=level, by=org.agent, now=T[4])
    Order.objects.create(
        customer=customer, source="shop", external_id="S-1", amount=Decimal("128.00"), placed_at=T[4]
    )
    # the open matters
    dispatched = ticket_in(org, Status.DISPATCHED, now=T[5])
    ChatSession.objects.create(
        token="chat-1", state="active", requested_at=T[6], ticket=dispatched, agent=org.agent
    )
    CallbackTask.objects.create(
        plan=org.plan,
        customer=customer,
        subject_key=f"c{customer.pk}",
        period="p1",
        created_at=T[7],
        due_at=T[8],
    )
    org.customer, org.dispatched, org.closed = customer, dispatched, closed
    return org


def test_every_channel_is_on_the_timeline_newest_first_with_open_matters_on_top(story):
    page = customer_timeline(user=story.supervisor, customer=story.customer)
    # open: the callback (T7), the chat (T6), the dispatched work order (T5), newest first
    assert [row.kind for row in page.open] == ["callback", "chat", "ticket"]
    assert all(row.is_open for row in page.open)
    # then the history, newest first: the order and its points (T4, posted when the order was
    # recorded), the card issued, the survey answer (T3), the mail and its work order (T2), the call (T1),
    # the closed work order (T0)
    kinds = [row.kind for row in page.rows]
    assert set(kinds) >= {"ticket", "call", "mail", "satisfaction", "order", "points", "card"}
    at = [row.at for row in page.rows]
    assert at == sorted(at, reverse=True)
    assert [r.kind for r in page.rows if r.at <= T[3]] == ["satisfaction", "ticket", "mail", "call", "ticket"]
    assert not page.has_next


def test_pages_cut_the_merged_history_without_losing_or_repeating_a_row(story):
    whole = customer_timeline(user=story.supervisor, customer=story.customer, size=100).rows
    pages = [customer_timeline(user=story.supervisor, customer=story.customer, size=3)]
    while pages[-1].has_next:
        pages.append(
            customer_timeline(user=story.supervisor, customer=story.customer, page=len(pages) + 1, size=3)
        )
    # pages of 3 until the last: ⌈len(whole) / 3⌉ of them, together the whole history in order
    assert len(pages) == -(-len(whole) // 3) and len(whole) > 6
    assert [row for page in pages for row in page.rows] == whole
    assert pages[1].open == []  # the open matters are on the first page only


def test_a_running_chat_without_a_work_order_is_found_by_the_customers_phone_or_email(story):
    from kefu.customers.models import CustomerEmail

    customer = story.customer
    phone = customer.phones.get().number
    CustomerEmail.objects.create(customer=customer, address="zhang@example.com")
    for token, fields in (
        ("by-phone", {"customer_phone": phone}),
        ("by-email", {"customer_email": "zhang@example.com"}),
        ("someone-else", {"customer_phone": "13700000000"}),
    ):
        ChatSession.objects.create(token=token, state="waiting", requested_at=T[9], **fields)
    found = {
        row.key
        for row in customer_timeline(user=story.supervisor, customer=customer).open
        if row.kind == "chat"
    }
    chats = dict(ChatSession.objects.values_list("token", "pk"))
    assert found == {f"chat:{chats[token]}" for token in ("chat-1", "by-phone", "by-email")}


def test_department_staff_see_only_the_work_orders_dispatched_to_them(story):
    # the dispatched work order went to logistics; nothing else of the customer is theirs to see
    page = customer_timeline(user=story.logistics_staff, customer=story.customer)
    assert [(row.kind, row.key) for row in page.open] == [("ticket", f"ticket:{story.dispatched.pk}")]
    assert page.rows == []
    # and the store's staff, who got nothing, see nothing — the page is a 404 for them
    assert customer_timeline(user=story.store_staff, customer=story.customer).open == []
    client = Client()
    client.force_login(story.store_staff)
    assert client.get(f"/customers/{story.customer.pk}/").status_code == 404
    client.force_login(story.logistics_staff)
    assert client.get(f"/customers/{story.customer.pk}/").status_code == 200


def test_quality_findings_only_for_inspectors_and_supervisors(story):
    from kefu.crm.timeline import Viewer

    assert Viewer.of(story.supervisor, story.customer).sees_quality
    assert Viewer.of(story.qa, story.customer).sees_quality
    assert not Viewer.of(story.agent, story.customer).sees_quality


def test_the_customer_page_shows_the_360_and_the_older_pages(story):
    client = Client()
    client.force_login(story.agent)
    page = client.get(f"/customers/{story.customer.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "timeline open-matters" in html and "发票开错了" in html and "S-1" in html
    more = client.get(f"/customers/{story.customer.pk}/timeline/?page=2")
    assert more.status_code == 200


def test_the_page_asks_no_more_queries_for_ten_times_the_contacts(story):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(story.supervisor)
    url = f"/customers/{story.customer.pk}/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    # when the customer has 90 more calls and 90 more orders (each earning a points entry)
    for i in range(90):
        CallRecord.objects.create(
            source="cti",
            external_id=f"more-{i}",
            arrived_at=T[0] - timedelta(days=i),
            outcome="answered",
            customer=story.customer,
            created_at=T[0],
        )
        Order.objects.create(
            customer=story.customer,
            source="shop",
            external_id=f"more-{i}",
            amount=Decimal("10"),
            placed_at=T[0] - timedelta(days=i),
        )
    # and 20 other customers have phones ending in the same four digits (the duplicates panel)
    from kefu.customers.models import CustomerPhone
    from tests.factories import CustomerFactory

    number = story.customer.phones.get().number
    for i in range(20):
        CustomerPhone.objects.create(
            customer=CustomerFactory(name=f"别人{i}"), number=f"1370000{i:04d}"[:7] + number[-4:]
        )
    # then the page asks no more queries (the newest calls and points now fill the first page): the
    # sources are read with a LIMIT in one statement, then one statement per kind shown
    assert queries() <= before


def test_the_customer_page_for_an_agent_asks_twenty_statements_and_one_per_kind_shown(story):
    """The page's statements, counted so that none comes back unnoticed: the session, the person
    (with their department), the customer (with their card, points and opt-out) and their phones,
    emails and tags, the person's agent groups, the timeline's one read of every source, one read
    per kind shown, the duplicates (one), the permissions (one), the unread notifications, the card
    levels, the merges, the RFM score, and the value panel's tier changes, override, counts,
    figures, orders and payments."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(story.agent)
    url = f"/customers/{story.customer.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    page = customer_timeline(user=story.agent, customer=story.customer)
    kinds_shown = {row.key.split(":")[0] for row in page.rows + page.open}
    assert len(kinds_shown) == 9
    assert len(captured) <= 20 + len(kinds_shown), [q["sql"][:80] for q in captured]
    assert not any(q["sql"].startswith("DECLARE") for q in captured)  # no server-side cursor


def test_a_survey_sent_says_how_in_words_not_as_a_code(story):
    """A survey asked in the chat window is "via chat" in the data; the timeline says it in words."""
    from kefu.callbacks.models import SurveyInvitation

    SurveyInvitation.objects.create(ticket=story.closed, customer=story.customer, via="chat", created_at=T[9])
    SurveyInvitation.objects.create(
        ticket=story.dispatched, customer=story.customer, address="13800138000", created_at=T[9]
    )
    sent = [
        row
        for row in customer_timeline(user=story.supervisor, customer=story.customer).rows
        if row.kind == "survey"
    ]
    assert sorted(str(row.detail) for row in sent) == sorted(["通过短信或邮件", "在聊天窗口中"])


def _every_row_of(customer, *, open_: bool) -> list[tuple]:
    """(at, key) of each of the customer's contacts a supervisor sees, read table by table: what the
    timeline must show, in its order (newest first, equal times by key)."""
    from django.db.models import F
    from django.db.models.functions import Coalesce

    from kefu.callbacks.models import SurveyInvitation
    from kefu.callcenter.models import LIVE_OUTCOMES
    from kefu.crm.models import CareOptOut, CareTouch
    from kefu.customers.models import CardApplication, Payment, PointsEntry
    from kefu.tickets.models import OPEN_STATUSES, Ticket

    live_chats = ["waiting", "offered", "active"]
    waiting_callbacks = ["open", "waiting_fix"]
    by_open = {
        "ticket": (Ticket.objects.filter(customer=customer), "created_at", Q(status__in=OPEN_STATUSES)),
        "call": (CallRecord.objects.filter(customer=customer), "arrived_at", Q(outcome__in=LIVE_OUTCOMES)),
        "chat": (
            ChatSession.objects.filter(ticket__customer=customer),
            "requested_at",
            Q(state__in=live_chats),
        ),
        "callback": (
            CallbackTask.objects.filter(customer=customer).annotate(
                when=Coalesce(F("completed_at"), F("created_at"))
            ),
            "when",
            Q(state__in=waiting_callbacks),
        ),
        "card": (
            CardApplication.objects.filter(customer=customer).annotate(
                when=Coalesce(F("decided_at"), F("created_at"))
            ),
            "when",
            Q(status="pending"),
        ),
    }
    finished = {
        "mail": (InboundMail.objects.filter(ticket__customer=customer), "received_at"),
        "survey": (SurveyInvitation.objects.filter(customer=customer, skipped=""), "created_at"),
        "satisfaction": (Satisfaction.objects.filter(ticket__customer=customer), "created_at"),
        "care": (
            CareTouch.objects.filter(customer=customer).annotate(when=Coalesce(F("at"), F("send_at"))),
            "when",
        ),
        "care-opt-out": (CareOptOut.objects.filter(customer=customer), "at"),
        "points": (PointsEntry.objects.filter(customer=customer), "at"),
        "order": (Order.objects.filter(customer=customer), "placed_at"),
        "payment": (Payment.objects.filter(customer=customer), "paid_at"),
    }
    rows = []
    for name, (qs, when, is_open) in by_open.items():
        qs = qs.filter(is_open) if open_ else qs.exclude(is_open)
        rows += [(at, f"{name}:{pk}") for pk, at in qs.values_list("id", when)]
    if not open_:
        for name, (qs, when) in finished.items():
            rows += [(at, f"{name}:{pk}") for pk, at in qs.values_list("id", when)]
    return sorted(rows, reverse=True)


def test_every_source_merges_by_time_then_key_open_matters_first_and_pages_cut_it(story):
    """Contacts of every kind, many at the same minute: the pages, read in one statement each, together
    are the whole history newest first, equal times in the order of their keys; the open matters come
    on page 1 only, newest first."""
    from kefu.callbacks.models import SurveyInvitation
    from kefu.crm.models import CareTouch
    from kefu.crm.optout import VIA_SMS, care_opt_out
    from kefu.customers.models import Payment

    customer, same = story.customer, T[9]
    for i in range(4):
        CallRecord.objects.create(
            source="cti",
            external_id=f"same-{i}",
            arrived_at=same,
            outcome="answered",
            customer=customer,
            created_at=same,
        )
        Order.objects.create(
            customer=customer, source="shop", external_id=f"same-{i}", amount=Decimal("1"), placed_at=same
        )
        Payment.objects.create(
            customer=customer, source="shop", external_id=f"same-{i}", amount=Decimal("1"), paid_at=same
        )
        SurveyInvitation.objects.create(
            ticket=story.closed, round=i + 1, customer=customer, address="13800138000", created_at=same
        )
    CallRecord.objects.create(
        source="cti",
        external_id="ringing",
        arrived_at=T[8],
        outcome="ringing",
        customer=customer,
        created_at=T[8],
    )
    care_opt_out(customer=customer, via=VIA_SMS, by=None, now=same)
    # care touches: one sent late (on the timeline when sent), one waiting (when due)
    CareTouch.objects.create(
        customer=customer,
        occasion="birthday",
        kind="birthday",
        channel="sms",
        status="sent",
        send_at=T[1],
        at=same,
    )
    CareTouch.objects.create(
        customer=customer, occasion="touch", kind="touch", channel="sms", status="skipped", send_at=same
    )
    history, opened = _every_row_of(customer, open_=False), _every_row_of(customer, open_=True)
    assert len(history) > 30 and len(opened) == 4

    pages = [customer_timeline(user=story.supervisor, customer=customer, size=7)]
    while pages[-1].has_next:
        pages.append(customer_timeline(user=story.supervisor, customer=customer, page=len(pages) + 1, size=7))
    assert [(row.at, row.key) for page in pages for row in page.rows] == history
    assert [(row.at, row.key) for row in pages[0].open] == opened
    assert all(row.is_open for row in pages[0].open) and not any(page.open for page in pages[1:])
    assert not any(row.is_open for page in pages for row in page.rows)


def test_a_page_reads_every_source_in_one_statement_then_each_kind_shown_once(story):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    customer = type(story.customer).objects.prefetch_related("phones", "emails").get(pk=story.customer.pk)
    with CaptureQueriesContext(connection) as captured:
        page = customer_timeline(user=story.supervisor, customer=customer)
    statements = [q["sql"] for q in captured]
    merged = [i for i, sql in enumerate(statements) if "UNION ALL" in sql]
    assert len(merged) == 1
    shown = {row.key.split(":")[0] for row in page.rows + page.open}
    assert len(shown) >= 8
    assert len(statements) - merged[0] - 1 == len(shown)  # after it: one read per kind shown


def test_a_timeline_row_is_rendered_as_the_template_did_escaped_in_local_time_and_cut():
    from datetime import UTC, datetime

    from django.template import Context, Template
    from django.utils import translation

    from kefu.crm.templatetags.crm_timeline import timeline_row
    from kefu.crm.timeline import Row

    at = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)  # 00:30 the next day in Shanghai
    full = Row(
        at=at,
        kind="call",
        title="<b>来电</b>",
        detail="很" * 130,
        status="已接听",
        url="/tickets/T-1/",
        is_open=True,
    )
    bare = Row(at=at, kind="payment", title="shop:P-1 & co")
    # the markup the row template had, as the reference
    reference = Template(
        '<li class="timeline-row{% if row.is_open %} is-open{% endif %}" data-kind="{{ row.kind }}">\n'
        '  <span class="muted nowrap">{{ row.at|date:"Y-m-d H:i" }}</span>\n'
        '  <span class="badge">{{ row.kind_label }}</span>\n'
        '  {% if row.url %}<a href="{{ row.url }}">{{ row.title }}</a>{% else %}{{ row.title }}{% endif %}\n'
        '  {% if row.status %}<span class="badge">{{ row.status }}</span>{% endif %}\n'
        '  {% if row.detail %}<span class="muted">{{ row.detail|truncatechars:120 }}</span>{% endif %}\n'
        "</li>"
    )
    with translation.override("zh-hans"):
        for row in (full, bare):
            assert timeline_row(row) == reference.render(Context({"row": row}))
        html = timeline_row(full)
    assert "2026-11-21 00:30" in html and "&lt;b&gt;来电&lt;/b&gt;" in html
    assert "很" * 110 in html and "很" * 120 not in html  # cut to 120 characters with its ellipsis
    assert 'class="timeline-row is-open"' in html and '<a href="/tickets/T-1/">' in html
    assert "<a " not in timeline_row(bare) and "shop:P-1 &amp; co" in timeline_row(bare)
