"""Sampling plans (抽检计划): which automatic inspections people review, and the picking itself.

Picking moves an inspection from `auto` to `sampled` (kefu.quality.workflow, action "sample") and
records the plan that picked it in a Sample row (one per inspection: never picked twice, even by
two plans or two runs at once). Every run is idempotent: "N per agent per week" and "P % of a
queue per week" count what the plan already picked in that week and only top up.
"""

import math
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.callbacks.models import Satisfaction, Score
from kefu.core.errors import FieldCode, FieldError, PermissionDenied, ValidationError
from kefu.quality import permissions, workflow
from kefu.quality.models import Channel, Inspection, Sample, SamplingPlan, Severity
from kefu.tickets.models import TicketType

Kind = SamplingPlan.Kind
#: How far back "per week" plans look: this week and the whole of last week (a conversation
#: inspected late on Sunday is still picked on Monday).
WEEKS_BACK = 1


def _week(moment: datetime) -> date:
    """The Monday (local date) of the week of `moment`."""
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday())


def _window_start(now: datetime) -> datetime:
    monday = _week(now) - timedelta(weeks=WEEKS_BACK)
    return timezone.make_aware(datetime.combine(monday, datetime.min.time()))


def _scoped(plan: SamplingPlan, qs):
    if plan.channels:
        qs = qs.filter(channel__in=plan.channels)
    if plan.queues:
        qs = qs.filter(queue__in=plan.queues)
    return qs


def candidates(plan: SamplingPlan):
    """Inspections the plan may still pick: automatic, current (not superseded), never sampled,
    of the plan's channels and queues, and fitting its kind."""
    qs = _scoped(
        plan, Inspection.objects.filter(state=Inspection.State.AUTO, superseded=False, sample__isnull=True)
    )
    if plan.kind == Kind.NOT_SATISFIED:
        unhappy = Satisfaction.objects.filter(Q(score=Score.DISSATISFIED) | Q(solved=False)).values(
            "ticket_id"
        )
        qs = qs.filter(transcript__ticket_id__in=unhappy)
    elif plan.kind == Kind.COMPLAINT:
        qs = qs.filter(transcript__ticket__ticket_type=TicketType.COMPLAINT)
    elif plan.kind == Kind.SEVERE:
        qs = qs.filter(worst_severity__in=[Severity.SEVERE, Severity.FATAL])
    return qs


def _random_per_agent(plan: SamplingPlan, *, now: datetime, rng: random.Random) -> list[int]:
    start = _window_start(now)
    groups: dict[tuple, list[int]] = defaultdict(list)
    rows = candidates(plan).filter(conversation_at__gte=start, conversation_at__lte=now, agent__isnull=False)
    for pk, agent_id, at in rows.order_by("pk").values_list("pk", "agent_id", "conversation_at"):
        groups[(agent_id, _week(at))].append(pk)
    taken: dict[tuple, int] = defaultdict(int)
    done = Sample.objects.filter(plan=plan, inspection__conversation_at__gte=start)
    for agent_id, at in done.values_list("inspection__agent_id", "inspection__conversation_at"):
        taken[(agent_id, _week(at))] += 1
    picked: list[int] = []
    for key in sorted(groups, key=lambda k: (k[0], k[1])):
        need = plan.count - taken[key]
        if need > 0:
            pool = groups[key]
            picked.extend(rng.sample(pool, min(need, len(pool))))
    return picked


def _queue_percent(plan: SamplingPlan, *, now: datetime, rng: random.Random) -> list[int]:
    start = _window_start(now)
    window = _scoped(
        plan,
        Inspection.objects.filter(superseded=False, conversation_at__gte=start, conversation_at__lte=now),
    )
    totals: dict[tuple, int] = defaultdict(int)
    for queue, at in window.values_list("queue", "conversation_at"):
        totals[(queue, _week(at))] += 1
    taken: dict[tuple, int] = defaultdict(int)
    done = Sample.objects.filter(plan=plan, inspection__conversation_at__gte=start)
    for queue, at in done.values_list("inspection__queue", "inspection__conversation_at"):
        taken[(queue, _week(at))] += 1
    groups: dict[tuple, list[int]] = defaultdict(list)
    rows = candidates(plan).filter(conversation_at__gte=start, conversation_at__lte=now)
    for pk, queue, at in rows.order_by("pk").values_list("pk", "queue", "conversation_at"):
        groups[(queue, _week(at))].append(pk)
    picked: list[int] = []
    for key in sorted(groups):
        target = math.ceil(totals[key] * plan.percent / Decimal(100))
        need = target - taken[key]
        if need > 0:
            pool = groups[key]
            picked.extend(rng.sample(pool, min(need, len(pool))))
    return picked


