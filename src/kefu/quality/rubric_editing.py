"""Writes of the rubric and rule editor (质检评分表编辑): create a rubric, edit a draft version's scores,
items and rules, publish it, and make a new draft from a published version; plus trying a rule on a
transcript.

A published version never changes (every recorded score names the version it was scored against):
every write here refuses anything but a draft. Each function runs in one transaction and checks
who acts (kefu.quality.permissions.can_manage_rubrics).

These are small stand-ins written against the models while the rubric services of kefu.quality
(the "core" work) were not there yet; the editor pages call only the names below, so switching them
to those services is a matter of this module's bodies.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.errors import FieldCode, FieldError, PermissionDenied, TransitionNotAllowed, ValidationError
from kefu.knowledge.models import PhraseRule, RuleKind
from kefu.quality.models import Rubric, RubricItem, RubricVersion, Rule, Transcript
from kefu.quality.permissions import can_manage_rubrics

#: What a new rule starts with: the greeting in the agent's first two sentences.
EXAMPLE_CONDITION = {
    "not": {
        "type": "keywords",
        "role": "agent",
        "range": {"kind": "first", "n": 2},
        "words": ["您好"],
        "mode": "any",
    }
}


def _allowed(by) -> None:
    if not can_manage_rubrics(by):
        raise PermissionDenied(_("Supervisors, managers and QA inspectors only."))


def _draft(version: RubricVersion) -> RubricVersion:
    # Two editors may save the same draft: the row lock orders them, and a version published
    # meanwhile is seen as published.
    fresh = RubricVersion.objects.select_for_update().get(pk=version.pk)
    if fresh.state != RubricVersion.State.DRAFT:
        raise TransitionNotAllowed(_("A published version never changes: make a new version to edit it."))
    return fresh


def condition_problems(condition: dict) -> list[str]:
    """What is wrong with a rule's condition, each naming the condition and field ("all[1].pattern: …")."""
    from kefu.quality.engine.rules import validate_condition

    return [f"{problem.path}: {problem.message}" if problem.path else str(problem.message)
            for problem in validate_condition(condition)]  # fmt: skip


def phrase_entries() -> list:
    """The knowledge base's active forbidden and discouraged phrases (禁用语, 口头语) for the engine."""
    from kefu.quality.engine.rules import PhraseEntry

    rows = PhraseRule.objects.filter(is_active=True, kind__in=[RuleKind.FORBIDDEN, RuleKind.DISCOURAGED])
    return [PhraseEntry(kind=kind, phrase=phrase) for kind, phrase in rows.values_list("kind", "phrase")]


@transaction.atomic
def rubric_create(
    *, by, name: str, channels: list[str], queues: list[str], description: str = ""
) -> RubricVersion:
    """A new rubric with an empty draft version 1. Refuses a name already used."""
    _allowed(by)
    name = (name or "").strip()
    if not name:
        raise ValidationError.for_field("name", FieldError(_("Give the rubric a name."), FieldCode.REQUIRED))
    if Rubric.objects.filter(name=name).exists():
        raise ValidationError.for_field("name", _("A rubric with this name already exists."))
    if not channels:
        raise ValidationError.for_field(
            "channels", FieldError(_("Choose at least one channel."), FieldCode.REQUIRED)
        )
    position = (Rubric.objects.aggregate(m=Max("position"))["m"] or 0) + 1
    rubric = Rubric.objects.create(
        name=name, channels=list(channels), queues=list(queues), description=description, position=position
    )
    return RubricVersion.objects.create(rubric=rubric, number=1, created_by=by)


@transaction.atomic
def version_scores_set(
    *,
    version: RubricVersion,
    by,
    start_score: Decimal,
    floor_score: Decimal,
    ceiling_score: Decimal,
    note: str = "",
) -> RubricVersion:
    """A draft's start, floor and ceiling scores. Refuses floor > start or start > ceiling."""
    _allowed(by)
    version = _draft(version)
    if floor_score > ceiling_score:
        raise ValidationError.for_field("floor_score", _("The floor must not be above the ceiling."))
    if not floor_score <= start_score <= ceiling_score:
        raise ValidationError.for_field(
            "start_score", _("The start score must lie between the floor and the ceiling.")
        )
    version.start_score, version.floor_score, version.ceiling_score = start_score, floor_score, ceiling_score
    version.note = note or ""
    version.save(update_fields=["start_score", "floor_score", "ceiling_score", "note"])
    return version


