"""Departed staff (离职交接): hand a colleague's customers and open work to others, in one step.

`handover` moves, in one transaction, everything a person holds — the customers they are
responsible for (专人负责), their open work orders, open callback tasks and active chats — to named
colleagues (one for everything, or one per kind), tells each colleague in-app, optionally tells the
customers who their new responsible person is (a message template, by SMS or email, consent per
channel honoured), and deactivates the person. Work orders record the change on their timeline.

`leftovers` is the nightly check: anything still held by an inactive person (a hand-over that was
skipped, or a deactivation in the Django admin) is listed for administrators, logged and notified.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role, User
from kefu.accounts.services import can_manage_user, user_update
from kefu.callbacks.models import CallbackTask
from kefu.core.errors import FieldCode, FieldError, PermissionDenied, ValidationError
from kefu.crm.care import care_message
from kefu.crm.models import CareKind, Handover
from kefu.customers.models import Customer
from kefu.intake.chat.models import ChatSession
from kefu.intake.chat.services import chat_transfer
from kefu.notify.models import MessageTemplate, NotificationKind
from kefu.notify.services import notify
from kefu.tickets.models import OPEN_STATUSES, Ticket, TicketEvent
from kefu.tickets.timeline import new_event, record_events

log = logging.getLogger(__name__)

#: Who hands a colleague's work over: managers and administrators.
HANDOVER_ROLES = {Role.MANAGER, Role.GENERAL_MANAGER, Role.ADMIN}
OPEN_TASKS = [CallbackTask.State.OPEN, CallbackTask.State.WAITING_FIX]
KINDS = ("customers", "tickets", "callbacks", "chats")


def can_hand_over(user: User | None) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.role in HANDOVER_ROLES))


def held_by(user: User | int) -> dict[str, QuerySet]:
    """What `user` holds, by kind: customers (owner), open work orders (owner), open callback tasks
    (assigned), active or offered chats (the serving agent)."""
    return {
        "customers": Customer.objects.filter(owner=user),
        "tickets": Ticket.objects.filter(owner=user, status__in=OPEN_STATUSES),
        "callbacks": CallbackTask.objects.filter(assigned_to=user, state__in=OPEN_TASKS),
        "chats": ChatSession.objects.filter(agent=user, state=ChatSession.State.ACTIVE),
    }


def held_counts(user: User | int) -> dict[str, int]:
    return {kind: qs.count() for kind, qs in held_by(user).items()}


def kind_label(kind: str) -> str:
    return {
        "customers": _("Customers"),
        "tickets": _("Open work orders"),
        "callbacks": _("Open callback tasks"),
        "chats": _("Active chats"),
    }[kind]


def _ticket_text(params: dict) -> str:
    return _("Handed over from %(from)s to %(to)s (离职交接)") % params


def register_event_texts() -> None:
    from kefu.tickets.timeline import EVENT_TEXTS

    EVENT_TEXTS.register(_ticket_text, key="crm.handover")


@transaction.atomic
def handover(
    *,
    user: User,
    by: User,
    to: User | None = None,
    customers_to: User | None = None,
    tickets_to: User | None = None,
    callbacks_to: User | None = None,
    chats_to: User | None = None,
    notify_customers: bool = False,
    template: MessageTemplate | None = None,
    deactivate: bool = True,
    now: datetime | None = None,
) -> Handover:
    """Hand everything `user` holds to colleagues and (by default) deactivate them.

    `to` takes every kind not given its own colleague (`customers_to`, `tickets_to`, `callbacks_to`,
    `chats_to`). Refuses anyone but a manager or an administrator who may manage `user`; a kind with
    something to hand and nobody to take it; a colleague who is inactive or is `user`; customers to be
    told without a template; a chat colleague who is not online for chats (the chat service says so).
    Nothing is saved when anything is refused.
    """
    now = now or timezone.now()
    if not can_hand_over(by) or not can_manage_user(by, user):
        raise PermissionDenied(_("Only managers and administrators hand over a colleague's work."))
    user = User.objects.select_for_update().get(pk=user.pk)  # one hand-over of a person at a time
    given = {"customers": customers_to, "tickets": tickets_to, "callbacks": callbacks_to, "chats": chats_to}
    targets = {kind: given[kind] or to for kind in KINDS}
    held = held_by(user)
    errors: dict[str, list[str]] = {}
    for kind in KINDS:
        target, field = targets[kind], f"{kind}_to" if given[kind] else "to"
        if target is None:
            if held[kind].exists():
                errors.setdefault(f"{kind}_to", []).append(
                    FieldError(
                        _("Choose who takes the %(what)s.") % {"what": kind_label(kind)}, FieldCode.REQUIRED
                    )
                )
        elif target.pk == user.pk or not target.is_active:
            errors.setdefault(field, []).append(
                FieldError(_("%(name)s cannot take them over.") % {"name": target.label})
            )
        elif kind != "customers" and not target.is_center_staff:
            errors.setdefault(field, []).append(
                FieldError(_("%(name)s is not service-center staff.") % {"name": target.label})
            )
    if notify_customers and template is None:
        errors.setdefault("template", []).append(
            FieldError(_("Choose the message to the customers."), FieldCode.REQUIRED)
        )
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)

    counts: dict[str, dict[str, int]] = {}
    customer_ids = list(held["customers"].values_list("pk", flat=True))
    moved = {kind: Counter() for kind in KINDS}
    if customer_ids:
        Customer.objects.filter(pk__in=customer_ids).update(owner=targets["customers"])
        moved["customers"][targets["customers"].pk] = len(customer_ids)
    tickets = list(held["tickets"].select_for_update())
    if tickets:
        new_owner = targets["tickets"]
        # Bumped like every change of a work order: a page open on the old version refuses a stale save.
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(
            owner=new_owner, version=F("version") + 1, updated_at=now
        )
        params = {"from": user.label, "to": new_owner.label}
        events = []
        for ticket in tickets:
            ticket.owner = new_owner
            events.append(
                new_event(
                    ticket=ticket,
                    kind=TicketEvent.Kind.UPDATE,
                    by=by,
                    now=now,
                    data={"from_user": user.pk, "to_user": new_owner.pk},
                    code="crm.handover",
                    params=params,
                )
            )
        record_events(events)
        moved["tickets"][new_owner.pk] = len(tickets)
    tasks = held["callbacks"].update(assigned_to=targets["callbacks"])
    if tasks:
        moved["callbacks"][targets["callbacks"].pk] = tasks
    for session in list(held["chats"]):
        try:
            chat_transfer(
                session=session, by=by, to=targets["chats"], note=_("Hand-over (离职交接)"), now=now
            )
        except ValidationError as exc:
            field = "chats_to" if given["chats"] else "to"
            raise ValidationError(exc.message, errors={field: sum(exc.errors.values(), [])}) from None
        moved["chats"][targets["chats"].pk] += 1
    counts = {kind: {str(pk): n for pk, n in c.items()} for kind, c in moved.items() if c}

    record = Handover.objects.create(user=user, by=by, counts=counts, at=now)
    if notify_customers and customer_ids:
        new_owner = targets["customers"]
        told = care_message(
            customers=Customer.objects.filter(pk__in=customer_ids),
            template=template,
            occasion=f"handover:{record.pk}",
            kind=CareKind.HANDOVER,
            values={"agent_no": new_owner.label, "occasion": _("new responsible person")},
            now=now,
        )
        record.notified = told.total()
        record.save(update_fields=["notified"])
    _tell_colleagues(user, moved)
    if deactivate and user.is_active:
        user_update(by=by, user=user, is_active=False, department=user.department, superior=user.superior)
    log.info("hand-over of %s by %s: %s", user.username, by.username, json.dumps(counts, ensure_ascii=False))
    return record


def _tell_colleagues(user: User, moved: dict[str, Counter]) -> None:
    per_person: dict[int, list[str]] = {}
    for kind, counter in moved.items():
        for pk, n in counter.items():
            per_person.setdefault(pk, []).append(f"{kind_label(kind)} {n}")
    people = User.objects.in_bulk(list(per_person))
    for pk, parts in per_person.items():
        notify(
            users=[people[pk]],
            kind=NotificationKind.HANDOVER,
            title=_("Handed to you from %(name)s") % {"name": user.label},
            body="; ".join(parts),
        )


@dataclass(frozen=True)
class Leftover:
    user: User
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def leftovers() -> list[Leftover]:
    """Everything still held by an inactive person, per person (the nightly check; empty: all clear)."""
    found: dict[int, dict[str, int]] = {}
    for kind, qs in held_by_inactive().items():
        field = {"customers": "owner", "tickets": "owner", "callbacks": "assigned_to", "chats": "agent"}[kind]
        for pk, n in qs.values_list(field).annotate(n=Count("pk")).order_by():
            found.setdefault(pk, {k: 0 for k in KINDS})[kind] = n
    people = User.objects.in_bulk(list(found))
    return [Leftover(people[pk], counts) for pk, counts in sorted(found.items())]


def held_by_inactive() -> dict[str, QuerySet]:
    return {
        "customers": Customer.objects.filter(owner__is_active=False),
        "tickets": Ticket.objects.filter(owner__is_active=False, status__in=OPEN_STATUSES),
        "callbacks": CallbackTask.objects.filter(assigned_to__is_active=False, state__in=OPEN_TASKS),
        "chats": ChatSession.objects.filter(agent__is_active=False, state=ChatSession.State.ACTIVE),
    }


def leftovers_check() -> list[Leftover]:
    """The nightly check: log each inactive person who still holds something and tell the
    administrators in-app (one notification a night). Changes nothing else; safe to run twice."""
    found = leftovers()
    if not found:
        return found
    for left in found:
        log.warning("%s is inactive and still holds %s", left.user.username, left.counts)
    admins = User.objects.filter(is_active=True, role=Role.ADMIN)
    notify(
        users=list(admins),
        kind=NotificationKind.HANDOVER,
        title=_("%(count)s inactive colleagues still hold customers or work") % {"count": len(found)},
        body=", ".join(f"{left.user.label} ({left.total})" for left in found),
    )
    return found