@transaction.atomic
def sampling_plan_run(
    *, plan: SamplingPlan, now: datetime | None = None, rng: random.Random | None = None
) -> list[int]:
    """Pick what `plan` asks for now (抽检) and return the ids of the inspections picked.

    An inactive plan picks nothing. `rng` makes the random choices reproducible (tests pass
    random.Random(seed)); by default the system's randomness.
    """
    now = now or timezone.now()
    rng = rng or random.SystemRandom()
    if not plan.is_active:
        return []
    if plan.kind == Kind.RANDOM:
        ids = _random_per_agent(plan, now=now, rng=rng)
    elif plan.kind == Kind.QUEUE_PERCENT:
        ids = _queue_percent(plan, now=now, rng=rng)
    else:
        ids = list(candidates(plan).order_by("pk").values_list("pk", flat=True))
    return _pick(plan, ids, now=now)


def _pick(plan: SamplingPlan, ids: list[int], *, now: datetime) -> list[int]:
    # Lock the rows and look at their state again: another plan or another run may have picked
    # some of them since they were read.
    picked = []
    rows = Inspection.objects.select_for_update(of=("self",)).filter(
        pk__in=ids, state=Inspection.State.AUTO, sample__isnull=True
    )
    for inspection in rows.order_by("pk"):
        transition = workflow.check(inspection, "sample", None, now=now)
        Sample.objects.create(inspection=inspection, plan=plan, picked_at=now)
        workflow.apply(
            inspection,
            transition,
            by=None,
            now=now,
            details={"plan": plan.pk, "plan_name": plan.name, "kind": plan.kind},
        )
        picked.append(inspection.pk)
    return picked


def sampling_plans_run(*, now: datetime | None = None, rng: random.Random | None = None) -> dict[int, int]:
    """Run every active plan once (the periodic task and `kefu manage quality_sample`); returns
    {plan id: number picked}. Plans run in name order, so the first that fits picks."""
    now = now or timezone.now()
    return {
        plan.pk: len(sampling_plan_run(plan=plan, now=now, rng=rng))
        for plan in SamplingPlan.objects.filter(is_active=True).order_by("name")
    }


@transaction.atomic
def sampling_plan_save(
    *,
    by: User,
    name: str,
    kind: str,
    channels: list | None = None,
    queues: list | None = None,
    count: int | str = 0,
    percent: Decimal | str | float = 0,
    is_active: bool = True,
    plan: SamplingPlan | None = None,
) -> SamplingPlan:
    """Create or change a sampling plan. Leads and QA inspectors only; refuses an unknown kind or
    channel, a random plan without a count, a queue plan without a percentage in (0, 100]."""
    if not permissions.can_manage_rubrics(by):
        raise PermissionDenied(_("Only leads and QA inspectors keep sampling plans."))
    errors: dict[str, list] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [FieldError(_("This field is required."), FieldCode.REQUIRED)]
    elif SamplingPlan.objects.filter(name=name).exclude(pk=plan.pk if plan else None).exists():
        errors["name"] = [FieldError(_("A plan with this name exists."), FieldCode.INVALID)]
    if kind not in Kind.values:
        errors["kind"] = [
            FieldError(_("One of: %(values)s") % {"values": ", ".join(Kind.values)}, FieldCode.INVALID_CHOICE)
        ]
    channels = [str(c).strip() for c in (channels or []) if str(c).strip()]
    if any(c not in Channel.values for c in channels):
        errors["channels"] = [
            FieldError(
                _("One of: %(values)s") % {"values": ", ".join(Channel.values)}, FieldCode.INVALID_CHOICE
            )
        ]
    queues = [str(q).strip() for q in (queues or []) if str(q).strip()]
    try:
        count = int(count or 0)
    except (TypeError, ValueError):
        errors["count"] = [FieldError(_("Must be a whole number."), FieldCode.WRONG_TYPE)]
        count = 0
    try:
        percent = Decimal(str(percent or 0))
    except InvalidOperation:
        errors["percent"] = [FieldError(_("Must be a number."), FieldCode.WRONG_TYPE)]
        percent = Decimal(0)
    if kind == Kind.RANDOM and not 1 <= count <= 1000 and "count" not in errors:
        errors["count"] = [FieldError(_("Between 1 and 1000."), FieldCode.OUT_OF_RANGE)]
    if kind == Kind.QUEUE_PERCENT and not Decimal(0) < percent <= Decimal(100) and "percent" not in errors:
        errors["percent"] = [FieldError(_("More than 0 and at most 100."), FieldCode.OUT_OF_RANGE)]
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    plan = plan or SamplingPlan()
    plan.name, plan.kind, plan.channels, plan.queues = name, kind, channels, queues
    plan.count, plan.percent, plan.is_active = count, percent, bool(is_active)
    plan.save()
    return plan
