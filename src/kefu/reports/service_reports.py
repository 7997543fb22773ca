"""Service reports (服务报表): the manager's daily complaint record and the weekly, monthly and yearly
summaries to the general manager, as a page, a printable sheet, an xlsx workbook, an API answer and a
scheduled email.

Every figure in them comes from `kefu.reports.metrics` and is judged against the targets like on the
dashboard; the listening report and the quality failures come from their own apps' selectors.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from io import BytesIO

from django.db.models import TextChoices
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.errors import FieldCode, FieldError, ValidationError
from kefu.reports import dashboard, targets
from kefu.reports.metrics import FIGURES, Period, Unit, measure


class Kind(TextChoices):
    DAILY = "daily", gettext_lazy("Daily complaint record")
    WEEKLY = "weekly", gettext_lazy("Weekly service report")
    MONTHLY = "monthly", gettext_lazy("Monthly service report")
    YEARLY = "yearly", gettext_lazy("Yearly service report")


# The seeds' headline figures, in the order a manager reads them (those the catalogue has).
HEADLINE = (
    "calls_offered", "calls_answer_rate", "calls_service_level", "calls_asa", "calls_abandon_rate", "calls_aht",
    "calls_transfer_rate", "work_orders_created", "fcr", "csat", "complaints_within_sla", "dispatches_on_time",
    "chat_first_response", "chat_greeting", "email_first_response", "quality_score", "callback_completion",
    "conversion_rate",
)  # fmt: skip
# The count of work orders by channel and category, and of complaints by cause and department.
VOLUME = "work_orders_created"
COMPLAINTS = "complaints_resolved"
logger = logging.getLogger(__name__)
DELIVERY_HOUR = 7  # local time: reports reach subscribers in the morning


def check_kind(kind: str) -> str:
    """`kind` if it names a report, else a ValidationError naming the field `kind`."""
    if kind not in Kind.values:
        raise ValidationError.for_field(
            "kind",
            FieldError(
                _("No such report: choose %(kinds)s.") % {"kinds": ", ".join(Kind.values)},
                FieldCode.INVALID_CHOICE,
            ),
        )
    return kind


def period_of(kind: str, day: date) -> Period:
    """The period a report of `kind` covers around `day`: that day, its ISO week (Monday to Sunday),
    its month or its year (local days). An unknown kind is refused naming the field `kind`."""
    check_kind(kind)
    if kind == Kind.DAILY:
        return Period.day(day)
    if kind == Kind.WEEKLY:
        monday = day - timedelta(days=day.weekday())
        return Period.from_dates(monday, monday + timedelta(days=6))
    if kind == Kind.MONTHLY:
        first = day.replace(day=1)
        return Period.from_dates(
            first, (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        )
    return Period.from_dates(day.replace(month=1, day=1), day.replace(month=12, day=31))


def previous(kind: str, today: date) -> date:
    """A day inside the last complete period of `kind` before `today` (what a scheduled report covers)."""
    check_kind(kind)
    if kind == Kind.DAILY:
        return today - timedelta(days=1)
    if kind == Kind.WEEKLY:
        return today - timedelta(days=today.weekday() + 1)
    if kind == Kind.MONTHLY:
        return today.replace(day=1) - timedelta(days=1)
    return today.replace(month=1, day=1) - timedelta(days=1)


@dataclass
class Line:
    """One figure of a report: its name, value (raw and as text), target (raw and as text) and the
    verdict (targets.verdict: met, missed or None)."""

    code: str
    name: str
    value: float | None
    text: str
    target: str = ""
    verdict: str | None = None
    target_value: float | None = None


@dataclass
class Breakdown:
    """A figure by one dimension: (label, value, text) rows, largest first."""

    title: str
    rows: list[tuple[str, float | None, str]] = field(default_factory=list)


@dataclass
class ComplaintLine:
    """One complaint of the daily record; `received` is False for one carried over from before."""

    number: str
    created_at: datetime
    customer: str
    category: str
    department: str
    status: str
    title: str
    url: str
    received: bool = True


@dataclass
class ServiceReport:
    kind: str
    period: Period
    headline: list[Line]
    breakdowns: list[Breakdown]
    complaints: list[ComplaintLine]  # the daily record: the day's complaints and those still open
    quality_failures: list = field(default_factory=list)
    listening: object | None = None  # the weekly listening report (callbacks)

    @property
    def title(self) -> str:
        return str(Kind(self.kind).label)

    @property
    def span(self) -> str:
        first, last = self.period.first_day, self.period.last_day
        return f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"


def _breakdown(code: str, by: str, period: Period, title: str, limit: int = 15) -> Breakdown | None:
    if code not in FIGURES or by not in FIGURES[code].family.dimensions:
        return None
    table = measure([code], period=period, by=by)
    labels = dashboard.key_labels(by, [key[1] for key in table.rows])
    rows = [
        (
            labels.get(attr, str(attr)),
            cells[code].value,
            dashboard.format_value(FIGURES[code], cells[code].value),
        )
        for (_bucket, attr), cells in table.rows.items()
    ]
    rows.sort(key=lambda row: -(row[1] or 0))
    return Breakdown(title, rows[:limit])


def service_report(*, kind: str, day: date) -> ServiceReport:
    """The report of `kind` for the period around `day` (see period_of). A period that has not begun
    (its first day after today, local) is refused naming the field `day`; the current period gives
    the figures so far; an empty one gives "—" for every rate and 0 for every count."""
    period = period_of(kind, day)
    if period.first_day > timezone.localdate():
        raise ValidationError.for_field(
            "day", FieldError(_("That period has not begun yet."), FieldCode.OUT_OF_RANGE)
        )
    codes = [code for code in HEADLINE if code in FIGURES]
    table = measure(codes, period=period) if codes else None
    goals = targets.targets_in_force()
    headline = []
    for code in codes:
        value = table.total[code].value
        target = goals.get(code)
        headline.append(
            Line(
                code=code,
                name=str(FIGURES[code].name),
                value=value,
                text=dashboard.format_value(FIGURES[code], value),
                target=dashboard.format_value(FIGURES[code], target) if target is not None else "",
                verdict=targets.verdict(code, value, goals),
                target_value=target,
            )
        )
    wanted = [
        (VOLUME, "channel", _("Work orders by channel")),
        (VOLUME, "category", _("Work orders by category")),
        (COMPLAINTS, "category", _("Complaints resolved, by cause")),
        (COMPLAINTS, "department", _("Complaints resolved, by department")),
        ("calls_offered", "queue", _("Calls by queue")),
    ]
    breakdowns = [b for code, by, title in wanted if (b := _breakdown(code, by, period, title))]
    report = ServiceReport(
        kind, period, headline, breakdowns, complaint_record(period) if kind == Kind.DAILY else []
    )
    from kefu.quality import reports as quality_reports

    report.quality_failures = quality_reports.failed_items(
        quality_reports.inspections(start=period.start, end=period.end), limit=10
    )
    if kind == Kind.WEEKLY:
        from kefu.callbacks.selectors import weekly_report

        year, week, _weekday = period.first_day.isocalendar()
        report.listening = weekly_report(year=year, week=week)
    return report


RECORD_LIMIT = 500  # complaints in one daily record


def complaint_record(period: Period) -> list[ComplaintLine]:
    """每日投诉记录: for the manager's daily review, oldest first, the complaint work orders

        received in the period (created_at in [start, end)), and
        carried over: received before the period and not resolved by its end (resolved_at empty or
        at/after the end) or open now (reopened),

    leaving out the cancelled and merged ones (recorded in error, or counted in the work order they
    were merged into), as the complaint figures do. At most RECORD_LIMIT lines."""
    from django.db.models import Q

    from kefu.tickets.models import OPEN_STATUSES, Status, Ticket, TicketType

    unresolved = Q(resolved_at__isnull=True) | Q(resolved_at__gte=period.end) | Q(status__in=OPEN_STATUSES)
    rows = (
        Ticket.objects.filter(ticket_type=TicketType.COMPLAINT, created_at__lt=period.end)
        .exclude(status__in=(Status.CANCELLED, Status.MERGED))
        .filter(Q(created_at__gte=period.start) | unresolved)
        .select_related("customer", "category", "subject_department")
        .order_by("created_at", "pk")[:RECORD_LIMIT]
    )
    zone = timezone.get_default_timezone()
    return [
        ComplaintLine(
            number=t.number,
            created_at=timezone.localtime(t.created_at, zone),
            customer=t.customer.name if t.customer_id else t.customer_name,
            category=t.category.path if t.category_id else "",
            department=t.subject_department.name if t.subject_department_id else "",
            status=t.get_status_display(),
            title=t.title,
            url=reverse("tickets:detail", args=[t.number]),
            received=t.created_at >= period.start,
        )
        for t in rows
    ]


def report_xlsx(report: ServiceReport) -> bytes:
    """The report as a workbook: the headline figures with targets, each breakdown, the complaint
    record and the quality failures, one sheet each. Values are raw (a share 0..1, shown as a
    percentage), so a spreadsheet can compute with them."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("Figures")[:31]
    sheet.append([report.title, report.span])
    sheet.append([_("Figure"), _("Value"), _("Target"), _("Below target")])
    for line in report.headline:
        sheet.append([line.name, line.value, line.target, _("yes") if line.verdict == targets.MISSED else ""])
        if FIGURES[line.code].unit == Unit.PERCENT:
            sheet.cell(row=sheet.max_row, column=2).number_format = "0.0%"  # a share 0..1 reads 75.0%
    for breakdown in report.breakdowns:
        ws = book.create_sheet(breakdown.title[:31])
        ws.append([breakdown.title, _("Value")])
        for label, value, _text in breakdown.rows:
            ws.append([label, value])
    if report.complaints:
        ws = book.create_sheet(_("Complaint record")[:31])
        ws.append(
            [
                _("Number"),
                _("Received"),
                _("Customer"),
                _("Category"),
                _("Department"),
                _("Status"),
                _("Summary"),
            ]
        )
        for c in report.complaints:
            ws.append(
                [
                    c.number,
                    c.created_at.replace(tzinfo=None),
                    c.customer,
                    c.category,
                    c.department,
                    c.status,
                    c.title,
                ]
            )
    if report.quality_failures:
        ws = book.create_sheet(_("Quality failures")[:31])
        ws.append([_("Item"), _("Findings"), _("Share of inspections")])
        for f in report.quality_failures:
            ws.append([f.name, f.findings, round(f.share, 4)])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# --- subscriptions and delivery -------------------------------------------------------------------


