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

Every escalation says why (`Why`: the reason, a code, and what it names: the person complained about,
the clock breached, who raised it by hand, where the "not satisfied" came from). The escalation row,
its timeline event and the notification derived from it carry that code, and `reason_text` says it in
the reader's language.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import LADDER_RANK, Role, User
from kefu.core.errors import FieldCode, NotFound, ValidationError
from kefu.core.registry import Registry
from kefu.core.rows import build, insert_many, update_each
from kefu.tickets import permissions, workflow
from kefu.tickets.models import (
    Escalation,
    EscalationSettings,
    Severity,
    SlaClock,
    SlaTarget,
    Ticket,
    TicketEvent,
)
from kefu.tickets.timeline import EVENT_TEXTS, new_event, record_events

MANAGER_RANK = LADDER_RANK[Role.MANAGER]

#: The rule that fired (the column's choices live on the model; this module owns what they say).
Reason = Escalation.Reason


@dataclass(frozen=True)
class Why:
    """Why a work order goes up: the rule that fired and what it names, as codes and ids, so every
    reader sees it in their own language (the timeline, the notification, the board). Every caller
    of `escalate` says which with one of the constructors below."""

    reason: Reason
    params: dict = field(default_factory=dict)

    @classmethod
    def complaint(cls, person: User) -> "Why":
        return cls(Reason.COMPLAINT, {"person": person.pk, "person_name": person.label})

    @classmethod
    def major(cls) -> "Why":
        return cls(Reason.MAJOR)

    @classmethod
    def breach(cls, clock: SlaClock) -> "Why":
        params = {"target": clock.target}
        if clock.dispatch_id:
            params["department"] = clock.dispatch.department.name
        return cls(Reason.BREACH, params)

    @classmethod
    def by_hand(cls, person: User) -> "Why":
        return cls(Reason.MANUAL, {"by": person.pk, "by_name": person.label})

    @classmethod
    def not_satisfied(cls, source: str) -> "Why":
        """`source`: where the verdict came from (a callbacks.Satisfaction.Source value)."""
        return cls(Reason.DISSATISFIED, {"source": source})


def clock_label(target: str, department: str = "") -> str:
    """An SLA clock's name for people: “First response”, “Department reply · Logistics”."""
    label = str(SlaTarget(target).label) if target in SlaTarget.values else target
    return f"{label} · {department}" if department else label


#: Where a "not satisfied" came from, by its code; kefu.callbacks registers its labels (it sits above).
SOURCE_LABEL: Registry[Callable[[str], str]] = Registry("tickets.satisfaction_source_label", default=str)


def reason_text(reason: str, params: dict | None = None) -> str:
    """What an escalation's reason says, in the active language, naming what `params` names."""
    params = params or {}
    if reason == Reason.COMPLAINT and params.get("person_name"):
        return _("Complaint about %(person)s: sent to their superior") % {"person": params["person_name"]}
    if reason == Reason.BREACH and params.get("target"):
        return _("SLA breached: %(clock)s deadline missed") % {
            "clock": clock_label(params["target"], params.get("department", ""))
        }
    if reason == Reason.MAJOR:
        return _("Major complaint: raised to a manager at once")
    if reason == Reason.MANUAL and params.get("by_name"):
        return _("Raised by hand by %(person)s") % {"person": params["by_name"]}
    if reason == Reason.DISSATISFIED and params.get("source"):
        return _("Customer not satisfied (%(source)s)") % {"source": SOURCE_LABEL.get()(params["source"])}
    return str(Reason(reason).label) if reason in Reason.values else reason


def breach_text(params: dict) -> str:
    """A breach event's sentence: which clock missed its deadline."""
    return _("%(clock)s deadline missed") % {
        "clock": clock_label(params.get("target", ""), params.get("department", ""))
    }


def register_texts() -> None:
    """The timeline renders escalation and breach events through these (TicketsConfig.ready)."""
    for reason in Reason:
        EVENT_TEXTS.register(
            lambda params, reason=reason: reason_text(reason, params), key=f"escalation.{reason}"
        )
    EVENT_TEXTS.register(breach_text, key="sla.breach")
    EVENT_TEXTS.register(
        lambda params: recusal_note(params.get("name", ""), params.get("instead_name", "")), key="recusal"
    )


