"""Work-order writes: create, edit, every lifecycle transition, notes, attachments, merge.

Each service is one transaction that locks the row, checks the expected version (optimistic
locking: a stale form is refused, never silently overwritten), consults workflow.py, and writes
the timeline.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import AgentGroup, Department, User
from kefu.core.errors import FieldCode, FieldError, NotFound, PermissionDenied, StaleVersion, ValidationError
from kefu.core.refcache import RefCache
from kefu.core.registry import Registry
from kefu.core.rows import save_new, shallow_copy
from kefu.core.uploads import check_upload
from kefu.customers.services import clean_email, clean_phone, customer_find_or_create
from kefu.customers.tiers import routing_priority
from kefu.tickets import permissions, workflow
from kefu.tickets.error_codes import TicketErrorCode
from kefu.tickets.models import (
    NUMBER_PREFIX,
    Attachment,
    Category,
    Channel,
    Priority,
    Severity,
    SlaClock,
    SlaTarget,
    Status,
    Ticket,
    TicketEvent,
    TicketNumberSequence,
    TicketType,
)
from kefu.tickets.permissions import Access
from kefu.tickets.search import document_text
from kefu.tickets.services import sla
from kefu.tickets.services.escalation import escalate_on_create, recuse_on_naming
from kefu.tickets.timeline import Kind, record_event

# --- numbers -----------------------------------------------------------------------------------


def next_number(*, ticket_type: str, now: datetime) -> str:
    """TS-20261122-0001: prefix by type, local date, a per-day counter.

    One UPDATE ... RETURNING takes the next value under the row's lock (both databases); only the
    first work order of a day creates the counter row.
    """
    prefix = NUMBER_PREFIX[TicketType(ticket_type)]
    day = timezone.localtime(now).date()
    table = TicketNumberSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE prefix = %s AND day = %s RETURNING last", [prefix, day]
        )
        row = cursor.fetchone()
    if row is not None:
        last = row[0]
    else:
        seq, _created = TicketNumberSequence.objects.select_for_update().get_or_create(prefix=prefix, day=day)
        seq.last += 1
        seq.save(update_fields=["last"])
        last = seq.last
    return f"{prefix}-{day:%Y%m%d}-{last:04d}"


# --- helpers -----------------------------------------------------------------------------------


def _load_categories() -> dict[int, Category]:
    """Every category by id, parents linked in memory so that `path` needs no query."""
    rows = {c.pk: c for c in Category.objects.all()}
    for c in rows.values():
        if c.parent_id is not None and c.parent_id in rows:
            Category.parent.field.set_cached_value(c, rows[c.parent_id])
    return rows


# The register checks its category on every new work order: the tree is kept per process.
categories = RefCache("tickets.categories", _load_categories).watch(Category)


def with_tier_priority(priority: int, customer) -> int:
    """A new work order's priority: the one chosen, raised (or lowered) by its customer's tier's
    routing priority (客户分级: A customers' contacts come first), kept within Low…Urgent."""
    if customer is None:
        return priority
    return max(Priority.LOW, min(Priority.URGENT, priority + routing_priority(customer.tier_id)))


def category_of(ticket) -> Category | None:
    """A work order's category with its parents linked, from the per-process tree (its `path`
    needs no query; a list of 20 work orders in subcategories would otherwise ask one query per
    level per row). Renames reach other processes within the cache's 30 s. Read-only: not a copy."""
    category = ticket.category  # joined by the lists and the detail
    if category is None or category.parent_id is None:
        return category  # a top-level category: its path is its name
    return categories.get().get(category.pk) or category


def active_category(pk) -> Category | None:
    """The active category `pk` (a copy of the cached row, its parents linked), or None."""
    try:
        found = categories.get().get(int(pk))
    except (TypeError, ValueError):
        return None
    return shallow_copy(found) if found is not None and found.is_active else None


def _locked(ticket: Ticket, version: int | None) -> Ticket:
    """Re-read the row under a lock; refuse if the caller edited an older version."""
    fresh = Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
    if fresh is None:
        raise NotFound(_("Work order not found."))
    if version is not None and int(version) != fresh.version:
        raise StaleVersion(
            _(
                "%(number)s was changed by someone else (version %(theirs)s, yours %(yours)s). "
                "Reload it and try again."
            )
            % {"number": fresh.number, "theirs": fresh.version, "yours": version}
        )
    return fresh


def _bump(ticket: Ticket, now: datetime, fields: list[str]) -> None:
    ticket.version += 1
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "version", "updated_at"])


