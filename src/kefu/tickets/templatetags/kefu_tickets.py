"""Presentation of work-order facts: SLA time left or overdue, status and severity badges, durations."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from kefu.tickets.models import Severity, SlaClock, SlaTarget, Status
from kefu.tickets.services.sla import clock_status

register = template.Library()

SOON_SECONDS = 3600  # under an hour left: shown as a warning


@register.filter
def duration(seconds) -> str:
    """A compact span of time: “2d 3h”, “4h 05m”, “12 min”."""
    try:
        seconds = abs(int(seconds))
    except (TypeError, ValueError):
        return ""
    minutes = seconds // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)sd %(h)sh") % {"d": days, "h": hours}
    if hours:
        return _("%(h)sh %(m)02dm") % {"h": hours, "m": mins}
    return _("%(m)s min") % {"m": mins}


def _clock_label(clock: SlaClock) -> str:
    label = SlaTarget(clock.target).label
    if clock.dispatch_id and clock.dispatch is not None:
        return f"{label} · {clock.dispatch.department.name}"
    return str(label)


@register.simple_tag
def sla_badge(clock: SlaClock, now=None, with_label: bool = False) -> str:
    """One clock: time left (green, amber under an hour), overdue (red), paused, met or missed."""
    status = clock_status(clock, now or timezone.now())
    state, seconds = status["state"], status["seconds"]
    if state == "running":
        css = "sla-soon" if seconds < SOON_SECONDS else "sla-ok"
        text = _("%(time)s left") % {"time": duration(seconds)}
    elif state == "overdue":
        css, text = "sla-overdue", _("overdue %(time)s") % {"time": duration(seconds)}
    elif state == "paused":
        css, text = "sla-paused", _("paused, %(time)s left") % {"time": duration(seconds)}
    elif state == "met":
        css, text = "sla-met", _("met")
    else:
        css, text = "sla-missed", _("missed")
    title = _clock_label(clock)
    if clock.due_at and state in ("running", "overdue"):
        title = f"{title} · {timezone.localtime(clock.due_at):%Y-%m-%d %H:%M}"
    if with_label:
        return format_html(
            '<span class="sla {}" title="{}">{}: {}</span>', css, title, _clock_label(clock), text
        )
    return format_html('<span class="sla {}" title="{}">{}</span>', css, title, text)


@register.simple_tag
def sla_cell(ticket, now=None) -> str:
    """The most urgent live clock of a listed work order (prefetched as `live_clocks`)."""
    clocks = [c for c in getattr(ticket, "live_clocks", []) if c.state != SlaClock.State.STOPPED]
    if not clocks:
        return format_html('<span class="muted">{}</span>', "—")
    running = [c for c in clocks if c.state == SlaClock.State.RUNNING and c.due_at]
    clock = min(running, key=lambda c: c.due_at) if running else clocks[0]
    return sla_badge(clock, now)


@register.simple_tag
def status_badge(status: str) -> str:
    try:
        label = Status(status).label
    except ValueError:
        label = status
    return format_html('<span class="badge st-{}">{}</span>', status, label)


@register.simple_tag
def severity_badge(severity: str) -> str:
    if severity == Severity.MAJOR:
        return format_html('<span class="badge sev-major">{}</span>', Severity.MAJOR.label)
    return format_html('<span class="muted">{}</span>', Severity(severity).label if severity else "")


@register.simple_tag
def recusal_badge(ticket, full: bool = False) -> str:
    """回避: marks a work order that the person it complains about may neither see nor handle
    (tickets.permissions.is_recused); `full` names them (the work order's page)."""
    if not ticket.subject_person_id:
        return ""
    title = _("The person complained about may neither see nor handle this work order.")
    if full and ticket.subject_person is not None:
        text = _("Recusal: %(person)s kept out") % {"person": ticket.subject_person.label}
    else:
        text = _("Recusal")
    return format_html('<span class="badge recusal" title="{}">{}</span>', title, text)


@register.simple_tag
def late_dispatch_badge(dispatch) -> str:
    """Marks a waiting dispatch due after its work order's own resolution deadline."""
    from kefu.tickets.services.dispatch import dispatch_warnings

    warnings = dispatch_warnings(dispatch)
    if not warnings:
        return ""
    return format_html(
        '<span class="badge late-deadline" title="{}">{}</span>',
        warnings[0]["message"],
        _("after the work order's deadline"),
    )


@register.filter
def status_label(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value or ""


def _field_label(name: str) -> str:
    from kefu.tickets.models import Ticket
    from kefu.tickets.services.tickets import CHANNEL_FACT_LABEL

    if name.startswith("channel_details."):
        return CHANNEL_FACT_LABEL.get()(name.removeprefix("channel_details."))
    try:
        return str(Ticket._meta.get_field(name).verbose_name)
    except Exception:  # a field renamed since the event was written
        return name


def _field_value(name: str, value: str) -> str:
    """A changed field's value as people read it: a choice's label in the reader's language, not its code
    (the event keeps the code, e.g. “major”, so it reads “Major (重大)” or “重大”)."""
    from kefu.tickets.models import Ticket

    try:
        field = Ticket._meta.get_field(name)
    except Exception:  # a field renamed since, or a channel fact
        return value
    labels = {str(code): label for code, label in (field.flatchoices or [])}
    return str(labels.get(value, value))


@register.simple_tag
def event_extra(event) -> str:
    """The facts an event carries beside its note: changed fields, departments, recipients, a
    dispatch deadline later than the work order's own."""
    from django.utils.dateparse import parse_datetime
    from django.utils.html import format_html_join

    from kefu.tickets.models import TicketEvent

    data = event.data or {}
    items: list[tuple[str, str]] = []
    if event.kind == TicketEvent.Kind.UPDATE:
        for field, change in (data.get("changes") or {}).items():
            old, new = (list(change) + ["", ""])[:2]
            old, new = _field_value(field, old), _field_value(field, new)
            items.append((_field_label(field), f"{old or '—'} → {new or '—'}"))
    if data.get("names"):
        items.append((_("departments"), data["names"]))
    if data.get("deadline"):
        deadline = parse_datetime(data["deadline"])
        items.append(
            (
                _("deadline"),
                f"{timezone.localtime(deadline):%Y-%m-%d %H:%M}" if deadline else data["deadline"],
            )
        )
    if event.kind == TicketEvent.Kind.ESCALATION and data.get("to"):
        items.append((_("escalated to"), data["to"]))
    if data.get("late_for_resolution"):
        due = parse_datetime(data["late_for_resolution"])
        items.append(
            (
                _("after the work order's deadline"),
                f"{timezone.localtime(due):%Y-%m-%d %H:%M}" if due else data["late_for_resolution"],
            )
        )
    if data.get("into"):
        items.append((_("merged into"), data["into"]))
    if data.get("merged"):
        items.append((_("merged"), data["merged"]))
    if data.get("department") and event.kind != TicketEvent.Kind.ESCALATION:
        items.append((_("department"), data["department"]))
    if data.get("customer_reply"):  # what the customer was told when it was resolved; the note is internal
        items.append((_("reply to the customer"), data["customer_reply"]))
    if not items:
        return ""
    return format_html(
        '<dl class="ev-extra">{}</dl>',
        format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((k, v) for k, v in items)),
    )


@register.simple_tag
def event_text(event) -> str:
    """What the system says about the event, in the reader's language (kefu.tickets.timeline)."""
    from kefu.tickets.timeline import describe

    return describe(event)


@register.simple_tag
def event_note(event) -> str:
    """The note a person typed (older events' stored labels shown in the reader's language)."""
    from kefu.tickets.timeline import typed_note

    return typed_note(event)


@register.simple_tag
def escalation_reason(escalation) -> str:
    """An escalation's reason naming what it names (the person, the clock, who raised it)."""
    from kefu.tickets.services.escalation import reason_text

    return reason_text(escalation.reason, escalation.details)
