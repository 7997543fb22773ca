"""Agent workspace pages: queues, quick capture, the work-order page, search, the supervisor board and
the department inbox. Thin: parse a form, call a service or a selector, redirect or render."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kefu.accounts.forms import report_domain_error
from kefu.accounts.models import Role
from kefu.accounts.views import center_staff_required, has_inbox, lead_required, role_required
from kefu.core import idempotency
from kefu.core.errors import DomainError, StaleVersion
from kefu.customers.phones import phone_key
from kefu.knowledge.services import customer_reply_draft
from kefu.tickets import permissions, selectors, services, workflow
from kefu.tickets import search as ticket_search
from kefu.tickets.duplicates import likely_duplicates
from kefu.tickets.forms import (
    AttachForm,
    CaptureForm,
    DispatchAnswerForm,
    DispatchForm,
    EditForm,
    EscalateForm,
    MergeForm,
    NoteForm,
    ReplyForm,
    ResolveForm,
    SearchForm,
    TransitionForm,
    categories_for,
)
from kefu.tickets.models import Dispatch, SlaClock, Ticket
from kefu.tickets.services.dispatch import (
    deadline_warnings,
    default_deadline,
    dispatch_warnings,
    resolution_due,
)
from kefu.tickets.services.messages import can_reply
from kefu.tickets.services.tickets import running_clocks

PER_PAGE = 25

QUEUE_TABS = [
    ("mine", gettext_lazy("Mine")),
    ("group", gettext_lazy("My groups")),
    ("unassigned", gettext_lazy("Unassigned")),
    ("breaching", gettext_lazy("Breaching within the hour")),
    ("escalated", gettext_lazy("Escalated to me")),
]
ALL_TAB = ("all", gettext_lazy("All"))

# The department's two answers: (kind, label, button, css class).
ANSWER_KINDS = [
    ("reply", gettext_lazy("Reply with the result"), gettext_lazy("Send reply"), "btn-primary"),
    ("return", gettext_lazy("Or send it back, with the reason"), gettext_lazy("Send back"), ""),
]

# The dedicated forms, not buttons, perform these transitions.
FORM_ACTIONS = {"dispatch", "merge"}


def _live_clocks() -> Prefetch:
    """The running or paused clocks of listed work orders, in one query per page (no N+1)."""
    return Prefetch(
        "sla_clocks",
        queryset=SlaClock.objects.exclude(state=SlaClock.State.STOPPED).select_related(
            "dispatch__department"
        ),
        to_attr="live_clocks",
    )


class CappedPaginator(Paginator):
    """Pages through the first `cap` rows of a queue, counting no further ("1000+").

    An agent works a queue from the top; counting a group's 60,000 open work orders on every page
    view would cost more than showing them. Deeper rows are found with search and filters.
    """

    cap = 1000

    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap or self.cap

    @cached_property
    def _capped_count(self) -> tuple[int, bool]:
        return selectors.count_capped(self.object_list, self.cap)

    @property
    def count(self) -> int:
        return self._capped_count[0]

    @property
    def count_label(self) -> str:
        return f"{self.cap}+" if self._capped_count[1] else ""


def _page(request, rows, per_page: int = PER_PAGE, paginator=Paginator):
    page = paginator(rows, per_page).get_page(request.GET.get("page"))
    page.rows = list({row.pk: row for row in page.object_list}.values())  # a row per work order
    prefetch_related_objects(page.rows, _live_clocks())
    return page


def _is_department_user(user) -> bool:
    return user.role == Role.DEPARTMENT_STAFF


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


# --- workspace ---------------------------------------------------------------------------------


@login_required
def workspace(request):
    """The agent's queues (工作台). Department staff work from their inbox instead."""
    user = request.user
    if _is_department_user(user):
        return redirect("inbox:home")
    tabs = list(QUEUE_TABS)
    if user.is_lead or user.role == Role.QA:
        tabs.append(ALL_TAB)
    keys = [key for key, _label in tabs]
    access = permissions.Access.of(user)  # six queues of one person below: their groups read once
    queue = request.GET.get("queue") or ""
    if queue not in keys:
        queue = default_queue(user, access)
    now = timezone.now()
    counts = {
        key: _tab_count(selectors.ticket_queue(user=user, queue=key, now=now, access=access))
        for key in keys
        if key != "all"
    }
    paginator = partial(CappedPaginator, cap=QUEUE_PAGE_CAP.get(queue, CappedPaginator.cap))
    page = _page(
        request, selectors.ticket_queue(user=user, queue=queue, now=now, access=access), paginator=paginator
    )
    tabs = [(key, label, counts.get(key)) for key, label in tabs]
    return render(request, "tickets/workspace.html", {"tabs": tabs, "queue": queue, "page": page, "now": now})


