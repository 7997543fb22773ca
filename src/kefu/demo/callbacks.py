"""The demo's callbacks (回访) and satisfaction history: a callback script, one plan per kind of work
order, a VIP care plan, and four weeks of what the callback team and the customers did.

The history is replayed in time order through the same services the team uses: the plans' sweep runs
once a day at noon (the worker's periodic task runs every five minutes; once a day is enough for
the story and keeps the first start quick), each new task is called
an hour or two later (`callback_complete`, sometimes after a "no answer" attempt), and about a third
of the customers answer the survey link first (`survey_answer`), which closes the work order and makes
its task unnecessary. A few customers are not satisfied: the work order reopens and escalates, is
fixed, and the follow-up call finds them satisfied. What would happen after `now` is left undone, so
the newest resolved work orders wait in the callback queue.

The script's questions and answers are Chinese, as the store's customers hear them; the names of the
script and plans, which staff pick from lists, are given in both languages ("中文 · English").
"""

import heapq
import itertools
import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from kefu.callbacks.models import CallbackPlan, CallbackTask, Question, Script, Trigger
from kefu.callbacks.services import callback_attempt, callback_complete, callback_plans_generate
from kefu.callbacks.services.surveys import survey_answer, survey_token
from kefu.tickets.models import Status, Ticket, TicketType
from kefu.tickets.services import ticket_transition

SCRIPT_NAME = "满意度回访 · Satisfaction callback"
SOLVED = ["已解决", "未解决"]
SATISFACTION = ["满意", "基本满意", "不满意"]
QUESTIONS = [
    ("您反映的问题现在解决了吗？", Question.Kind.CHOICE, SOLVED, Question.Role.SOLVED, True),
    ("您对我们这次的处理满意吗？", Question.Kind.CHOICE, SATISFACTION, Question.Role.SATISFACTION, True),
    ("您对我们的服务还有什么意见或建议？", Question.Kind.TEXT, [], Question.Role.FEEDBACK, False),
]
# (name, work-order types, due within working minutes): complaints within the 24 working hours their
# SLA policy gives the callback (kefu.demo.data.policies_load).
PLANS = [
    ("投诉回访 · Complaint callback", [TicketType.COMPLAINT], 24 * 60),
    ("售后回访 · After-sales callback", [TicketType.REPAIR, TicketType.RETURN], 24 * 60),
    (
        "咨询与建议回访 · Enquiry and suggestion callback",
        [TicketType.CONSULTATION, TicketType.SUGGESTION, TicketType.PRAISE, TicketType.OTHER],
        24 * 60,
    ),
]
CARE_PLAN = "贵宾月度关怀 · Monthly VIP care"
SWEEP_HOURS = (12,)
PRAISE = ["师傅很专业，谢谢", "客服小姑娘很耐心", "处理得很及时", "希望以后继续保持"]
COMPLAINTS = ["问题还是没解决", "等了太久，没有人主动联系我", "处理结果不能接受"]


def callback_plans_load(*, team) -> list[CallbackPlan]:
    """The callback script and one "after resolution" plan per group of work-order types."""
    script = Script.objects.create(name=SCRIPT_NAME)
    for position, (text, kind, choices, role, required) in enumerate(QUESTIONS):
        Question.objects.create(
            script=script, position=position, text=text, kind=kind, choices=choices, role=role,
            required=required,
        )  # fmt: skip
    return [
        CallbackPlan.objects.create(
            name=name,
            trigger=Trigger.RESOLVED,
            ticket_types=types,
            script=script,
            team=team,
            due_minutes=due,
            max_attempts=3,
            retry_minutes=120,
        )  # fmt: skip
        for name, types, due in PLANS
    ]


def care_plan_load(*, team) -> CallbackPlan:
    """Monthly care calls to VIP customers: made after the history, so only this month's are due."""
    return CallbackPlan.objects.create(
        name=CARE_PLAN, trigger=Trigger.CARE, customer_tiers=["A"], period_days=30,
        script=Script.objects.get(name=SCRIPT_NAME), team=team, due_minutes=3 * 13 * 60,
    )  # fmt: skip


def _verdicts(target: str, rng: random.Random) -> list[str]:
    """What the customer says, round by round ("satisfied", "fairly", "dissatisfied")."""
    if target == "reopened":
        return ["dissatisfied"]
    roll = rng.random()
    if roll < 0.04:
        return ["dissatisfied", "satisfied"]  # not satisfied, fixed, satisfied at the follow-up
    return ["fairly"] if roll < 0.22 else ["satisfied"]


