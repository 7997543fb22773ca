"""Who may see and do what in quality inspection: one place, asked by services, selectors and pages.

- Supervisors, managers, the general manager and administrators see every inspection and keep the
  rubrics, rules and sampling plans.
- A QA inspector (质检员) sees and reviews the inspections of the queues given to them
  (InspectorScope), and keeps rubrics and rules with the leads.
- An agent sees only their own inspections (and may appeal them).
"""

from django.db.models import Q

from kefu.accounts.models import LEAD_ROLES, Role


def _staff(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_lead(user) -> bool:
    return _staff(user) and (user.is_superuser or user.role in LEAD_ROLES)


def is_inspector(user) -> bool:
    return _staff(user) and user.role == Role.QA


def can_manage_rubrics(user) -> bool:
    """Leads and QA inspectors keep rubrics, rules and sampling plans."""
    return is_lead(user) or is_inspector(user)


def scope_filter(user) -> Q:
    """The inspections `user` may see, as a filter on Inspection."""
    if is_lead(user):
        return Q()
    if is_inspector(user):
        scope = getattr(user, "inspector_scope", None)
        if scope is None or not (scope.channels or scope.queues):
            return Q(pk__in=[])
        q = Q()
        if scope.channels:
            q &= Q(channel__in=scope.channels)
        if scope.queues:
            q &= Q(queue__in=scope.queues)
        return q
    if _staff(user):
        return Q(agent=user)
    return Q(pk__in=[])


def can_view(user, inspection) -> bool:
    if is_lead(user):
        return True
    if is_inspector(user):
        return in_scope(user, channel=inspection.channel, queue=inspection.queue)
    return _staff(user) and inspection.agent_id == user.pk


def in_scope(user, *, channel: str, queue: str) -> bool:
    """Whether an inspector's scope covers a conversation of `channel` and `queue`."""
    scope = getattr(user, "inspector_scope", None)
    if scope is None or not (scope.channels or scope.queues):
        return False
    return (not scope.channels or channel in scope.channels) and (not scope.queues or queue in scope.queues)


def can_review(user, inspection) -> bool:
    """Leads review anything; an inspector what their scope covers; nobody their own conversation."""
    if inspection.agent_id is not None and _staff(user) and inspection.agent_id == user.pk:
        return False
    return is_lead(user) or (
        is_inspector(user) and in_scope(user, channel=inspection.channel, queue=inspection.queue)
    )


# --- transcripts ------------------------------------------------------------------------------------


def can_ingest_transcripts(user) -> bool:
    """Speech-recognition results come from an integration signed in as a lead or a QA inspector."""
    return is_lead(user) or is_inspector(user)


def transcript_filter(user) -> Q:
    """The transcripts `user` may see, as a filter on Transcript: the same rule as inspections
    (Transcript has the same channel, queue and agent fields)."""
    return scope_filter(user)


def can_view_transcript(user, transcript) -> bool:
    """Leads; inspectors whose scope covers its channel and queue; the agent of the conversation."""
    return can_view(user, transcript)