@transaction.atomic
def version_items_save(*, version: RubricVersion, by, formset) -> list[RubricItem]:
    """Save a draft's items from the editor's item formset (changed rows, new rows, deleted rows).

    Refuses points not above zero and two items with one code (the code follows an item from
    version to version); nothing is saved then.
    """
    _allowed(by)
    version = _draft(version)
    deleted = {form.instance.pk for form in formset.deleted_forms if form.instance.pk}
    kept = [
        form
        for form in formset.forms
        if form not in formset.deleted_forms and (form.instance.pk or form.has_changed())
    ]
    codes: dict[str, int] = {}
    for n, form in enumerate(kept, start=1):
        data = form.cleaned_data
        if data["points"] <= 0:
            raise ValidationError.for_field(
                "points", _("Row %(row)s: points must be above zero (choose add or subtract).") % {"row": n}
            )
        code = data["code"].strip()
        if code in codes:
            raise ValidationError.for_field(
                "code", _("Row %(row)s: the code %(code)s is used twice.") % {"row": n, "code": code}
            )
        codes[code] = n
    RubricItem.objects.filter(version=version, pk__in=deleted).delete()
    saved = []
    for form in kept:
        item = form.save(commit=False)
        item.version = version
        item.code = item.code.strip()
        item.save()
        saved.append(item)
    return saved


@transaction.atomic
def rule_save(
    *,
    version: RubricVersion,
    rule: Rule | None,
    by,
    name: str,
    item: RubricItem,
    condition: dict,
    is_active: bool = True,
) -> Rule:
    """Create or change a draft's rule. Refuses an item of another version and an invalid condition
    (the message names the condition and the field: "all[1].pattern: …")."""
    _allowed(by)
    version = _draft(version)
    if item.version_id != version.pk:
        raise ValidationError.for_field("item", _("Choose an item of this version."))
    problems = condition_problems(condition)
    if problems:
        raise ValidationError(problems[0], errors={"condition": problems})
    if rule is None:
        rule = Rule(version=version)
    rule.name, rule.item, rule.condition, rule.is_active = name.strip(), item, condition, is_active
    rule.save()
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, by) -> None:
    _allowed(by)
    _draft(rule.version)
    rule.delete()


@transaction.atomic
def version_publish(*, version: RubricVersion, by, now=None) -> RubricVersion:
    """Make a draft the rubric's current version; the one published before retires (past scores keep
    naming it). Refuses a version without items and one with an invalid rule (named)."""
    _allowed(by)
    version = _draft(version)
    if not version.items.exists():
        raise ValidationError.for_field("items", _("Add at least one item before publishing."))
    for rule in version.rules.filter(is_active=True):
        problems = condition_problems(rule.condition)
        if problems:
            raise ValidationError.for_field(
                "rules", _("Rule “%(name)s”: %(problem)s") % {"name": rule.name, "problem": problems[0]}
            )
    RubricVersion.objects.filter(rubric_id=version.rubric_id, state=RubricVersion.State.PUBLISHED).update(
        state=RubricVersion.State.RETIRED
    )
    version.state = RubricVersion.State.PUBLISHED
    version.published_at = now or timezone.now()
    version.save(update_fields=["state", "published_at"])
    return version


