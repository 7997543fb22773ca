"""Service report pages (服务报表): reports:service (/reports/service/) — the daily complaint record
and the weekly, monthly and yearly reports on screen, printable and as xlsx — and
reports:service_subscribe, the subscribe / unsubscribe button."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.errors import DomainError
from kefu.core.sheets import XLSX
from kefu.reports import dashboard, permissions, service_reports
from kefu.reports.models import ReportSubscription
from kefu.reports.service_reports import Kind


def _require(request):
    if not permissions.can_view_kpis(request.user):
        raise DjangoPermissionDenied(_("The center's figures are for supervisors, managers and inspectors."))


def _link(kind: str, day) -> str:
    return f"{reverse('reports:service')}?{urlencode({'kind': kind, 'day': f'{day:%Y-%m-%d}'})}"


def _chart(breakdown) -> dict | None:
    """A breakdown as the bar chart static/reports/charts.js draws (the dashboard's "bar" shape)."""
    if not breakdown.rows:
        return None
    return {
        "kind": "bar",
        "title": breakdown.title,
        "unit": "",
        "x": [label for label, _value, _text in breakdown.rows],
        "series": [{"name": breakdown.title, "data": [value for _label, value, _text in breakdown.rows]}],
    }


@login_required
def service(request):
    """A service report: `kind` (daily, weekly, monthly, yearly; default daily) and a `day` inside its
    period (default: the last complete period); `?format=xlsx` downloads it as a workbook. A bad kind
    or day, or a period that has not begun, is shown naming the field (400)."""
    _require(request)
    today = timezone.localdate()
    kind = request.GET.get("kind") or Kind.DAILY
    try:
        service_reports.check_kind(kind)
        day = dashboard.read_day(request.GET, "day", service_reports.previous(kind, today))
        report = service_reports.service_report(kind=kind, day=day)
    except DomainError as error:
        return render(
            request,
            "reports/service.html",
            {"errors": dashboard.explain(error), "kinds": Kind.choices, "kind": kind, "today": today},
            status=400,
        )
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(service_reports.report_xlsx(report), content_type=XLSX)
        name = f"kefu-{kind}-{report.period.first_day:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    period = report.period
    after = period.last_day + timedelta(days=1)
    mine = set(ReportSubscription.objects.filter(user=request.user).values_list("kind", flat=True))
    subscribers = None
    if permissions.can_set_targets(request.user):
        subscribers = {}
        for row in ReportSubscription.objects.select_related("user").order_by("kind", "user__username"):
            subscribers.setdefault(row.kind, []).append(row.user)
        subscribers = [(label, subscribers.get(value, [])) for value, label in Kind.choices]
    return render(
        request,
        "reports/service.html",
        {
            "report": report,
            "kind": kind,
            "day": day,
            "kinds": Kind.choices,
            "earlier": _link(kind, period.first_day - timedelta(days=1)),
            "later": _link(kind, after) if after <= today else "",
            "xlsx": f"{_link(kind, period.first_day)}&format=xlsx",
            "charts": [(b, _chart(b), f"service-chart-{n}") for n, b in enumerate(report.breakdowns)],
            "subscriptions": [(value, label, value in mine) for value, label in Kind.choices],
            "subscribers": subscribers,
        },
    )


@require_POST
@login_required
def service_subscribe(request):
    """Subscribe the signed-in person to a report by email (`on=1`) or stop (`on=0`)."""
    _require(request)
    kind, on = request.POST.get("kind", ""), request.POST.get("on") == "1"
    try:
        service_reports.subscription_set(user=request.user, kind=kind, on=on)
    except DomainError as error:
        for line in dashboard.explain(error):
            messages.error(request, line)
        return redirect("reports:service")
    label = Kind(kind).label
    if on:
        messages.success(request, _("Subscribed: %(report)s, by email.") % {"report": label})
    else:
        messages.success(request, _("Unsubscribed: %(report)s.") % {"report": label})
    back = request.POST.get("day", "")
    return redirect(
        f"{reverse('reports:service')}?{urlencode({'kind': kind, 'day': back} if back else {'kind': kind})}"
    )
