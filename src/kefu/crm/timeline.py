"""The customer 360 (客户全景): one timeline of every contact a customer made, across channels.

Each channel is a *timeline source*: a read of one table of one app for one customer, newest first,
and a function that turns the rows a page shows into `Row`s. A page reads the ids and times of every
source's newest rows in one statement (each source with its own LIMIT), cuts the page out of their
merge and then reads only the rows shown, one statement per kind shown: a customer with thousands of
contacts costs a few small indexed queries per page, never a full read. Open matters (work orders
not finished, callbacks to make, chats running, live calls, a card waiting for approval) come first,
pinned above the history, and are not repeated in it.

Sources live in `SOURCES` (a kefu.core.registry.Registry keyed by name). An app that adds a kind of
contact registers its own there from its AppConfig.ready(); the ones below are registered as
fallbacks, so a richer source of the same name replaces them.

Who sees what is decided here, once: work orders through tickets' `visible_tickets` (what
`customer_history` shows, so department staff see only the work orders dispatched to their
department, and nothing else of the customer); quality findings only for QA inspectors (within
their scope) and supervisors and above; every other source for service-center staff and QA.
"""

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.models import User
from kefu.core.registry import Registry
from kefu.core.union import Part, compiled_once, union_all
from kefu.customers.models import Customer

#: What each kind of row is called on the page (the legend and the row's label).
KINDS = {
    "ticket": gettext_lazy("Work order"),
    "call": gettext_lazy("Call"),
    "chat": gettext_lazy("Chat"),
    "mail": gettext_lazy("Mail"),
    "callback": gettext_lazy("Callback"),
    "survey": gettext_lazy("Survey"),
    "satisfaction": gettext_lazy("Satisfaction"),
    "quality": gettext_lazy("Quality finding"),
    "care": gettext_lazy("Care"),
    "points": gettext_lazy("Points"),
    "card": gettext_lazy("Loyalty card"),
    "order": gettext_lazy("Order"),
    "payment": gettext_lazy("Payment"),
}

PAGE_SIZE = 30
OPEN_LIMIT = 20  # per source: a customer with more open matters than this has a bigger problem


@dataclass(frozen=True)
class Row:
    """One contact or event on the timeline."""

    at: datetime
    kind: str
    title: str
    detail: str = ""
    status: str = ""
    url: str = ""
    is_open: bool = False
    key: str = ""  # unique within the customer's timeline ("ticket:12"), a stable tie-break

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))


@dataclass(frozen=True)
class Viewer:
    """Who is looking at which customer, with what they may see (decided once per request)."""

    user: User
    customer: Customer
    sees_contacts: bool  # calls, chats, mails, callbacks, surveys, care, points, orders
    sees_quality: bool

    @classmethod
    def of(cls, user: User, customer: Customer) -> "Viewer":
        from kefu.accounts.views import sees_customers
        from kefu.quality.permissions import can_manage_rubrics

        return cls(
            user=user,
            customer=customer,
            sees_contacts=bool(user.is_active and (user.is_superuser or sees_customers(user))),
            sees_quality=bool(can_manage_rubrics(user)),
        )

    @cached_property
    def access(self):
        """The viewer's agent groups, read once for the work orders' open matters and history."""
        from kefu.tickets.permissions import Access

        return Access.of(self.user)


@dataclass(frozen=True)
class Source:
    """A kind of contact. `newest(viewer, open_)`: the customer's rows of this kind, finished
    (`open_` False) or open, as a `values_list("id", <when>)` ordered newest first; the timeline
    takes the newest few of every source in one statement. `rows(viewer, wanted)`: the `Row`s of
    only the ids a page shows (`wanted` maps each to whether it is open). `has_open`: whether the
    kind has open matters; `visible(viewer)`: whether this viewer sees the kind at all.

    A `newest` that reads nothing but the customer's id is given as `ByCustomer(read)`: its SQL is
    compiled once per process (every source but the work orders and quality findings, whose reads
    depend on who looks). `name` is also the prefix of its rows' keys (`"ticket:12"`)."""

    name: str
    newest: "Callable[[Viewer, bool], QuerySet] | ByCustomer"
    rows: Callable[[Viewer, dict[int, bool]], list[Row]]
    has_open: bool = False
    visible: Callable[[Viewer], bool] = lambda viewer: viewer.sees_contacts


