"""Quality inspection pages.

Transcripts: the list (quality:transcripts) and one conversation as a dialogue with its recording
and findings (quality:transcript). Who sees what is kefu.quality.permissions' rule: leads, the
inspectors whose scope covers it, the agent of the conversation; anybody else gets a 404.
"""

from datetime import date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from kefu.core.params import query_int
from kefu.quality.models import Channel, Inspection, Transcript
from kefu.quality.permissions import can_view_transcript, is_inspector, is_lead, transcript_filter

# --- transcripts ------------------------------------------------------------------------------------


def _clock(ms: int | None) -> str:
    if ms is None:
        return ""
    seconds = ms // 1000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def transcript_findings(transcript: Transcript) -> list[dict]:
    """The findings of the transcript's current inspection (the newest not superseded), as the page
    shows them — one per rubric item, each with its evidence (sentence, span, note); [] while it
    has none. Rejected findings are left out."""
    inspection = (
        Inspection.objects.filter(transcript=transcript, superseded=False)
        .order_by("-inspected_at", "-pk")
        .first()
    )
    if inspection is None:
        return []
    return [
        {
            "sentence": f.sentence,
            "sentences": f.sentences,
            "label": f.item.name,
            "severity": f.severity,
            "severity_label": f.get_severity_display(),
            "points": f.points,
            "status": f.status,
            "notes": list(dict.fromkeys(e["note"] for e in f.evidence if e.get("note"))),
            "evidence": [
                {
                    "sentence": e.get("sentence"),
                    "start": e.get("start") or 0,
                    "end": e.get("end") or 0,
                    "note": e.get("note") or "",
                }
                for e in f.evidence
            ],  # fmt: skip
        }
        for f in inspection.findings.select_related("item").exclude(status="rejected")
    ]


def sentence_parts(text: str, marks: list[dict]) -> list[dict]:
    """`text` cut into plain and marked parts, one mark per evidence span (clipped to the text; where
    spans overlap the earlier one keeps the overlap). The template escapes every part."""
    spans = sorted(
        (
            (max(0, m["start"]), min(len(text), m["end"]), k, m)
            for k, m in enumerate(marks)
            if m["end"] > m["start"]
        ),
        key=lambda span: span[:3],
    )
    parts, at = [], 0
    for start, end, _k, mark in spans:
        start = max(start, at)
        if start >= end:
            continue
        if start > at:
            parts.append({"text": text[at:start], "finding": None})
        parts.append({"text": text[start:end], "finding": mark})
        at = end
    if at < len(text):
        parts.append({"text": text[at:], "finding": None})
    return parts


def dialogue(transcript: Transcript, findings: list[dict]) -> tuple[list[dict], list[dict]]:
    """The sentences ready to show, each with its parts (every evidence span of every finding
    marked) and the findings shown in it; and the findings about the conversation as a whole (with
    evidence naming no sentence, or a sentence it no longer has, or no evidence at all)."""
    marks: dict[int, list[dict]] = {}
    shown: dict[int, list[dict]] = {}
    overall = []
    count = len(transcript.sentences)
    for finding in findings:
        evidence = finding.get("evidence") or [{"sentence": finding.get("sentence"), "start": 0, "end": 0}]
        whole = False
        for e in evidence:
            index = e["sentence"]
            if index is None or not 0 <= index < count:
                whole = True
                continue
            marks.setdefault(index, []).append({**finding, "start": e["start"], "end": e["end"]})
            in_sentence = shown.setdefault(index, [])
            if not in_sentence or in_sentence[-1] is not finding:
                in_sentence.append(finding)
        if whole:
            overall.append(finding)
    rows = []
    for index, s in enumerate(transcript.sentences):
        text = s.get("text", "")
        rows.append(
            {
                "index": index,
                "role": s.get("role", "system"),
                "speaker": s.get("speaker", ""),
                "start_ms": s.get("start_ms"),
                "end_ms": s.get("end_ms"),
                "clock": _clock(s.get("start_ms")),
                "parts": sentence_parts(text, marks.get(index, [])),
                "findings": shown.get(index, []),
            }
        )
    return rows, overall


@login_required
def transcript(request, pk: int):
    """One conversation as a dialogue: agent right, customer left, system centred; the recording
    plays with the current sentence highlighted (static/quality/transcript.js)."""
    row = (
        Transcript.objects.select_related("agent", "customer", "ticket", "call", "chat_session")
        .filter(pk=pk)
        .first()
    )
    if row is None or not can_view_transcript(request.user, row):
        raise Http404
    findings = transcript_findings(row)
    sentences, overall = dialogue(row, findings)
    return render(
        request,
        "quality/transcript.html",
        {"transcript": row, "sentences": sentences, "findings": findings, "overall": overall},
    )


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def transcripts(request):
    """Transcripts I may see, newest first; filters: channel, agent, day."""
    rows = Transcript.objects.filter(transcript_filter(request.user)).select_related("agent", "customer")
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        rows = rows.filter(channel=channel)
    else:
        channel = ""
    agent_id = query_int(request.GET, "agent", None, minimum=1)
    if agent_id:
        rows = rows.filter(agent_id=agent_id)
    day = _day(request.GET.get("date", ""))
    if day is not None:
        start = timezone.make_aware(datetime.combine(day, time.min))
        rows = rows.filter(started_at__gte=start, started_at__lt=start + timedelta(days=1))
    page = Paginator(rows.order_by("-started_at", "-pk"), 50).get_page(request.GET.get("page"))
    agents = []
    if is_lead(request.user) or is_inspector(request.user):
        from kefu.accounts.models import User

        agents = User.objects.filter(
            pk__in=Transcript.objects.filter(transcript_filter(request.user)).values("agent_id")
        ).order_by("username")
    return render(
        request,
        "quality/transcripts.html",
        {
            "page": page,
            "channels": Channel.choices,
            "channel": channel,
            "agents": agents,
            "agent_id": agent_id,
            "day": day.isoformat() if day else "",
        },
    )
