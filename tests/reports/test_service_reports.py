"""Service reports (kefu.reports.service_reports): each kind's period in local time, the headline
against targets, the daily complaint record, the workbook, subscriptions and the scheduled email."""

from datetime import date, timedelta
from io import BytesIO

import pytest
import time_machine
from django.utils import translation
from openpyxl import load_workbook

from kefu.core.errors import PermissionDenied, ValidationError
from kefu.reports import service_reports as sr
from kefu.reports.models import ReportDelivery, ReportSubscription
from kefu.reports.service_reports import Kind
from kefu.reports.targets import MET, MISSED, target_set
from kefu.tickets.models import Status
from tests.factories import CategoryFactory, aware
from tests.reports.test_metrics_calls import call
from tests.tickets.helpers import new_ticket, perform, ticket_in

MONDAY = date(2026, 11, 30)  # the frozen "now" is Thursday 2026-12-03 12:00, Asia/Shanghai


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def line(report, code):
    return next(item for item in report.headline if item.code == code)


# --- periods ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "day", "first", "last"),
    [
        (Kind.DAILY, date(2026, 11, 29), date(2026, 11, 29), date(2026, 11, 29)),
        # Sunday 29 November belongs to the week from Monday 23 November.
        (Kind.WEEKLY, date(2026, 11, 29), date(2026, 11, 23), date(2026, 11, 29)),
        (Kind.WEEKLY, date(2026, 11, 30), date(2026, 11, 30), date(2026, 12, 6)),
        (Kind.MONTHLY, date(2028, 2, 10), date(2028, 2, 1), date(2028, 2, 29)),  # a leap year
        (Kind.MONTHLY, date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
        (Kind.YEARLY, date(2026, 7, 4), date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_each_kind_covers_its_day_week_month_or_year(kind, day, first, last):
    period = sr.period_of(kind, day)
    assert (period.first_day, period.last_day) == (first, last)
    # Local midnight in Shanghai (UTC+8): the period starts at 16:00 UTC the day before.
    assert period.start == aware(first.year, first.month, first.day, 0, 0)
    assert period.end == aware(last.year, last.month, last.day, 0, 0) + timedelta(days=1)


@pytest.mark.parametrize(
    ("kind", "covered"),
    [
        (Kind.DAILY, date(2026, 12, 2)),  # yesterday
        (Kind.WEEKLY, date(2026, 11, 29)),  # the Sunday ending last week
        (Kind.MONTHLY, date(2026, 11, 30)),
        (Kind.YEARLY, date(2025, 12, 31)),
    ],
)
def test_previous_is_a_day_of_the_last_complete_period(kind, covered):
    assert sr.previous(kind, date(2026, 12, 3)) == covered


def test_an_unknown_kind_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        sr.period_of("hourly", MONDAY)
    assert list(refused.value.errors) == ["kind"]


def test_a_period_that_has_not_begun_is_refused_naming_the_day(org, frozen):
    with pytest.raises(ValidationError) as refused:
        sr.service_report(kind=Kind.WEEKLY, day=date(2026, 12, 7))  # next Monday's week
    assert list(refused.value.errors) == ["day"]
    # The current week (from Monday 30 November) has begun: its figures so far.
    assert sr.service_report(kind=Kind.WEEKLY, day=date(2026, 12, 3)).period.first_day == MONDAY


@pytest.mark.parametrize(
    ("today", "kinds"),
    [
        (date(2026, 12, 2), ["daily"]),  # a Wednesday
        (date(2026, 11, 30), ["daily", "weekly"]),  # a Monday
        (date(2026, 12, 1), ["daily", "monthly"]),  # the 1st, a Tuesday
        (date(2027, 1, 1), ["daily", "monthly", "yearly"]),  # 1 January, a Friday
        (date(2027, 2, 1), ["daily", "weekly", "monthly"]),  # a Monday and the 1st
    ],
)
def test_due_kinds(today, kinds):
    assert sr.due_kinds(today) == kinds


# --- the report --------------------------------------------------------------------------------------


@pytest.fixture
def monday_calls(org, frozen):
    """Monday 30 November: four calls offered (three answered, one abandoned after 40 s); and one
    on Sunday 23:30 local (15:30 UTC on Sunday), which is not Monday's."""
    call(1, aware(2026, 11, 30, 9, 0), "answered", wait=10, talk=100)
    call(2, aware(2026, 11, 30, 9, 10), "answered", wait=10, talk=100)
    call(3, aware(2026, 11, 30, 9, 20), "answered", wait=31, talk=100)
    call(4, aware(2026, 11, 30, 9, 30), "abandoned", wait=40)
    call(5, aware(2026, 11, 29, 23, 30), "abandoned", wait=40)
    target_set(figure="calls_answer_rate", value=0.9, by=org.manager)
    target_set(figure="calls_abandon_rate", value=0.3, by=org.manager)
    target_set(figure="calls_asa", value=20, by=org.manager)


def test_the_headline_is_judged_against_the_targets(monday_calls):
    report = sr.service_report(kind=Kind.DAILY, day=MONDAY)
    assert report.span == "2026-11-30"
    offered = line(report, "calls_offered")
    assert (offered.value, offered.text, offered.target, offered.verdict) == (4, "4", "", None)
    # answer rate = 3 answered / 4 offered = 75.0 % < target 90 %: missed
    rate = line(report, "calls_answer_rate")
    assert (rate.value, rate.text, rate.target, rate.verdict) == (0.75, "75.0%", "90.0%", MISSED)
    assert rate.target_value == 0.9
    # abandonment = 1 / 4 = 25 % ≤ 30 %: met (lower is better)
    assert line(report, "calls_abandon_rate").verdict == MET
    # ASA = (10 + 10 + 31) / 3 = 17 s ≤ 20 s: met
    asa = line(report, "calls_asa")
    assert (asa.text, asa.verdict) == ("17.0 s", MET)
    # The week (23–29 November) has Sunday's call only: 1 offered, answer rate 0 / 1.
    week = sr.service_report(kind=Kind.WEEKLY, day=date(2026, 11, 23))
    assert (line(week, "calls_offered").value, line(week, "calls_answer_rate").value) == (1, 0)
    assert line(week, "calls_answer_rate").verdict == MISSED


def test_values_are_rounded_not_cut_off():
    from kefu.reports.dashboard import format_value
    from kefu.reports.metrics import FIGURES

    assert format_value(FIGURES["calls_asa"], 50 / 3) == "16.7 s"  # 16.666…
    assert format_value(FIGURES["calls_answer_rate"], 2 / 3) == "66.7%"  # 66.666… %
    assert format_value(FIGURES["calls_aht"], 199.6) == "200 s"  # ≥ 100 s: whole seconds
    assert format_value(FIGURES["calls_answer_rate"], None) == "—"


def test_an_empty_period_shows_dashes_and_zero_counts(org, frozen):
    report = sr.service_report(kind=Kind.MONTHLY, day=date(2026, 6, 1))
    assert line(report, "calls_offered").text == "0"
    assert line(report, "calls_answer_rate").text == "—"
    assert all(item.value in (None, 0) and item.verdict is None for item in report.headline)
    assert all(not b.rows for b in report.breakdowns)
    assert report.complaints == [] and report.quality_failures == [] and report.listening is None


def test_a_breakdown_by_a_dimension_the_family_lacks_is_skipped(org, frozen):
    period = sr.period_of(Kind.DAILY, MONDAY)
    assert sr._breakdown("calls_offered", "department", period, "x") is None  # calls have no department
    assert sr._breakdown("no_such_figure", "queue", period, "x") is None
    assert sr._breakdown("calls_offered", "queue", period, "x").rows == []


def test_the_breakdowns_count_work_orders_by_channel_and_category(org, frozen):
    parent = CategoryFactory(name="物流")
    child = CategoryFactory(name="延误", parent=parent)
    new_ticket(org, now=aware(2026, 11, 30, 9, 0), category_id=child.pk)
    new_ticket(org, now=aware(2026, 11, 30, 10, 0), category_id=child.pk)
    new_ticket(org, now=aware(2026, 11, 30, 11, 0), channel="email")
    report = sr.service_report(kind=Kind.DAILY, day=MONDAY)
    by_channel, by_category = report.breakdowns[:2]
    assert by_channel.title == "Work orders by channel"
    # phone 2, email 1, largest first
    assert [(value, text) for _label, value, text in by_channel.rows] == [(2, "2"), (1, "1")]
    # by category: the subcategory's path (2), then the one without (1)
    assert [(label, value) for label, value, _text in by_category.rows] == [(child.path, 2), ("(none)", 1)]
    assert child.path.endswith("延误") and "物流" in child.path


# --- the daily complaint record ----------------------------------------------------------------------


@pytest.fixture
def complaints(org, frozen):
    earlier = aware(2026, 11, 25, 9, 0)
    made = {
        "today": new_ticket(org, now=aware(2026, 11, 30, 10, 0), title="今天收到"),
        "open": new_ticket(org, now=earlier, title="仍未办结"),
        "resolved_before": ticket_in(org, Status.RESOLVED, now=earlier, title="早已办结"),
        "resolved_after": ticket_in(org, Status.IN_PROGRESS, now=earlier, title="次日办结"),
        "cancelled": ticket_in(org, Status.CANCELLED, now=aware(2026, 11, 30, 11, 0), title="撤销"),
        "consultation": new_ticket(
            org, now=aware(2026, 11, 30, 12, 0), ticket_type="consultation", title="咨询"
        ),
        "tomorrow": new_ticket(org, now=aware(2026, 12, 1, 9, 0), title="次日收到"),
    }
    made["resolved_after"] = perform(org, made["resolved_after"], "resolve", now=aware(2026, 12, 1, 9, 0))
    return made


def test_the_complaint_record_lists_the_days_complaints_and_those_open_at_its_end(complaints):
    record = sr.complaint_record(sr.period_of(Kind.DAILY, MONDAY))
    # Oldest first: the two received on the 25th and unresolved at the end of Monday (one resolved
    # on 1 December), then Monday's own. Not: resolved before, cancelled, a consultation, Tuesday's.
    assert [(c.title, c.received) for c in record] == [
        ("仍未办结", False),
        ("次日办结", False),
        ("今天收到", True),
    ]
    today = record[2]
    assert today.url == f"/tickets/{complaints['today'].number}/"
    assert f"{today.created_at:%Y-%m-%d %H:%M}" == "2026-11-30 10:00"  # local time
    assert today.customer == "张女士"
    # The daily report carries it; the weekly does not.
    assert len(sr.service_report(kind=Kind.DAILY, day=MONDAY).complaints) == 3
    assert sr.service_report(kind=Kind.WEEKLY, day=date(2026, 11, 23)).complaints == []


def test_the_workbook_has_the_figures_the_breakdowns_and_the_complaint_record(complaints, monday_calls):
    report = sr.service_report(kind=Kind.DAILY, day=MONDAY)
    book = load_workbook(BytesIO(sr.report_xlsx(report)))
    figures = book.worksheets[0]
    assert [figures["A1"].value, figures["B1"].value] == ["Daily complaint record", "2026-11-30"]
    rows = {row[0]: row[1:] for row in figures.iter_rows(min_row=3, values_only=True)}
    assert rows["Answer rate"] == (0.75, "90.0%", "yes")
    answer_rate = next(r for r in figures.iter_rows(min_row=3) if r[0].value == "Answer rate")
    assert answer_rate[1].number_format == "0.0%"  # 0.75 reads 75.0%
    assert rows["Offered"] == (4, None, None)
    record = book["Complaint record"]
    assert [r[0] for r in record.iter_rows(min_row=2, values_only=True)] == [
        complaints["open"].number,
        complaints["resolved_after"].number,
        complaints["today"].number,
    ]
    assert "Work orders by channel" in book.sheetnames


# --- subscriptions and delivery ----------------------------------------------------------------------


def test_subscribing_is_for_those_who_read_the_figures(org):
    sr.subscription_set(user=org.manager, kind=Kind.DAILY, on=True)
    sr.subscription_set(user=org.manager, kind=Kind.DAILY, on=True)  # twice: still one
    assert list(ReportSubscription.objects.values_list("user__username", "kind")) == [("manager", "daily")]
    with pytest.raises(PermissionDenied):
        sr.subscription_set(user=org.agent, kind=Kind.DAILY, on=True)
    with pytest.raises(ValidationError) as refused:
        sr.subscription_set(user=org.manager, kind="hourly", on=True)
    assert list(refused.value.errors) == ["kind"]
    sr.subscription_set(user=org.manager, kind=Kind.DAILY, on=False)
    assert not ReportSubscription.objects.exists()


@pytest.fixture
def subscribers(org):
    for kind in Kind.values:
        sr.subscription_set(user=org.manager, kind=kind, on=True)
    org.supervisor.email = ""
    org.supervisor.save()
    sr.subscription_set(user=org.supervisor, kind=Kind.DAILY, on=True)  # no address: skipped
    # An agent's subscription (written directly: the service refuses it) sends nothing.
    ReportSubscription.objects.create(user=org.agent, kind=Kind.DAILY)
    return org


def test_monday_sends_the_daily_and_weekly_reports_once(subscribers, complaints, mailoutbox):
    with time_machine.travel(aware(2026, 11, 30, 7, 30), tick=False):
        assert sr.deliver_due(today=MONDAY) == 2
        assert sr.deliver_due(today=MONDAY) == 0  # run again: nothing twice
    assert len(mailoutbox) == 2
    assert {tuple(m.to) for m in mailoutbox} == {(subscribers.manager.email,)}
    daily, weekly = sorted(mailoutbox, key=lambda m: m.attachments[0][0])
    # Chinese by default: the site's language, whatever the caller's.
    assert daily.subject == "[Kefu] 每日投诉记录 2026-11-29"
    assert weekly.subject == "[Kefu] 服务周报 2026-11-23 – 2026-11-29"
    name, content, mimetype = daily.attachments[0]
    assert name == "kefu-daily-20261129.xlsx"
    assert mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert load_workbook(BytesIO(content)).worksheets[0]["B1"].value == "2026-11-29"
    html = daily.alternatives[0][0]
    assert "投诉记录" in html
    # Sunday's record: the two complaints of the 25th still unresolved then, each linked.
    assert f"/tickets/{complaints['open'].number}/" in html
    assert f"/tickets/{complaints['today'].number}/" not in html  # Monday's, not Sunday's
    assert list(ReportDelivery.objects.values_list("period_start", flat=True).order_by("period_start")) == [
        date(2026, 11, 23),
        date(2026, 11, 29),
    ]


def test_the_first_of_the_month_and_new_year_send_the_monthly_and_yearly(subscribers, mailoutbox):
    with time_machine.travel(aware(2026, 12, 1, 7, 30), tick=False):
        assert sr.deliver_due(today=date(2026, 12, 1)) == 2  # daily + monthly (a Tuesday)
    with time_machine.travel(aware(2027, 1, 1, 7, 30), tick=False):
        assert sr.deliver_due(today=date(2027, 1, 1)) == 3  # daily + monthly + yearly (a Friday)
        assert sr.deliver_due(today=date(2027, 1, 1)) == 0
    names = sorted(m.attachments[0][0] for m in mailoutbox)
    assert names == [
        "kefu-daily-20261130.xlsx",
        "kefu-daily-20261231.xlsx",
        "kefu-monthly-20261101.xlsx",
        "kefu-monthly-20261201.xlsx",
        "kefu-yearly-20260101.xlsx",
    ]


def test_a_refused_send_is_tried_again_on_the_next_run(subscribers, mailoutbox, monkeypatch):
    from smtplib import SMTPServerDisconnected

    from django.core.mail import EmailMultiAlternatives

    def refuse(self, fail_silently=False):
        raise SMTPServerDisconnected("gone")

    with time_machine.travel(aware(2026, 12, 2, 7, 30), tick=False):
        with monkeypatch.context() as patched:
            patched.setattr(EmailMultiAlternatives, "send", refuse)
            assert sr.deliver_due(today=date(2026, 12, 2)) == 0  # a Wednesday: the daily only
        assert not ReportDelivery.objects.exists()
        assert sr.deliver_due(today=date(2026, 12, 2)) == 1
    assert [m.attachments[0][0] for m in mailoutbox] == ["kefu-daily-20261201.xlsx"]


def test_nothing_is_due_for_nobody_subscribed(org, mailoutbox):
    with time_machine.travel(aware(2026, 11, 30, 7, 30), tick=False):
        assert sr.deliver_due(today=MONDAY) == 0
    assert mailoutbox == []
