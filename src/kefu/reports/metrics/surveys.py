"""Survey and callback figures (满意度、回访): satisfaction, the "solved on first contact" answer, and
callbacks completed. The rules of what counts come from kefu.callbacks.selectors (NOT_SATISFIED,
DONE_IN_TIME), so these figures and the callback pages agree."""

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from kefu.callbacks.models import CallbackTask, Satisfaction
from kefu.callbacks.selectors import DONE_IN_TIME, NOT_SATISFIED
from kefu.reports.metrics.base import Better, Family, Period, Scope, Unit, figure, ratio
from kefu.reports.metrics.common import in_period, scoped

# --- survey answers (Satisfaction: one verdict per work order and round) -----------------------------

SURVEY_FIELDS = {
    "agent": "agent_id",
    "group": "group_id",
    "channel": "channel",
    "category": "ticket__category_id",
}


def _survey_rows(period: Period, scope: Scope, options):
    """Verdicts (callbacks.Satisfaction, whatever asked: callback, survey link, portal, end of chat)
    given in the period (created_at), grouped by the agent, group and channel recorded with them."""
    return scoped(in_period(Satisfaction.objects.all(), "created_at", period), scope, SURVEY_FIELDS)


SURVEYS = Family(
    code="surveys",
    name=_("Satisfaction answers"),
    rows=_survey_rows,
    time_field="created_at",
    dimensions={**SURVEY_FIELDS, "type": "ticket_type"},
    components=lambda options: {
        "answers": Count("id"),
        "not_satisfied": Count("id", filter=NOT_SATISFIED),
        "scaled": Count("id", filter=Q(scale__isnull=False)),
        "scale_sum": Sum("scale"),
        "solved_asked": Count("id", filter=Q(solved__isnull=False)),
        "solved_yes": Count("id", filter=Q(solved=True)),
    },
)


@figure("csat", _("Satisfaction rate"), unit=Unit.PERCENT, better=Better.HIGHER, family=SURVEYS)
def csat(c, options):
    """Satisfaction rate (满意率, CSAT) = (answers − not satisfied) / answers, over verdicts given in
    the period. Not satisfied: the verdict is "dissatisfied" or the customer said the problem was not
    solved; so satisfied and fairly satisfied (满意 + 基本满意, a 1–5 answer of 3 to 5) count as
    satisfied — the rate the callback reports show (kefu.callbacks.selectors.satisfaction_rates)."""
    return ratio(c["answers"] - c["not_satisfied"], c["answers"])


@figure("csat_score", _("Mean satisfaction score"), unit=Unit.SCORE, better=Better.HIGHER, family=SURVEYS)
def csat_score(c, options):
    """Mean satisfaction score (满意度均分, 1–5) = Σ scale / answers on the 1–5 scale, over verdicts given
    in the period; three-level answers (no number) are left out."""
    return ratio(c["scale_sum"], c["scaled"])


@figure(
    "fcr_survey",
    _("Solved on first contact (survey)"),
    unit=Unit.PERCENT,
    better=Better.HIGHER,
    family=SURVEYS,
)
def fcr_survey(c, options):
    """First-contact resolution by survey (问卷一次解决率) = answers "solved" / answers to the question
    "was the problem solved?" (a question with the meaning "solved" in the callback script or survey),
    over verdicts given in the period; verdicts where it was not asked are left out."""
    return ratio(c["solved_yes"], c["solved_asked"])


# --- callbacks (回访任务) --------------------------------------------------------------------------------

CALLBACK_FIELDS = {
    "agent": "assigned_to_id",
    "group": "plan__team_id",
    "channel": "ticket__channel",
    "category": "ticket__category_id",
}


def _callback_rows(period: Period, scope: Scope, options):
    """Callback tasks due in the period (due_at), every state, as callback_measures counts them."""
    return scoped(in_period(CallbackTask.objects.all(), "due_at", period), scope, CALLBACK_FIELDS)


CALLBACKS = Family(
    code="callbacks",
    name=_("Callbacks due"),
    rows=_callback_rows,
    time_field="due_at",
    dimensions={**CALLBACK_FIELDS, "plan": "plan_id"},
    components=lambda options: {
        "due": Count("id"),
        "done": Count("id", filter=Q(state=CallbackTask.State.DONE)),
        "done_in_time": Count("id", filter=DONE_IN_TIME),
    },
)


@figure("callbacks_due", _("Callbacks due"), unit=Unit.COUNT, better=Better.NEITHER, family=CALLBACKS)
def callbacks_due(c, options):
    """Callbacks due = callback tasks whose due time lies in the period, whatever their state."""
    return c["due"]


@figure(
    "callback_completion", _("Callback completion"), unit=Unit.PERCENT, better=Better.HIGHER, family=CALLBACKS
)
def callback_completion(c, options):
    """Callback completion (回访完成率) = tasks done / tasks due in the period. Done: the callback was
    made and recorded (state done); unreachable, cancelled and still open tasks are not done."""
    return ratio(c["done"], c["due"])


@figure(
    "callback_completion_in_time",
    _("Callbacks done on time"),
    unit=Unit.PERCENT,
    better=Better.HIGHER,
    family=CALLBACKS,
)
def callback_completion_in_time(c, options):
    """Callbacks done on time (回访及时率) = tasks done by their due time / tasks due in the period (the
    completion-in-time rate of kefu.callbacks.selectors.callback_measures)."""
    return ratio(c["done_in_time"], c["due"])
