"""Plain INSERTs of new instances (kefu.core.rows): what they store, the keys they hand back, the
signals they send, and the batch UPDATE of PostgreSQL."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from tests.factories import CustomerFactory
from tests.org import build_org

from kefu.core import rows as core_rows
from kefu.core.rows import (
    COPY_FROM,
    build,
    copy_rows,
    insert_many,
    insert_rows,
    save_new,
    update_each,
    update_from_rows,
)
from kefu.customers.models import RfmScore, TierChange
from kefu.notify.models import Notification
from kefu.tickets.models import Ticket, TicketEvent, TicketNumberSequence
from kefu.tickets.services import ticket_create


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def ticket(org):
    return ticket_create(
        by=org.agent, ticket_type="consultation", channel="phone", content="几点开门？"
    ).ticket


def test_save_new_stores_every_field_and_sends_the_save_signals(ticket, org):
    received = []

    def on_pre(sender, instance, **kwargs):
        received.append(("pre", instance.pk))

    def on_post(sender, instance, created, raw, **kwargs):
        received.append(("post", instance.pk, created, raw))

    pre_save.connect(on_pre, sender=TicketEvent)
    post_save.connect(on_post, sender=TicketEvent)
    try:
        now = timezone.now()
        event = save_new(
            TicketEvent(ticket=ticket, kind=TicketEvent.Kind.NOTE, actor=org.agent, created_at=now,
                        note="回访", data={"a": [1, "二"]})
        )  # fmt: skip
    finally:
        pre_save.disconnect(on_pre, sender=TicketEvent)
        post_save.disconnect(on_post, sender=TicketEvent)
    assert received == [("pre", None), ("post", event.pk, True, False)]
    assert not event._state.adding
    stored = TicketEvent.objects.get(pk=event.pk)
    assert (stored.ticket_id, stored.actor_id, stored.note, stored.data) == (
        ticket.pk,
        org.agent.pk,
        "回访",
        {"a": [1, "二"]},
    )
    assert stored.created_at == now


@pytest.mark.parametrize("count", [3, COPY_FROM + 5], ids=["insert", "copy-sized"])
def test_insert_many_hands_back_each_row_its_own_key(ticket, org, count):
    rows = [
        build(Notification, user=org.agent if i % 2 else org.agent2, ticket=ticket, kind="escalation",
              title=f"第{i}条", body="")
        for i in range(count)
    ]  # fmt: skip
    insert_many(rows)
    stored = dict(Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", "title"))
    assert len(stored) == count
    assert all(stored[r.pk] == r.title for r in rows)
    assert all(r.created_at is not None for r in rows)  # auto_now_add is stamped as save() would


@pytest.mark.parametrize("count", [3, COPY_FROM + 5], ids=["insert", "copy-sized"])
def test_insert_many_prepares_json_lists_and_decimals_as_the_orm_does(db, count):
    from tests.quality.factories import InspectionFactory, RubricItemFactory

    from kefu.quality.models import Finding

    inspection = InspectionFactory()
    items = [RubricItemFactory(version=inspection.version) for _ in range(count)]
    evidence = [{"sentence": None, "start": 0, "end": 0, "quote": "", "note": "无问候", "rule": None},
                {"sentence": 2, "start": 1, "end": 4, "quote": "不知道\"'", "note": "", "rule": 7}]  # fmt: skip
    rows = [
        build(Finding, inspection=inspection, item_id=item.pk, sentence=k, evidence=evidence[: k % 3],
              points=Decimal("-2.50") * k, severity="normal")
        for k, item in enumerate(items)
    ]  # fmt: skip
    insert_many(rows)
    stored = {f.pk: f for f in Finding.objects.filter(inspection=inspection)}
    assert len(stored) == count
    for k, row in enumerate(rows):
        got = stored[row.pk]
        assert (got.item_id, got.sentence, got.evidence, got.points) == (
            items[k].pk, k, evidence[: k % 3], Decimal("-2.50") * k,
        )  # fmt: skip
        assert (got.source, got.status, got.comment, got.rule_id) == ("auto", "pending", "", None)


def test_insert_many_takes_decimals_given_as_text_or_float_and_refuses_nan_as_the_orm_does(db):
    from django.core.exceptions import ValidationError
    from tests.quality.factories import InspectionFactory, RubricItemFactory

    from kefu.quality.models import Finding

    inspection = InspectionFactory()
    a, b, c = (RubricItemFactory(version=inspection.version) for _ in range(3))
    rows = [
        build(Finding, inspection=inspection, item=a, points="-1.5", severity="normal"),
        build(Finding, inspection=inspection, item=b, points=2.25, severity="normal"),
    ]
    insert_many(rows)
    stored = dict(Finding.objects.filter(inspection=inspection).values_list("item_id", "points"))
    assert stored == {a.pk: Decimal("-1.50"), b.pk: Decimal("2.25")}
    assert Finding.objects.get(item=a).evidence == []  # the callable default, stored as JSON
    with pytest.raises(ValidationError):
        insert_many([build(Finding, inspection=inspection, item=c, points=Decimal("NaN"), severity="normal")])


def test_build_fills_defaults_and_keeps_the_related_instance(ticket):
    event = build(TicketEvent, ticket=ticket, kind=TicketEvent.Kind.NOTE, created_at=timezone.now())
    assert event.ticket_id == ticket.pk
    assert event.ticket is ticket  # no query: cached as the constructor would
    assert event.data == {} and event.note == "" and event.actor_id is None
    other = build(TicketEvent, ticket=ticket, kind=TicketEvent.Kind.NOTE, created_at=timezone.now())
    assert other.data is not event.data  # a callable default is called for each row


def test_build_refuses_an_unknown_field(ticket):
    with pytest.raises(TypeError):
        build(TicketEvent, ticket=ticket, colour="red")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the staging-table UPDATE is for PostgreSQL")
def test_update_from_rows_gives_each_row_its_own_values(org):
    a = ticket_create(by=org.agent, ticket_type="consultation", channel="phone", content="一").ticket
    b = ticket_create(by=org.agent, ticket_type="consultation", channel="phone", content="二").ticket
    update_from_rows(
        connection,
        table=Ticket._meta.db_table,
        columns=["escalation_level", "version"],
        rows=[(a.pk, 2, 1), (b.pk, 3, 2)],
        set_sql="escalation_level = s.escalation_level, version = t.version + s.version",
    )
    got = dict(Ticket.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "escalation_level"))
    assert got == {a.pk: 2, b.pk: 3}
    versions = dict(Ticket.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "version"))
    assert versions == {a.pk: a.version + 1, b.pk: b.version + 2}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the staging-table UPDATE is for PostgreSQL")
def test_update_from_rows_analyzes_a_large_staging_table_and_updates_the_same(org, monkeypatch):
    monkeypatch.setattr(core_rows, "ANALYZE_FROM", 2)  # the large-batch path, on two rows
    a = ticket_create(by=org.agent, ticket_type="consultation", channel="phone", content="一").ticket
    b = ticket_create(by=org.agent, ticket_type="consultation", channel="phone", content="二").ticket
    update_from_rows(
        connection,
        table=Ticket._meta.db_table,
        columns=["escalation_level"],
        rows=[(a.pk, 2), (b.pk, 3)],
        set_sql="escalation_level = s.escalation_level",
    )
    got = dict(Ticket.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "escalation_level"))
    assert got == {a.pk: 2, b.pk: 3}


def test_copy_rows_stores_each_type_as_the_orm_reads_it_on_either_database(org):
    # A binary COPY on PostgreSQL, typed by the fields: JSON, an aware moment, NULL, numeric, a date.
    customer = CustomerFactory()
    ops = connection.ops
    at = datetime.datetime(2026, 11, 20, 12, 0, 30, tzinfo=datetime.UTC)
    reason = {"override": '经理定级: "VIP"\t\\', "min": 5000, "value": "6120.01"}
    copy_rows(
        TierChange,
        fields=("customer_id", "from_tier", "to_tier", "reason", "at", "by_id"),
        rows=[
            (customer.pk, "C", "A", ops.adapt_json_value(reason, None), ops.adapt_datetimefield_value(at), None),
            (customer.pk, "A", "B", ops.adapt_json_value({"flag": "deputy"}, None), ops.adapt_datetimefield_value(at),
             org.manager.pk),
        ],
    )  # fmt: skip
    changes = list(
        TierChange.objects.order_by("id").values_list("from_tier", "to_tier", "reason", "at", "by_id")
    )
    assert changes == [("C", "A", reason, at, None), ("A", "B", {"flag": "deputy"}, at, org.manager.pk)]
    day = datetime.date(2026, 11, 20)
    copy_rows(
        RfmScore,
        fields=("customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "segment", "as_of",
                "window_days", "computed_at"),
        rows=[(customer.pk, 3, 2, Decimal("-12.50"), 5, 2, 1, "important_value", ops.adapt_datefield_value(day), 365,
               ops.adapt_datetimefield_value(at))],
    )  # fmt: skip
    score = RfmScore.objects.get()
    assert (score.monetary, score.as_of, score.r, score.segment, score.computed_at) == (
        Decimal("-12.50"), day, 5, "important_value", at
    )  # fmt: skip


def test_update_each_replaces_keeps_the_greater_or_adds_as_told_on_either_database(org):
    a = ticket_create(by=org.agent, ticket_type="consultation", channel="phone", content="一").ticket
    b = ticket_create(by=org.agent, ticket_type="consultation", channel="phone", content="二").ticket
    Ticket.objects.filter(pk=b.pk).update(escalation_level=5)
    moment = timezone.now().replace(microsecond=0)
    update_each(
        Ticket,
        columns=["escalated_to_id", "escalation_level", "version"],
        rows=[(a.pk, org.supervisor.pk, 2, 1), (b.pk, org.manager.pk, 3, 2)],
        combine={"escalation_level": "max", "version": "add"},
        also={"updated_at": moment},
    )
    got = {
        pk: row
        for pk, *row in Ticket.objects.filter(pk__in=[a.pk, b.pk]).values_list(
            "pk", "escalated_to_id", "escalation_level", "version", "updated_at"
        )
    }
    assert got == {
        a.pk: [org.supervisor.pk, 2, a.version + 1, moment],
        b.pk: [org.manager.pk, 5, b.version + 2, moment],  # level 3 does not lower 5
    }


def test_insert_rows_skips_rows_that_break_the_unique_constraint(db):
    day, next_day = datetime.date(2026, 11, 23), datetime.date(2026, 11, 24)
    unique = ["prefix", "day"]
    rows = [("TS", day), ("ZX", day)]
    assert insert_rows(TicketNumberSequence, columns=unique, rows=rows, fixed={"last": 7}, unique=unique) == 2
    again = [("TS", day), ("TS", next_day)]
    assert (
        insert_rows(TicketNumberSequence, columns=unique, rows=again, fixed={"last": 1}, unique=unique) == 1
    )
    stored = sorted(TicketNumberSequence.objects.values_list("prefix", "day", "last"))
    assert stored == [("TS", day, 7), ("TS", next_day, 1), ("ZX", day, 7)]


def test_build_lets_init_receivers_see_the_instance(ticket):
    from django.db.models.signals import post_init

    seen = []

    def on_init(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(on_init, sender=TicketEvent)
    try:
        event = build(TicketEvent, ticket=ticket, kind=TicketEvent.Kind.NOTE, created_at=timezone.now())
    finally:
        post_init.disconnect(on_init, sender=TicketEvent)
    assert seen == [event]


def test_shallow_copy_is_a_row_of_its_own_with_the_same_cached_relations(ticket):
    from kefu.core.rows import shallow_copy

    event = TicketEvent.objects.select_related("ticket").filter(ticket=ticket).first()
    copied = shallow_copy(event)
    copied.note = "changed"
    copied._state.fields_cache.pop("ticket")
    assert event.note != "changed"
    assert "ticket" in event._state.fields_cache  # the original keeps its cached work order
    assert copied.pk == event.pk and not copied._state.adding


def test_seconds_between_counts_fractions_across_midnight_on_either_database(db):
    from datetime import UTC

    from kefu.core.rows import seconds_between_sql

    start = datetime.datetime(2026, 12, 1, 23, 59, 30, tzinfo=UTC)
    end = datetime.datetime(2026, 12, 2, 0, 1, 0, 250000, tzinfo=UTC)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {seconds_between_sql(connection, 'a', 'b')} FROM (SELECT %s AS a, %s AS b) t",
            [adapt(start), adapt(end)],
        )
        (seconds,) = cursor.fetchone()
    assert round(float(seconds), 3) == 90.25  # 30 s to midnight + 1 min 0.25 s after it


def test_insert_select_stores_the_selected_rows_once_and_counts_the_new_ones(db):
    from django.db.models import F, Value

    from kefu.core.rows import insert_select

    day = datetime.date(2026, 11, 23)
    TicketNumberSequence.objects.create(prefix="TS", day=day, last=7)
    TicketNumberSequence.objects.create(prefix="ZX", day=day, last=3)
    copies = TicketNumberSequence.objects.annotate(
        n_prefix=F("prefix"), n_day=Value(datetime.date(2026, 11, 24)), n_last=F("last")
    ).values("n_prefix", "n_day", "n_last")
    columns = ["prefix", "day", "last"]
    unique = ["prefix", "day"]
    assert insert_select(TicketNumberSequence, columns=columns, queryset=copies.order_by("prefix"),
                         unique=unique, count_by="last") == {7: 1, 3: 1}  # fmt: skip
    again = copies.filter(day=day).order_by("prefix")  # the same two rows: both stored already
    assert (
        insert_select(TicketNumberSequence, columns=columns, queryset=again, unique=unique, count_by="last")
        == {}
    )
    assert TicketNumberSequence.objects.count() == 4


def test_read_all_gives_the_rows_as_the_orm_would_and_logs_the_statement(db):
    """The dashboards' wide reads (`read_all`): binary results on PostgreSQL, the same values as a
    plain cursor's (integers, text, exact floats, NULL), and the statement in Django's query log
    (what assertNumQueries and the debug toolbar read) with its parameters bound."""
    from django.test.utils import CaptureQueriesContext

    sql = "SELECT %s + 1 AS n, %s AS word, CAST(%s AS DOUBLE PRECISION) * 2 AS x, NULL AS missing"
    params = [41, "客服 ' quote", 0.1]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        plain = cursor.fetchall()
    with CaptureQueriesContext(connection) as queries:
        description, rows = core_rows.read_all(connection, sql, params)
    assert [column[0] for column in description] == ["n", "word", "x", "missing"]
    assert rows == plain == [(42, "客服 ' quote", 0.2, None)]
    assert len(queries) == 1 and "客服" in queries[0]["sql"]