def _choice(value, choices, field: str, errors: dict) -> None:
    if value not in choices.values:
        message = _("Unknown value “%(value)s”.") % {"value": value}
        errors.setdefault(field, []).append(FieldError(message, FieldCode.INVALID_CHOICE))


def _validate_register(data: dict, errors: dict) -> dict:
    """Check the complaint register's fields; return them cleaned (ids resolved to rows)."""
    cleaned = {}
    ticket_type = data.get("ticket_type")
    if "ticket_type" in data:
        _choice(ticket_type, TicketType, "ticket_type", errors)
    if "channel" in data:
        _choice(data["channel"], Channel, "channel", errors)
    if "severity" in data:
        _choice(data["severity"], Severity, "severity", errors)
    if "priority" in data:
        try:
            data["priority"] = int(data["priority"])
        except (TypeError, ValueError):
            data["priority"] = -1
        _choice(data["priority"], Priority, "priority", errors)
    if "content" in data and not (data["content"] or "").strip():
        errors.setdefault("content", []).append(
            FieldError(_("Record the customer's own words."), FieldCode.REQUIRED)
        )
    if data.get("category_id") not in (None, ""):
        category = active_category(data["category_id"])
        if category is None:
            errors.setdefault("category_id", []).append(
                FieldError(_("Unknown category."), TicketErrorCode.UNKNOWN_CATEGORY)
            )
        elif ticket_type and category.ticket_type != ticket_type:
            message = _("Category “%(name)s” does not belong to this type.") % {"name": category.path}
            errors.setdefault("category_id", []).append(
                FieldError(message, TicketErrorCode.CATEGORY_WRONG_TYPE)
            )
        cleaned["category"] = category
    elif "category_id" in data:
        cleaned["category"] = None
    for field, model in (
        ("subject_person_id", User),
        ("subject_department_id", Department),
        ("group_id", AgentGroup),
    ):
        if data.get(field) not in (None, ""):
            row = model.objects.filter(pk=data[field]).first()
            if row is None:
                errors.setdefault(field, []).append(FieldError(_("Not found."), FieldCode.NOT_FOUND))
            cleaned[field.removesuffix("_id")] = row
        elif field in data:
            cleaned[field.removesuffix("_id")] = None
    for field in ("customer_phone", "customer_email"):
        if data.get(field):
            try:
                cleaned[field] = (
                    clean_phone(data[field]) if field == "customer_phone" else clean_email(data[field])
                )
            except ValidationError as exc:
                for key, messages in exc.errors.items():
                    errors.setdefault(key, []).extend(messages)
    for field in ("title", "content", "demands", "location", "subject_product", "customer_name"):
        if field in data:
            cleaned[field] = (data[field] or "").strip()
            # Callers other than the API (intake channels, imports) pass text straight through;
            # PostgreSQL would refuse an over-long value with a DataError, a 500.
            limit = Ticket._meta.get_field(field).max_length
            if limit and len(cleaned[field]) > limit:
                message = _("At most %(limit)s characters.") % {"limit": limit}
                errors.setdefault(field, []).append(FieldError(message, FieldCode.TOO_LONG))
    for field in ("ticket_type", "channel", "severity", "priority"):
        if field in data:
            cleaned[field] = data[field]
    return cleaned


def _details_as_given(channel: str, details: dict | None) -> dict:
    if details is not None and not isinstance(details, dict):
        raise ValidationError.for_field(
            "channel_details", _("Expected an object of facts."), FieldCode.WRONG_TYPE
        )
    return dict(details or {})