@transaction.atomic
def version_new_draft(*, version: RubricVersion, by) -> RubricVersion:
    """A new draft copied from a published (or retired) version: its scores, items and rules.
    Refuses when the rubric already has a draft (edit that one)."""
    _allowed(by)
    rubric = Rubric.objects.select_for_update().get(pk=version.rubric_id)
    if version.state == RubricVersion.State.DRAFT:
        raise TransitionNotAllowed(_("This version is a draft already: edit it."))
    existing = rubric.versions.filter(state=RubricVersion.State.DRAFT).first()
    if existing is not None:
        raise TransitionNotAllowed(
            _("Version %(number)s is a draft already: edit it.") % {"number": existing.number}
        )
    number = (rubric.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    draft = RubricVersion.objects.create(
        rubric=rubric,
        number=number,
        start_score=version.start_score,
        floor_score=version.floor_score,
        ceiling_score=version.ceiling_score,
        created_by=by,
    )
    copies = {}
    for item in version.items.all():
        old = item.pk
        item.pk, item.id, item.version = None, None, draft
        item.save()
        copies[old] = item
    for rule in version.rules.all():
        rule.pk, rule.id, rule.version, rule.item = None, None, draft, copies[rule.item_id]
        rule.save()
    return draft


def rule_try(*, condition: dict, transcript: Transcript) -> dict:
    """Run one condition on a transcript without saving anything: whether it fired, each sentence with
    the spans that matched marked, the conversation-level notes, and the engine's leaf by leaf account."""
    from kefu.quality.engine.conversation import Conversation
    from kefu.quality.engine.rules import RuleSpec, compile_rules

    conversation = Conversation.from_json(transcript.sentences, channel=transcript.channel)
    compiled = compile_rules([RuleSpec(key="try", condition=condition)], phrases=phrase_entries())
    hits = compiled.inspect(conversation)
    spans: dict[int, list[tuple[int, int, str]]] = {}
    notes = []
    for hit in hits:
        for evidence in hit.evidence:
            if evidence.sentence is None:
                if evidence.note:
                    notes.append(evidence.note)
                continue
            spans.setdefault(evidence.sentence, []).append((evidence.start, evidence.end, evidence.note))
    sentences = []
    for n, sentence in enumerate(conversation.sentences):
        marks = spans.get(n, [])
        sentences.append(
            {
                "n": n,
                "role": sentence.role,
                "text": sentence.text,
                "parts": _parts(sentence.text, marks),
                "matched": n in spans,
                "notes": [note for _s, _e, note in marks if note],
            }
        )
    return {
        "transcript": transcript,
        "fired": bool(hits),
        "sentences": sentences,
        "matched": sum(1 for s in sentences if s["matched"]),
        "notes": notes,
        "leaves": _leaves(compiled.explain(conversation)),
    }


def _parts(text: str, marks: list[tuple[int, int, str]]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, marked?) by the matched spans (overlaps merged)."""
    ranges = sorted((max(0, s), min(len(text), e)) for s, e, _n in marks if e > s)
    merged: list[list[int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts, at = [], 0
    for start, end in merged:
        if start > at:
            parts.append((text[at:start], False))
        parts.append((text[start:end], True))
        at = end
    if at < len(text):
        parts.append((text[at:], False))
    return parts or [(text, False)]


def _leaves(explained, path: str = "") -> list[dict]:
    """The leaves of the engine's explanation, flattened for a table: path, type, truth, how many
    sentences showed it. Reads the explanation defensively: it is JSON for people, not an API."""
    rows: list[dict] = []
    if isinstance(explained, list):
        for n, child in enumerate(explained):
            rows += _leaves(child, f"{path}[{n}]")
        return rows
    if not isinstance(explained, dict):
        return rows
    node = explained.get("condition") if isinstance(explained.get("condition"), dict) else explained
    if "type" in node:
        evidence = explained.get("evidence") or []
        truth = explained.get("truth", explained.get("value", explained.get("result")))
        rows.append(
            {
                "path": explained.get("path", path) or "·",
                "type": node["type"],
                "role": node.get("role", ""),
                "truth": truth,
                "evidence": len(evidence) if isinstance(evidence, list) else 0,
            }
        )
        return rows
    for key, value in explained.items():
        if key in ("all", "any", "children", "not", "rules", "node", "child"):
            rows += _leaves(value, f"{path}.{key}" if path else key)
        elif isinstance(value, dict | list) and key not in ("evidence", "condition"):
            rows += _leaves(value, path)
    return rows


def builder_spec() -> dict:
    """What the condition builder (quality/rules.js) offers: each leaf type with its parameters and
    labels, the roles, the range kinds. Labels are translated here, so the script holds no text."""
    text, words, number, choice, lines = "text", "words", "number", "choice", "lines"
    types = {
        "keywords": (gettext_lazy("Keywords"), [
            ("words", words, gettext_lazy("Words")),
            ("mode", choice, gettext_lazy("Mode"), ["any", "all", "none", "at_least"]),
            ("k", number, gettext_lazy("At least K")),
        ]),
        "regex": (gettext_lazy("Regular expression"), [
            ("pattern", text, gettext_lazy("Pattern")),
            ("exclude", text, gettext_lazy("Unless it matches")),
        ]),
        "similar": (gettext_lazy("Similar to examples"), [
            ("examples", lines, gettext_lazy("Examples (one per line)")),
            ("threshold", number, gettext_lazy("Threshold 0–1")),
        ]),
        "order": (gettext_lazy("Order (A before B)"), [
            ("first", words, gettext_lazy("First words")),
            ("then", words, gettext_lazy("Then words")),
        ]),
        "repetition": (gettext_lazy("Repetition"), [
            ("times", number, gettext_lazy("Times")),
            ("threshold", number, gettext_lazy("Threshold 0–1")),
        ]),
        "phrases": (gettext_lazy("Knowledge-base phrase list"), [
            ("kind", choice, gettext_lazy("List"), ["forbidden", "discouraged"]),
        ]),
        "polite_you": (gettext_lazy("你 where 您 is required"), [
            ("except", words, gettext_lazy("Allowed words")),
        ]),
        "slow_reply": (gettext_lazy("Slow reply (chat)"), [
            ("seconds", number, gettext_lazy("Seconds")),
            ("scope", choice, gettext_lazy("Which replies"), ["first", "every"]),
        ]),
        "silence": (gettext_lazy("Silence"), [
            ("seconds", number, gettext_lazy("Seconds")),
            ("except", words, gettext_lazy("Hold phrases")),
        ]),
        "interruption": (gettext_lazy("Interruption"), [
            ("min_customer_ms", number, gettext_lazy("Customer speaking at least (ms)")),
            ("overlap_ms", number, gettext_lazy("Overlap at least (ms)")),
        ]),
        "speed": (gettext_lazy("Speaking speed"), [
            ("min", number, gettext_lazy("Min chars/min")),
            ("max", number, gettext_lazy("Max chars/min")),
        ]),
        "emotion": (gettext_lazy("Negative emotion"), [
            ("words", words, gettext_lazy("Lexicon (empty: the default)")),
            ("negations", words, gettext_lazy("Negations (empty: the default)")),
        ]),
    }  # fmt: skip
    return {
        "types": {
            key: {
                "label": str(label),
                "params": [
                    {
                        "name": p[0],
                        "kind": p[1],
                        "label": str(p[2]),
                        **({"choices": p[3]} if len(p) > 3 else {}),
                    }
                    for p in params
                ],
            }
            for key, (label, params) in types.items()
        },  # fmt: skip
        "roles": {"agent": _("Agent"), "customer": _("Customer"), "any": _("Anyone")},
        "ranges": {
            "all": _("All sentences"),
            "first": _("First N"),
            "last": _("Last N"),
            "between": _("Between anchors"),
        },
        "groups": {"all": _("All of (AND)"), "any": _("Any of (OR)"), "not": _("Not")},
        "labels": {
            "add_leaf": _("Add condition"),
            "add_group": _("Add group"),
            "remove": _("Remove"),
            "type": _("Type"),
            "role": _("Role"),
            "range": _("Range"),
            "n": _("N"),
            "from": _("From words"),
            "to": _("To words"),
            "invalid_json": _("The JSON below is not valid; the builder shows the last valid conditions."),
        },
    }