@dataclass(frozen=True)
class ByCustomer:
    """A source's `newest` that reads nothing but the customer's id: `read(customer_id, open_)`, by its
    signature unable to depend on who looks. The timeline compiles its SQL once per process and binds
    each customer's id to it (core.union.compiled_once): building and compiling some fifteen Django
    querysets cost more CPU on every page than the statement they make."""

    read: Callable[[int, bool], QuerySet]

    def __call__(self, viewer: Viewer, open_: bool) -> QuerySet:
        return self.read(viewer.customer.pk, open_)


SOURCES: Registry[Source] = Registry("crm.timeline_sources")


def register(source: Source, *, fallback: bool = False) -> Source:
    return SOURCES.register(source, key=source.name, fallback=fallback)


@dataclass
class TimelinePage:
    open: list[Row] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    page: int = 1
    has_next: bool = False


class _Found(NamedTuple):
    """A row found by its source's `newest`, before it is described: ordered as the timeline is (by
    time, then key; keys are unique), and compared as a tuple (a page sorts some 300 of them)."""

    at: datetime
    key: str
    source: Source
    pk: int
    is_open: bool


def customer_timeline(
    *, user: User, customer: Customer, page: int = 1, size: int = PAGE_SIZE
) -> TimelinePage:
    """Page `page` of the customer's history, newest first, `size` rows; the open matters on page 1.

    Each source gives its newest `page × size + 1` finished rows (the page's rows are among them
    whatever the other sources hold, and the one more tells whether there is a next page) and, on
    page 1, its newest OPEN_LIMIT open ones: ids and times only, every source in one statement.
    Only the rows shown are then read in full, one statement per kind shown.
    """
    viewer = Viewer.of(user, customer)
    page = max(1, page)
    wanted = page * size + 1
    sources = [s for s in SOURCES.values() if s.visible(viewer)]
    reads = [(s, False, wanted) for s in sources]
    if page == 1:
        reads += [(s, True, OPEN_LIMIT) for s in sources if s.has_open]
    using = customer._state.db or DEFAULT_DB_ALIAS
    parts = [_newest(viewer, s, open_, limit, using) for s, open_, limit in reads]
    found = [
        _Found(at=at, key=f"{reads[i][0].name}:{pk}", source=reads[i][0], pk=pk, is_open=reads[i][1])
        for i, pk, at in union_all(parts, using=using)
    ]
    history = heapq.nlargest(wanted, (f for f in found if not f.is_open))
    shown = history[(page - 1) * size : page * size]
    opened = sorted((f for f in found if f.is_open), reverse=True)
    rows = _describe(viewer, shown + opened)
    return TimelinePage(
        page=page,
        rows=[rows[f.key] for f in shown if f.key in rows],
        open=[rows[f.key] for f in opened if f.key in rows],
        has_next=len(history) > page * size,
    )


def _newest(viewer: Viewer, source: Source, open_: bool, limit: int, using: str) -> QuerySet | Part | None:
    """The ids and times of a source's newest `limit` rows (open or finished) for the page's statement."""
    newest = source.newest
    if isinstance(newest, ByCustomer):
        return compiled_once(
            (newest, open_, limit), lambda pk: newest.read(pk, open_)[:limit], viewer.customer.pk, using=using
        )
    return newest(viewer, open_)[:limit].using(using)


def _describe(viewer: Viewer, found: list[_Found]) -> dict[str, Row]:
    """The rows `found`, read in full by their sources (one read per source), by key. A row gone in
    the meantime is simply missing."""
    wanted: dict[str, dict[int, bool]] = {}
    sources = {}
    for f in found:
        wanted.setdefault(f.source.name, {})[f.pk] = f.is_open
        sources[f.source.name] = f.source
    return {row.key: row for name, ids in wanted.items() for row in sources[name].rows(viewer, ids)}


# --- the sources ------------------------------------------------------------------------------------