def ladder_step(rank: int) -> int:
    """Policy steps: 1 supervisor, 2 manager, 3 general manager."""
    return max(0, rank - 1)


class Ladder:
    """Who is above whom, asked of the database once per person.

    A sweep escalates hundreds of work orders with the same few dozen people on the ladder; reading
    the org chart again for each of them would cost more than the escalations themselves. One
    instance lives for one service call or one sweep, so changes to the org chart apply next time.
    """

    def __init__(self) -> None:
        self._above: dict[int, User | None] = {}
        self._board: tuple[User | None] | None = None
        self._center_manager: tuple[User | None] | None = None

    def board_contact(self) -> User | None:
        if self._board is None:
            contact = EscalationSettings.load().board_contact
            self._board = (contact if contact is not None and contact.is_active else None,)
        return self._board[0]

    def top(self, exclude: User | None) -> User | None:
        contact = self.board_contact()
        if contact is not None and (exclude is None or contact.pk != exclude.pk):
            return contact
        return None

    def above(self, person: User | None) -> User | None:
        if person is None:
            return None
        if person.pk not in self._above:
            above = person.above()
            while above is not None and not above.is_active:
                above = above.above()
            self._above[person.pk] = above if above is not None else self.top(exclude=person)
        return self._above[person.pk]

    def at_least_manager(self, person: User | None) -> User | None:
        node, seen = person, set()
        while node is not None and node.rank < MANAGER_RANK and node.pk not in seen:
            seen.add(node.pk)
            node = self.above(node)
        return node

    def center_manager(self) -> User | None:
        """The service center's manager (客服经理), for major work nobody holds yet; else the top."""
        if self._center_manager is None:
            manager = (
                User.objects.filter(role=Role.MANAGER, is_active=True, department__is_service_center=True)
                .order_by("id")
                .first()
            )
            self._center_manager = (manager or self.top(None),)
        return self._center_manager[0]


def current_holder(ticket: Ticket) -> User | None:
    if ticket.escalated_to_id:
        return ticket.escalated_to
    if ticket.owner_id:
        return ticket.owner
    if ticket.group_id and ticket.group.leader_id:
        # An unowned ticket is the group's: its leader is the first step.
        return ticket.group.leader
    return None


def complaint_target(ticket: Ticket, ladder: Ladder | None = None) -> User | None:
    """Where a complaint about a person goes: their superior, or the top of the ladder."""
    if ticket.subject_person_id is None:
        return None
    return (ladder or Ladder()).above(ticket.subject_person)


def recusal_note(name: str, instead_name: str = "") -> str:
    """The recusal event's sentence, in the language active now (the timeline shows it again in
    the reader's language from the event's data)."""
    if instead_name:
        return _(
            "%(person)s is the person complained about and is kept out of it (recusal); "
            "%(instead)s receives it instead."
        ) % {"person": name, "instead": instead_name}
    return _("%(person)s is the person complained about and is kept out of it (recusal).") % {"person": name}


def recusal_event(ticket: Ticket, person: User, instead: User | None, now: datetime, **data) -> TicketEvent:
    """The timeline's record that `person`, the one the complaint is about, was kept out of it (回避)
    and `instead` received what would have gone to them."""
    return new_event(
        ticket=ticket,
        kind=TicketEvent.Kind.RECUSAL,
        by=None,
        now=now,
        code="recusal",
        params={"name": person.label, "instead_name": instead.label if instead else ""},
        data={
            "person": person.pk,
            "name": person.label,
            "instead": instead.pk if instead else None,
            "instead_name": instead.label if instead else "",
            **data,
        },
    )