def default_queue(user, access: permissions.Access) -> str:
    """The tab a person lands on: a supervisor on their team's work (their groups), a manager, the
    general manager, an administrator or a QA inspector on everything they oversee, an agent on their
    own work (which a lead rarely has: they would land on an empty tab)."""
    if user.role == Role.SUPERVISOR and access.group_ids:
        return "group"
    if user.is_lead or user.role == Role.QA:
        return "all"
    return "mine"


TAB_COUNT_CAP = 99
# "About to breach" is worked from its first rows; finding each visible row there means probing the
# clocks of every group, so it pages through fewer.
QUEUE_PAGE_CAP = {"breaching": 100}


def _tab_count(qs) -> str | int:
    """A queue's badge: the number, or "99+" — what a badge can show, at the cost of 100 rows at most."""
    n, more = selectors.count_capped(qs, TAB_COUNT_CAP)
    return f"{TAB_COUNT_CAP}+" if more else n


# --- capture -----------------------------------------------------------------------------------


@center_staff_required
def capture(request):
    """Quick capture of a phone call or walk-in (快速登记): nothing is saved unless all of it is."""
    # ?phone= pre-fills the caller's number (the phone channel's screen pop links here).
    initial = {"customer_phone": phone_key(request.GET.get("phone", ""))}
    form = CaptureForm(request.POST or None, request.FILES or None, initial=initial)
    duplicates = []
    scope, owner = "form:tickets.capture", f"user:{request.user.pk}"
    if request.method == "POST" and form.is_valid():
        done = idempotency.recorded(scope=scope, owner=owner, key=form.cleaned_data["form_token"])
        if done is not None:  # this form was sent before: its work order, not a duplicate warning
            messages.info(request, _("This form was already sent: work order %(number)s.") % done)
            return redirect("tickets:detail", number=done["number"])
    if request.method == "POST" and form.is_valid() and not form.cleaned_data["save_anyway"]:
        # Likely the same contact again: shown before saving; "save anyway" posts the form again.
        duplicates = _likely_duplicates(request, form.cleaned_data)
    if request.method == "POST" and form.is_valid() and not duplicates:

        def record() -> dict:
            with transaction.atomic():
                ticket = services.ticket_create(by=request.user, **form.service_kwargs()).ticket
                for uploaded in form.cleaned_data["attachments"]:
                    services.ticket_attach(ticket=ticket, by=request.user, uploaded_file=uploaded)
            return {"number": ticket.number, "recused": permissions.is_recused(ticket, request.user)}

        try:
            # The form's one-time token: a second post of the same form shows the first work order.
            recorded, replayed = idempotency.run_once(
                scope=scope, owner=owner, key=form.cleaned_data["form_token"], work=record
            )
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            number = recorded["number"]
            if replayed:
                messages.info(
                    request, _("This form was already sent: work order %(number)s.") % {"number": number}
                )
            else:
                messages.success(request, _("Work order %(number)s was recorded.") % {"number": number})
            if recorded.get("recused"):  # a complaint about the one recording it: not theirs to see
                messages.info(request, _("It is about you, so it goes to the one above you (recusal)."))
                return redirect("workspace:home")
            return redirect("tickets:detail", number=number)
    customer_card = selectors.customer_card(user=request.user, phone=form["customer_phone"].value() or "")
    status = 400 if form.is_bound and not duplicates else 200
    context = {"form": form, "duplicates": duplicates, "confirming": bool(duplicates), **customer_card}
    return render(request, "tickets/capture.html", context, status=status)