def _ticket_newest(viewer: Viewer, open_: bool) -> QuerySet:
    from kefu.tickets.models import OPEN_STATUSES
    from kefu.tickets.permissions import visible_tickets

    qs = visible_tickets(viewer.user, access=viewer.access).filter(customer_id=viewer.customer.pk)
    qs = qs.filter(status__in=OPEN_STATUSES) if open_ else qs.exclude(status__in=OPEN_STATUSES)
    return qs.order_by("-created_at", "-id").values_list("id", "created_at")


def _ticket_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.tickets.models import Status, Ticket, TicketType

    rows = Ticket.objects.filter(pk__in=wanted).values_list(
        "id", "number", "title", "status", "ticket_type", "created_at"
    )
    return [
        Row(
            at=created,
            kind="ticket",
            title=f"{number} {title}",
            detail=str(TicketType(kind).label) if kind in TicketType.values else kind,
            status=str(Status(status).label),
            url=reverse("tickets:detail", args=[number]),
            is_open=wanted[pk],
            key=f"ticket:{pk}",
        )
        for pk, number, title, status, kind, created in rows
    ]


def _call_newest(customer_id: int, open_: bool) -> QuerySet:
    from kefu.callcenter.models import LIVE_OUTCOMES, CallRecord

    qs = CallRecord.objects.filter(customer_id=customer_id)
    qs = qs.filter(outcome__in=LIVE_OUTCOMES) if open_ else qs.exclude(outcome__in=LIVE_OUTCOMES)
    return qs.order_by("-arrived_at", "-id").values_list("id", "arrived_at")


def _call_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.callcenter.models import CallRecord, Direction, Outcome

    rows = CallRecord.objects.filter(pk__in=wanted).values_list(
        "id", "arrived_at", "direction", "outcome", "talk_seconds", "queue", "ticket__number"
    )
    out = []
    for pk, at, direction, outcome, talk, queue, number in rows:
        detail = _("talked %(seconds)s s") % {"seconds": talk} if talk else ""
        out.append(
            Row(
                at=at,
                kind="call",
                title=" · ".join(str(x) for x in (Direction(direction).label, queue) if x),
                detail=detail,
                status=str(Outcome(outcome).label) if outcome in Outcome.values else outcome,
                url=reverse("tickets:detail", args=[number]) if number else "",
                is_open=wanted[pk],
                key=f"call:{pk}",
            )
        )
    return out


def _chat_newest(customer_id: int, open_: bool) -> QuerySet:
    from kefu.customers.models import CustomerEmail, CustomerPhone
    from kefu.intake.chat.models import ChatSession

    live = [ChatSession.State.WAITING, ChatSession.State.OFFERED, ChatSession.State.ACTIVE]
    mine = Q(ticket__customer_id=customer_id)
    if open_:
        # A running chat may have no work order yet: found by a phone or email of the customer's that
        # the visitor gave.
        phones = CustomerPhone.objects.filter(customer_id=customer_id).values("number")
        emails = CustomerEmail.objects.filter(customer_id=customer_id).values("address")
        mine |= Q(customer_phone__in=phones) | Q(customer_email__in=emails)
        qs = ChatSession.objects.filter(mine, state__in=live)
    else:
        qs = ChatSession.objects.filter(mine).exclude(state__in=live)
    return qs.order_by("-requested_at", "-id").values_list("id", "requested_at")


def _chat_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.intake.chat.models import ChatSession

    rows = ChatSession.objects.filter(pk__in=wanted).values_list(
        "id", "requested_at", "state", "agent__display_name", "page_url", "ticket__number"
    )
    return [
        Row(
            at=at,
            kind="chat",
            title=_("Chat with %(agent)s") % {"agent": agent} if agent else _("Chat"),
            detail=page_url,
            status=str(ChatSession.State(state).label),
            url=reverse("tickets:detail", args=[number]) if number else "",
            is_open=wanted[pk],
            key=f"chat:{pk}",
        )
        for pk, at, state, agent, page_url, number in rows
    ]


def _mail_newest(customer_id: int, open_: bool) -> QuerySet:
    from kefu.intake.email.models import InboundMail

    return (
        InboundMail.objects.filter(ticket__customer_id=customer_id)
        .order_by("-received_at", "-id")
        .values_list("id", "received_at")
    )


