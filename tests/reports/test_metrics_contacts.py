"""Survey, callback, chat and quality figures (kefu.reports.metrics.surveys, chat, quality) on small
hand-worked data sets, checked against the apps' own reports where those define the same figure."""

from datetime import date, timedelta

import pytest

from kefu.callbacks.models import CallbackTask, Satisfaction, Score
from kefu.callbacks.selectors import callback_measures, satisfaction_rates
from kefu.callbacks.services.outcome import satisfaction_record
from kefu.callcenter.models import CallRecord, Outcome
from kefu.core.errors import ValidationError
from kefu.intake.chat.models import ChatSession
from kefu.quality.selectors import quality_scores
from kefu.reports.metrics import Grain, Period, Scope, measure
from kefu.reports.models import ConversionCode
from tests.callbacks.conftest import plan_org
from tests.factories import aware
from tests.quality import factories_reports as qa
from tests.tickets.helpers import new_ticket, perform

WEEK = Period.from_dates(date(2026, 11, 23), date(2026, 11, 29))


def at(day, hour, minute=0, second=0):
    return aware(2026, 11, day, hour, minute, second)


# --- surveys ----------------------------------------------------------------------------------------------


def rated(org, *, by="agent", when, score, scale=None, solved=None):
    ticket = new_ticket(org, by=by, now=when - timedelta(hours=1))
    for action in ("accept", "start", "resolve"):
        ticket = perform(org, ticket, action, by=getattr(org, by), now=when - timedelta(hours=1))
    return satisfaction_record(
        ticket=ticket, score=score, source=Satisfaction.Source.CALLBACK, by=org.caller, scale=scale,
        solved=solved, now=when,
    )  # fmt: skip


@pytest.fixture
def callback_org(db, frozen):
    return plan_org(db)


@pytest.fixture
def verdicts(callback_org):
    org = callback_org
    rated(org, when=at(23, 11), score=Score.SATISFIED, scale=5, solved=True)  # s1
    rated(org, when=at(23, 12), score=Score.FAIRLY, scale=3)  # s2: "solved?" not asked
    rated(org, when=at(23, 13), score=Score.SATISFIED, solved=False)  # s3: three levels, not solved
    # s4: Tuesday 00:30 in Shanghai (Monday 16:30 UTC), on agent2's work order
    rated(org, by="agent2", when=at(24, 0, 30), score=Score.DISSATISFIED, scale=1, solved=False)
    return org


def test_csat_mean_score_and_survey_fcr(verdicts):
    table = measure(["csat", "csat_score", "fcr_survey"], period=WEEK)
    # 4 answers; not satisfied: s3 (not solved) and s4 (dissatisfied) → (4 − 2) / 4 = 0.5
    assert table.total["csat"].value == pytest.approx(0.5)
    # on the 1–5 scale: s1 5, s2 3, s4 1 → 9 / 3 = 3.0 (s3 has no number)
    assert table.total["csat_score"].value == pytest.approx(3.0)
    # "solved?" asked of s1, s3, s4; yes: s1 → 1/3
    assert table.total["fcr_survey"].value == pytest.approx(1 / 3)


def test_csat_is_the_rate_the_callback_reports_show(verdicts):
    [row] = satisfaction_rates(start=WEEK.start, end=WEEK.end, by="channel")
    assert measure(["csat"], period=WEEK).total["csat"].value == row["rate"]


def test_survey_figures_by_agent_and_by_local_day(verdicts):
    org = verdicts
    by_agent = measure(["csat"], period=WEEK, by="agent")
    # agent: s1, s2, s3 → 2/3 satisfied; agent2: s4 → 0/1
    assert {k[1]: c["csat"].value for k, c in by_agent.rows.items()} == {
        org.agent.pk: pytest.approx(2 / 3),
        org.agent2.pk: 0.0,
    }
    by_day = measure(["csat"], period=WEEK, grain=Grain.DAY)
    assert [k[0].date() for k in by_day.rows] == [date(2026, 11, 23), date(2026, 11, 24)]  # s4 on Tuesday
    monday = measure(["csat"], period=Period.day(date(2026, 11, 23)))
    assert monday.total["csat"].components["answers"] == 3


