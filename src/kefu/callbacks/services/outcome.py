"""Not satisfied means not closed (不满意不结案): the one service every source of a verdict calls.

A callback, a survey link, the portal's rating and the end of a chat all end in
`satisfaction_record`: a satisfied answer closes the work order; a "not satisfied" or "not solved"
reopens it (as the system), escalates it to the supervisor (reason: dissatisfied), tells the owner and
the departments involved, and leaves a follow-up callback that becomes due once the fix is resolved.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.callbacks.models import CallbackPlan, CallbackTask, Satisfaction, Score, Trigger
from kefu.core.errors import ValidationError
from kefu.tickets.models import OPEN_STATUSES, Dispatch, Status, Ticket, TicketEvent
from kefu.tickets.timeline import record_event

RATEABLE = (Status.RESOLVED, Status.AWAITING_CALLBACK, Status.CLOSED)
CLOSABLE = (Status.RESOLVED, Status.AWAITING_CALLBACK)


def current_round(ticket: Ticket) -> int:
    """Which contact the customer is asked about: 0, then one more after each "not satisfied"."""
    return (
        Satisfaction.objects.filter(ticket=ticket)
        .filter(Q(score=Score.DISSATISFIED) | Q(solved=False))
        .count()
    )


def supervisor_for(ticket: Ticket) -> User | None:
    """Who hears a "not satisfied": the owner's superior, else the group's leader."""
    from kefu.tickets.services.escalation import Ladder

    if ticket.owner_id:
        above = Ladder().above(ticket.owner)
        if above is not None:
            return above
    if ticket.group_id and ticket.group.leader_id and ticket.group.leader.is_active:
        return ticket.group.leader
    return None


def departments_involved(ticket: Ticket) -> list[User]:
    """The heads of the dispatched departments and of the department complained about, and the staff
    who answered the dispatches."""
    people: dict[int, User] = {}
    for dispatch in Dispatch.objects.filter(ticket=ticket).select_related("department__head", "answered_by"):
        for person in (dispatch.department.head, dispatch.answered_by):
            if person is not None:
                people[person.pk] = person
    if ticket.subject_department_id and ticket.subject_department.head_id:
        people[ticket.subject_department.head_id] = ticket.subject_department.head
    people.pop(ticket.owner_id, None)
    return list(people.values())


def followup_plan(ticket: Ticket, task: CallbackTask | None) -> CallbackPlan | None:
    if task is not None:
        return task.plan
    for plan in CallbackPlan.objects.filter(trigger=Trigger.RESOLVED, is_active=True).order_by("id"):
        if not plan.ticket_types or ticket.ticket_type in plan.ticket_types:
            return plan
    return None


def _notify_not_satisfied(ticket: Ticket, satisfaction: Satisfaction) -> None:
    from kefu.notify.services import notify

    people = departments_involved(ticket)
    if people:
        notify(
            users=people,
            ticket=ticket,
            kind="dissatisfied",
            title=_("%(number)s: the customer is not satisfied") % {"number": ticket.number},
            body=satisfaction.comment or ticket.title,
            email=True,
        )


@transaction.atomic
def satisfaction_record(
    *,
    ticket: Ticket,
    score: str,
    source: str,
    by: User | None,
    solved: bool | None = None,
    scale: int | None = None,
    comment: str = "",
    task: CallbackTask | None = None,
    now: datetime | None = None,
) -> Satisfaction:
    """Record the customer's verdict on the current contact (one answer per contact) and act on it.

    Satisfied or fairly satisfied (and not "not solved"): closes a resolved work order or one awaiting
    its callback. Not satisfied or not solved: reopens it, escalates it to the supervisor, notifies the
    owner (the reopen does) and the departments involved, and creates the follow-up callback, due once
    the fix is resolved. Refuses an unknown score or source, a second answer for the same contact and a
    work order that is not resolved (e.g. still being redone after an earlier "not satisfied") — except
    from the end of a chat, which rates the conversation: an open work order stays open, and a "not
    satisfied" escalates it and leaves the follow-up as above.
    """
    from kefu.tickets.services import ticket_transition
    from kefu.tickets.services.escalation import Why, escalate

    now = now or timezone.now()
    if score not in Score.values:
        raise ValidationError.for_field("score", _("Choose one of the ratings."))
    if source not in Satisfaction.Source.values:
        raise ValidationError.for_field("source", _("Unknown source."))
    if scale is not None and not 1 <= int(scale) <= 5:
        raise ValidationError.for_field("scale", _("Choose a value from 1 to 5."))
    # Lock the work order: a survey answer and a callback arriving together meet here one by one.
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    # The end of a chat rates the conversation just finished, before the agent may have resolved
    # the work order: recorded, and a "not satisfied" escalates; there is nothing to reopen or close.
    in_chat = source == Satisfaction.Source.CHAT and ticket.status in OPEN_STATUSES
    if ticket.status not in RATEABLE and not in_chat:
        raise ValidationError.for_field(
            "score",
            _("%(number)s is not resolved yet; it can be rated once it is.") % {"number": ticket.number},
        )
    round_ = current_round(ticket)
    satisfaction = Satisfaction(
        ticket=ticket,
        round=round_,
        source=source,
        score=score,
        scale=scale,
        solved=solved,
        comment=(comment or "").strip()[:2000],
        task=task,
        agent_id=ticket.owner_id,
        group_id=ticket.group_id,
        ticket_type=ticket.ticket_type,
        channel=ticket.channel,
        created_at=now,
    )
    try:
        with transaction.atomic():
            satisfaction.save()
    except IntegrityError:
        raise ValidationError.for_field("score", _("This contact has already been rated.")) from None
    record_event(
        ticket=ticket,
        kind=TicketEvent.Kind.NOTE,
        by=by,
        now=now,
        note=satisfaction.comment,  # the customer's own words
        code="satisfaction.verdict",
        params={"source": source, "score": score, "solved": solved},
        data={"satisfaction": satisfaction.pk, "score": score, "round": round_},
    )
    # Other callbacks of this contact are answered now.
    CallbackTask.objects.filter(ticket=ticket, round=round_, state=CallbackTask.State.OPEN).exclude(
        pk=task.pk if task else None
    ).update(state=CallbackTask.State.CANCELLED, completed_at=now)
    if satisfaction.not_satisfied:
        if ticket.status in RATEABLE:
            ticket = ticket_transition(
                ticket=ticket, action="reopen", by=None, note=satisfaction.comment, now=now,
                code="satisfaction.not_satisfied", params={"source": source},
            )  # fmt: skip
        target = supervisor_for(ticket)
        if target is not None:
            escalate(
                ticket=ticket,
                to_user=target,
                why=Why.not_satisfied(source),
                by=None,
                now=now,
                note=satisfaction.comment,
            )
        _notify_not_satisfied(ticket, satisfaction)
        plan = followup_plan(ticket, task)
        if plan is not None:
            CallbackTask.objects.get_or_create(
                plan=plan,
                subject_key=f"t{ticket.pk}",
                period=f"r{round_ + 1}",
                defaults={
                    "ticket": ticket,
                    "customer": ticket.customer,
                    "round": round_ + 1,
                    "state": CallbackTask.State.WAITING_FIX,
                    "phone": ticket.customer_phone,
                    "name": ticket.customer_name,
                    "created_at": now,
                },
            )
    elif ticket.status in CLOSABLE:
        ticket_transition(
            ticket=ticket, action="close", by=None, now=now,
            code="satisfaction.satisfied", params={"source": source},
        )  # fmt: skip
    return satisfaction
