"""Dispatch (转办): send a work order to departments; they reply with the result or send it back.

The first-contact owner keeps the work order throughout (首问负责制) and hears of every reply,
return and late department.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Department, User
from kefu.core.calendars import add_business_time, add_working_days, load_calendar
from kefu.core.errors import FieldCode, PermissionDenied, ValidationError
from kefu.tickets import workflow
from kefu.tickets.error_codes import TicketErrorCode, TicketWarningCode
from kefu.tickets.models import Dispatch, SlaClock, SlaTarget, Status, Ticket, TicketEvent
from kefu.tickets.services import sla
from kefu.tickets.services.escalation import recusal_event
from kefu.tickets.services.tickets import _apply, _locked
from kefu.tickets.timeline import record_event, record_events

DEFAULT_DEPARTMENT_WORKING_DAYS = 3


def default_deadline(ticket: Ticket, now: datetime) -> datetime:
    """The policy's department-reply target, else three working days (三个工作日) — but never after
    the work order's own resolution deadline: the default must not be the late dispatch that
    `deadline_warnings` warns about."""
    policy = ticket.sla_policy
    calendar = load_calendar(policy.calendar_id if policy else None)
    if policy and policy.department_reply_minutes:
        proposed = add_business_time(calendar, now, timedelta(minutes=policy.department_reply_minutes))
    else:
        proposed = add_working_days(calendar, now, DEFAULT_DEPARTMENT_WORKING_DAYS)
    due = resolution_due(ticket)
    return due if due is not None and now < due < proposed else proposed


def resolution_due(ticket: Ticket) -> datetime | None:
    """When the work order's own resolution clock runs out; None when none is running (met,
    paused while waiting on the customer, or no resolution target)."""
    return (
        ticket.sla_clocks.filter(target=SlaTarget.RESOLUTION, state=SlaClock.State.RUNNING)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )


def deadline_warnings(deadline: datetime, due: datetime | None) -> list[dict]:
    """What a dispatch deadline should make the agent think twice about, as {code, message}: a
    department's reply due after the work order itself (`due`, its resolution deadline) cannot help
    it finish in time. Accepted all the same: the agent may know better (a regulator's longer term)."""
    if due is None or deadline <= due:
        return []
    message = _(
        "The department's deadline (%(deadline)s) is after the work order's own resolution deadline "
        "(%(due)s): its reply will come too late to resolve it in time."
    ) % {
        "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
        "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
    }
    return [{"code": TicketWarningCode.DEADLINE_AFTER_RESOLUTION.value, "message": message}]


def dispatch_warnings(dispatch: Dispatch, due: datetime | None = None) -> list[dict]:
    """deadline_warnings of one dispatch still waiting (`due`: its work order's resolution
    deadline if the caller read it already, e.g. annotated by selectors.with_resolution_due)."""
    if dispatch.state != Dispatch.State.PENDING:
        return []
    if due is None:
        due = getattr(dispatch, "resolution_due", None)
        if due is None and not hasattr(dispatch, "resolution_due"):
            due = resolution_due(dispatch.ticket)
    return deadline_warnings(dispatch.deadline, due)


@transaction.atomic
def ticket_dispatch(
    *,
    ticket: Ticket,
    by: User,
    department_ids: list[int],
    instructions: str = "",
    deadline: datetime | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> list[Dispatch]:
    """Send the work order to one or more departments with a deadline and instructions.

    Refuses an empty or unknown department list, a department that already has it pending,
    a deadline in the past, and a department whose only staff is the person complained about
    (recusal). A deadline after the work order's own resolution deadline is accepted and noted
    (`deadline_warnings`; the event's `late_for_resolution`).
    """
    now = now or timezone.now()
    ticket = _locked(ticket, version)
    transition = workflow.check(ticket, "dispatch", by)
    ids = list(dict.fromkeys(int(i) for i in department_ids or []))
    if not ids:
        raise ValidationError.for_field(
            "department_ids", _("Choose at least one department."), FieldCode.REQUIRED
        )
    departments = {d.pk: d for d in Department.objects.filter(pk__in=ids)}
    missing = [str(i) for i in ids if i not in departments]
    if missing:
        raise ValidationError.for_field(
            "department_ids",
            _("Unknown department: %(ids)s") % {"ids": ", ".join(missing)},
            FieldCode.NOT_FOUND,
        )
    pending = set(
        ticket.dispatches.filter(state=Dispatch.State.PENDING).values_list("department_id", flat=True)
    )
    already = [departments[i].name for i in ids if i in pending]
    if already:
        raise ValidationError.for_field(
            "department_ids",
            _("Already waiting for: %(names)s") % {"names": ", ".join(already)},
            TicketErrorCode.DEPARTMENT_ALREADY_DISPATCHED,
        )
    if deadline is not None and timezone.is_naive(deadline):
        raise ValidationError.for_field(
            "deadline", _("Give the deadline with a time zone."), FieldCode.TIMEZONE_REQUIRED
        )
    if deadline is not None and deadline <= now:
        raise ValidationError.for_field(
            "deadline", _("The deadline must be in the future."), FieldCode.OUT_OF_RANGE
        )
    # 回避: a department whose only staff is the person complained about is refused; otherwise its
    # head (or the one above) answers in their place, and the timeline says so.
    recusals = [r for i in ids if (r := workflow.department_recusal(ticket, departments[i])) is not None]
    deadline = deadline or default_deadline(ticket, now)
    due = resolution_due(ticket)
    dispatches = []
    for department_id in ids:
        dispatch = Dispatch.objects.create(
            ticket=ticket,
            department=departments[department_id],
            instructions=(instructions or "").strip(),
            deadline=deadline,
            created_by=by,
            created_at=now,
        )
        sla.clock_start(
            ticket=ticket, target=SlaTarget.DEPARTMENT_REPLY, now=now, due_at=deadline, dispatch=dispatch
        )
        dispatches.append(dispatch)
    names = ", ".join(d.department.name for d in dispatches)
    _apply(
        ticket,
        transition,
        by,
        instructions,
        now,
        data={
            "departments": [d.department_id for d in dispatches],
            "names": names,
            "deadline": deadline.isoformat(),
            **({"recusals": recusals} if recusals else {}),
            **({"late_for_resolution": due.isoformat()} if deadline_warnings(deadline, due) else {}),
        },
    )
    for recusal in recusals:
        record_events(
            [
                recusal_event(
                    ticket,
                    ticket.subject_person,
                    User.objects.filter(pk=recusal["instead"]).first(),
                    now,
                    department=recusal["department_name"],
                    department_id=recusal["department"],
                )
            ]
        )
    return dispatches


def _guard_department(dispatch: Dispatch, by: User) -> None:
    workflow.check_not_recused(dispatch.ticket, by, field="dispatch")
    if not (by.is_lead or (by.department_id == dispatch.department_id and by.is_active)):
        raise PermissionDenied(
            _("Only %(department)s may answer this dispatch.") % {"department": dispatch.department}
        )
    if dispatch.state != Dispatch.State.PENDING:
        raise ValidationError.for_field("dispatch", _("This dispatch was already answered."))


def _settle(ticket: Ticket, by: User, now: datetime, note: str) -> None:
    """When the last pending dispatch of this round is answered, the work order leaves “dispatched”:
    to “department replied” if any department of the round replied, else back to “in progress”."""
    if ticket.dispatches.filter(state=Dispatch.State.PENDING).exists():
        return
    round_start = (
        ticket.events.filter(kind=TicketEvent.Kind.TRANSITION, action="dispatch")
        .exclude(from_status=Status.DISPATCHED)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    ) or ticket.created_at
    replied = ticket.dispatches.filter(state=Dispatch.State.REPLIED, created_at__gte=round_start).exists()
    transition = workflow.check(ticket, "department_reply" if replied else "department_return", by)
    _apply(ticket, transition, by, note, now)


def _answer(dispatch: Dispatch, by: User, now: datetime, *, state: str, text: str, field: str) -> Dispatch:
    ticket = _locked(dispatch.ticket, None)
    dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
    _guard_department(dispatch, by)
    if not (text or "").strip():
        raise ValidationError.for_field(
            field, _("Write the %(what)s.") % {"what": _("result") if field == "reply" else _("reason")}
        )
    setattr(dispatch, field, text.strip())
    dispatch.state = state
    dispatch.answered_by = by
    dispatch.answered_at = now
    dispatch.save(update_fields=[field, "state", "answered_by", "answered_at"])
    sla.clocks_stop(ticket=ticket, now=now, dispatch=dispatch)
    replied = state == Dispatch.State.REPLIED
    record_event(
        ticket=ticket,
        kind=TicketEvent.Kind.DEPARTMENT_REPLY if replied else TicketEvent.Kind.DEPARTMENT_RETURN,
        by=by,
        now=now,
        note=text.strip(),
        data={"dispatch": dispatch.pk, "department": dispatch.department.name},
    )
    _settle(ticket, by, now, text.strip())
    return dispatch


@transaction.atomic
def dispatch_reply(*, dispatch: Dispatch, by: User, reply: str, now: datetime | None = None) -> Dispatch:
    """The department answers with the result of its handling."""
    return _answer(
        dispatch, by, now or timezone.now(), state=Dispatch.State.REPLIED, text=reply, field="reply"
    )


@transaction.atomic
def dispatch_return(*, dispatch: Dispatch, by: User, reason: str, now: datetime | None = None) -> Dispatch:
    """The department sends the work order back (not ours, facts missing) with a reason."""
    return _answer(
        dispatch, by, now or timezone.now(), state=Dispatch.State.RETURNED, text=reason, field="return_reason"
    )