# --- callbacks --------------------------------------------------------------------------------------------


def test_callback_completion(callback_org):
    org = callback_org

    def task(n, due, state, completed_at=None):
        CallbackTask.objects.create(
            plan=org.plan, subject_key=f"c{n}", period="p1", state=state, due_at=due, created_at=at(23, 9),
            completed_at=completed_at, assigned_to=org.caller,
        )  # fmt: skip

    S = CallbackTask.State
    task(1, at(23, 18), S.DONE, at(23, 15))  # done before due
    task(2, at(23, 18), S.DONE, at(24, 10))  # done, late
    task(3, at(24, 18), S.UNREACHABLE)
    task(4, at(25, 18), S.OPEN)
    task(5, at(25, 18), S.CANCELLED)
    task(6, aware(2026, 11, 30, 9, 0), S.DONE, at(29, 9))  # due the next week: not counted

    table = measure(["callbacks_due", "callback_completion", "callback_completion_in_time"], period=WEEK)
    assert table.total["callbacks_due"].value == 5  # tasks 1–5
    assert table.total["callback_completion"].value == pytest.approx(2 / 5)  # tasks 1, 2 done
    assert table.total["callback_completion_in_time"].value == pytest.approx(1 / 5)  # task 1
    measures = callback_measures(start=WEEK.start, end=WEEK.end)
    assert table.total["callback_completion_in_time"].value == measures["completion_in_time_rate"]
    by_group = measure(["callback_completion"], period=WEEK, by="group")
    assert list(by_group.rows) == [(None, org.team.pk)]  # the plan's team


# --- chat -------------------------------------------------------------------------------------------------


@pytest.fixture
def chats(org, frozen):
    def session(n, requested, *, greeted_after=None, agent=None, frs=None, state=ChatSession.State.ENDED):
        return ChatSession.objects.create(
            token=f"t{n}", requested_at=requested, state=state, agent=agent,
            greeted_at=None if greeted_after is None else requested + timedelta(seconds=greeted_after),
            accepted_at=requested + timedelta(seconds=5) if agent else None, first_response_seconds=frs,
        )  # fmt: skip

    session(1, at(23, 10), greeted_after=1, agent=org.agent, frs=20)
    session(2, at(23, 10, 5), greeted_after=2.5, agent=org.other_agent, frs=50)
    session(3, at(23, 10, 10), greeted_after=4, state=ChatSession.State.MISSED)
    session(4, at(23, 10, 20), state=ChatSession.State.WAITING)
    return org


def test_chat_figures(chats):
    codes = [
        "chats_requested",
        "chats_served",
        "chat_missed_rate",
        "chat_first_response",
        "chat_answered_within",
    ]
    table = measure([*codes, "chat_greeting"], period=WEEK)
    values = {code: table.total[code].value for code in table.codes}
    assert values == {
        "chats_requested": 4,
        "chats_served": 2,  # sessions 1 and 2 accepted
        "chat_missed_rate": pytest.approx(1 / 4),  # session 3
        "chat_first_response": pytest.approx(35.0),  # (20 + 50) / 2
        "chat_answered_within": pytest.approx(1 / 4),  # within 30 s: session 1 only
        "chat_greeting": pytest.approx(2 / 4),  # greeted within 3 s: sessions 1 (1 s), 2 (2.5 s)
    }
    looser = measure(
        ["chat_greeting", "chat_answered_within"],
        period=WEEK,
        options={"greeting_seconds": 5, "chat_response_seconds": 60},
    )
    assert looser.total["chat_greeting"].value == pytest.approx(3 / 4)  # + session 3 (4 s)
    assert looser.total["chat_answered_within"].value == pytest.approx(2 / 4)  # + session 2 (50 s)


