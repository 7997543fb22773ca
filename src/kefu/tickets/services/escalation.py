"""Escalation (升级) up the ladder: agent → supervisor → manager → general manager.

Routing rules:
- A breach raises the work order one step above whoever holds it now (the last escalation's
  recipient, else the first-contact owner), up to the policy's highest step; work nobody took goes
  to its group's leader first. Whoever already stands at that highest step (by default the general
  manager) keeps it: the board hears complaints about the GM, not breaches.
- A complaint about a person goes first to that person's superior (a manager's complaint to theirs);
  about someone with nobody above (the general manager), to the top of the ladder: the board contact.
- A major complaint reaches at least a manager at once (the service center's manager when nobody
  holds it yet).
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import LADDER_RANK, Role, User
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.tickets.models import (
    Escalation,
    EscalationSettings,
    Severity,
    SlaClock,
    SlaTarget,
    Ticket,
    TicketEvent,
)

MANAGER_RANK = LADDER_RANK[Role.MANAGER]


def ladder_step(rank: int) -> int:
    """Policy steps: 1 supervisor, 2 manager, 3 general manager."""
    return max(0, rank - 1)


def _top_of_ladder(exclude: User | None) -> User | None:
    contact = EscalationSettings.load().board_contact
    if contact is not None and contact.is_active and (exclude is None or contact.pk != exclude.pk):
        return contact
    return None


def _above(person: User | None) -> User | None:
    if person is None:
        return None
    above = person.above()
    while above is not None and not above.is_active:
        above = above.above()
    return above if above is not None else _top_of_ladder(exclude=person)


def current_holder(ticket: Ticket) -> User | None:
    if ticket.escalated_to_id:
        return ticket.escalated_to
    if ticket.owner_id:
        return ticket.owner
    if ticket.group_id and ticket.group.leader_id:
        # An unowned ticket is the group's: its leader is the first step.
        return ticket.group.leader
    return None


def complaint_target(ticket: Ticket) -> User | None:
    """Where a complaint about a person goes: their superior, or the top of the ladder."""
    if ticket.subject_person_id is None:
        return None
    return _above(ticket.subject_person)


def _center_manager() -> User | None:
    """The service center's manager (客服经理), for major work nobody holds yet; else the top of the ladder."""
    manager = (
        User.objects.filter(role=Role.MANAGER, is_active=True, department__is_service_center=True)
        .order_by("id")
        .first()
    )
    return manager or _top_of_ladder(None)


def _at_least_manager(person: User | None) -> User | None:
    node, seen = person, set()
    while node is not None and node.rank < MANAGER_RANK and node.pk not in seen:
        seen.add(node.pk)
        node = _above(node)
    return node


def escalate(
    *,
    ticket: Ticket,
    to_user: User,
    reason: str,
    by: User | None,
    now: datetime,
    clock: SlaClock | None = None,
    note: str = "",
) -> Escalation:
    """Record the escalation, hand the work order's escalation to `to_user`, write the timeline, notify."""
    from kefu.notify.services import notify

    step = (clock.escalation_steps + 1) if clock is not None else 1
    escalation = Escalation.objects.create(
        ticket=ticket,
        clock=clock,
        step=step,
        level=to_user.rank,
        reason=reason,
        to_user=to_user,
        created_at=now,
    )
    # The sweep holds no lock on the work order: update in SQL so a person's concurrent edit keeps
    # its version check honest, then refresh this instance.
    Ticket.objects.filter(pk=ticket.pk).update(
        escalated_to=to_user,
        escalation_level=Greatest(F("escalation_level"), Value(to_user.rank)),
        version=F("version") + 1,
        updated_at=now,
    )
    ticket.refresh_from_db(fields=["escalated_to", "escalation_level", "version", "updated_at"])
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.ESCALATION,
        actor=by,
        created_at=now,
        note=note or Escalation.Reason(reason).label,
        data={"to_user": to_user.pk, "to": to_user.label, "reason": reason, "level": to_user.rank},
    )
    recipients = [to_user] + ([ticket.owner] if ticket.owner_id and ticket.owner_id != to_user.pk else [])
    notify(
        users=recipients,
        ticket=ticket,
        kind="escalation",
        title=_("%(number)s escalated to %(name)s") % {"number": ticket.number, "name": to_user.label},
        body=f"{Escalation.Reason(reason).label}: {ticket.title}",
        email=True,
    )
    return escalation


def escalate_on_create(*, ticket: Ticket, now: datetime) -> list[Escalation]:
    """Routing at intake: complaints about a person, and major complaints at once."""
    if not ticket.is_complaint:
        return []
    done = []
    target = complaint_target(ticket)
    policy = ticket.sla_policy
    if ticket.severity == Severity.MAJOR and (policy is None or policy.escalate_major_at_once):
        major_target = _at_least_manager(target or _above(current_holder(ticket)) or _center_manager())
        if major_target is not None:
            done.append(
                escalate(
                    ticket=ticket, to_user=major_target, reason=Escalation.Reason.MAJOR, by=None, now=now
                )
            )
            return done
    if target is not None:
        done.append(
            escalate(
                ticket=ticket,
                to_user=target,
                reason=Escalation.Reason.MANUAL,
                by=None,
                now=now,
                note=_("Complaint about %(person)s goes to their superior")
                % {"person": ticket.subject_person.label},
            )
        )
    return done


def escalate_for_breach(*, clock: SlaClock, now: datetime) -> bool:
    """One step up for a breached clock, within the policy's highest step. Returns whether it escalated."""
    ticket = clock.ticket
    policy = ticket.sla_policy
    if policy is None or not policy.escalate_on_breach:
        return False
    if clock.escalation_steps >= policy.max_escalation_level:
        return False
    holder = current_holder(ticket)
    if clock.target == SlaTarget.DEPARTMENT_REPLY and clock.dispatch_id and clock.escalation_steps == 0:
        # A late department reply goes to that department's head first.
        head = clock.dispatch.department.head
        target = head if head is not None and head.is_active else _above(holder)
    elif not (ticket.escalated_to_id or ticket.owner_id) and holder is not None and holder.is_active:
        # Nobody took it: the group's leader is the first step (policy step 1), not the one above them.
        target, holder = holder, None
    else:
        if holder is not None and ladder_step(holder.rank) >= policy.max_escalation_level:
            # Already at the policy's highest step. Above the general manager is the board contact,
            # who hears complaints about the GM, not breaches.
            return False
        target = _above(holder)
    if target is None or ladder_step(target.rank) > policy.max_escalation_level:
        return False
    if holder is not None and target.pk == holder.pk:
        return False
    escalate(ticket=ticket, to_user=target, reason=Escalation.Reason.BREACH, by=None, now=now, clock=clock)
    clock.escalation_steps += 1
    return True


@transaction.atomic
def ticket_escalate_manually(
    *, ticket: Ticket, by: User, note: str, now: datetime | None = None
) -> Escalation:
    """An agent or lead raises a work order one step by hand (e.g. the customer insists)."""
    from kefu.tickets.workflow import owner_or_lead

    now = now or timezone.now()
    if not owner_or_lead(ticket, by):
        raise PermissionDenied(_("Only the owner or a lead may escalate this work order."))
    if not note.strip():
        raise ValidationError.for_field("note", _("Say why the work order is escalated."))
    target = _above(current_holder(ticket) or by)
    if target is None:
        raise ValidationError.for_field("note", _("There is nobody above to escalate to."))
    return escalate(ticket=ticket, to_user=target, reason=Escalation.Reason.MANUAL, by=by, now=now, note=note)