def _likely_duplicates(request, data) -> list:
    text = f"{data.get('title') or ''} {data.get('content') or ''}"
    return likely_duplicates(user=request.user, phone=data.get("customer_phone") or "", text=text)


@center_staff_required
def duplicate_check(request):
    """htmx: the likely duplicates of the contact being typed (phone, title, content), before saving."""
    data = {key: request.GET.get(key, "")[:20000] for key in ("customer_phone", "title", "content")}
    duplicates = _likely_duplicates(request, data)
    return render(request, "tickets/_duplicates.html", {"duplicates": duplicates, "confirming": False})


@center_staff_required
def categories(request):
    """htmx: the category options of the chosen type."""
    ticket_type = request.GET.get("ticket_type", "")
    return render(request, "tickets/_category_options.html", {"categories": categories_for(ticket_type)})


@center_staff_required
def customer_lookup(request):
    """htmx: the customer card and work-order history for the phone number being typed."""
    context = selectors.customer_card(user=request.user, phone=request.GET.get("customer_phone", ""))
    return render(request, "tickets/_customer_card.html", context)


# --- the work-order page -----------------------------------------------------------------------


def _ticket_for(request, number: str) -> Ticket:
    """The work order if this person may see it; 404 otherwise (its existence is not revealed)."""
    ticket = selectors.visible_ticket(user=request.user, number=number)
    if ticket is None:
        raise Http404(_("No such work order."))
    return ticket


def _detail(request, ticket: Ticket, bound: dict | None = None, status: int = 200):
    """Render the work-order page; `bound` replaces the blank forms with submitted ones that failed."""
    user = request.user
    now = timezone.now()
    available = workflow.available(ticket, user)
    actions = [t for t in available if t.action not in FORM_ACTIONS and not t.asks_customer_reply]
    # Resolving asks for the reply to the customer apart from the note: a form of its own, drafted
    # from the knowledge base's result script (kefu.knowledge.services.customer_reply_draft).
    replying = [t for t in available if t.asks_customer_reply]
    can = {
        "dispatch": any(t.action == "dispatch" for t in available),
        "merge": any(t.action == "merge" for t in available),
        "edit": workflow.may_edit(ticket, user),
        "escalate": workflow.may_escalate(ticket, user),
        "reply": can_reply(user, ticket),
    }
    version = {"version": ticket.version}
    proposed = default_deadline(ticket, now) if can["dispatch"] else None
    due = resolution_due(ticket) if can["dispatch"] else None
    forms = {
        "action_form": TransitionForm(initial=version),
        "resolve_form": ResolveForm(
            initial={
                **version,
                "customer_reply": customer_reply_draft(ticket=ticket, by=user) if replying else "",
            }
        ),
        "dispatch_form": DispatchForm(initial={**version, "deadline": proposed}),
        "merge_form": MergeForm(initial=version),
        "note_form": NoteForm(),
        "escalate_form": EscalateForm(),
        "reply_form": ReplyForm(initial={"channel": ticket.channel}),
        "attach_form": AttachForm(),
    }
    forms.update(bound or {})
    dispatches = list(ticket.dispatches.select_related("department", "created_by", "answered_by"))
    own_pending = {
        d.pk
        for d in dispatches
        if d.state == Dispatch.State.PENDING and user.department_id and d.department_id == user.department_id
    }
    history = []
    if ticket.customer_id:
        history = [
            t
            for t in selectors.customer_history(user=user, customer_id=ticket.customer_id)
            if t.pk != ticket.pk
        ]
    context = {
        "ticket": ticket,
        "now": now,
        "clocks": list(running_clocks(ticket)),
        "dispatches": dispatches,
        "own_pending": own_pending,
        "escalations": ticket.escalations.select_related("to_user"),
        "events": ticket.events.select_related("actor"),
        "conversation": ticket.messages.select_related("author"),
        "attachments": ticket.attachments.select_related("uploaded_by").order_by("created_at"),
        "actions": actions,
        "replying": replying,
        "notes_required": [t.action for t in actions if t.note_required],
        "can": can,
        "resolution_due": due,
        # Said before the agent sends it: the proposed deadline is later than the work order's own.
        "deadline_warnings": deadline_warnings(proposed, due) if proposed else [],
        "history": history,
        **forms,
    }
    return render(request, "tickets/detail.html", context, status=status)