def subscription_set(*, user, kind: str, on: bool):
    """Subscribe `user` to the report `kind` by email (or stop). Anyone who may read the figures may
    subscribe themselves; the email goes to their address."""
    from kefu.core.errors import PermissionDenied
    from kefu.reports import permissions
    from kefu.reports.models import ReportSubscription

    if not permissions.can_view_kpis(user):
        raise PermissionDenied(_("The center's figures are for supervisors, managers and inspectors."))
    check_kind(kind)
    if on:
        ReportSubscription.objects.get_or_create(user=user, kind=kind)
    else:
        ReportSubscription.objects.filter(user=user, kind=kind).delete()


def due_kinds(today: date) -> list[str]:
    """The reports whose period ended yesterday: the daily always, the weekly on Monday, the monthly
    on the 1st, the yearly on 1 January."""
    kinds = [Kind.DAILY]
    if today.weekday() == 0:
        kinds.append(Kind.WEEKLY)
    if today.day == 1:
        kinds.append(Kind.MONTHLY)
        if today.month == 1:
            kinds.append(Kind.YEARLY)
    return [str(kind) for kind in kinds]


def deliver_due(*, today: date | None = None) -> int:
    """Email every subscriber the reports whose period just ended (due_kinds of `today`, local);
    returns how many were sent. Safe to run again: a report already sent to a person for a period
    (a ReportDelivery) is not sent twice. Skipped: inactive people, people without an email address,
    and those who may no longer read the figures. In the site's language (Chinese by default), as an
    HTML email with the workbook attached. A mail server's refusal leaves that person's report unsent
    (no delivery recorded), for the next hourly run, and the others are still sent."""
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives
    from django.db import IntegrityError, transaction
    from django.template.loader import render_to_string
    from django.utils import translation

    from kefu.reports import permissions
    from kefu.reports.models import ReportDelivery, ReportSubscription

    today = today or timezone.localdate()
    sent = 0
    for kind in due_kinds(today):
        day = previous(kind, today)
        period_start = period_of(kind, day).first_day
        subscriptions = [
            s
            for s in ReportSubscription.objects.filter(kind=kind, user__is_active=True)
            .exclude(user__email="")
            .exclude(deliveries__period_start=period_start)
            .select_related("user")
            .order_by("pk")
            if permissions.can_view_kpis(s.user)
        ]
        if not subscriptions:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            report = service_report(kind=kind, day=day)
            html = render_to_string(
                "reports/service_report_email.html",
                {"report": report, "site_url": settings.SITE_URL.rstrip("/"), "email": True},
            )
            subject = f"[Kefu] {report.title} {report.span}"
            text = _("%(title)s %(span)s: the report is attached as a workbook.") % {
                "title": report.title,
                "span": report.span,
            }
            workbook = report_xlsx(report)
        for subscription in subscriptions:
            mail = EmailMultiAlternatives(subject, text, None, [subscription.user.email])
            mail.attach_alternative(html, "text/html")
            mail.attach(f"kefu-{kind}-{period_start:%Y%m%d}.xlsx", workbook,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip
            try:
                with transaction.atomic():
                    ReportDelivery.objects.create(
                        subscription=subscription, period_start=period_start, sent_at=timezone.now()
                    )
                    mail.send(fail_silently=False)
            except IntegrityError:
                continue  # another worker sent it meanwhile
            except OSError:  # smtplib's errors too: this person's next run tries again
                logger.exception("service report %s for %s not sent", kind, subscription.user_id)
                continue
            sent += 1
    return sent
