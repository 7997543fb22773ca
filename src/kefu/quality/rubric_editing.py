"""Glue between the rubric and rule editor pages and the rubric services (kefu.quality.services):
saving a draft's item table in one go, the rule form's condition check, trying a rule on a
transcript and laying the engine's explanation out for the page, and what the condition builder
(quality/rules.js) offers.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.errors import ValidationError
from kefu.quality.engine.conversation import Conversation
from kefu.quality.models import RubricItem, RubricVersion, Transcript
from kefu.quality.services import rubrics as rubric_services
from kefu.quality.services import rules as rule_services

#: What a new rule starts with: the greeting missing from the agent's first two sentences.
EXAMPLE_CONDITION = {
    "not": {
        "type": "keywords",
        "role": "agent",
        "range": {"kind": "first", "n": 2},
        "words": ["您好"],
        "mode": "any",
    }
}
ITEM_FIELDS = ("code", "group", "name", "points", "direction", "severity", "per_occurrence", "position")


def condition_problems(condition) -> list[str]:
    """What is wrong with a rule's condition, each naming the condition and field ("all[1].pattern: …")."""
    errors = rule_services.condition_errors(condition, prefix="")
    return [f"{field.lstrip('.')}: {message}" if field.strip(".") else str(message)
            for field, messages in errors.items() for message in messages]  # fmt: skip


@transaction.atomic
def version_items_save(
    *, version: RubricVersion, by, rows: list[tuple[RubricItem | None, dict | None]]
) -> None:
    """Save a draft's item table: each row is (the item or None for a new one, its values or None to
    delete it). All or nothing: a refusal's errors are keyed "<row>.<field>" (row from 0)."""
    errors: dict = {}
    for n, (item, values) in enumerate(rows):
        try:
            if values is None:
                if item is not None:
                    rubric_services.item_delete(item=item, by=by)
            elif item is None:
                rubric_services.item_create(version=version, by=by, **values)
            else:
                rubric_services.item_update(item=item, by=by, **values)
        except ValidationError as exc:
            for field, messages in (exc.errors or {"": [exc.message]}).items():
                errors.setdefault(f"{n}.{field}", []).extend(messages)
    if errors:
        raise ValidationError(_("Please correct the marked rows."), errors=errors)


def rule_try(*, condition: dict, transcript: Transcript, by) -> dict:
    """Run one condition on a transcript without saving anything (the rule service's try): whether it
    fired, each sentence with the spans that matched marked, and every condition of the tree with
    its truth and what it found."""
    conversation = Conversation.from_json(transcript.sentences or [], channel=transcript.channel)
    explained = rule_services.rule_try(condition=condition, conversation=conversation, by=by)
    rule = (explained.get("rules") or [{}])[0]
    spans: dict[int, list[tuple[int, int, str]]] = {}
    notes = []
    for evidence in rule.get("evidence", []):
        if evidence.get("sentence") is None:
            if evidence.get("note"):
                notes.append(evidence["note"])
            continue
        spans.setdefault(evidence["sentence"], []).append(
            (evidence.get("start", 0), evidence.get("end", 0), evidence.get("note", ""))
        )
    spec = builder_spec()
    names = {key: value["label"] for key, value in spec["types"].items()} | spec["groups"]
    roles = {"agent": _("Agent"), "customer": _("Customer"), "system": _("System")}
    sentences = []
    for n, sentence in enumerate(conversation.sentences):
        marks = spans.get(n, [])
        sentences.append(
            {
                "n": n,
                "role": sentence.role,
                "who": roles.get(sentence.role, sentence.role),
                "text": sentence.text,
                "parts": _parts(sentence.text, marks),
                "matched": n in spans,
                "notes": [note for _s, _e, note in marks if note],
            }
        )
    return {
        "transcript": transcript,
        "fired": bool(rule.get("fired")),
        "sentences": sentences,
        "matched": len(spans),
        "notes": notes,
        "conditions": [
            {**row, "what": names.get(row["what"], row["what"])}
            for row in _conditions(rule.get("condition") or {}, 0)
        ],
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


def _conditions(node: dict, depth: int) -> list[dict]:
    """The explained condition tree as rows for a table, parents before children: path, operator or
    leaf type, truth, and what each leaf found (quoted)."""
    found = [e.get("text") or e.get("note") or "" for e in node.get("evidence", [])]
    rows = [
        {
            "path": node.get("path") or "·",
            "depth": depth,
            "what": node.get("type") or node.get("op", ""),
            "leaf": "type" in node,
            "truth": node.get("truth"),
            "found": [f for f in found if f][:8],
        }
    ]
    for child in node.get("children", []):
        rows += _conditions(child, depth + 1)
    if node.get("child"):
        rows += _conditions(node["child"], depth + 1)
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