@login_required
def detail(request, number: str):
    return _detail(request, _ticket_for(request, number))


def _refused(request, ticket: Ticket, exc: DomainError, form=None, form_name: str = ""):
    """A stale version keeps nothing: the message, and the page reloaded; other refusals re-render the
    page with the submitted form and its errors (or a message when there is no form to show them).

    A refusal of the whole action (the state machine's, or the person's rights: no field named) is
    a message at the top of the page: the page re-rendered may no longer offer that form at all."""
    if isinstance(exc, StaleVersion) or form is None:
        report_domain_error(request, exc)
        return redirect("tickets:detail", number=ticket.number)
    report_domain_error(request, exc, form if exc.errors else None)
    return _detail(request, ticket, {form_name: form}, status=400)


def _done(request, ticket: Ticket, message: str):
    messages.success(request, message)
    return redirect("tickets:detail", number=ticket.number)


@login_required
@require_POST
def transition(request, number: str):
    ticket = _ticket_for(request, number)
    chosen = workflow.BY_ACTION.get(request.POST.get("action", ""))
    form_class, form_name = (
        (ResolveForm, "resolve_form")
        if chosen and chosen.asks_customer_reply
        else (TransitionForm, "action_form")
    )
    form = form_class(request.POST)
    if not form.is_valid():
        return _detail(request, ticket, {form_name: form}, status=400)
    data = form.cleaned_data
    try:
        ticket = services.ticket_transition(
            ticket=ticket,
            action=data["action"],
            by=request.user,
            note=data["note"],
            customer_reply=data["customer_reply"],
            version=data["version"],
        )
    except DomainError as exc:
        return _refused(request, ticket, exc, form, form_name)
    return _done(
        request,
        ticket,
        _("%(number)s is now “%(status)s”.")
        % {"number": ticket.number, "status": ticket.get_status_display()},
    )


@login_required
@require_POST
def dispatch(request, number: str):
    ticket = _ticket_for(request, number)
    form = DispatchForm(request.POST)
    if not form.is_valid():
        return _detail(request, ticket, {"dispatch_form": form}, status=400)
    data = form.cleaned_data
    try:
        sent = services.ticket_dispatch(
            ticket=ticket,
            by=request.user,
            department_ids=[d.pk for d in data["departments"]],
            instructions=data["instructions"],
            deadline=data["deadline"],
            version=data["version"],
        )
    except DomainError as exc:
        return _refused(request, ticket, exc, form, "dispatch_form")
    if sent:  # one deadline for all of them: one warning says it
        for warning in dispatch_warnings(sent[0]):
            messages.warning(request, warning["message"])
    return _done(request, ticket, _("%(number)s was dispatched.") % {"number": ticket.number})


@login_required
@require_POST
def merge(request, number: str):
    ticket = _ticket_for(request, number)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _detail(request, ticket, {"merge_form": form}, status=400)
    data = form.cleaned_data
    into = permissions.visible_tickets(request.user).filter(number=data["into"].strip()).first()
    if into is None:
        form.add_error(
            "into", _("There is no work order %(number)s that you may see.") % {"number": data["into"]}
        )
        return _detail(request, ticket, {"merge_form": form}, status=400)
    try:
        services.ticket_merge(
            ticket=ticket, into=into, by=request.user, note=data["note"], version=data["version"]
        )
    except DomainError as exc:
        return _refused(request, ticket, exc, form, "merge_form")
    return _done(
        request,
        ticket,
        _("%(number)s was merged into %(into)s.") % {"number": ticket.number, "into": into.number},
    )


@login_required
@require_POST
def note(request, number: str):
    ticket = _ticket_for(request, number)
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        services.ticket_add_note(ticket=ticket, by=request.user, note=form.cleaned_data.get("note", ""))
    except DomainError as exc:
        return _refused(request, ticket, exc, form, "note_form")
    return _done(request, ticket, _("The note was added."))


