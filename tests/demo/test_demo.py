"""The demo app (kefu.demo) loads the service center through the same services agents use, and a
newcomer finds every feature with something in it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.db.models import Count

from kefu.accounts.models import User
from kefu.callbacks.models import CallbackPlan, CallbackTask, Satisfaction
from kefu.callbacks.selectors import callback_queue
from kefu.callcenter.agent_states import state_seconds
from kefu.callcenter.models import CallRecord, ImportRun
from kefu.demo.data import load_demo
from kefu.intake.chat.models import ChatSession
from kefu.knowledge.models import Case, PhraseRule, Script
from kefu.knowledge.phrases import check_text
from kefu.notify.models import Notification
from kefu.quality.models import Finding, Inspection, Rubric, Transcript
from kefu.quality.permissions import scope_filter
from kefu.quality.selectors import current_version
from kefu.reports.models import ReportSubscription, Target
from kefu.reports.service_reports import service_report
from kefu.reports.targets import MISSED
from kefu.tickets.models import Escalation, SlaClock, Ticket, TicketType

pytestmark = pytest.mark.django_db

# A Wednesday afternoon: the demo's clocks are all inside working hours.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

# Each category and words one of its work orders must contain (title or text): a category that
# does not fit its work order, or a new category without an expectation here, fails.
CATEGORY_WORDS = {
    "物流配送": ["物流", "送"],
    "服务态度": ["态度"],
    "商品质量": ["坏", "亮点"],
    "退款进度": ["退款"],
    "售后维修": ["维修", "师傅"],
    "价格争议": ["价"],
    "环境设施": ["洗手间"],
    "会员积分": ["积分"],
    "门店地址与营业时间": ["几点", "营业"],
    "发票开具": ["发票"],
    "会员与积分": ["积分"],
    "订单查询": ["订单"],
    "礼品卡": ["礼品卡"],
    "保修政策": ["保修"],
    "门店环境": ["母婴室"],
    "线上商城": ["网上", "线上"],
    "服务人员": ["导购"],
    "售后服务": ["维修"],
    "家电": ["洗衣机", "电视"],
    "数码": ["电脑"],
    "家具": ["沙发"],
    "换货": ["换"],
    "七天无理由": ["七天"],
    "质量问题退货": ["质量", "跑绒"],
    "其他": ["丢", "钱包"],
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module inside a transaction rolled back at its end (each test's
    own transaction is a savepoint within it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo(tickets=120, now=NOW)
        transaction.set_rollback(True)


def test_the_demo_has_callbacks_waiting_and_a_month_of_answered_ones(demo):
    types = {t for plan in CallbackPlan.objects.all() for t in plan.ticket_types}
    assert {TicketType.COMPLAINT, TicketType.CONSULTATION, TicketType.REPAIR} <= types
    agent = User.objects.get(username="agent")
    assert callback_queue(agent).filter(ticket__isnull=False).exists()
    assert CallbackTask.objects.filter(state=CallbackTask.State.DONE).count() >= 20
    answered = Satisfaction.objects.all()
    sources = set(answered.values_list("source", flat=True))
    assert {Satisfaction.Source.CALLBACK, Satisfaction.Source.SURVEY} <= sources
    oldest = answered.order_by("created_at").first().created_at
    assert NOW - oldest > timedelta(days=20)
    assert all(s.created_at <= NOW for s in answered)
    assert answered.filter(score="dissatisfied").exists()  # the review queue has work too


def test_the_demo_has_scripts_phrase_rules_and_cases(demo):
    assert Script.objects.filter(text__contains="{ticket_no}").count() >= 5
    forbidden = check_text("我不知道，这不归我管")["forbidden"]
    assert {hit["phrase"] for hit in forbidden} == {"我不知道", "这不归我管"}
    filler = check_text("天啊，你等一下")["discouraged"]
    assert {hit["phrase"] for hit in filler} >= {"天啊", "你"}
    assert next(h for h in filler if h["phrase"] == "你")["alternative"] == "您"
    assert PhraseRule.objects.filter(phrase="我晕").exists()
    assert Case.objects.count() >= 3
    assert all(case.nodes.filter(parent__isnull=False).exists() for case in Case.objects.all())


def test_the_demo_has_calls_and_chats(demo):
    assert ImportRun.objects.filter(imported__gt=100).exists()
    phone_orders = Ticket.objects.filter(channel="phone")
    assert CallRecord.objects.filter(ticket__in=phone_orders).count() == phone_orders.count()
    assert CallRecord.objects.filter(outcome="abandoned").exists()
    assert ChatSession.objects.filter(state="ended", ticket__isnull=False).count() >= 5


def test_the_demo_has_chats_waiting_and_the_a_customer_is_first_in_the_queue(demo):
    """Two chats wait when the demo starts (the console's queue and the wallboard show them): an A
    customer's, with its tier badge, first in the queue, and an English-speaking visitor's."""
    from kefu.intake.chat.selectors import waiting_queue

    queue = waiting_queue()
    assert [chat["tier"] for chat in queue] == ["A", ""]
    assert ChatSession.objects.get(pk=queue[1]["id"]).language == "en"


def test_the_demo_agents_have_a_day_of_states_consistent_with_their_calls(demo):
    agent = User.objects.get(username="agent")
    day = datetime(2026, 11, 24, tzinfo=ZoneInfo("Asia/Shanghai"))  # the Tuesday before NOW
    seconds = state_seconds(start=day, end=day + timedelta(days=1), agents=[agent])[agent.pk]
    logged_in = sum(seconds.values())
    # From about 08:50 to at least 18:00: 9 h 10 min less the 5 min it may start late, at most
    # till midnight; with two short breaks and lunch (8 + 8 + 45 minutes at least).
    assert 9 * 3600 + 5 * 60 <= logged_in < 15 * 3600
    assert seconds["break"] >= (8 + 8 + 45) * 60
    talk = sum(
        (end - answer).total_seconds()
        for answer, end in CallRecord.objects.filter(
            agent=agent, answered_at__gte=day, answered_at__lt=day + timedelta(days=1)
        ).values_list("answered_at", "ended_at")
    )
    # On a contact exactly while on the day's calls (at most their talk, if two overlapped),
    # each followed by 20–90 s of wrap-up.
    assert 0 < seconds["on_contact"] <= talk
    assert seconds["wrap_up"] > 0
    # Now (15:00 on Wednesday) every agent is logged in: no one's last state is logged_out.
    now_states = state_seconds(start=NOW - timedelta(seconds=1), end=NOW)
    assert len(now_states) == 4


def test_the_demo_escalates_a_handful_not_everything(demo):
    gm = User.objects.get(username="gm")
    assert Notification.objects.filter(user=gm, kind="escalation").count() < 15
    assert Notification.objects.filter(user=gm).count() < 15  # departments have heads of their own
    assert not Escalation.objects.filter(to_user=gm).exists()
    assert 1 <= SlaClock.objects.filter(state=SlaClock.State.RUNNING, breached_at__isnull=False).count() <= 10
    assert Escalation.objects.filter(reason="breach").count() <= 10


def test_each_work_order_has_a_category_that_fits_it(demo):
    checked = 0
    for ticket in Ticket.objects.exclude(category=None).select_related("category"):
        words = CATEGORY_WORDS[ticket.category.name]
        assert any(w in ticket.title + ticket.content for w in words), (ticket.title, ticket.category.name)
        checked += 1
    assert checked >= 110


def test_the_demo_has_rubrics_from_the_service_standard_and_inspected_conversations(demo):
    rubrics = {r.name.split(" · ")[1]: r for r in Rubric.objects.all()}
    assert set(rubrics) == {"Hotline", "Chat", "Complaint callback"}
    assert all(current_version(r) is not None for r in rubrics.values())
    hotline = current_version(rubrics["Hotline"])
    codes = set(hotline.items.values_list("code", flat=True))
    assert {"greeting", "farewell", "polite_words", "polite_you", "fillers", "openers", "tone", "interruption",
            "speed", "silence", "customer_emotion", "repetition"} <= codes  # fmt: skip
    # Every hotline rule finds something in the demo's conversations, so each can be seen at work.
    assert (
        set(Finding.objects.filter(inspection__version=hotline).values_list("item__code", flat=True)) == codes
    )

    inspections = Inspection.objects.all()
    assert 30 <= inspections.count() <= 60
    assert {"phone", "chat"} <= set(inspections.values_list("channel", flat=True))
    assert inspections.filter(auto_score__gte=95).exists() and inspections.filter(auto_score__lt=70).exists()
    assert inspections.filter(worst_severity="fatal", auto_score=hotline.floor_score).exists()
    assert all(i.conversation_at <= NOW for i in inspections)
    assert NOW - inspections.order_by("conversation_at").first().conversation_at > timedelta(days=14)
    assert set(inspections.values_list("agent__username", flat=True)) == {
        "agent",
        "agent2",
        "agent3",
        "agent4",
    }
    assert Transcript.objects.filter(sentences__0__text__startswith="Hello").exists()  # a few in English
    rude = [
        (finding, e)
        for finding in Finding.objects.filter(inspection__version=hotline, item__code="tone")
        for e in finding.evidence
        if "你听不懂吗" in e["quote"]
    ]
    finding, evidence = rude[0]
    assert evidence["sentence"] is not None
    assert finding.inspection.transcript.sentences[evidence["sentence"]]["role"] == "agent"
    # One finding per item in each inspection.
    per_item = Finding.objects.filter(source="auto").values("inspection", "item").annotate(n=Count("pk"))
    assert {row["n"] for row in per_item} == {1}


def test_the_demo_spares_a_silence_after_please_wait(demo):
    held = Transcript.objects.filter(sentences__4__text="请稍等，我马上为您查询。", channel="phone")
    assert held.exists()
    assert not Finding.objects.filter(inspection__transcript__in=held, item__code="silence").exists()


def test_the_demo_inspector_has_a_review_queue_and_an_appeal_is_pending(demo):
    qa = User.objects.get(username="qa")
    mine = Inspection.objects.filter(scope_filter(qa))
    assert mine.filter(state=Inspection.State.SAMPLED).count() >= 3
    appealed = Inspection.objects.get(state=Inspection.State.APPEALED)
    assert appealed.reviewer == qa and appealed.final_score is not None
    assert (
        appealed.findings.filter(status="rejected").exists()
        and appealed.findings.filter(status="confirmed").exists()
    )
    agent = appealed.agent
    assert set(Inspection.objects.filter(scope_filter(agent)).values_list("agent", flat=True)) == {agent.pk}


def test_the_demo_has_a_closed_calibration_with_agreement_and_an_open_blind_one(demo):
    from kefu.quality.models import CalibrationSession
    from kefu.quality.services.calibration import calibration_agreement, calibration_visible_scores

    qa, supervisor = User.objects.get(username="qa"), User.objects.get(username="supervisor")
    closed = CalibrationSession.objects.get(state=CalibrationSession.State.CLOSED)
    agreement = calibration_agreement(session=closed, user=supervisor)
    assert agreement.inspectors == 3 and agreement.scores == 9
    # They disagreed on some items, not on everything: the figures are neither perfect nor empty.
    assert agreement.mean_range > 0 and 0 < agreement.item_agreement < 1
    assert agreement.alpha is not None and agreement.kappa is not None
    current = CalibrationSession.objects.get(state=CalibrationSession.State.OPEN)
    assert calibration_visible_scores(current, qa).count() == current.transcripts.count() == 2
    assert calibration_visible_scores(current, supervisor).count() == 0  # blind until closed
    assert closed.created_at < closed.closed_at <= NOW


def test_the_demo_shows_every_call_figure_from_built_rollups(demo):
    """On first start the dashboards have numbers: the month's rollups are built and fresh, and the
    figures a newcomer looks for (answer rate, after-call work, conversion) have values."""
    from kefu.reports.metrics import Period, measure
    from kefu.reports.models import RollupDay

    month = Period.from_dates(NOW.date() - timedelta(days=29), NOW.date())
    assert RollupDay.objects.filter(family="calls", fresh=True).count() >= 30
    codes = ["calls_offered", "calls_answer_rate", "calls_service_level", "calls_acw", "conversion_rate"]
    table = measure(codes, period=month)
    assert all(table.total[code].value for code in codes), {c: table.total[c].value for c in codes}
    # The wrap-up the call log records is the wrap-up the agent states show (20–90 s a call).
    assert 20 <= table.total["calls_acw"].value <= 90


def test_the_demo_manager_receives_reports_and_the_targets_show_misses(demo):
    assert set(ReportSubscription.objects.values_list("user__username", "kind")) == {
        ("manager", "daily"),
        ("manager", "weekly"),
    }
    assert dict(Target.objects.filter(queue="").values_list("figure", "value")) == {
        "calls_answer_rate": 0.90,
        "calls_service_level": 0.80,
        "fcr": 0.85,
        "csat": 0.90,
        "complaints_within_sla": 0.95,
    }
    with time_machine.travel(NOW, tick=False):
        report = service_report(kind="weekly", day=NOW.date() - timedelta(days=7))
    verdicts = {line.code: line.verdict for line in report.headline if line.verdict}
    assert MISSED in verdicts.values()  # the dashboard and reports show below-target marks at once


def test_the_demo_has_loyalty_cards_points_a_redemption_and_a_gold_card_waiting(demo):
    from kefu.customers.loyalty.selectors import card_summary, pending_applications
    from kefu.customers.models import Card, PointsEntry

    assert Card.objects.count() == 12
    assert PointsEntry.objects.filter(kind="earn").exists()
    assert PointsEntry.objects.filter(kind="redeem").count() == 1
    assert [a.level.code for a in pending_applications()] == ["gold"]
    # the customer of the newest portal work order sees a card and a balance on the portal
    portal = Ticket.objects.filter(channel="portal").order_by("-created_at").first()
    summary = card_summary(portal.customer_id)
    assert summary is not None and summary.points > 0


# --- RFM (issue 14, part 5) ----------------------------------------------------------------------


def test_the_demo_has_two_rfm_snapshots_with_movement_and_a_care_plan_for_a_segment(demo):
    from kefu.customers import rfm
    from kefu.customers.models import Order, RfmSegment

    assert Order.objects.exists()
    today = NOW.date()
    assert rfm.snapshot_dates() == [today, today - timedelta(days=30)]
    sizes = rfm.segment_sizes(today)
    assert sum(1 for s in sizes if s.count) >= 6  # most of the eight segments have customers
    moves = rfm.movement(today - timedelta(days=30), today)
    assert moves.moved > 0  # the movement chart shows something on first start
    plan = CallbackPlan.objects.get(rfm_segments=[RfmSegment.IMPORTANT_WIN_BACK])
    win_back = rfm.customers_in_segment(RfmSegment.IMPORTANT_WIN_BACK)
    assert win_back.exists()
    assert set(CallbackTask.objects.filter(plan=plan).values_list("customer_id", flat=True)) == set(
        win_back.values_list("pk", flat=True)
    )


def test_the_demo_has_orders_refunds_an_import_and_a_ladder_with_reasons(demo):
    from django.utils import translation

    from kefu.customers.models import Customer, ImportJob, Order, TierChange, TierOverride
    from kefu.customers.tier_actions import customers_needing_responsible
    from kefu.customers.tiers import change_text

    assert Order.objects.filter(kind="order").count() > 100
    assert Order.objects.filter(kind="refund").count() == 4
    job = ImportJob.objects.get()
    assert (job.status, job.imported, job.error_count) == (ImportJob.Status.DONE, 2, 2)
    a_changes = TierChange.objects.filter(to_tier="A", by__isnull=True)
    assert a_changes.count() >= 3
    with translation.override("en"):
        texts = {change_text(c).split(" ")[1] for c in a_changes}
    assert {"ARPU", "referrals", "years"} & texts  # A for their figures, not by chance
    assert TierOverride.objects.filter(expires_on__isnull=False).count() == 1
    assert customers_needing_responsible().count() == 1
    assert Customer.objects.filter(tier_id="A", owner__isnull=False).exists()


def test_the_demo_has_care_touches_sent_and_skipped_upcoming_occasions_and_a_handover(demo):
    from kefu.crm.care import upcoming
    from kefu.crm.handover import leftovers
    from kefu.crm.models import CareKind, CareOptOut, CareRule, CareStatus, CareTouch, Handover
    from kefu.tickets.models import Channel, Ticket

    assert set(CareRule.objects.values_list("kind", flat=True)) == {"birthday", "holiday", "touch", "renewal"}
    statuses = set(CareTouch.objects.values_list("status", flat=True))
    assert {CareStatus.SENT, CareStatus.SKIPPED_NO_CONSENT} <= statuses
    assert (
        CareTouch.objects.filter(kind=CareKind.BIRTHDAY, status=CareStatus.SENT).count() >= 2
    )  # yesterday, today
    assert CareTouch.objects.filter(kind=CareKind.RENEWAL).exists()
    assert len(upcoming(today=NOW.date())) >= 5  # birthdays every other day, renewals
    # Opted out (退订) by an email's link, an SMS reply and an agent: their touches are skipped.
    assert CareTouch.objects.filter(status=CareStatus.SKIPPED_OPT_OUT).count() >= 3
    vias = sorted(CareOptOut.objects.values_list("via", flat=True))
    assert vias[:2] == ["email link", "sms reply"] and vias[2].startswith("staff: ")
    sms = Ticket.objects.get(channel=Channel.SMS, content__contains="积分什么时候到账")
    assert sms.customer.phones.exists()
    handed = Handover.objects.get(user__username="zhouming")
    assert not handed.user.is_active and handed.notified == 5
    assert [left.user.username for left in leftovers()] == ["sunhao"]  # the nightly check's finding
