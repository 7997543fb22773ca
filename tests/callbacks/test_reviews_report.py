"""Why not satisfied: the reason taxonomy, the review queue and the weekly listening report's arithmetic."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from kefu.callbacks.models import Factor, Reason, Review, Satisfaction
from kefu.callbacks.selectors import review_queue, weekly_report, weekly_report_xlsx
from kefu.callbacks.services import review_record
from kefu.core.errors import PermissionDenied, ValidationError
from tests.factories import aware

AGENT_REASONS = ["语气平淡", "表达用语随意", "抢话", "不耐烦", "处理不灵活", "业务不熟"]
OTHER_REASONS = ["业务流程", "系统设置", "产品问题", "政策规定", "客户自身原因"]


def test_taxonomy_is_seeded_split_into_agent_and_non_agent_factors(db):
    agent = set(Reason.objects.filter(factor=Factor.AGENT).values_list("name", flat=True))
    other = set(Reason.objects.filter(factor=Factor.OTHER).values_list("name", flat=True))
    assert set(AGENT_REASONS) <= agent
    assert set(OTHER_REASONS) <= other


def contact(org, when, *, score="dissatisfied", agent=None, group=None):
    from tests.callbacks.conftest import resolved_complaint

    ticket = resolved_complaint(org)
    return Satisfaction.objects.create(
        ticket=ticket, round=0, source="survey", score=score, agent=agent or org.agent,
        group=group or org.group, ticket_type="complaint", channel="phone", created_at=when,
    )  # fmt: skip


def reasons(*names):
    return [Reason.objects.get(name=n).pk for n in names]


def test_review_queue_holds_every_unreviewed_not_satisfied_contact(org):
    bad = contact(org, aware(2026, 11, 23, 10, 0))
    contact(org, aware(2026, 11, 23, 10, 0), score="satisfied")
    assert list(review_queue()) == [bad]
    review_record(satisfaction=bad, by=org.qa, reason_ids=reasons("抢话", "产品问题"))
    assert list(review_queue()) == []
    assert set(Review.objects.get().reasons.values_list("name", flat=True)) == {"抢话", "产品问题"}


def test_review_needs_a_reason_and_a_reviewer(org):
    bad = contact(org, aware(2026, 11, 23, 10, 0))
    with pytest.raises(ValidationError):
        review_record(satisfaction=bad, by=org.qa, reason_ids=[])
    with pytest.raises(PermissionDenied):
        review_record(satisfaction=bad, by=org.agent, reason_ids=reasons("抢话"))


def test_weekly_report_arithmetic_on_a_hand_built_week(org):
    # ISO week 2026-W48: Monday 23 November to Sunday 29 November.
    monday, sunday = aware(2026, 11, 23, 10, 0), aware(2026, 11, 29, 23, 0)
    week = [
        (monday, org.agent, ("语气平淡", "抢话")),
        (monday, org.agent, ("语气平淡", "产品问题")),
        (sunday, org.agent2, ("不耐烦",)),
        (sunday, org.agent2, ("语气平淡",)),
        (monday, org.other_agent, ("业务流程",)),
    ]
    for when, agent, names in week:
        group = org.other_group if agent == org.other_agent else org.group
        review_record(
            satisfaction=contact(org, when, agent=agent, group=group), by=org.qa, reason_ids=reasons(*names)
        )
    # Outside the week: the Monday after, and a contact not yet reviewed.
    review_record(
        satisfaction=contact(org, aware(2026, 11, 30, 0, 30)), by=org.qa, reason_ids=reasons("抢话")
    )
    contact(org, monday)

    report = weekly_report(year=2026, week=48)

    assert report.reviewed == 5
    assert report.with_agent == 4  # contacts 1–4 (contact 2 also counts as non-agent)
    assert report.with_other == 2  # contacts 2 and 5
    rows = {r.reason: r for r in report.reasons}
    # Agent tags: 语气平淡 ×3, 抢话 ×1, 不耐烦 ×1 → 5 tags. Non-agent tags: 产品问题, 业务流程 → 2.
    assert rows["语气平淡"].count == 3
    assert rows["语气平淡"].share == pytest.approx(3 / 5)
    assert rows["语气平淡"].contact_share == pytest.approx(3 / 5)
    assert rows["抢话"].share == pytest.approx(1 / 5)
    assert rows["产品问题"].share == pytest.approx(1 / 2)
    assert [(r.reason, c) for r, c in report.top_agent] == [
        ("语气平淡", pytest.approx(3 / 5)),
        ("不耐烦", pytest.approx(4 / 5)),
        ("抢话", pytest.approx(5 / 5)),
    ]
    agents = {g.name: g for g in report.by_agent}
    assert (agents[org.agent.label].reviewed, agents[org.agent.label].agent_factor) == (2, 2)
    assert agents[org.agent.label].top_reason == "语气平淡"
    assert agents[org.other_agent.label].agent_factor == 0
    teams = {g.name: g for g in report.by_team}
    assert (teams[org.group.name].reviewed, teams[org.group.name].other_factor) == (4, 1)

    book = load_workbook(BytesIO(weekly_report_xlsx(report)))
    assert book["summary"]["B2"].value == 5
    top = list(book["top agent reasons"].iter_rows(min_row=2, values_only=True))
    assert top[-1] == ("抢话", 1, 0.2, 1.0)