@login_required
@require_POST
def reply(request, number: str):
    ticket = _ticket_for(request, number)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _detail(request, ticket, {"reply_form": form}, status=400)
    data = form.cleaned_data
    try:
        services.message_reply(
            ticket=ticket,
            by=request.user,
            channel=data["channel"],
            subject=data["subject"],
            body_text=data["body_text"],
        )
    except DomainError as exc:
        return _refused(request, ticket, exc, form, "reply_form")
    return _done(request, ticket, _("The reply was recorded and is on its way to the customer."))


@login_required
@require_POST
def escalate(request, number: str):
    ticket = _ticket_for(request, number)
    form = EscalateForm(request.POST)
    form.is_valid()
    try:
        escalation = services.ticket_escalate_manually(
            ticket=ticket, by=request.user, note=form.cleaned_data.get("note", "")
        )
    except DomainError as exc:
        return _refused(request, ticket, exc, form, "escalate_form")
    return _done(request, ticket, _("Escalated to %(name)s.") % {"name": escalation.to_user.label})


@login_required
@require_POST
def attach(request, number: str):
    ticket = _ticket_for(request, number)
    form = AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, ticket, {"attach_form": form}, status=400)
    try:
        with transaction.atomic():
            for uploaded in form.cleaned_data["attachments"]:
                services.ticket_attach(ticket=ticket, by=request.user, uploaded_file=uploaded)
    except DomainError as exc:
        return _refused(request, ticket, exc, form, "attach_form")
    return _done(request, ticket, _("The attachments were added."))


@login_required
def attachment_download(request, number: str, pk: int):
    """Attachments are never served from a public media URL: only to people who may see the work order."""
    ticket = _ticket_for(request, number)
    attachment = get_object_or_404(ticket.attachments, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("The file is missing.")) from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name)


@login_required
def edit(request, number: str):
    ticket = _ticket_for(request, number)
    try:
        workflow.check_edit(ticket, request.user)
    except DomainError as exc:  # the same refusal, in the same words, as the service and the API give
        raise HttpForbidden(exc.message) from None
    initial = {
        "category": ticket.category_id,
        "customer_phone": ticket.customer_phone,
        "customer_name": ticket.customer_name,
        "customer_email": ticket.customer_email,
        "location": ticket.location,
        "subject_person": ticket.subject_person_id,
        "subject_department": ticket.subject_department_id,
        "subject_product": ticket.subject_product,
        "title": ticket.title,
        "content": ticket.content,
        "demands": ticket.demands,
        "severity": ticket.severity,
        "priority": ticket.priority,
        "group": ticket.group_id,
        "version": ticket.version,
    }
    form = EditForm(request.POST or None, initial=initial, ticket=ticket)
    if request.method == "POST" and form.is_valid():
        try:
            services.ticket_update(
                ticket=ticket, by=request.user, version=form.cleaned_data["version"], **form.service_kwargs()
            )
        except StaleVersion as exc:
            report_domain_error(request, exc)
            return redirect("tickets:detail", number=ticket.number)
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            return _done(request, ticket, _("%(number)s was saved.") % {"number": ticket.number})
    return render(
        request, "tickets/edit.html", {"ticket": ticket, "form": form}, status=400 if form.errors else 200
    )


# --- search ------------------------------------------------------------------------------------


def _highlighter():
    try:
        from kefu.core.search import highlight
    except ImportError:  # the search module offers no highlighting
        return None
    return highlight


@login_required
def search(request):
    """By number, phone, name or content, with filters; permission-limited like every list."""
    form = SearchForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    page = None
    if form.is_bound:
        # A search ranks the newest RANK_CANDIDATES matches and counts no further ("500+").
        capped = partial(CappedPaginator, cap=ticket_search.RANK_CANDIDATES)
        paginator = capped if filters.get("query") else Paginator
        page = _page(request, selectors.ticket_list(user=request.user, **filters), paginator=paginator)
        highlight = _highlighter() if filters.get("query") else None
        parsed = ticket_search.parse(filters["query"]) if highlight else None  # once for every row
        for row in page.rows:
            row.snippet = _highlighted(highlight, row.content, parsed, 80)
            row.title_html = _highlighted(highlight, row.title, parsed, 200)
    return render(
        request, "tickets/search.html", {"form": form, "page": page, "query": filters.get("query", "")}
    )


