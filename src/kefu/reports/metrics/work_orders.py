"""Work-order figures (工单): volume, first-contact resolution by repeat contact, complaints handled
within their SLA, dispatches answered on time, and the first response to a customer's email.

Five families, each read with one SQL aggregate; the time field of each is said in its docstring.
"""

from datetime import timedelta
from typing import Any

from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core.sqltime import SecondsBetween
from kefu.reports.metrics.base import Better, Family, Option, Period, Scope, Unit, figure, ratio
from kefu.reports.metrics.common import in_period, scoped
from kefu.tickets.models import (
    SLA_MISSED,
    Channel,
    Dispatch,
    Message,
    SlaClock,
    SlaTarget,
    Status,
    Ticket,
    TicketType,
)

#: dimension → the work order's field (also the scope's filters).
TICKET_FIELDS = {"agent": "owner_id", "group": "group_id", "channel": "channel", "category": "category_id"}


# --- work orders created: volume and first-contact resolution ----------------------------------------

FCR_DAYS = Option("fcr_days", _("Repeat contact within (days)"), 7, minimum=1, maximum=90)


def _repeat_window(options) -> timedelta:
    return timedelta(days=options["fcr_days"])


def _work_order_rows(period: Period, scope: Scope, options):
    """Work orders created in the period, except cancelled ones (recorded in error); each with
    `repeated`: another work order (not cancelled) of the same customer and the same category was
    created after it, at most `fcr_days` days later."""
    later = ExpressionWrapper(OuterRef("created_at") + _repeat_window(options), output_field=DateTimeField())
    repeat = (
        Ticket.objects.filter(
            customer_id=OuterRef("customer_id"),
            category_id=OuterRef("category_id"),
            created_at__gt=OuterRef("created_at"),
            created_at__lte=later,
        )
        .exclude(status=Status.CANCELLED)
        .exclude(pk=OuterRef("pk"))
    )
    rows = scoped(
        in_period(Ticket.objects.exclude(status=Status.CANCELLED), "created_at", period), scope, TICKET_FIELDS
    )
    return rows.annotate(repeated=Exists(repeat))


def _work_order_components(options) -> dict[str, Any]:
    # A work order is judged once its whole window has passed: one created less than `fcr_days`
    # days ago may still get its repeat, so it is not counted either way yet.
    known = timezone.now() - _repeat_window(options)
    eligible = Q(customer__isnull=False, category__isnull=False, created_at__lte=known) & ~Q(
        status=Status.MERGED
    )
    return {
        "created": Count("id"),
        "fcr_judged": Count("id", filter=eligible),
        "fcr_repeated": Count("id", filter=eligible & Q(repeated=True)),
    }


WORK_ORDERS = Family(
    code="work_orders",
    name=_("Work orders"),
    rows=_work_order_rows,
    time_field="created_at",
    dimensions={**TICKET_FIELDS, "type": "ticket_type"},
    components=_work_order_components,
    options=(FCR_DAYS,),
)


@figure(
    "work_orders_created",
    _("Work orders created"),
    unit=Unit.COUNT,
    better=Better.NEITHER,
    family=WORK_ORDERS,
)
def work_orders_created(c, options):
    """Work orders created (工单量) = work orders whose created_at lies in the period, cancelled
    ones excluded; by channel, category, type, owner or group for the volume tables."""
    return c["created"]


@figure(
    "fcr",
    _("First-contact resolution"),
    unit=Unit.PERCENT,
    better=Better.HIGHER,
    family=WORK_ORDERS,
    options=("fcr_days",),
)
def fcr(c, options):
    """First-contact resolution (一次解决率) = 1 − repeated / judged. Judged: work orders created in
    the period with a customer and a category, not merged into another, and created at least N days
    (fcr_days, default 7) before now. Repeated: a judged work order after which the same customer
    opened another work order (not cancelled) of the same category within N days (created_at in
    (t, t + N days])."""
    share = ratio(c["fcr_repeated"], c["fcr_judged"])
    return None if share is None else 1 - share


# --- complaints handled within their SLA ---------------------------------------------------------------


def _complaint_rows(period: Period, scope: Scope, options):
    """Complaint work orders resolved in the period (resolved_at), not merged or cancelled; `has_clock`
    when they have a resolution SLA clock, `clock_missed` when one of those missed its target
    (tickets.models.SLA_MISSED)."""
    clocks = SlaClock.objects.filter(
        ticket_id=OuterRef("pk"), target=SlaTarget.RESOLUTION, dispatch__isnull=True
    )
    rows = Ticket.objects.filter(ticket_type=TicketType.COMPLAINT).exclude(
        status__in=(Status.CANCELLED, Status.MERGED)
    )
    rows = scoped(in_period(rows, "resolved_at", period), scope, TICKET_FIELDS)
    return rows.annotate(has_clock=Exists(clocks), clock_missed=Exists(clocks.filter(SLA_MISSED)))


COMPLAINTS = Family(
    code="complaints",
    name=_("Complaints resolved"),
    rows=_complaint_rows,
    time_field="resolved_at",
    dimensions={**TICKET_FIELDS, "department": "subject_department_id"},  # 被投诉部门
    components=lambda options: {
        "resolved": Count("id"),
        "timed": Count("id", filter=Q(has_clock=True)),
        "missed": Count("id", filter=Q(has_clock=True, clock_missed=True)),
    },
)


@figure(
    "complaints_resolved", _("Complaints resolved"), unit=Unit.COUNT, better=Better.NEITHER, family=COMPLAINTS
)
def complaints_resolved(c, options):
    """Complaints resolved = complaint work orders whose resolved_at lies in the period."""
    return c["resolved"]