class Writes:
    """The rows an escalation (and a breach) writes, collected so a sweep writes a batch at once.

    `flush()` writes everything collected: escalations, timeline events, the work orders' new holder
    (in SQL with F(), so a person's concurrent edit still meets an honest version check) and the
    notifications. A single escalation by a person uses the same path with a batch of one.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._clear()

    def _clear(self) -> None:
        self.escalations: list[Escalation] = []
        self.events: list[TicketEvent] = []
        self.holders: dict[int, tuple[int, int]] = {}  # ticket id → (to_user id, highest rank)
        self.bumps: dict[int, int] = {}  # ticket id → versions to add

    def escalation(
        self,
        *,
        ticket: Ticket,
        to_user: User,
        why: Why,
        by: User | None,
        clock: SlaClock | None,
        note: str,
    ) -> Escalation | None:
        """Collect one escalation; None when only the person complained about could receive it and
        nobody stands above them (recusal: it never goes to them). `note`: only what a person typed
        (a manual escalation's reason, a customer's comment)."""
        recused = None
        if permissions.is_recused(ticket, to_user):
            recused, to_user = to_user, workflow.stand_in(ticket, to_user)
            if to_user is None:
                return None
            self.events.append(recusal_event(ticket, recused, to_user, self.now))
        step = (clock.escalation_steps + 1) if clock is not None else 1
        escalation = build(
            Escalation, ticket=ticket, clock=clock, step=step, level=to_user.rank, reason=why.reason,
            details=why.params, to_user=to_user, created_at=self.now,
        )  # fmt: skip
        self.escalations.append(escalation)
        # Later clocks of the same work order in this batch see the new holder.
        ticket.escalated_to = to_user
        ticket.escalation_level = max(ticket.escalation_level, to_user.rank)
        _to, rank = self.holders.get(ticket.pk, (None, 0))
        self.holders[ticket.pk] = (to_user.pk, max(rank, to_user.rank))
        self.bumps[ticket.pk] = self.bumps.get(ticket.pk, 0) + 1
        self.events.append(
            new_event(
                ticket=ticket,
                kind=TicketEvent.Kind.ESCALATION,
                by=by,
                now=self.now,
                note=note,
                code=f"escalation.{why.reason}",
                params=why.params,
                data={
                    "to_user": to_user.pk,
                    "to": to_user.label,
                    "reason": why.reason,
                    "level": to_user.rank,
                    **({"recused": recused.pk} if recused else {}),
                },
            )
        )
        return escalation

    def breach(self, clock: SlaClock) -> None:
        ticket = clock.ticket
        params = Why.breach(clock).params
        self.events.append(
            new_event(
                ticket=ticket,
                kind=TicketEvent.Kind.SLA_BREACH,
                by=None,
                now=self.now,
                code="sla.breach",
                params=params,
                data={"target": clock.target, "due_at": clock.due_at.isoformat()},
            )
        )

    def flush(self) -> None:
        # Plain INSERTs (COPY on PostgreSQL) rather than bulk_create: building Django's statement
        # for a batch of hundreds cost more than the escalations themselves (kefu.core.rows).
        insert_many(self.escalations)
        # Before the work orders' UPDATE, as the rows were always written; the listeners (kefu.notify
        # tells the people named, 首问负责制: the owner of every breach too) read the events only.
        record_events(self.events)
        if self.holders:
            # In SQL, so a person's concurrent edit still meets an honest version check: the new
            # holder, the highest rank reached, and one version more per escalation.
            update_each(
                Ticket,
                columns=["escalated_to_id", "escalation_level", "version"],
                rows=[(pk, to, rank, self.bumps[pk]) for pk, (to, rank) in self.holders.items()],
                combine={"escalation_level": "max", "version": "add"},
                also={"updated_at": self.now},
            )
        self._clear()


def escalate(
    *,
    ticket: Ticket,
    to_user: User,
    why: Why,
    by: User | None,
    now: datetime,
    clock: SlaClock | None = None,
    note: str = "",
) -> Escalation | None:
    """Record the escalation, hand the work order's escalation to `to_user`, write the timeline, notify.

    `why` names the rule that fired; `note` is only what a person typed. None: nobody could receive
    it but the person complained about (recusal)."""
    writes = Writes(now)
    escalation = writes.escalation(ticket=ticket, to_user=to_user, why=why, by=by, clock=clock, note=note)
    writes.flush()
    if escalation is not None:
        ticket.refresh_from_db(fields=["escalated_to", "escalation_level", "version", "updated_at"])
    return escalation


def escalate_on_create(*, ticket: Ticket, now: datetime) -> list[Escalation]:
    """Routing at intake: complaints about a person, and major complaints at once."""
    if not ticket.is_complaint:
        return []
    done = []
    ladder = Ladder()
    target = complaint_target(ticket, ladder)
    policy = ticket.sla_policy
    if ticket.severity == Severity.MAJOR and (policy is None or policy.escalate_major_at_once):
        major_target = ladder.at_least_manager(
            target or ladder.above(current_holder(ticket)) or ladder.center_manager()
        )
        if major_target is not None:
            done.append(escalate(ticket=ticket, to_user=major_target, why=Why.major(), by=None, now=now))
            return [e for e in done if e is not None]
    if target is not None:
        done.append(
            escalate(
                ticket=ticket, to_user=target, why=Why.complaint(ticket.subject_person), by=None, now=now
            )
        )
    return [e for e in done if e is not None]


def recuse_on_naming(*, ticket: Ticket, now: datetime) -> None:
    """A complaint now names a person (recorded, or edited to name them): the timeline says that
    they are kept out of it and who receives it instead (whom it was escalated to, else the one
    above them); if they held it as first-contact owner, they no longer do."""
    person = ticket.subject_person
    if person is None:
        return
    owner_removed = ticket.owner_id == person.pk
    if owner_removed:
        Ticket.objects.filter(pk=ticket.pk).update(owner=None)
        ticket.owner = None
    instead = ticket.escalated_to if ticket.escalated_to_id else workflow.stand_in(ticket, person)
    record_events([recusal_event(ticket, person, instead, now, owner_removed=owner_removed)])


def escalate_for_breach(
    *, clock: SlaClock, now: datetime, ladder: Ladder | None = None, writes: Writes | None = None
) -> bool:
    """One step up for a breached clock, within the policy's highest step. Returns whether it escalated.

    The sweep passes its `ladder` and `writes` and flushes a batch at once; alone, it writes at once.
    """
    ladder = ladder or Ladder()
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
        target = head if head is not None and head.is_active else ladder.above(holder)
    elif not (ticket.escalated_to_id or ticket.owner_id) and holder is not None and holder.is_active:
        # Nobody took it: the group's leader is the first step (policy step 1), not the one above them.
        target, holder = holder, None
    else:
        if holder is not None and ladder_step(holder.rank) >= policy.max_escalation_level:
            # Already at the policy's highest step. Above the general manager is the board contact,
            # who hears complaints about the GM, not breaches.
            return False
        target = ladder.above(holder)
    if target is None or ladder_step(target.rank) > policy.max_escalation_level:
        return False
    if holder is not None and target.pk == holder.pk:
        return False
    if writes is None:
        done = escalate(ticket=ticket, to_user=target, why=Why.breach(clock), by=None, now=now, clock=clock)
    else:
        done = writes.escalation(
            ticket=ticket, to_user=target, why=Why.breach(clock), by=None, clock=clock, note=""
        )
    if done is None:  # only the person complained about was left to receive it (recusal)
        return False
    clock.escalation_steps += 1
    return True


@transaction.atomic
def ticket_escalate_manually(
    *, ticket: Ticket, by: User, note: str, now: datetime | None = None
) -> Escalation:
    """An agent or lead raises a work order one step by hand (e.g. the customer insists).

    Refuses what workflow.check_escalate refuses (a work order no longer being handled: resolved,
    closed, merged or cancelled; a person who is neither its owner nor a lead), a missing note,
    and a holder with nobody above.
    """
    now = now or timezone.now()
    # Locked and read again: a close saved a moment ago must not be escalated (and its managers told).
    locked = Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
    if locked is None:
        raise NotFound(_("Work order not found."))
    workflow.check_escalate(locked, by)
    if not note.strip():
        raise ValidationError.for_field("note", _("Say why the work order is escalated."), FieldCode.REQUIRED)
    target = Ladder().above(current_holder(locked) or by)
    escalation = target and escalate(
        ticket=locked, to_user=target, why=Why.by_hand(by), by=by, now=now, note=note.strip()
    )
    if escalation is None:
        raise ValidationError.for_field("note", _("There is nobody above to escalate to."))
    return escalation