def _highlighted(highlight, text: str, query, width: int) -> str:
    """Matched terms marked in `text` (core.search.highlight escapes the rest); "" without a highlighter."""
    if highlight is None:
        return ""
    try:
        return highlight(text, query, width=width)
    except Exception:  # a display nicety must never break the search page
        return ""


# --- supervisor board --------------------------------------------------------------------------


@lead_required
def board(request):
    """监控看板: breached clocks, escalations (mine first), open major complaints; refreshed by htmx."""
    data = selectors.supervisor_board(user=request.user)
    escalations = sorted(data["escalations"], key=lambda e: e.to_user_id != request.user.pk)
    context = {**data, "escalations": escalations, "now": timezone.now()}
    prefetch_related_objects(data["major"], _live_clocks())
    template = "tickets/_board_panels.html" if request.htmx else "tickets/board.html"
    return render(request, template, context)


# --- department inbox --------------------------------------------------------------------------


_inbox_required = role_required(has_inbox)


def _inbox(request, failed: dict | None = None, status: int = 200):
    tab = request.GET.get("tab", "pending")
    if tab == "answered":
        rows = selectors.department_inbox(user=request.user, state="").exclude(state=Dispatch.State.PENDING)
    else:
        tab = "pending"
        rows = selectors.department_inbox(user=request.user, state=Dispatch.State.PENDING)
    page = Paginator(
        rows.select_related("ticket__customer", "ticket__owner", "answered_by"), PER_PAGE
    ).get_page(request.GET.get("page"))
    page.rows = list(page.object_list)
    for row in page.rows:  # a failed answer is shown again at its own dispatch, with the text kept
        if row.pk in (failed or {}):
            row.failed_answer, row.failed_form = failed[row.pk]["answer"], failed[row.pk]["form"]
    pending_count = selectors.department_inbox(user=request.user, state=Dispatch.State.PENDING).count()
    return render(
        request,
        "tickets/inbox.html",
        {
            "tab": tab,
            "page": page,
            "pending_count": pending_count,
            "answer_kinds": ANSWER_KINDS,
            "now": timezone.now(),
        },
        status=status,
    )


@_inbox_required
def inbox(request):
    """协同部门收件箱: what was dispatched to my department, with reply and send-back forms."""
    return _inbox(request)


@_inbox_required
def inbox_answer(request, pk: int, answer: str):
    """Reply with the result, or send the work order back with a reason."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    dispatch_row = get_object_or_404(Dispatch.objects.select_related("ticket", "department"), pk=pk)
    mine = dispatch_row.department_id == request.user.department_id or request.user.is_lead
    if not mine or permissions.is_recused(dispatch_row.ticket, request.user):
        raise Http404(_("No such dispatch."))
    form = DispatchAnswerForm(request.POST)
    form.is_valid()
    text = form.cleaned_data.get("text", "")
    try:
        if answer == "reply":
            services.dispatch_reply(dispatch=dispatch_row, by=request.user, reply=text)
        else:
            services.dispatch_return(dispatch=dispatch_row, by=request.user, reason=text)
    except DomainError as exc:
        if request.POST.get("next"):
            report_domain_error(request, exc)
            return redirect(_safe_next(request, reverse("inbox:home")))
        report_domain_error(request, exc, form)
        return _inbox(request, failed={dispatch_row.pk: {"answer": answer, "form": form}}, status=400)
    number = dispatch_row.ticket.number
    if answer == "reply":
        messages.success(request, _("Your reply on %(number)s was sent.") % {"number": number})
    else:
        messages.success(request, _("%(number)s was sent back.") % {"number": number})
    return redirect(_safe_next(request, reverse("inbox:home")))
