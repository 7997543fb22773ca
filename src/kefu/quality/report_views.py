"""Quality report pages (质检报表) under /quality/reports/: the report with its filters, its xlsx
export, the drill-down to inspections and one inspection (with "promote to case")."""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.models import CENTER_ROLES, OVERSIGHT_ROLES
from kefu.core.errors import DomainError
from kefu.core.params import query_int
from kefu.core.sheets import XLSX
from kefu.knowledge.models import Case
from kefu.knowledge.permissions import can_edit_cases
from kefu.quality import permissions, reports
from kefu.quality.models import Channel, Inspection, Rubric
from kefu.quality.services.cases import inspection_promote_to_case


def _staff_required(request):
    if not (request.user.is_superuser or request.user.role in CENTER_ROLES | OVERSIGHT_ROLES):
        raise DjangoPermissionDenied(_("Quality reports are for the service center's staff."))


def _day(text) -> date | None:
    """A YYYY-MM-DD date, or None when missing or not a real date (2026-02-30)."""
    try:
        return parse_date((text or "").strip()[:10])
    except ValueError:
        return None


def read_filters(params) -> dict:
    """The report's filters from a query string; anything malformed falls back to its default."""
    end_day = _day(params.get("to")) or timezone.localdate()
    start_day = _day(params.get("from")) or end_day - timedelta(days=27)
    if start_day > end_day:
        start_day, end_day = end_day, start_day
    by = params.get("by") if params.get("by") in reports.GROUPINGS else "agent"
    period = params.get("period") if params.get("period") in reports.PERIODS else None
    channel = params.get("channel") if params.get("channel") in Channel.values else ""
    rubric_id = query_int(params, "rubric")
    rubric = Rubric.objects.filter(pk=rubric_id).first() if rubric_id else None
    tz = timezone.get_current_timezone()
    return {
        "start_day": start_day,
        "end_day": end_day,
        "start": datetime.combine(start_day, time.min, tzinfo=tz),
        "end": datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=tz),
        "by": by,
        "period": period,
        "channel": channel,
        "rubric": rubric,
    }


def bar_chart(rows: list[tuple[str, float, str]], *, width: int = 480, bar: int = 22) -> dict:
    """Horizontal bars as inline-SVG geometry (the CSP allows no inline style or script): each row
    (label, value, shown text) becomes a bar whose length is value / largest value."""
    top = max((v for _l, v, _t in rows if v), default=0) or 1
    label_w, text_w = 90, 60
    span = width - label_w - text_w
    bars = [
        {
            "label": label,
            "text": text,
            "y": i * (bar + 6),
            "ty": round(i * (bar + 6) + bar * 0.7, 1),
            "w": round(span * (value or 0) / top, 1),
            "tx": label_w + round(span * (value or 0) / top, 1) + 4,
        }
        for i, (label, value, text) in enumerate(rows)
    ]
    return {"bars": bars, "width": width, "height": max(len(rows) * (bar + 6), bar), "x": label_w, "bar": bar}


@login_required
def report(request):
    """The quality report: mean scores by the chosen grouping and period, the overall mean, the most
    failed items, the distribution, the trend and coverage; `format=xlsx` downloads the same tables."""
    _staff_required(request)
    f = read_filters(request.GET)
    data = reports.quality_report(
        user=request.user, start=f["start"], end=f["end"], by=f["by"], period=f["period"], rubric=f["rubric"],
        channel=f["channel"],
    )  # fmt: skip
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(reports.report_xlsx(data), content_type=XLSX)
        name = f"quality-{f['start_day']:%Y%m%d}-{f['end_day']:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    distribution = bar_chart([(b.label, b.count, str(b.count)) for b in data.buckets])
    trend = bar_chart(
        [(f"{t.period_start:%Y-%m-%d}", t.mean_score or 0, f"{t.mean_score:g}" if t.mean_score is not None else "—")
         for t in data.trend]
    )  # fmt: skip
    query = request.GET.copy()
    query.pop("format", None)
    rows = [(row, drill_url(f, row)) for row in data.scores]
    return render(
        request,
        "quality/reports/report.html",
        {
            "report": data,
            "f": f,
            "groupings": [(g, label) for g, label in GROUPING_LABELS() if g in reports.GROUPINGS],
            "periods": [("", _("Whole range")), ("week", _("Week")), ("month", _("Month"))],
            "channels": Channel.choices,
            "rubrics": Rubric.objects.all(),
            "distribution": distribution,
            "trend": trend,
            "query": query.urlencode(),
            "rows": rows,
            "by_label": dict(GROUPING_LABELS())[f["by"]],
        },
    )


