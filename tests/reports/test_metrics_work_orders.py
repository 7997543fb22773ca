"""Work-order figures (kefu.reports.metrics.work_orders) on small hand-worked data sets."""

from datetime import date

import pytest

from kefu.core.errors import ValidationError
from kefu.reports.metrics import Grain, Period, Scope, measure
from kefu.tickets.models import Dispatch, Message, SlaClock, SlaTarget, Ticket
from kefu.tickets.services.sla import clock_status, sla_sweep
from tests.factories import CategoryFactory, aware
from tests.tickets.helpers import new_ticket, perform

WEEK = Period.from_dates(date(2026, 11, 23), date(2026, 11, 29))  # Monday to Sunday


def at(day, hour, minute=0):
    return aware(2026, 11, day, hour, minute)


@pytest.fixture
def repeats(org, frozen):
    """Two customers, two categories; five work orders in the week and one after it."""
    x, y = CategoryFactory(name="物流"), CategoryFactory(name="质量")
    a = {"customer_phone": "13800000001", "customer_name": "甲"}
    b = {"customer_phone": "13800000002", "customer_name": "乙"}
    made = {
        "t1": new_ticket(org, now=at(23, 9), category_id=x.pk, **a),
        "t2": new_ticket(org, now=at(24, 10), category_id=x.pk, **a),  # repeat of t1 (1 day later)
        "t3": new_ticket(org, now=at(25, 10), category_id=y.pk, **a),  # other category: no repeat
        "t4": new_ticket(org, now=at(23, 10), category_id=x.pk, **b),
        # 8 days after t4 (2026-12-01 10:00 > t4 + 7 days): not a repeat with N = 7, one with N = 10.
        "t5": new_ticket(org, now=aware(2026, 12, 1, 10, 0), category_id=x.pk, **b),
        "t6": new_ticket(org, now=at(23, 11), **a),  # no category: not judged
        "t7": new_ticket(org, now=at(24, 11), category_id=x.pk, **b),  # cancelled below
    }
    perform(org, made["t7"], "cancel", now=at(24, 12))
    assert made["t1"].customer_id == made["t2"].customer_id != made["t4"].customer_id
    return made, x, y


def test_fcr_counts_a_repeat_of_the_same_customer_and_category_within_n_days(repeats):
    table = measure(["fcr", "work_orders_created"], period=WEEK)
    # created: t1, t2, t3, t4, t6 = 5 (t5 is after the week, t7 cancelled)
    assert table.total["work_orders_created"].value == 5
    # judged: t1, t2, t3, t4 = 4 (t6 has no category); repeated: t1 (t2 a day later) = 1
    # FCR = 1 − 1/4 = 0.75
    assert table.total["fcr"].value == pytest.approx(0.75)
    assert table.total["fcr"].components["fcr_judged"] == 4


def test_fcr_window_is_an_option_and_too_recent_work_orders_wait(repeats):
    table = measure(["fcr"], period=WEEK, options={"fcr_days": "10"})
    # now − 10 days = 2026-11-23 12:00: only t1 (09:00) and t4 (10:00) are judged;
    # both repeated within 10 days (t2 after t1; t5, 8 days after t4): FCR = 1 − 2/2 = 0
    assert table.total["fcr"].components["fcr_judged"] == 2
    assert table.total["fcr"].value == 0
    assert table.options["work_orders"] == {"fcr_days": 10}


def test_fcr_options_are_refused_by_name(repeats):
    for bad in ("0", "91", "seven", True):
        with pytest.raises(ValidationError) as caught:
            measure(["fcr"], period=WEEK, options={"fcr_days": bad})
        assert list(caught.value.errors) == ["fcr_days"]


def test_a_merged_duplicate_is_a_repeat_and_is_not_judged_itself(org, frozen):
    x = CategoryFactory(name="物流")
    a = {"customer_phone": "13800000001", "customer_name": "甲", "category_id": x.pk}
    new_ticket(org, now=at(23, 9), **a)
    duplicate = new_ticket(org, now=at(23, 9, 30), **a)
    # folded into a new work order (of another customer, without a category: not judged)
    perform(org, duplicate, "merge", now=at(23, 9, 30))
    table = measure(["fcr"], period=WEEK)
    # judged: the first only; it is repeated by the duplicate half an hour later → 1 − 1/1 = 0
    assert table.total["fcr"].components["fcr_judged"] == 1
    assert table.total["fcr"].value == 0