def test_chat_by_group_and_scope(chats):
    org = chats
    by_group = measure(["chats_requested"], period=WEEK, by="group")
    # agent is in 热线一组, other_agent in 热线二组; sessions 3 and 4 have no agent
    assert {k[1]: c["chats_requested"].value for k, c in by_group.rows.items()} == {
        org.group.pk: 1,
        org.other_group.pk: 1,
        None: 2,
    }
    assert by_group.total["chats_requested"].value == 4
    scoped = measure(
        ["chat_first_response"], period=WEEK, scope=Scope(groups=(org.group.pk, org.other_group.pk))
    )
    assert scoped.total["chat_first_response"].value == pytest.approx(35.0)  # each session once


def test_chat_options_are_refused_by_name(chats):
    with pytest.raises(ValidationError) as caught:
        measure(["chat_greeting"], period=WEEK, options={"greeting_seconds": "-1"})
    assert list(caught.value.errors) == ["greeting_seconds"]


def test_one_query_per_family(chats, django_assert_num_queries):
    with django_assert_num_queries(1):
        measure(["chats_requested", "chat_first_response", "chat_greeting"], period=WEEK)


# --- quality ----------------------------------------------------------------------------------------------


def test_quality_score_is_the_quality_reports_mean(org, frozen):
    v = qa.version(qa.rubric())
    talk = lambda agent, when: qa.transcript(at=when, agent=agent)  # noqa: E731
    qa.inspection(transcript=talk(org.agent, at(23, 10)), version=v, auto=80)  # 80
    qa.inspection(transcript=talk(org.agent, at(23, 11)), version=v, auto=70, final=90)  # reviewed: 90
    qa.inspection(
        transcript=talk(org.other_agent, at(23, 12)), version=v, auto=60, superseded=True
    )  # not current
    qa.inspection(transcript=talk(org.other_agent, at(24, 9)), version=v, auto=100)  # 100

    table = measure(["quality_score"], period=WEEK, by="agent")
    assert table.total["quality_score"].value == pytest.approx(90.0)  # (80 + 90 + 100) / 3
    mine = {k[1]: c["quality_score"].value for k, c in table.rows.items()}
    assert mine == {
        org.agent.pk: pytest.approx(85.0),
        org.other_agent.pk: pytest.approx(100.0),
    }  # (80 + 90) / 2
    theirs = {row.key: row.mean_score for row in quality_scores(start=WEEK.start, end=WEEK.end, by="agent")}
    assert theirs == {org.agent.username: 85.0, org.other_agent.username: 100.0}
    assert (
        measure(["quality_score"], period=Period.day(date(2026, 11, 25))).total["quality_score"].value is None
    )


# --- conversion ---------------------------------------------------------------------------------------------


def test_conversion_counts_answered_calls_closed_with_a_chosen_wrapup_code(org, frozen):
    def call(n, agent, outcome, code):
        CallRecord.objects.create(
            source="cti", external_id=f"c{n}", arrived_at=at(23, 10, n), agent=agent, outcome=outcome,
            wrapup_code=code, created_at=at(23, 10, n),
        )  # fmt: skip

    call(1, org.agent, Outcome.ANSWERED, "SALE")
    call(2, org.agent, Outcome.ANSWERED, "INFO")
    call(3, org.other_agent, Outcome.ANSWERED, "SALE")
    call(4, None, Outcome.ABANDONED, "SALE")  # not served: never counts
    codes = ["conversions", "conversion_rate"]
    before = measure(codes, period=WEEK)
    assert [before.total[c].value for c in codes] == [None, None]  # no code chosen: no false zero

    ConversionCode.objects.create(code="SALE", name="成交")
    ConversionCode.objects.create(code="INFO", is_active=False)
    table = measure(codes, period=WEEK, by="agent")
    assert table.total["conversions"].value == 2  # calls 1 and 3
    assert table.total["conversion_rate"].value == pytest.approx(2 / 3)  # served: calls 1, 2, 3
    assert {k[1]: c["conversion_rate"].value for k, c in table.rows.items()} == {
        org.agent.pk: pytest.approx(1 / 2),
        org.other_agent.pk: 1.0,
    }
