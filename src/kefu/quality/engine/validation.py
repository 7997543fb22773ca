"""Checking a rule's condition (规则条件) before it is saved or compiled: every problem, each with
the path of the condition and field it is about ("all[1].pattern") and a message for people."""

from __future__ import annotations

import re
from dataclasses import dataclass
from numbers import Real

from django.utils.translation import gettext as _

ROLES = ("agent", "customer", "any")
RANGE_KINDS = ("all", "first", "last", "between")
KEYWORD_MODES = ("any", "all", "none", "at_least")
PHRASE_KINDS = ("forbidden", "discouraged")
REPLY_SCOPES = ("first", "every")
LEAF_TYPES = (
    "keywords", "regex", "similar", "order", "repetition", "phrases", "polite_you",
    "slow_reply", "silence", "interruption", "speed", "emotion",
)  # fmt: skip
OPERATORS = ("all", "any", "not")


@dataclass(frozen=True)
class ConditionError:
    path: str  # e.g. "all[1].pattern" — names the condition and the field
    message: str  # translated (gettext) message for people


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and value == value


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    def __init__(self):
        self.errors: list[ConditionError] = []

    def add(self, path: str, message: str) -> None:
        self.errors.append(ConditionError(path, message))

    # --- nodes -------------------------------------------------------------------------------
    def node(self, node, path: str) -> None:
        if not isinstance(node, dict):
            self.add(path, _("A condition must be an object."))
            return
        operators = [op for op in OPERATORS if op in node]
        if len(operators) > 1:
            self.add(path, _("A condition combines with one of all, any or not, not several."))
            return
        if operators:
            op = operators[0]
            child = node[op]
            where = _join(path, op)
            if op == "not":
                if isinstance(child, list):
                    self.add(where, _("“not” takes one condition, not a list."))
                else:
                    self.node(child, where)
                return
            if not isinstance(child, list):
                self.add(where, _("“%(operator)s” takes a list of conditions.") % {"operator": op})
            elif not child:
                self.add(where, _("“%(operator)s” needs at least one condition.") % {"operator": op})
            else:
                for i, item in enumerate(child):
                    self.node(item, f"{where}[{i}]")
            return
        kind = node.get("type")
        if kind is None:
            self.add(_join(path, "type"), _("The condition has no type."))
            return
        if kind not in LEAF_TYPES:
            self.add(_join(path, "type"), _("Unknown type of condition: %(type)s.") % {"type": kind})
            return
        role = node.get("role")
        if role is not None and role not in ROLES:
            self.add(
                _join(path, "role"), _("Unknown role: %(role)s (agent, customer or any).") % {"role": role}
            )
        if "range" in node:
            self.range(node["range"], _join(path, "range"))
        getattr(self, "leaf_" + kind)(node, path)

    def range(self, value, path: str) -> None:
        if not isinstance(value, dict):
            self.add(path, _("The range must be an object with a kind."))
            return
        kind = value.get("kind", "all")
        if kind not in RANGE_KINDS:
            self.add(_join(path, "kind"), _("Unknown kind of range: %(kind)s.") % {"kind": kind})
            return
        if kind in ("first", "last"):
            n = value.get("n")
            if not _is_int(n) or n < 1:
                self.add(_join(path, "n"), _("The number of sentences must be a whole number of at least 1."))
        elif kind == "between":
            self.words(value, "from", path)
            self.words(value, "to", path)

    # --- fields ------------------------------------------------------------------------------
    def words(
        self, node: dict, name: str, path: str, *, required: bool = True, empty_ok: bool = False
    ) -> None:
        where = _join(path, name)
        if name not in node:
            if required:
                self.add(where, _("The list of words is missing."))
            return
        value = node[name]
        if not isinstance(value, list):
            self.add(where, _("Expected a list of words."))
            return
        if not value and not empty_ok:
            self.add(where, _("The list of words is empty."))
            return
        from kefu.quality.engine.matching import literal_key

        for i, word in enumerate(value):
            if not isinstance(word, str) or not literal_key(word):
                self.add(f"{where}[{i}]", _("A word must be a non-empty text."))

    def number(
        self, node: dict, name: str, path: str, *, required: bool, low=None, high=None, above=None
    ) -> None:
        where = _join(path, name)
        if name not in node or node[name] is None:
            if required:
                self.add(where, _("This number is required."))
            return
        value = node[name]
        if not _is_number(value):
            self.add(where, _("Expected a number."))
        elif low == 0 and high == 1 and not 0 <= value <= 1:
            self.add(where, _("The threshold must be between 0 and 1."))
        elif low == 0 and high is None and value < 0:
            self.add(where, _("The number must not be negative."))
        elif above is not None and value <= above:
            self.add(where, _("The number must be greater than %(limit)s.") % {"limit": above})

    def choice(
        self, node: dict, name: str, path: str, choices: tuple[str, ...], *, required: bool = False
    ) -> None:
        where = _join(path, name)
        if name not in node:
            if required:
                self.add(where, _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)})
            return
        if node[name] not in choices:
            self.add(
                where,
                _("Unknown value %(value)s; choose one of: %(choices)s.")
                % {"value": node[name], "choices": ", ".join(choices)},
            )

    def pattern(self, node: dict, name: str, path: str, *, required: bool) -> None:
        where = _join(path, name)
        value = node.get(name)
        if value is None or value == "":
            if required:
                self.add(where, _("The regular expression is empty."))
            return
        if not isinstance(value, str):
            self.add(where, _("The regular expression must be a text."))
            return
        try:
            re.compile(value)
        except (re.error, RecursionError, OverflowError, ValueError) as exc:
            self.add(where, _("Bad regular expression: %(error)s.") % {"error": exc})

    # --- leaves ------------------------------------------------------------------------------
    def leaf_keywords(self, node, path):
        self.words(node, "words", path)
        self.choice(node, "mode", path, KEYWORD_MODES)
        if node.get("mode") == "at_least":
            k = node.get("k")
            words = node.get("words") if isinstance(node.get("words"), list) else []
            if not _is_int(k) or not 1 <= k <= max(len(words), 1):
                self.add(
                    _join(path, "k"),
                    _("k must be a whole number from 1 to the number of words (%(count)s).")
                    % {"count": len(words)},
                )

    def leaf_regex(self, node, path):
        self.pattern(node, "pattern", path, required=True)
        self.pattern(node, "exclude", path, required=False)

    def leaf_similar(self, node, path):
        examples = node.get("examples")
        where = _join(path, "examples")
        if not isinstance(examples, list) or not examples:
            self.add(where, _("Give at least one example sentence."))
        else:
            from kefu.quality.engine.matching import similarity_text

            for i, example in enumerate(examples):
                if not isinstance(example, str) or not similarity_text(example):
                    self.add(f"{where}[{i}]", _("An example must be a non-empty text."))
        self.number(node, "threshold", path, required=False, low=0, high=1)

    def leaf_order(self, node, path):
        self.words(node, "first", path)
        self.words(node, "then", path)

    def leaf_repetition(self, node, path):
        times = node.get("times")
        if not _is_int(times) or times < 2:
            self.add(_join(path, "times"), _("The number of times must be a whole number of at least 2."))
        self.number(node, "threshold", path, required=False, low=0, high=1)

    def leaf_phrases(self, node, path):
        self.choice(node, "kind", path, PHRASE_KINDS, required=True)

    def leaf_polite_you(self, node, path):
        self.words(node, "except", path, required=False, empty_ok=True)

    def leaf_slow_reply(self, node, path):
        self.number(node, "seconds", path, required=True, low=0)
        self.choice(node, "scope", path, REPLY_SCOPES)

    def leaf_silence(self, node, path):
        self.number(node, "seconds", path, required=True, low=0)
        self.words(node, "except", path, required=False, empty_ok=True)

    def leaf_interruption(self, node, path):
        self.number(node, "min_customer_ms", path, required=False, low=0)
        self.number(node, "overlap_ms", path, required=False, low=0)

    def leaf_speed(self, node, path):
        self.number(node, "min", path, required=False, low=0)
        self.number(node, "max", path, required=False, low=0)
        low, high = node.get("min"), node.get("max")
        if low is None and high is None:
            self.add(_join(path, "min"), _("Give a minimum or a maximum speed (or both)."))
        elif _is_number(low) and _is_number(high) and low > high:
            self.add(_join(path, "min"), _("The minimum is greater than the maximum."))

    def leaf_emotion(self, node, path):
        self.words(node, "words", path, required=False)
        self.words(node, "negations", path, required=False, empty_ok=True)


def validate_condition(condition: dict) -> list[ConditionError]:
    """Every problem in `condition` ([] when it is valid); paths name the condition and field."""
    checker = _Checker()
    try:
        checker.node(condition, "")
    except RecursionError:
        checker.add("", _("The condition is nested too deeply."))
    return checker.errors