def _mail_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.intake.email.models import InboundMail

    rows = InboundMail.objects.filter(pk__in=wanted).values_list(
        "id", "received_at", "subject", "sender", "ticket__number"
    )
    return [
        Row(
            at=at,
            kind="mail",
            title=subject or _("(no subject)"),
            detail=sender,
            url=reverse("tickets:detail", args=[number]) if number else "",
            key=f"mail:{pk}",
        )
        for pk, at, subject, sender, number in rows
    ]


def _callback_at():
    return Coalesce(F("completed_at"), F("created_at"))


def _callback_newest(customer_id: int, open_: bool) -> QuerySet:
    from kefu.callbacks.models import CallbackTask

    waiting = [CallbackTask.State.OPEN, CallbackTask.State.WAITING_FIX]
    qs = CallbackTask.objects.filter(Q(customer_id=customer_id) | Q(ticket__customer_id=customer_id))
    qs = qs.filter(state__in=waiting) if open_ else qs.exclude(state__in=waiting)
    return qs.annotate(at=_callback_at()).order_by("-at", "-id").values_list("id", "at")


def _callback_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.callbacks.models import CallbackTask, Score

    rows = (
        CallbackTask.objects.filter(pk__in=wanted)
        .annotate(at=_callback_at())
        .values_list("id", "at", "state", "outcome", "plan__name", "due_at")
    )
    out = []
    for pk, at, state, outcome, plan, due in rows:
        detail = str(Score(outcome).label) if outcome in Score.values else ""
        if wanted[pk] and due:
            detail = _("due %(when)s") % {"when": f"{due:%Y-%m-%d}"}
        out.append(
            Row(
                at=at,
                kind="callback",
                title=plan,
                detail=detail,
                status=str(CallbackTask.State(state).label),
                url=reverse("callbacks:task", args=[pk]),
                is_open=wanted[pk],
                key=f"callback:{pk}",
            )
        )
    return out


def _survey_newest(customer_id: int, open_: bool) -> QuerySet:
    from kefu.callbacks.models import SurveyInvitation

    return (
        SurveyInvitation.objects.filter(customer_id=customer_id, skipped="")
        .order_by("-created_at", "-id")
        .values_list("id", "created_at")
    )


def _survey_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.callbacks.models import SurveyInvitation

    rows = SurveyInvitation.objects.filter(pk__in=wanted).values_list(
        "id", "created_at", "via", "ticket__number"
    )
    return [
        Row(
            at=at,
            kind="survey",
            title=_("Survey sent for %(number)s") % {"number": number},
            detail=_("in the chat window") if via == "chat" else _("by SMS or email"),  # `via`: "" or "chat"
            url=reverse("tickets:detail", args=[number]),
            key=f"survey:{pk}",
        )
        for pk, at, via, number in rows
    ]


def _satisfaction_newest(customer_id: int, open_: bool) -> QuerySet:
    from kefu.callbacks.models import Satisfaction

    return (
        Satisfaction.objects.filter(ticket__customer_id=customer_id)
        .order_by("-created_at", "-id")
        .values_list("id", "created_at")
    )


def _satisfaction_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.callbacks.models import Satisfaction, Score

    rows = Satisfaction.objects.filter(pk__in=wanted).values_list(
        "id", "created_at", "score", "source", "comment", "ticket__number"
    )
    return [
        Row(
            at=at,
            kind="satisfaction",
            title=_("%(number)s: %(score)s") % {"number": number, "score": Score(score).label},
            detail=comment,
            status=str(Satisfaction.Source(source).label),
            url=reverse("tickets:detail", args=[number]),
            key=f"satisfaction:{pk}",
        )
        for pk, at, score, source, comment, number in rows
    ]


def _quality_newest(viewer: Viewer, open_: bool) -> QuerySet:
    from kefu.quality.models import Inspection
    from kefu.quality.permissions import scope_filter

    return (
        Inspection.objects.filter(
            scope_filter(viewer.user), transcript__customer_id=viewer.customer.pk, superseded=False
        )
        .order_by("-conversation_at", "-id")
        .values_list("id", "conversation_at")
    )


