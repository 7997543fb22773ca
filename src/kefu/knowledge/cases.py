"""Case library (案例库): conversations kept as trees for training.

The customer's first request is the root; each agent reply and each follow-up question is a branch;
each satisfying resolution is a leaf. `case_integrity_errors` states the rules, and every write
below keeps them: one root, and it is a request; a resolution has no children; a step's parent is in
the same case; no loops.
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.errors import PermissionDenied, ValidationError
from kefu.knowledge import permissions
from kefu.knowledge.models import Case, CaseNode

Kind = CaseNode.Kind

# --- anonymising a transcript --------------------------------------------------------------------

_PHONE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?(?:1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}|0\d{2,3}-?\d{7,8})(?!\d)")
_ADDRESS = re.compile(
    r"[\u4e00-\u9fff]{0,8}(?:省|市|区|县|镇|乡)?[\u4e00-\u9fff0-9]{1,12}(?:路|街|道|巷|弄|大道)"
    r"[0-9一二三四五六七八九十百零]+号(?:[\u4e00-\u9fff0-9]{0,10}(?:栋|幢|楼|单元|室|号楼))*"
)
_TITLED_NAME = re.compile(r"[\u4e00-\u9fff]{1,2}(?=(?:先生|女士|小姐|阿姨|师傅|老师))")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_ID_CARD = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def anonymize(text: str, names: list[str] = ()) -> str:
    """`text` with phone numbers, ID and email, addresses and names masked: the known `names` and any
    surname before 先生/女士/小姐/阿姨/师傅/老师 (王先生 → *先生)."""
    text = _ID_CARD.sub("[身份证]", text or "")
    text = _EMAIL.sub("[邮箱]", text)
    text = _PHONE.sub("[电话]", text)
    text = _ADDRESS.sub("[地址]", text)
    for name in sorted({n for n in names if n and n.strip()}, key=len, reverse=True):
        text = text.replace(name, "*" * len(name))
    return _TITLED_NAME.sub(lambda m: "*" * len(m.group()), text)


# --- integrity -------------------------------------------------------------------------------------


def case_integrity_errors(case: Case) -> list[str]:
    """What is wrong with the tree of `case` (empty: a sound tree)."""
    nodes = {n.pk: n for n in case.nodes.all()}
    errors: list[str] = []
    roots = [n for n in nodes.values() if n.parent_id is None]
    if len(roots) != 1:
        errors.append(f"{len(roots)} roots")
    for root in roots:
        if root.kind != Kind.REQUEST:
            errors.append(f"root {root.pk} is {root.kind}, not a request")
    for node in nodes.values():
        if node.parent_id is not None and node.parent_id not in nodes:
            errors.append(f"step {node.pk} hangs from a step of another case")
        if node.kind == Kind.RESOLUTION and any(n.parent_id == node.pk for n in nodes.values()):
            errors.append(f"resolution {node.pk} has children")
        seen, cur = set(), node
        while cur is not None and cur.parent_id is not None:
            if cur.pk in seen:
                errors.append(f"step {node.pk} is in a loop")
                break
            seen.add(cur.pk)
            cur = nodes.get(cur.parent_id)
    return errors


def _require(by) -> None:
    if not permissions.can_edit_cases(by):
        raise PermissionDenied(_("Only QA inspectors, supervisors and managers may change the case library."))


@transaction.atomic
def case_create(
    *, title: str, request_text: str, by, verdict: str = Case.Verdict.GOOD, notes: str = "",
    source: str = Case.Source.TRAINER, category=None,
) -> Case:  # fmt: skip
    """A case and its root: the customer's first request."""
    _require(by)
    title = (title or "").strip()[:200]
    if not title:
        raise ValidationError.for_field("title", _("A case needs a title."))
    if not (request_text or "").strip():
        raise ValidationError.for_field("request_text", _("A case starts with the customer's request."))
    if verdict not in Case.Verdict.values:
        raise ValidationError.for_field("verdict", _("Choose good or bad example."))
    case = Case.objects.create(
        title=title, verdict=verdict, notes=notes, source=source, category=category, created_by=by
    )
    CaseNode.objects.create(case=case, parent=None, kind=Kind.REQUEST, text=request_text.strip())
    return case