def _details_merged(ticket: Ticket, given) -> dict:
    """An edit of the channel's facts: the given ones replace theirs (null clears one), then the
    whole set is checked as at creation, so a required fact cannot be cleared."""
    if not isinstance(given, dict):
        raise ValidationError.for_field(
            "channel_details", _("Expected an object of facts."), FieldCode.WRONG_TYPE
        )
    merged = {**(ticket.channel_details or {}), **given}
    return CHANNEL_DETAILS_CHECK.get()(ticket.channel, {k: v for k, v in merged.items() if v is not None})


#: How a channel's facts are checked before a work order is recorded: one function
#: (channel, details) -> cleaned details, raising ValidationError. kefu.intake.manual registers it.
CHANNEL_DETAILS_CHECK: Registry[Callable[[str, dict | None], dict]] = Registry(
    "tickets.channel_details_check", default=_details_as_given
)


#: The label of one channel fact by its name (for the timeline), registered by the same app.
CHANNEL_FACT_LABEL: Registry[Callable[[str], str]] = Registry("tickets.channel_fact_label", default=str)


# --- create ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    """What ticket_create made: the work order and the SLA clocks it started (in that order), so a
    caller answering at once (the API, a mail's acknowledgement) need not read them back."""

    ticket: Ticket
    clocks: tuple[SlaClock, ...]


@transaction.atomic
def ticket_create(
    *,
    by: User | None,
    ticket_type: str,
    channel: str,
    content: str,
    title: str = "",
    customer_name: str = "",
    customer_phone: str = "",
    customer_email: str = "",
    category_id: int | None = None,
    severity: str = Severity.GENERAL,
    priority: int = Priority.NORMAL,
    location: str = "",
    demands: str = "",
    subject_person_id: int | None = None,
    subject_department_id: int | None = None,
    subject_product: str = "",
    group_id: int | None = None,
    accept: bool = False,
    channel_details: dict | None = None,
    access: Access | None = None,
    now: datetime | None = None,
) -> Created:
    """Record a contact as a work order (登记); return it with the clocks it started.

    The staff member who records it is its first-contact owner (首问负责人); a contact arriving by
    itself (portal, email) has no owner until an agent accepts it. Starts the SLA clocks of the
    matching policy and routes complaints about people and major complaints at once.
    Refuses unknown types, channels, categories and people, and a missing content.
    `channel_details` (a channel's own facts) is checked by the registered check
    (kefu.intake.manual registers the table of facts per channel), its errors named
    ``channel_details.<fact>`` beside the register's. `access`: the recording person's agent
    groups, if the caller already has them (the new work order goes to the first one).
    With `accept`, the returned clocks are those running after the acceptance (not accepted when
    it is a complaint about the recording person: recusal gives it to the one above them).
    """
    now = now or timezone.now()
    if by is not None and not by.is_center_staff:
        raise PermissionDenied(_("Only service-center staff record work orders."))
    errors: dict[str, list[str]] = {}
    cleaned = _validate_register(
        {
            "ticket_type": ticket_type,
            "channel": channel,
            "content": content,
            "title": title,
            "customer_name": customer_name,
            "customer_phone": customer_phone,
            "customer_email": customer_email,
            "category_id": category_id,
            "severity": severity,
            "priority": priority,
            "location": location,
            "demands": demands,
            "subject_person_id": subject_person_id,
            "subject_department_id": subject_department_id,
            "subject_product": subject_product,
            "group_id": group_id,
        },
        errors,
    )
    try:
        channel_details = CHANNEL_DETAILS_CHECK.get()(channel, channel_details)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    customer = customer_find_or_create(
        name=cleaned["customer_name"],
        phone=cleaned.get("customer_phone", ""),
        email=cleaned.get("customer_email", ""),
    )
    group = cleaned.get("group")
    if group is None and by is not None:
        group = permissions.first_agent_group(by, access)
    content = cleaned["content"]
    ticket = Ticket(
        ticket_type=ticket_type,
        channel=channel,
        severity=severity,
        priority=with_tier_priority(cleaned["priority"], customer),
        category=cleaned.get("category"),
        customer=customer,
        customer_name=cleaned["customer_name"] or (customer.name if customer else ""),
        customer_phone=cleaned.get("customer_phone", ""),
        customer_email=cleaned.get("customer_email", ""),
        title=cleaned["title"] or content.splitlines()[0][:60],
        content=content,
        demands=cleaned["demands"],
        location=cleaned["location"],
        subject_person=cleaned.get("subject_person"),
        subject_department=cleaned.get("subject_department"),
        subject_product=cleaned["subject_product"],
        channel_details=channel_details or {},
        group=group,
        owner=by,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    ticket.sla_policy = sla.policy_for(ticket)
    # The day's counter is locked from here to the commit: take it as late as possible, so that
    # concurrent contacts wait for each other only for the last few statements.
    ticket.number = next_number(ticket_type=ticket_type, now=now)
    ticket.search_text = document_text(ticket)
    save_new(ticket)
    record_event(
        ticket=ticket, kind=Kind.CREATED, by=by, now=now, to_status=Status.NEW, data={"channel": channel}
    )
    clocks = tuple(
        sla.clocks_start(ticket=ticket, targets=[SlaTarget.FIRST_RESPONSE, SlaTarget.RESOLUTION], now=now)
    )
    escalate_on_create(ticket=ticket, now=now)  # leaves the clocks alone
    recuse_on_naming(ticket=ticket, now=now)  # a complaint about the recording person is not theirs
    if accept and by is not None and not permissions.is_recused(ticket, by):
        ticket = ticket_transition(ticket=ticket, action="accept", by=by, now=now)
        clocks = tuple(running_clocks(ticket))
    return Created(ticket=ticket, clocks=clocks)


# --- edit --------------------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "title",
    "content",
    "demands",
    "location",
    "category_id",
    "severity",
    "priority",
    "subject_person_id",
    "subject_department_id",
    "subject_product",
    "customer_name",
    "customer_phone",
    "customer_email",
    "group_id",
    "channel_details",
)


@transaction.atomic
def ticket_update(
    *, ticket: Ticket, by: User, version: int | None, now: datetime | None = None, **changes
) -> Ticket:
    """Edit the register's fields; records each change on the timeline.

    Refuses stale versions, unknown fields, and what workflow.check_edit refuses (a person who may
    not edit it, a closed, merged or cancelled work order)."""
    now = now or timezone.now()
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be edited: %(fields)s") % {"fields": ", ".join(sorted(unknown))},
            errors={f: [FieldError(_("Not editable."), FieldCode.NOT_EDITABLE)] for f in sorted(unknown)},
        )
    ticket = _locked(ticket, version)
    workflow.check_edit(ticket, by)
    details = (
        _details_merged(ticket, changes.pop("channel_details")) if "channel_details" in changes else None
    )
    errors: dict[str, list[str]] = {}
    cleaned = _validate_register({"ticket_type": ticket.ticket_type, **changes}, errors)
    cleaned.pop("ticket_type", None)
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    changed = {}
    if details is not None:
        old_details = ticket.channel_details or {}
        for name in sorted(set(old_details) | set(details)):
            if old_details.get(name) != details.get(name):
                changed[f"channel_details.{name}"] = [
                    str(old_details.get(name) or ""),
                    str(details.get(name) or ""),
                ]
        if details != old_details:
            ticket.channel_details = details
            cleaned["channel_details"] = details
    for field, value in cleaned.items():
        if field == "channel_details":
            continue
        old = getattr(ticket, field)
        if old != value:
            changed[field] = [str(old) if old is not None else "", str(value) if value is not None else ""]
            setattr(ticket, field, value)
    if not changed:
        return ticket
    became_major = "severity" in changed and ticket.severity == Severity.MAJOR
    ticket.search_text = document_text(ticket)
    _bump(ticket, now, [*cleaned.keys(), "search_text"])
    record_event(ticket=ticket, kind=Kind.UPDATE, by=by, now=now, data={"changes": changed})
    if became_major or "subject_person" in changed:
        escalate_on_create(ticket=ticket, now=now)
    if "subject_person" in changed:
        recuse_on_naming(ticket=ticket, now=now)
    return ticket


