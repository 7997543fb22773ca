"""The review and appeal state machine of an inspection (质检复核与申诉流转): one table, consulted by
every service of kefu.quality.services.reviews and .sampling.

    auto → sampled            (a sampling plan picked it; the system or a lead)
    sampled → in_review       (an inspector claims it; one at a time)
    in_review → sampled       (the claimant or a lead releases it)
    in_review → in_review     (the claimant confirms or rejects a finding, adds a manual one)
    in_review → reviewed      (the claimant submits the final score)
    reviewed → appealed       (the agent appeals within KEFU_QUALITY_APPEAL_DAYS working days)
    appealed → decided        (a second reviewer decides: upheld or changed)

Each transition names its guard (who may) and, for the appeal, its window (until when). Every
step, whether or not it moves the state, is recorded by `record_event`, the one writer of the
inspection's timeline (QualityEvent).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kefu.core.calendars import add_working_days, load_calendar
from kefu.core.errors import PermissionDenied, TransitionNotAllowed
from kefu.quality import permissions
from kefu.quality.models import Inspection, QualityEvent

State = Inspection.State


#: guard(inspection, user): may this person do it?
Guard = Callable[[Inspection, object], bool]


def reviewer_may(inspection, user) -> bool:
    """An inspector in scope or a lead, never on their own conversation (permissions.can_review)."""
    return permissions.can_review(user, inspection)


def claimant(inspection, user) -> bool:
    """The person who claimed it, while they still may review it."""
    return inspection.reviewer_id == user.pk and permissions.can_review(user, inspection)


def claimant_or_lead(inspection, user) -> bool:
    return claimant(inspection, user) or (
        permissions.is_lead(user) and permissions.can_review(user, inspection)
    )


def the_agent(inspection, user) -> bool:
    return inspection.agent_id is not None and inspection.agent_id == user.pk and user.is_active


def second_reviewer(inspection, user) -> bool:
    """A lead or an in-scope inspector who is neither the agent nor the first reviewer."""
    return inspection.reviewer_id != user.pk and permissions.can_review(user, inspection)


def sampler(inspection, user) -> bool:
    return permissions.can_manage_rubrics(user)


def appeal_deadline(inspection) -> datetime | None:
    """The end of the last shift of the KEFU_QUALITY_APPEAL_DAYS-th working day after the review
    (kefu.core.calendars.add_working_days on the default business calendar); None before a review."""
    if inspection.reviewed_at is None:
        return None
    days = int(getattr(settings, "KEFU_QUALITY_APPEAL_DAYS", 3))
    return add_working_days(load_calendar(), inspection.reviewed_at, max(days, 1))


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    guard: Guard
    label: object
    #: The system (a sampling plan's task, by=None) may do it.
    system_ok: bool = False
    #: Until when it is allowed: deadline(inspection) -> datetime | None (None: no window).
    deadline: Callable[[Inspection], datetime | None] | None = None


TRANSITIONS: tuple[Transition, ...] = (
    Transition("sample", (State.AUTO,), State.SAMPLED, sampler, _("Pick for review"), system_ok=True),
    Transition("claim", (State.SAMPLED,), State.IN_REVIEW, reviewer_may, _("Claim")),
    Transition("release", (State.IN_REVIEW,), State.SAMPLED, claimant_or_lead, _("Release")),
    Transition("confirm_finding", (State.IN_REVIEW,), State.IN_REVIEW, claimant, _("Confirm the finding")),
    Transition("reject_finding", (State.IN_REVIEW,), State.IN_REVIEW, claimant, _("Reject the finding")),
    Transition("add_finding", (State.IN_REVIEW,), State.IN_REVIEW, claimant, _("Add a finding")),
    Transition("submit", (State.IN_REVIEW,), State.REVIEWED, claimant, _("Submit the review")),
    Transition("appeal", (State.REVIEWED,), State.APPEALED, the_agent, _("Appeal"), deadline=appeal_deadline),
    Transition("decide", (State.APPEALED,), State.DECIDED, second_reviewer, _("Decide the appeal")),
)

BY_KEY: dict[tuple[str, str], Transition] = {(s, t.action): t for t in TRANSITIONS for s in t.sources}
BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}
ACTIONS = sorted(BY_ACTION)


def find(state: str, action: str) -> Transition:
    """The transition for `action` from `state`, or TransitionNotAllowed naming both."""
    transition = BY_KEY.get((state, action))
    if transition is None:
        if action not in BY_ACTION:
            raise TransitionNotAllowed(_("Unknown action “%(action)s”.") % {"action": action})
        raise TransitionNotAllowed(
            _("“%(action)s” is not allowed while the inspection is “%(state)s”.")
            % {"action": BY_ACTION[action].label, "state": State(state).label}
        )
    return transition


def check(inspection, action: str, actor, *, now: datetime | None = None) -> Transition:
    """Refuse unless `actor` (None: the system) may perform `action` on `inspection` now."""
    transition = find(inspection.state, action)
    if actor is None:
        if not transition.system_ok:
            raise PermissionDenied(_("This action needs a person, not the system."))
    elif not (actor.is_active and transition.guard(inspection, actor)):
        raise PermissionDenied(_("You may not “%(action)s” this inspection.") % {"action": transition.label})
    if transition.deadline is not None and now is not None:
        deadline = transition.deadline(inspection)
        if deadline is not None and now > deadline:
            raise TransitionNotAllowed(
                _("“%(action)s” was possible until %(deadline)s.")
                % {"action": transition.label, "deadline": f"{deadline:%Y-%m-%d %H:%M}"}
            )
    return transition


def allows(inspection, action: str, actor, *, now: datetime | None = None) -> bool:
    """The table's answer without the error (for buttons and lists)."""
    try:
        check(inspection, action, actor, now=now)
    except (PermissionDenied, TransitionNotAllowed):
        return False
    return True


def record_event(
    *,
    inspection,
    action: str,
    by,
    at: datetime,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    details: dict | None = None,
) -> QualityEvent:
    """The one writer of an inspection's timeline (QualityEvent)."""
    return QualityEvent.objects.create(
        inspection=inspection,
        action=action,
        by=by,
        at=at,
        from_state=from_state,
        to_state=to_state,
        comment=(comment or "").strip(),
        details=details or {},
    )


def apply(
    inspection,
    transition: Transition,
    *,
    by,
    now: datetime,
    comment: str = "",
    details: dict | None = None,
    fields: tuple[str, ...] = (),
) -> QualityEvent:
    """Move the (locked) inspection along `transition` (what `check` returned), save the state and
    `fields`, and record the step on the timeline. Callers hold the row lock."""
    before = inspection.state
    inspection.state = transition.target
    inspection.save(update_fields=["state", *fields])
    return record_event(
        inspection=inspection,
        action=transition.action,
        by=by,
        at=now,
        from_state=before,
        to_state=transition.target,
        comment=comment,
        details=details,
    )