@transaction.atomic
def case_add_step(*, parent: CaseNode, kind: str, text: str, by, note: str = "", audio=None) -> CaseNode:
    """A reply, follow-up or resolution under `parent`. Refuses a second request, and any step under a
    resolution (a leaf)."""
    _require(by)
    # Two trainers may extend the same step at once; the lock keeps positions distinct.
    parent = CaseNode.objects.select_for_update().get(pk=parent.pk)
    if kind not in Kind.values or kind == Kind.REQUEST:
        raise ValidationError.for_field("kind", _("A step is a reply, a follow-up question or a resolution."))
    if parent.kind == Kind.RESOLUTION:
        raise ValidationError.for_field("parent", _("A resolution ends its branch; add the step elsewhere."))
    if not (text or "").strip():
        raise ValidationError.for_field("text", _("A step needs its text."))
    position = parent.children.count()
    return CaseNode.objects.create(
        case_id=parent.case_id, parent=parent, kind=kind, text=text.strip(), note=note, position=position,
        audio=audio or "",
    )  # fmt: skip


@dataclass(frozen=True)
class Turn:
    speaker: str  # "customer" or "agent"
    text: str


_SPEAKER = re.compile(r"^\s*(客户|顾客|客人|customer|用户|坐席|客服|agent)\s*[:：]\s*(.*)$", re.I)


def parse_transcript(text: str) -> list[Turn]:
    """Lines "客户：..." / "客服：..." (or customer:/agent:) as turns; an unmarked line continues the
    previous turn. Refuses a transcript whose first line names no speaker, naming that line."""
    turns: list[Turn] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _SPEAKER.match(line)
        if match:
            who = "agent" if match[1].lower() in ("坐席", "客服", "agent") else "customer"
            turns.append(Turn(who, match[2].strip()))
        elif turns:
            turns[-1] = Turn(turns[-1].speaker, turns[-1].text + "\n" + line.strip())
        else:
            raise ValidationError.for_field(
                "transcript", _("Line %(n)s: start with “客户：” or “客服：”.") % {"n": number}
            )
    if not turns or turns[0].speaker != "customer":
        raise ValidationError.for_field("transcript", _("A transcript starts with the customer's words."))
    return turns


@transaction.atomic
def case_from_transcript(
    *, title: str, transcript: str, by, names: list[str] = (), verdict: str = Case.Verdict.GOOD, notes: str = "",
) -> Case:  # fmt: skip
    """A case built from a real conversation, anonymised: the first customer turn is the root, agent
    turns are replies, later customer turns follow-up questions, and the last agent turn the resolution."""
    turns = [Turn(t.speaker, anonymize(t.text, list(names))) for t in parse_transcript(transcript)]
    case = case_create(
        title=anonymize(title, list(names)), request_text=turns[0].text, by=by, verdict=verdict, notes=notes,
        source=Case.Source.TRANSCRIPT,
    )  # fmt: skip
    node = case.nodes.get()
    last_agent = max((i for i, t in enumerate(turns) if t.speaker == "agent"), default=None)
    for i, turn in enumerate(turns[1:], start=1):
        if turn.speaker == "agent":
            kind = Kind.RESOLUTION if i == last_agent and i == len(turns) - 1 else Kind.REPLY
        else:
            kind = Kind.FOLLOW_UP
        node = case_add_step(parent=node, kind=kind, text=turn.text, by=by)
    return case


def case_tree(case: Case) -> dict:
    """The tree as nested dicts (root first, children in position order), read in one query."""
    nodes = list(case.nodes.order_by("position", "pk"))
    children: dict[int | None, list[CaseNode]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)

    def walk(node: CaseNode, depth: int = 0) -> dict:
        return {
            "node": node,
            "depth": depth,
            "children": [walk(c, depth + 1) for c in children.get(node.pk, [])],
        }

    roots = children.get(None, [])
    return walk(roots[0]) if roots else {}