@transaction.atomic
def ticket_add_note(*, ticket: Ticket, by: User, note: str, now: datetime | None = None) -> TicketEvent:
    """An internal note on the timeline, by anyone who may see the work order."""
    now = now or timezone.now()
    if not permissions.can_view(by, ticket):
        raise PermissionDenied(_("You may not see this work order."))
    if not (note or "").strip():
        raise ValidationError.for_field("note", _("The note is empty."), FieldCode.REQUIRED)
    return record_event(ticket=ticket, kind=Kind.NOTE, by=by, now=now, note=note.strip())


ALLOWED_ATTACHMENT_TYPES = (
    "image/",
    "audio/",
    "video/",
    "text/plain",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument",
    "application/vnd.ms-excel",
    "application/zip",
)


@transaction.atomic
def ticket_attach(
    *, ticket: Ticket, by: User | None, uploaded_file, now: datetime | None = None
) -> Attachment:
    """Store an attachment: size limited, its kind read from the content (core/uploads.py), the name
    kept for people."""
    from django.conf import settings

    now = now or timezone.now()
    if by is not None and not permissions.can_view(by, ticket):
        raise PermissionDenied(_("You may not see this work order."))
    if uploaded_file.size > settings.KEFU_MAX_ATTACHMENT_BYTES:
        raise ValidationError.for_field(
            "attachment",
            _("“%(name)s” is larger than %(mb)s MB.")
            % {"name": uploaded_file.name, "mb": settings.KEFU_MAX_ATTACHMENT_BYTES // (1024 * 1024)},
        )
    content_type = check_upload(uploaded_file, "attachment").mime
    attachment = Attachment.objects.create(
        ticket=ticket,
        file=uploaded_file,
        name=uploaded_file.name[:255],
        size=uploaded_file.size,
        content_type=content_type,
        uploaded_by=by,
    )
    record_event(
        ticket=ticket, kind=Kind.ATTACHMENT, by=by, now=now, note=attachment.name,
        data={"attachment": attachment.pk},
    )  # fmt: skip
    return attachment


# --- transitions -------------------------------------------------------------------------------


def _apply_effects(
    ticket: Ticket,
    effects: workflow.Effects,
    by: User | None,
    note: str,
    now: datetime,
    customer_reply: str = "",
) -> list[str]:
    """Do what a transition declares besides the status (workflow.Effects), for one work order;
    return the fields it changed. services/bulk.py does the same for many at once."""
    if effects.stops:
        targets = None if effects.stops == workflow.EVERY_CLOCK else list(effects.stops)
        sla.clocks_stop(ticket=ticket, now=now, targets=targets)
    if effects.pauses:
        sla.clocks_pause(ticket=ticket, now=now)
    if effects.resumes:
        sla.clocks_resume(ticket=ticket, now=now)
    for target in effects.starts:
        sla.clock_start(ticket=ticket, target=target, now=now)
    if effects.owner_if_unset and ticket.owner_id is None:
        ticket.owner = by
    if effects.resolution_from_note:
        ticket.resolution = note
    if effects.customer_reply:
        ticket.customer_reply = customer_reply
    for field in effects.sets_now:
        setattr(ticket, field, now)
    for field in effects.clears:
        setattr(ticket, field, None)
    return effects.fields


def _apply(
    ticket: Ticket,
    transition: workflow.Transition,
    by: User | None,
    note: str,
    now: datetime,
    data: dict | None = None,
    customer_reply: str = "",
    code: str = "",
    params: dict | None = None,
) -> Ticket:
    errors: dict[str, list] = {}
    if transition.note_required and not (note or "").strip() and not code:
        errors["note"] = [_("“%(action)s” needs a note.") % {"action": transition.label}]
    customer_reply = (customer_reply or "").strip()
    if transition.asks_customer_reply and not customer_reply:
        errors["customer_reply"] = [
            FieldError(
                _("“%(action)s” needs the reply to the customer (the internal note is never sent).")
                % {"action": transition.label},
                FieldCode.REQUIRED,
            )
        ]
    if errors:
        raise ValidationError(
            " ".join(f"{field}: {messages[0]}" for field, messages in errors.items()), errors=errors
        )
    note = (note or "").strip()
    if transition.asks_customer_reply:  # what the customer was told at each resolution, kept with it
        data = {**(data or {}), "customer_reply": customer_reply}
    from_status = ticket.status
    ticket.status = transition.target
    fields = _apply_effects(ticket, transition.effects, by, note, now, customer_reply)
    _bump(ticket, now, ["status", *fields])
    record_event(
        ticket=ticket,
        kind=transition.effects.event,
        by=by,
        now=now,
        action=transition.action,
        from_status=from_status,
        to_status=transition.target,
        note=note,
        data=data or {},
        code=code,
        params=params,
    )
    return ticket


@transaction.atomic
def ticket_transition(
    *,
    ticket: Ticket,
    action: str,
    by: User | None,
    note: str = "",
    customer_reply: str = "",
    version: int | None = None,
    now: datetime | None = None,
    code: str = "",
    params: dict | None = None,
) -> Ticket:
    """Perform one lifecycle action (accept, start, wait_customer, customer_replied, resolve,
    request_callback, close, reopen, cancel) after the state machine's guard allows it.

    The system acting on its own says why with `code` and `params` (kefu.tickets.timeline), which
    stand in for the note a person would have to write.

    `note` is internal (the timeline); `customer_reply` is what the customer is told, asked for by
    the transitions that declare it (resolve) and ignored by the others.

    Merge, dispatch and the department's answers have their own services because they need more
    than a note (workflow.Transition.dedicated).
    """
    dedicated = workflow.BY_ACTION.get(action)
    if dedicated is not None and dedicated.dedicated:
        raise ValidationError.for_field(
            "action", _("Use the dedicated form for “%(action)s”.") % {"action": action}
        )
    now = now or timezone.now()
    ticket = _locked(ticket, version)
    transition = workflow.check(ticket, action, by)
    return _apply(ticket, transition, by, note, now, customer_reply=customer_reply, code=code, params=params)


@transaction.atomic
def ticket_merge(
    *,
    ticket: Ticket,
    into: Ticket,
    by: User,
    note: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Fold a duplicate into another open work order; the duplicate ends as “merged”."""
    now = now or timezone.now()
    ticket = _locked(ticket, version)
    transition = workflow.check(ticket, "merge", by)
    if into.pk == ticket.pk:
        raise ValidationError.for_field("into", _("A work order cannot be merged into itself."))
    into = Ticket.objects.select_for_update().get(pk=into.pk)
    if not into.is_open and into.status not in (Status.RESOLVED, Status.AWAITING_CALLBACK):
        raise ValidationError.for_field(
            "into", _("%(number)s is closed; merge into an open work order.") % {"number": into.number}
        )
    if not permissions.can_view(by, into):
        raise PermissionDenied(_("You may not see %(number)s.") % {"number": into.number})
    ticket.merged_into = into
    ticket.save(update_fields=["merged_into"])
    _apply(ticket, transition, by, note, now, data={"into": into.number})
    record_event(
        ticket=into,
        kind=Kind.MERGE,
        by=by,
        now=now,
        note=note,
        data={"merged": ticket.number, "content": ticket.content[:2000]},
    )
    return ticket


def running_clocks(ticket: Ticket):
    """The work order's SLA clocks in the order they started."""
    return (
        SlaClock.objects.filter(ticket=ticket)
        .select_related("dispatch__department")
        .order_by("started_at", "id")
    )