def _quality_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.quality.models import Inspection

    rows = Inspection.objects.filter(pk__in=wanted).values_list(
        "id", "conversation_at", "channel", "auto_score", "final_score", "worst_severity", "state"
    )
    return [
        Row(
            at=at,
            kind="quality",
            title=_("Inspection of a %(channel)s conversation: %(score)s")
            % {"channel": channel, "score": final if final is not None else auto},
            detail=severity,
            status=str(Inspection.State(state).label),
            url=reverse("quality:report_inspection", args=[pk]),
            key=f"quality:{pk}",
        )
        for pk, at, channel, auto, final, severity, state in rows
    ]


def _care_newest(customer_id: int, open_: bool) -> QuerySet:
    """Care touches (客户关怀): greetings, regular touches and renewal reminders, sent, scheduled or
    skipped; on the timeline when sent, else when due."""
    from kefu.crm.care import touches_of

    return touches_of(customer_id).values_list("id", Coalesce(F("at"), F("send_at")))


def _care_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.crm.care import touches_of

    return [
        Row(
            at=t.at or t.send_at,
            kind="care",
            title=t.subject or (t.rule.name if t.rule else t.get_kind_display()),
            detail=t.message,
            status=t.get_status_display(),
            key=f"care:{t.pk}",
        )
        for t in touches_of(viewer.customer).filter(pk__in=wanted)
    ]


def _opt_out_newest(customer_id: int, open_: bool) -> QuerySet:
    """The customer's care opt-out (退订), when and how it came."""
    from kefu.crm.models import CareOptOut

    return CareOptOut.objects.filter(customer_id=customer_id).order_by("-id").values_list("id", "at")


def _opt_out_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.crm.models import CareOptOut
    from kefu.crm.optout import via_label

    return [
        Row(
            at=opt_out.at,
            kind="care",
            title=_("Unsubscribed from care messages"),
            detail=via_label(opt_out.via),
            key=f"care-opt-out:{opt_out.pk}",
        )
        for opt_out in CareOptOut.objects.filter(pk__in=wanted)
    ]


def _points_newest(customer_id: int, open_: bool) -> QuerySet:
    from kefu.customers.models import PointsEntry

    return PointsEntry.objects.filter(customer_id=customer_id).order_by("-at", "-id").values_list("id", "at")


def _points_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.customers.models import PointsEntry, PointsKind

    rows = PointsEntry.objects.filter(pk__in=wanted).values_list(
        "id", "at", "kind", "points", "balance_after", "reason"
    )
    statement = reverse("customers:points", args=[viewer.customer.pk])
    return [
        Row(
            at=at,
            kind="points",
            title=f"{PointsKind(kind).label} {points:+d}",
            detail=reason,
            status=_("balance %(points)s") % {"points": after},
            url=statement,
            key=f"points:{pk}",
        )
        for pk, at, kind, points, after, reason in rows
    ]


def _card_newest(customer_id: int, open_: bool) -> QuerySet:
    """Card applications: on the timeline when decided, else when asked; the newest asked first."""
    from kefu.customers.models import ApplicationStatus, CardApplication

    qs = CardApplication.objects.filter(customer_id=customer_id)
    pending = Q(status=ApplicationStatus.PENDING)
    qs = qs.filter(pending) if open_ else qs.exclude(pending)
    return qs.order_by("-created_at", "-id").values_list("id", Coalesce(F("decided_at"), F("created_at")))


def _card_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.customers.models import ApplicationStatus, CardApplication

    rows = CardApplication.objects.filter(pk__in=wanted).values_list(
        "id", "created_at", "decided_at", "status", "level__name", "reason"
    )
    applications = reverse("customers:cards")
    return [
        Row(
            at=decided or created,
            kind="card",
            title=level,
            detail=reason,
            status=str(ApplicationStatus(status).label),
            url=applications,
            is_open=wanted[pk],
            key=f"card:{pk}",
        )
        for pk, created, decided, status, level, reason in rows
    ]


def _order_newest(customer_id: int, open_: bool) -> QuerySet:
    from kefu.customers.models import Order

    return (
        Order.objects.filter(customer_id=customer_id)
        .order_by("-placed_at", "-id")
        .values_list("id", "placed_at")
    )


