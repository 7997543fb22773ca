"""Promoting an inspected conversation to the case library (案例库, kefu.knowledge.cases)."""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from kefu.core.errors import FieldCode, PermissionDenied, ValidationError
from kefu.knowledge import cases
from kefu.knowledge import permissions as knowledge_permissions
from kefu.knowledge.models import Case, CaseNode
from kefu.quality import permissions
from kefu.quality.models import CasePromotion, Finding, Inspection, Role

_SPEAKERS = {Role.AGENT: "agent", Role.CUSTOMER: "customer"}


def _turns(sentences: list[dict], names: list[str]) -> list[tuple[str, str]]:
    """Agent and customer sentences as turns (consecutive sentences of one role joined), anonymised;
    system sentences are left out."""
    turns: list[tuple[str, str]] = []
    for s in sentences:
        who = _SPEAKERS.get(s.get("role"))
        text = cases.anonymize((s.get("text") or "").strip(), names)
        if who is None or not text:
            continue
        if turns and turns[-1][0] == who:
            turns[-1] = (who, turns[-1][1] + " " + text)
        else:
            turns.append((who, text))
    return turns


def finding_lines(inspection: Inspection, names: list[str] = ()) -> list[str]:
    """Each finding that was not rejected, one line per item, quoting its first piece of evidence
    and naming every sentence it was found in: "[code] item (−2): “sentence” (#n, #m)"."""
    sentences = inspection.transcript.sentences or []
    lines = []
    for f in inspection.findings.exclude(status=Finding.Status.REJECTED).select_related("item"):
        first = (f.evidence or [{}])[0]
        at = first.get("sentence")
        if at is not None and at < len(sentences):
            quote = sentences[at].get("text", "")
        else:
            quote = first.get("quote", "")
        quote = cases.anonymize(quote or "", list(names))
        points = format(f.points.normalize(), "+f")
        shown = [n for n in f.sentences if n < len(sentences)]
        where = f" ({', '.join(f'#{n + 1}' for n in shown)})" if shown else ""
        said = f": “{quote}”" if quote else ""
        lines.append(f"[{f.item.code}] {f.item.name} ({points}){said}{where}")
    return lines


@transaction.atomic
def inspection_promote_to_case(
    *, inspection: Inspection, verdict: str, by, title: str = "", notes: str = ""
) -> Case:
    """Make the conversation of `inspection` a good or bad example (`verdict`) in the case library:
    its turns (anonymised) become the case's tree, and its notes quote every finding not rejected
    (item, points, sentence) and link back to the inspection. Refuses whoever may not edit cases
    (knowledge.permissions.can_edit_cases) or may not see the inspection, and a conversation with
    no customer words."""
    if not knowledge_permissions.can_edit_cases(by):
        raise PermissionDenied(_("Only QA inspectors, supervisors and managers may change the case library."))
    if not permissions.can_view(by, inspection):
        raise PermissionDenied(_("You may not see this inspection."))
    if verdict not in Case.Verdict.values:
        raise ValidationError.for_field("verdict", _("Choose good or bad example."), FieldCode.INVALID_CHOICE)
    transcript = inspection.transcript
    names = [
        n
        for n in (getattr(transcript.customer, "name", ""), getattr(transcript.agent, "display_name", ""))
        if n
    ]
    turns = _turns(transcript.sentences or [], names)
    first = next((i for i, (who, _text) in enumerate(turns) if who == "customer"), None)
    if first is None:
        raise ValidationError.for_field(
            "inspection", _("The conversation has no customer words to start a case.")
        )
    opening = " ".join(text for _who, text in turns[:first])
    link = reverse("quality:report_inspection", args=[inspection.pk])
    parts = [notes.strip()] if notes and notes.strip() else []
    if opening:
        parts.append(_("Opening: %(text)s") % {"text": opening})
    lines = finding_lines(inspection, names)
    parts.append(_("Findings (score %(score)s):") % {"score": inspection.score})
    parts.extend(lines or [_("none")])
    parts.append(_("Inspection: %(link)s") % {"link": link})
    title = (title or "").strip() or _("%(channel)s conversation of %(day)s") % {
        "channel": transcript.get_channel_display(),
        "day": f"{transcript.started_at:%Y-%m-%d}",
    }
    case = cases.case_create(
        title=title, request_text=turns[first][1], by=by, verdict=verdict, notes="\n".join(parts),
        source=Case.Source.TRANSCRIPT,
    )  # fmt: skip
    node = case.nodes.get()
    rest = turns[first + 1 :]
    last_agent = max((i for i, (who, _t) in enumerate(rest) if who == "agent"), default=None)
    for i, (who, text) in enumerate(rest):
        if who == "agent":
            kind = CaseNode.Kind.RESOLUTION if i == last_agent and i == len(rest) - 1 else CaseNode.Kind.REPLY
        else:
            kind = CaseNode.Kind.FOLLOW_UP
        node = cases.case_add_step(parent=node, kind=kind, text=text, by=by)
    CasePromotion.objects.create(inspection=inspection, case=case, by=by)
    return case