def drill_url(f: dict, row: reports.ScoreRow) -> str:
    """The drill-down of one row: its key, and its period's days within the report's range."""
    start, end = f["start_day"], f["end_day"]
    if row.period_start is not None:
        start = max(start, row.period_start)
        if f["period"] == "week":
            last = row.period_start + timedelta(days=6)
        else:
            last = (row.period_start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        end = min(end, last)
    params = QueryDict(mutable=True)
    params.update({"from": f"{start:%Y-%m-%d}", "to": f"{end:%Y-%m-%d}", "by": f["by"], "key": row.key})
    if f["rubric"]:
        params["rubric"] = str(f["rubric"].pk)
    if f["channel"]:
        params["channel"] = f["channel"]
    return f"{reverse('quality:report_inspections')}?{params.urlencode()}"


def GROUPING_LABELS():  # noqa: N802 - read like a constant, translated at call time
    return [("agent", _("Agent")), ("group", _("Group")), ("queue", _("Queue")), ("channel", _("Channel"))]


@login_required
def inspections(request):
    """Drill-down: the current inspections behind one row of the report (by agent, queue or channel)."""
    _staff_required(request)
    f = read_filters(request.GET)
    rows = reports.inspections(
        start=f["start"], end=f["end"], user=request.user, rubric=f["rubric"], channel=f["channel"]
    ).select_related("agent", "version__rubric", "transcript")
    key = request.GET.get("key", "")
    if f["by"] == "agent" and key:
        rows = (
            rows.filter(agent__username=key) if key != reports.NONE_KEY else rows.filter(agent__isnull=True)
        )
    elif f["by"] == "queue" and key:
        rows = rows.filter(queue="" if key == reports.NONE_KEY else key)
    elif f["by"] == "channel" and key:
        rows = rows.filter(channel=key)
    elif f["by"] == "group" and key:
        rows = (
            rows.filter(agent__agent_groups__name=key)
            if key != reports.NONE_KEY
            else rows.filter(agent__agent_groups__isnull=True)
        )
    page = Paginator(rows.order_by("-conversation_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(request, "quality/reports/inspections.html", {"page": page, "key": key, "f": f})


@login_required
def inspection(request, pk: int):
    """One inspection: the conversation as a dialogue with its findings, and "promote to case"."""
    row = get_object_or_404(
        Inspection.objects.select_related("transcript", "agent", "version__rubric", "reviewer"), pk=pk
    )
    if not permissions.can_view(request.user, row):
        raise DjangoPermissionDenied(_("You may not see this inspection."))
    findings = list(row.findings.select_related("item"))
    by_sentence: dict = {}
    for finding in findings:  # shown at every sentence of its evidence; about the whole: None
        sentences = finding.sentences or ([finding.sentence] if finding.sentence is not None else [])
        for n in sentences:
            by_sentence.setdefault(n, []).append(finding)
        if not sentences or any(e.get("sentence") is None for e in finding.evidence):
            by_sentence.setdefault(None, []).append(finding)
    sentences = [
        {"n": i + 1, "role": s.get("role", ""), "text": s.get("text", ""), "findings": by_sentence.get(i, [])}
        for i, s in enumerate(row.transcript.sentences or [])
    ]
    return render(
        request,
        "quality/reports/inspection.html",
        {
            "inspection": row,
            "sentences": sentences,
            "findings": findings,
            "overall": by_sentence.get(None, []),
            "can_promote": can_edit_cases(request.user),
            "verdicts": Case.Verdict.choices,
            "promotions": row.case_promotions.select_related("case"),
        },
    )


@login_required
@require_POST
def promote(request, pk: int):
    """Promote the inspection's conversation to the case library as a good or bad example."""
    row = get_object_or_404(Inspection.objects.select_related("transcript"), pk=pk)
    try:
        case = inspection_promote_to_case(
            inspection=row,
            verdict=request.POST.get("verdict", ""),
            title=request.POST.get("title", ""),
            notes=request.POST.get("notes", ""),
            by=request.user,
        )
    except DomainError as exc:
        if exc.http_status == 403:
            raise DjangoPermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("quality:report_inspection", pk=row.pk)
    messages.success(request, _("Added to the case library: %(title)s") % {"title": case.title})
    return redirect("quality:report_inspection", pk=row.pk)