def test_volume_by_category_and_by_day(repeats):
    _made, x, y = repeats
    by_category = measure(["work_orders_created"], period=WEEK, by="category")
    counts = {key[1]: cells["work_orders_created"].value for key, cells in by_category.rows.items()}
    # x: t1, t2, t4 = 3; y: t3 = 1; no category: t6 = 1
    assert counts == {x.pk: 3, y.pk: 1, None: 1}
    assert by_category.total["work_orders_created"].value == 5
    by_day = measure(["work_orders_created"], period=WEEK, grain=Grain.DAY)
    days = {key[0].date(): cells["work_orders_created"].value for key, cells in by_day.rows.items()}
    # Monday: t1, t4, t6 = 3; Tuesday: t2 = 1; Wednesday: t3 = 1
    assert days == {date(2026, 11, 23): 3, date(2026, 11, 24): 1, date(2026, 11, 25): 1}


def test_a_day_starts_at_local_midnight(org, frozen):
    new_ticket(org, now=aware(2026, 11, 22, 23, 30))  # 15:30 UTC on the 22nd
    new_ticket(org, now=aware(2026, 11, 23, 0, 10))  # 16:10 UTC on the 22nd, but Monday in Shanghai
    new_ticket(org, now=aware(2026, 11, 23, 23, 50))
    monday = measure(["work_orders_created"], period=Period.day(date(2026, 11, 23)))
    assert monday.total["work_orders_created"].value == 2  # 00:10 and 23:50


def test_an_empty_period_has_no_rates(org, frozen):
    table = measure(
        [
            "fcr",
            "complaints_within_sla",
            "dispatches_on_time",
            "email_first_response",
            "email_answered_within",
        ],
        period=WEEK,
    )
    assert {code: m.value for code, m in table.total.items()} == dict.fromkeys(table.codes)
    by_day = measure(["fcr", "work_orders_created"], period=WEEK, grain=Grain.DAY)
    assert by_day.rows == {}  # no day has a row
    assert by_day.total["fcr"].value is None and by_day.total["work_orders_created"].value == 0


def test_one_query_per_family(repeats, django_assert_num_queries):
    with django_assert_num_queries(1):
        measure(["fcr", "work_orders_created"], period=WEEK, options={"fcr_days": 7})
    with django_assert_num_queries(2):  # by a dimension: the rows, and the total once
        measure(["fcr", "work_orders_created"], period=WEEK, by="channel")


def test_grouping_by_agent_and_scope(org, repeats):
    made, _x, _y = repeats
    Ticket.objects.filter(pk=made["t3"].pk).update(owner=org.agent2)
    table = measure(["work_orders_created"], period=WEEK, by="agent")
    counts = {key[1]: cells["work_orders_created"].value for key, cells in table.rows.items()}
    assert counts == {org.agent.pk: 4, org.agent2.pk: 1}  # 5 created, t3 now agent2's
    only = measure(["work_orders_created"], period=WEEK, scope=Scope(agents=(org.agent2.pk,)))
    assert only.total["work_orders_created"].value == 1


def test_unknown_grouping_is_refused_by_name(org, frozen):
    with pytest.raises(ValidationError) as caught:
        measure(["fcr"], period=WEEK, by="queue")
    assert list(caught.value.errors) == ["by"]


# --- complaints within their SLA --------------------------------------------------------------------


def resolve(org, ticket, when):
    for action in ("accept", "start", "resolve"):
        ticket = perform(org, ticket, action, now=when)
    return ticket


def test_complaints_within_sla_follow_the_resolution_clock(org, frozen):
    # The default policy: resolution in 24 working hours on a 09:00–18:00 weekday calendar, so a
    # complaint recorded Monday 09:00 is due Wednesday 15:00 (9 h Mon + 9 h Tue + 6 h Wed).
    met = resolve(org, new_ticket(org, now=at(23, 9)), at(23, 11))
    swept = new_ticket(org, now=at(23, 9))
    sla_sweep(now=at(25, 16))  # Wednesday 16:00: the sweep marks `swept` breached (and `met` is done)
    resolve(org, swept, at(25, 17))
    late = resolve(org, new_ticket(org, now=at(23, 9)), at(26, 10))  # Thursday: after it was due
    resolve(org, new_ticket(org, now=at(23, 9), ticket_type="consultation"), at(23, 11))  # not a complaint
    clock = SlaClock.objects.get(ticket=late, target=SlaTarget.RESOLUTION)
    assert clock.due_at == at(25, 15) and clock.breached_at is None  # the sweep never ran
    assert clock_status(clock)["state"] == "missed"  # the clock, not the report, says it missed
    assert clock_status(SlaClock.objects.get(ticket=met, target=SlaTarget.RESOLUTION))["state"] == "met"

    assert SlaClock.objects.get(ticket=swept, target=SlaTarget.RESOLUTION).breached_at == at(25, 15)

    table = measure(["complaints_resolved", "complaints_within_sla"], period=WEEK)
    assert table.total["complaints_resolved"].value == 3
    # timed 3 (met, swept, late), missed 2 (swept, late): (3 − 2) / 3
    assert table.total["complaints_within_sla"].value == pytest.approx(1 / 3)
    by_day = measure(["complaints_within_sla"], period=WEEK, grain=Grain.DAY)
    # placed by resolved_at: Monday 1/1 met, Wednesday 0/1, Thursday 0/1
    assert {k[0].date(): c["complaints_within_sla"].value for k, c in by_day.rows.items()} == {
        date(2026, 11, 23): 1.0,
        date(2026, 11, 25): 0.0,
        date(2026, 11, 26): 0.0,
    }