def _order_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.customers.models import Order, OrderKind

    rows = Order.objects.filter(pk__in=wanted).values_list(
        "id", "placed_at", "kind", "source", "external_id", "amount", "description"
    )
    return [
        Row(
            at=at,
            kind="order",
            title=f"{OrderKind(kind).label} {source}:{external_id}",
            detail=description,
            status=f"{amount} 元",
            key=f"order:{pk}",
        )
        for pk, at, kind, source, external_id, amount, description in rows
    ]


def _payment_newest(customer_id: int, open_: bool) -> QuerySet:
    from kefu.customers.models import Payment

    return (
        Payment.objects.filter(customer_id=customer_id)
        .order_by("-paid_at", "-id")
        .values_list("id", "paid_at")
    )


def _payment_rows(viewer: Viewer, wanted: dict[int, bool]) -> list[Row]:
    from kefu.customers.models import Payment

    rows = Payment.objects.filter(pk__in=wanted).values_list(
        "id", "paid_at", "source", "external_id", "amount", "method"
    )
    return [
        Row(
            at=at,
            kind="payment",
            title=f"{source}:{external_id}",
            detail=method,
            status=f"{amount} 元",
            key=f"payment:{pk}",
        )
        for pk, at, source, external_id, amount, method in rows
    ]


for _source in (
    # Work orders: what customer_history shows this person (department staff: theirs only).
    Source("ticket", _ticket_newest, _ticket_rows, has_open=True, visible=lambda v: v.user.is_active),
    Source("call", ByCustomer(_call_newest), _call_rows, has_open=True),
    Source("chat", ByCustomer(_chat_newest), _chat_rows, has_open=True),
    Source("mail", ByCustomer(_mail_newest), _mail_rows),
    Source("callback", ByCustomer(_callback_newest), _callback_rows, has_open=True),
    Source("survey", ByCustomer(_survey_newest), _survey_rows),
    Source("satisfaction", ByCustomer(_satisfaction_newest), _satisfaction_rows),
    Source("quality", _quality_newest, _quality_rows, visible=lambda v: v.sees_quality),
    Source("care", ByCustomer(_care_newest), _care_rows),
    Source("care-opt-out", ByCustomer(_opt_out_newest), _opt_out_rows),
    Source("points", ByCustomer(_points_newest), _points_rows),
    Source("card", ByCustomer(_card_newest), _card_rows, has_open=True),
    Source("order", ByCustomer(_order_newest), _order_rows),
    Source("payment", ByCustomer(_payment_newest), _payment_rows),
):
    register(_source, fallback=True)


# --- the profile beside the timeline -----------------------------------------------------------------


#: The customer's one-to-one rows the 360 reads beside the timeline (the card, the points balance, the
#: care opt-out): a caller that loads the customer with `select_related(*WITH_CUSTOMER)` saves their
#: statements; otherwise each is read on first use.
WITH_CUSTOMER = ("card__level", "points_balance", "care_opt_out")


def one_to_one(customer: Customer, name: str):
    """The customer's `name` (one of WITH_CUSTOMER's one-to-one rows), None when they have none."""
    return getattr(customer, name, None)


@dataclass
class Profile:
    """What the 360 shows beside the timeline: the card, the points balance and the level of a card
    application waiting for approval (the tier with its history and the RFM segment have panels of
    their own on the customer page)."""

    card: object = None
    points: int = 0
    pending_level: str = ""


def customer_profile(*, user: User, customer: Customer, timeline: TimelinePage) -> Profile:
    """The profile beside `timeline` (its first page): the application waiting for approval is its open
    card row (a customer has at most one), so it is not read twice."""
    viewer = Viewer.of(user, customer)
    if not viewer.sees_contacts:
        return Profile()
    balance = one_to_one(customer, "points_balance")  # none before the first posting: 0
    pending = next((row for row in timeline.open if row.kind == "card"), None)
    return Profile(
        card=one_to_one(customer, "card"),
        points=balance.points if balance else 0,
        pending_level=pending.title if pending else "",  # a card row's title is the level's name
    )


def may_view(*, user: User, customer: Customer) -> bool:
    """Service-center staff and QA open any customer's 360; department staff only a customer whose
    work order was dispatched to their department (and then see only those work orders)."""
    from kefu.tickets.permissions import visible_tickets

    if Viewer.of(user, customer).sees_contacts:
        return True
    return user.is_active and visible_tickets(user).filter(customer_id=customer.pk).exists()