def _answers(script: Script, verdict: str, rng: random.Random) -> dict:
    solved, satisfaction, comment = {
        "satisfied": (SOLVED[0], SATISFACTION[0], rng.choice(PRAISE) if rng.random() < 0.2 else ""),
        "fairly": (SOLVED[0], SATISFACTION[1], ""),
        "dissatisfied": (SOLVED[1], SATISFACTION[2], rng.choice(COMPLAINTS)),
    }[verdict]
    answers = {}
    for question in script.questions.all():
        if question.role == Question.Role.SOLVED:
            answers[question.pk] = solved
        elif question.role == Question.Role.SATISFACTION:
            answers[question.pk] = satisfaction
        elif comment and verdict != "dissatisfied":
            answers[question.pk] = comment
    return answers


def _sweep_times(start: datetime, now: datetime) -> list[datetime]:
    day, last = timezone.localtime(start).date(), timezone.localtime(now).date()
    times = []
    while day <= last:
        for hour in SWEEP_HOURS:
            at = timezone.make_aware(datetime.combine(day, time(hour)))
            if start <= at < now:
                times.append(at)
        day += timedelta(days=1)
    return times


def callback_history(
    *, resolved: list[tuple[Ticket, str]], plans: list[CallbackPlan], callers: list, rng: random.Random, now
) -> dict:
    """Replay the callbacks and survey answers of the `resolved` work orders (with the state each
    was meant to reach) up to `now`; returns how many callbacks and surveys were answered."""
    if not resolved:
        return {"callbacks": 0, "surveys": 0}
    verdicts = {ticket.pk: _verdicts(target, rng) for ticket, target in resolved}
    script = plans[0].script
    order = itertools.count()
    queue: list[tuple] = []  # (when, order, what, payload)

    def later(at: datetime, low: int, high: int) -> datetime:
        return at + timedelta(minutes=rng.randint(low, high))

    for at in _sweep_times(min(t.resolved_at for t, _target in resolved), now):
        heapq.heappush(queue, (at, next(order), "sweep", None))
    for ticket, target in resolved:
        if target == "closed" and verdicts[ticket.pk][0] != "dissatisfied" and rng.random() < 0.35:
            heapq.heappush(queue, (later(ticket.resolved_at, 30, 300), next(order), "survey", ticket.pk))
    called: set[int] = set()
    counts = {"callbacks": 0, "surveys": 0}
    ceiling = now - timedelta(minutes=1)
    while queue:
        at, _n, what, payload = heapq.heappop(queue)
        if at > ceiling:
            continue  # would happen after now: left for the newcomer to do
        if what == "sweep":
            callback_plans_generate(now=at)
            for task in CallbackTask.objects.filter(state=CallbackTask.State.OPEN).exclude(pk__in=called):
                called.add(task.pk)
                if task.ticket_id not in verdicts:
                    continue
                if rng.random() < 0.12:
                    heapq.heappush(queue, (later(at, 10, 60), next(order), "no_answer", task.pk))
                heapq.heappush(queue, (later(at, 20, 150), next(order), "call", task.pk))
        elif what == "no_answer":
            task = CallbackTask.objects.get(pk=payload)
            if task.is_open:
                callback_attempt(task=task, by=rng.choice(callers), result="no_answer", now=at)
        elif what == "call":
            task = CallbackTask.objects.get(pk=payload)
            rounds = verdicts[task.ticket_id]
            if not task.is_open or task.round >= len(rounds):
                continue
            at = max(at, (task.next_attempt_at or at))
            if at > ceiling:
                continue
            callback_complete(
                task=task, by=rng.choice(callers), answers=_answers(script, rounds[task.round], rng), now=at
            )
            counts["callbacks"] += 1
            if rounds[task.round] == "dissatisfied" and task.round + 1 < len(rounds):
                heapq.heappush(queue, (later(at, 90, 300), next(order), "fix", task.ticket_id))
        elif what == "survey":
            ticket = Ticket.objects.get(pk=payload)
            if ticket.status not in (Status.RESOLVED, Status.AWAITING_CALLBACK):
                continue
            verdict = verdicts[ticket.pk][0]
            survey_answer(token=survey_token(ticket), score=verdict, now=at)
            counts["surveys"] += 1
        elif what == "fix":
            ticket = Ticket.objects.get(pk=payload)
            ticket_transition(
                ticket=ticket, action="resolve", by=ticket.owner,
                note="已重新处理：更换商品并上门致歉，客户认可。",
                customer_reply="非常抱歉给您带来不便，我们已为您更换商品，并安排专人上门致歉，感谢您的理解。",
                now=at,
            )  # fmt: skip
    return counts