@figure(
    "complaints_within_sla",
    _("Complaints handled within their SLA"),
    unit=Unit.PERCENT,
    better=Better.HIGHER,
    family=COMPLAINTS,
)
def complaints_within_sla(c, options):
    """Complaints handled within their SLA (投诉处理时效) = (timed − missed) / timed, over complaint work
    orders resolved in the period. Timed: the work order has a resolution SLA clock (its policy gives
    the target, 24 working hours in the seeds). Missed: a resolution clock was marked breached or
    stopped after it was due. Complaints without a resolution clock are not counted."""
    return ratio(c["timed"] - c["missed"], c["timed"])


# --- dispatches answered by their deadline ----------------------------------------------------------------

DISPATCH_FIELDS = {
    "agent": "ticket__owner_id",
    "group": "ticket__group_id",
    "channel": "ticket__channel",
    "category": "ticket__category_id",
}


def _dispatch_rows(period: Period, scope: Scope, options):
    """Dispatches whose deadline lies in the period, except withdrawn ones and those still waiting
    for a deadline that has not come yet (not decided either way)."""
    rows = Dispatch.objects.exclude(state=Dispatch.State.WITHDRAWN).exclude(
        state=Dispatch.State.PENDING, deadline__gt=timezone.now()
    )
    return scoped(in_period(rows, "deadline", period), scope, DISPATCH_FIELDS)


DISPATCHES = Family(
    code="dispatches",
    name=_("Dispatches due"),
    rows=_dispatch_rows,
    time_field="deadline",
    dimensions={**DISPATCH_FIELDS, "department": "department_id"},
    components=lambda options: {
        "due": Count("id"),
        "replied_on_time": Count(
            "id", filter=Q(state=Dispatch.State.REPLIED, answered_at__lte=F("deadline"))
        ),
    },
)


@figure("dispatches_due", _("Dispatches due"), unit=Unit.COUNT, better=Better.NEITHER, family=DISPATCHES)
def dispatches_due(c, options):
    """Dispatches due = dispatches (转办) whose deadline lies in the period, not withdrawn, and not
    still waiting for a deadline yet to come."""
    return c["due"]


@figure(
    "dispatches_on_time",
    _("Dispatches replied on time"),
    unit=Unit.PERCENT,
    better=Better.HIGHER,
    family=DISPATCHES,
)
def dispatches_on_time(c, options):
    """Dispatches replied on time (转办按时回复率) = replied by the deadline / dispatches due. The
    deadline is the one stored at dispatch: the policy's department-reply target, else three working
    days on the business calendar, or the date the dispatcher chose. A dispatch sent back by the
    department, or still unanswered after its deadline, is not on time."""
    return ratio(c["replied_on_time"], c["due"])


# --- first response to an email ---------------------------------------------------------------------

EMAIL_TARGET = Option(
    "email_response_seconds", _("Email answered within (seconds)"), 24 * 3600, minimum=60, maximum=30 * 86400
)


def _email_rows(period: Period, scope: Scope, options):
    """Email work orders (channel email) created in the period with a message from the customer;
    `waited`: seconds from the customer's first email to the first email reply after it that did not
    fail (None while unanswered)."""
    messages = Message.objects.filter(ticket_id=OuterRef("pk"), channel=Channel.EMAIL).order_by(
        "created_at", "id"
    )
    first_in = messages.filter(direction=Message.Direction.INBOUND).values("created_at")[:1]
    first_out = (
        messages.filter(direction=Message.Direction.OUTBOUND, created_at__gte=OuterRef("first_in"))
        .exclude(delivery=Message.Delivery.FAILED)
        .values("created_at")[:1]
    )
    rows = Ticket.objects.filter(channel=Channel.EMAIL).exclude(status__in=(Status.CANCELLED, Status.MERGED))
    rows = scoped(in_period(rows, "created_at", period), scope, TICKET_FIELDS)
    return (
        rows.annotate(first_in=Subquery(first_in))
        .filter(first_in__isnull=False)
        .annotate(waited=SecondsBetween(Subquery(first_out), "first_in"))
    )


EMAILS = Family(
    code="emails",
    name=_("Email work orders"),
    rows=_email_rows,
    time_field="created_at",
    dimensions=TICKET_FIELDS,
    components=lambda options: {
        "emails": Count("id"),
        "answered": Count("id", filter=Q(waited__isnull=False)),
        "waited_seconds": Sum("waited"),
        "answered_within": Count("id", filter=Q(waited__lte=options["email_response_seconds"])),
    },
    options=(EMAIL_TARGET,),
)


@figure(
    "email_first_response",
    _("Email first-response time"),
    unit=Unit.SECONDS,
    better=Better.LOWER,
    family=EMAILS,
)
def email_first_response(c, options):
    """Email first-response time (邮件首次响应时长) = Σ waited / answered, over email work orders created
    in the period whose customer's first email got an email reply; waited = the first reply after the
    customer's first email (not failed) − that email, in wall-clock seconds."""
    return ratio(c["waited_seconds"], c["answered"])


@figure(
    "email_answered_within",
    _("Emails answered within target"),
    unit=Unit.PERCENT,
    better=Better.HIGHER,
    family=EMAILS,
    options=("email_response_seconds",),
)
def email_answered_within(c, options):
    """Emails answered within target = work orders whose first reply came within T seconds
    (email_response_seconds, default 86,400 = 24 h) / email work orders created in the period; one
    not answered yet counts as not within."""
    return ratio(c["answered_within"], c["emails"])
