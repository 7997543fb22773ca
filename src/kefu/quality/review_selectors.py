"""Reads of quality review shared by the pages and the API: the review queue, an agent's results,
the appeals to decide, an inspection with its findings and timeline. Every list is narrowed by
kefu.quality.permissions.scope_filter (an inspector: their queues; an agent: their own)."""

from django.db.models import QuerySet

from kefu.core.errors import NotFound
from kefu.quality import permissions, workflow
from kefu.quality.models import Channel, Inspection

State = Inspection.State


def _visible(user) -> QuerySet:
    return (
        Inspection.objects.filter(permissions.scope_filter(user))
        .filter(superseded=False)
        .select_related("agent", "reviewer", "version__rubric", "transcript")
    )


def review_queue(user) -> QuerySet:
    """复核队列: sampled inspections (and those in review) the person may review; never their own
    conversations. Oldest conversation first."""
    if not (permissions.is_lead(user) or permissions.is_inspector(user)):
        return Inspection.objects.none()
    return (
        _visible(user)
        .filter(state__in=[State.SAMPLED, State.IN_REVIEW])
        .exclude(agent=user)
        .order_by("conversation_at", "pk")
    )


def my_results(user) -> QuerySet:
    """我的质检结果: the person's own reviewed inspections (reviewed, appealed, decided), newest first."""
    return (
        Inspection.objects.filter(
            agent=user, superseded=False, state__in=[State.REVIEWED, State.APPEALED, State.DECIDED]
        )
        .select_related("reviewer", "version__rubric", "appeal")
        .order_by("-reviewed_at", "-pk")
    )


def appeals_to_decide(user) -> list[Inspection]:
    """申诉待裁定: appealed inspections `user` may decide (a second reviewer: not the agent, not the
    first reviewer, a lead or an in-scope inspector)."""
    if not (permissions.is_lead(user) or permissions.is_inspector(user)):
        return []
    rows = (
        _visible(user)
        .filter(state=State.APPEALED)
        .select_related("appeal")
        .order_by("appeal__created_at", "pk")
    )
    return [i for i in rows if workflow.allows(i, "decide", user)]


def inspection_for(user, pk) -> Inspection:
    """One inspection `user` may see, or NotFound (the same answer as for one that does not exist)."""
    inspection = (
        Inspection.objects.select_related("agent", "reviewer", "version__rubric", "transcript")
        .filter(pk=pk)
        .first()
        if str(pk).isdigit()
        else None
    )
    if inspection is None or not permissions.can_view(user, inspection):
        raise NotFound("No such inspection.")
    return inspection


def findings_of(inspection: Inspection) -> list:
    return list(inspection.findings.select_related("item", "rule", "by").order_by("sentence", "pk"))


def timeline_of(inspection: Inspection) -> list:
    """The inspection's events, oldest first, each with the labels of its action and states."""
    events = list(inspection.events.select_related("by").order_by("at", "pk"))
    for event in events:
        transition = workflow.BY_ACTION.get(event.action)
        event.action_label = transition.label if transition else event.action
        event.from_label = (
            State(event.from_state).label if event.from_state in State.values else event.from_state
        )
        event.to_label = State(event.to_state).label if event.to_state in State.values else event.to_state
    return events


def channel_label(value: str) -> str:
    return Channel(value).label if value in Channel.values else value