# --- dispatches replied by their deadline --------------------------------------------------------------


def test_dispatches_on_time_use_the_stored_deadline(org, frozen):
    ticket = new_ticket(org, now=at(23, 9))
    perform(org, ticket, "accept", now=at(23, 9))
    perform(org, ticket, "start", now=at(23, 9))
    perform(org, ticket, "dispatch", now=at(23, 9))
    perform(org, ticket, "department_reply", now=at(23, 15))  # d1: long before its deadline
    d1 = Dispatch.objects.get(ticket=ticket)
    assert at(23, 15) < d1.deadline < at(30, 0)

    def row(deadline, state, answered_at=None):
        return Dispatch.objects.create(
            ticket=ticket, department=org.store, deadline=deadline, state=state, created_at=at(23, 9),
            answered_at=answered_at,
        )  # fmt: skip

    row(at(24, 18), Dispatch.State.REPLIED, at(25, 10))  # d2: replied a day late
    row(at(24, 18), Dispatch.State.PENDING)  # d3: deadline passed, no reply: late
    row(at(25, 18), Dispatch.State.WITHDRAWN)  # d4: withdrawn: not counted
    row(at(25, 18), Dispatch.State.RETURNED, at(24, 10))  # d5: sent back: not a reply
    row(aware(2026, 12, 10, 18, 0), Dispatch.State.PENDING)  # d6: due after now: not decided yet

    table = measure(["dispatches_due", "dispatches_on_time"], period=WEEK)
    # due: d1, d2, d3, d5 = 4; on time: d1 = 1 → 1/4
    assert table.total["dispatches_due"].value == 4
    assert table.total["dispatches_on_time"].value == pytest.approx(0.25)
    december = measure(["dispatches_due"], period=Period.from_dates(date(2026, 12, 1), date(2026, 12, 31)))
    assert december.total["dispatches_due"].value == 0  # d6 still waits
    by_department = measure(["dispatches_on_time"], period=WEEK, by="department")
    # logistics: d1 on time → 1/1; store: d2, d3, d5 → 0/3
    assert {k[1]: c["dispatches_on_time"].value for k, c in by_department.rows.items()} == {
        org.logistics.pk: 1.0,
        org.store.pk: 0.0,
    }


# --- email first response --------------------------------------------------------------------------------


def mail(ticket, direction, when, delivery):
    return Message.objects.create(
        ticket=ticket, direction=direction, channel="email", body_text="…", delivery=delivery, created_at=when
    )


def test_email_first_response_time_and_share_within_target(org, frozen):
    e1, e2, e3 = (
        new_ticket(org, by=None, now=at(23, 9), channel="email", customer_email=f"c{n}@example.com")
        for n in range(3)
    )
    IN, OUT = Message.Direction.INBOUND, Message.Direction.OUTBOUND
    mail(e1, IN, at(23, 9), "received")
    mail(e1, OUT, at(23, 10, 30), "sent")  # 1.5 h = 5,400 s
    mail(e1, OUT, at(23, 11), "sent")  # a second reply: not the first
    mail(e2, IN, at(23, 9), "received")
    mail(e2, OUT, at(23, 9, 10), "failed")  # never reached the customer: not a response
    mail(e2, OUT, at(24, 11), "sent")  # 26 h = 93,600 s
    mail(e3, IN, at(23, 9), "received")  # not answered
    phone = new_ticket(org, now=at(23, 9))  # not an email work order
    mail(phone, OUT, at(23, 9, 5), "sent")

    table = measure(["email_first_response", "email_answered_within"], period=WEEK)
    # mean over the answered: (5,400 + 93,600) / 2 = 49,500 s
    assert table.total["email_first_response"].value == pytest.approx(49_500)
    # within 24 h (86,400 s): e1 only, over 3 email work orders → 1/3
    assert table.total["email_answered_within"].value == pytest.approx(1 / 3)
    wider = measure(["email_answered_within"], period=WEEK, options={"email_response_seconds": 100_000})
    assert wider.total["email_answered_within"].value == pytest.approx(2 / 3)  # e1 and e2
