"""Rules (质检规则): conditions compiled once, then applied to any number of conversations.

`compile_rules` turns every rule's condition into a tree of operators sharing one Aho–Corasick
automaton over every word of every rule (keywords, order words, range anchors, hold phrases, the
emotion lexicon and its negations, the knowledge base's phrase lists, 你). `inspect` scans each
sentence once with it, then evaluates only the rules that can be true: a rule whose every way of
being true needs a word the conversation lacks is skipped at the cost of a set lookup.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from operator import lt as _lt

from kefu.quality.engine.conversation import Conversation
from kefu.quality.engine.leaves import LEAVES, Leaf
from kefu.quality.engine.matching import Context, Literals
from kefu.quality.engine.results import Evidence, RuleHit
from kefu.quality.engine.validation import ConditionError, validate_condition

__all__ = [
    "CompiledRules", "ConditionError", "Evidence", "PhraseEntry", "RuleHit", "RuleSpec",
    "compile_rules", "validate_condition",
]  # fmt: skip


@dataclass(frozen=True)
class RuleSpec:
    key: object  # the caller's id (Rule.pk)
    condition: dict


@dataclass(frozen=True)
class PhraseEntry:
    kind: str  # "forbidden" | "discouraged"
    phrase: str


_NO_SENTENCE = (Evidence(None),)  # the evidence of a rule true without a sentence to show
_FALSE = (False, ())  # a false node's answer (never mutated: callers copy evidence they keep)
_TRUE = (True, ())  # a true node's answer without evidence ("not …")


# --- the condition tree ----------------------------------------------------------------------
class Node:
    """A condition tree's node. `check` is inspect's path: called only when the node's trigger
    occurs (a parent skips a child whose trigger does not, without calling it); `evaluate` is
    the general one, with a trace for explain()."""

    path = ""
    trigger: frozenset[int] | None = None
    exact = False  # true exactly when the trigger occurs (see leaves.Leaf.exact)

    @property
    def cost(self) -> int:
        """A rough rank of what evaluating costs (see leaves.Leaf.cost), for the order in which
        an all-of node asks its children."""
        return 2

    def check(self, ctx: Context) -> tuple[bool, list[tuple]]:
        return self.evaluate(ctx, None)

    def checker(self):
        """What inspect calls for this node once the rules are compiled (see LeafNode's)."""
        return self.check

    def evaluate(self, ctx: Context, trace: dict | None) -> tuple[bool, list[tuple]]:
        raise NotImplementedError


class LeafNode(Node):
    def __init__(self, leaf: Leaf, path: str):
        self.leaf, self.path, self.trigger, self.exact = leaf, path, leaf.trigger, leaf.exact

    @property
    def cost(self) -> int:
        return self.leaf.cost

    def checker(self):
        """A condition used by one rule only: its operator's own evaluate, one call less per
        leaf (its evidence when false is ignored by every caller of check)."""
        return self.check if self.leaf.shared else self.leaf.evaluate

    def check(self, ctx):
        """inspect's path: the caller has already seen the trigger occur."""
        leaf = self.leaf
        if leaf.shared:  # the same condition in several rules: evaluated once per conversation
            cache = ctx._cache
            found = cache.get(leaf)
            if found is None:
                truth, evidence = leaf.evaluate(ctx)
                found = cache[leaf] = (True, evidence) if truth else _FALSE
            return found
        truth, evidence = leaf.evaluate(ctx)
        return (True, evidence) if truth else _FALSE

    def evaluate(self, ctx, trace):
        trigger = self.trigger
        if trace is None:  # without a trace: check, once the trigger is seen
            if trigger is not None and trigger.isdisjoint(ctx.present):
                return _FALSE
            return self.check(ctx)
        if trigger is not None and trigger.isdisjoint(ctx.present):
            truth, evidence = False, []
        else:
            truth, evidence = self.leaf.evaluate(ctx)
        if trace is not None:
            trace[id(self)] = {
                "path": self.path, "type": self.leaf.type, "truth": truth,
                "evidence": [Evidence(*e).as_dict(ctx.sentences) for e in evidence],
            }  # fmt: skip
        return truth, (evidence if truth else [])


class AllNode(Node):
    def __init__(self, children: list[Node], path: str):
        self.children, self.path = children, path
        # All must be true: any child's trigger will do; the smallest set is the sharpest.
        triggers = [c.trigger for c in children if c.trigger is not None]
        self.trigger = min(triggers, key=len) if triggers else None

    @property
    def cost(self) -> int:
        return max((child.cost for child in self.children), default=2)

    def checker(self):
        # Every child's trigger is looked at before any child is evaluated: a later child whose
        # trigger is absent makes the node false without the earlier (costlier) evaluations.
        self.triggers = [child.trigger for child in self.children if child.trigger is not None]
        # Then the cheapest children first ("not" of words said, a set lookup, before silences
        # or interruptions): one false child settles the node. The evidence is still put
        # together in the children's own order, so the result is the same in any order.
        order = sorted(range(len(self.children)), key=lambda k: self.children[k].cost)
        self.steps = [(k, self.children[k].checker()) for k in order]
        self.reordered = order != sorted(order)
        return self.check

    def check(self, ctx):
        present = ctx.present
        for trigger in self.triggers:
            if trigger.isdisjoint(present):
                return _FALSE
        if self.reordered:
            parts: list = [None] * len(self.steps)
            for k, check in self.steps:
                ok, found = check(ctx)
                if not ok:
                    return _FALSE
                parts[k] = found
        else:
            parts = []
            for _k, check in self.steps:
                ok, found = check(ctx)
                if not ok:
                    return _FALSE
                parts.append(found)
        evidence: list[tuple] = []
        for found in parts:
            if found:
                evidence.extend(found)
        return True, evidence

    def evaluate(self, ctx, trace):
        evidence: list[tuple] = []
        truth = True
        for child in self.children:
            ok, found = child.evaluate(ctx, trace)
            if not ok:
                truth = False
                if trace is None:
                    break
            evidence.extend(found)
        if trace is not None:
            trace[id(self)] = {"path": self.path, "op": "all", "truth": truth}
        return truth, (evidence if truth else [])


class AnyNode(Node):
    def __init__(self, children: list[Node], path: str):
        self.children, self.path = children, path
        triggers = [c.trigger for c in children]
        self.trigger = None if any(t is None for t in triggers) else frozenset().union(*triggers)

    @property
    def cost(self) -> int:
        return max((child.cost for child in self.children), default=2)

    def checker(self):
        self.steps = [(child.trigger, child.checker()) for child in self.children]
        return self.check

    def check(self, ctx):
        present = ctx.present
        evidence: list[tuple] = []
        truth = False
        for trigger, check in self.steps:
            if trigger is not None and trigger.isdisjoint(present):
                continue
            ok, found = check(ctx)
            if ok:
                truth = True
                if found:
                    evidence.extend(found)
        return (True, evidence) if truth else _FALSE

    def evaluate(self, ctx, trace):
        evidence: list[tuple] = []
        truth = False
        for child in self.children:
            ok, found = child.evaluate(ctx, trace)
            if ok:
                truth = True
                evidence.extend(found)
        if trace is not None:
            trace[id(self)] = {"path": self.path, "op": "any", "truth": truth}
        return truth, evidence


class NotNode(Node):
    trigger = None  # "not X" is true exactly when X finds nothing

    def __init__(self, child: Node, path: str):
        self.child, self.path = child, path

    @property
    def cost(self) -> int:
        # "not" of a condition settled by its trigger (words said anywhere) is a set lookup
        return 0 if self.child.exact else self.child.cost

    def checker(self):
        self.child_check = self.child.checker()
        return self.check

    def check(self, ctx):
        child = self.child
        trigger = child.trigger
        if trigger is not None and trigger.isdisjoint(ctx.present):
            return _TRUE
        if child.exact:
            return _FALSE
        return _FALSE if self.child_check(ctx)[0] else _TRUE

    def evaluate(self, ctx, trace):
        ok, _found = self.child.evaluate(ctx, trace)
        if trace is not None:
            trace[id(self)] = {"path": self.path, "op": "not", "truth": not ok}
        return (not ok), []


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _build(node: dict, path: str, lits: Literals) -> Node:
    if "all" in node:
        where = _join(path, "all")
        return AllNode([_build(c, f"{where}[{i}]", lits) for i, c in enumerate(node["all"])], where)
    if "any" in node:
        where = _join(path, "any")
        return AnyNode([_build(c, f"{where}[{i}]", lits) for i, c in enumerate(node["any"])], where)
    if "not" in node:
        where = _join(path, "not")
        return NotNode(_build(node["not"], where, lits), where)
    # Identical conditions (the default emotion check, 你/您, a required greeting …) in several
    # rules share one operator, evaluated once per conversation.
    ident = json.dumps(node, sort_keys=True, ensure_ascii=False, default=str)
    leaf = lits.operators.get(ident)
    if leaf is None:
        leaf = lits.operators[ident] = LEAVES[node["type"]](node, lits)
    else:
        leaf.shared = True
    return LeafNode(leaf, path)


def _tree_json(node: Node, trace: dict) -> dict:
    out = dict(trace.get(id(node)) or {"path": node.path, "truth": False})
    if isinstance(node, AllNode | AnyNode):
        out["children"] = [_tree_json(c, trace) for c in node.children]
    elif isinstance(node, NotNode):
        out["child"] = _tree_json(node.child, trace)
    return out


def _unique(evidence: list[tuple]) -> tuple[Evidence, ...]:
    """Evidence from the operators' (sentence, start, end, note) tuples, each once, in order of
    sentence and span (operators always name a sentence: conversation-level evidence is added
    by inspect, never sorted)."""
    if len(evidence) == 1:
        return (_new(Evidence, evidence[0]),)
    if all(map(_lt, evidence, evidence[1:])):
        # Already in order and each once — the usual case (an operator's evidence comes sentence
        # by sentence): sorting and de-duplicating would leave it as it is.
        return tuple(map(_evidence, evidence))
    return tuple(map(_evidence, sorted(dict.fromkeys(evidence), key=_SPAN)))


_SPAN = itemgetter(0, 1, 2)
_new = tuple.__new__  # Evidence._make without its length check: operators give four fields
_evidence = partial(_new, Evidence)  # the same, without a Python frame per evidence


def _json_key(key):
    return key if isinstance(key, str | int | float | bool) or key is None else str(key)


class _Rule:
    __slots__ = ("key", "tree")

    def __init__(self, key, tree: Node):
        self.key, self.tree = key, tree


class CompiledRules:
    """Rules ready to inspect conversations; build with compile_rules()."""

    def __init__(self, rules: list[_Rule], literals: Literals):
        self.rules = rules
        self.literals = literals
        # inspect's entry into each rule's tree, made now that every shared operator is known.
        self.checks = [rule.tree.checker() for rule in rules]
        # literal → the rules that literal can make true; rules without a trigger always run.
        self.always: list[int] = []
        self.by_literal: dict[int, list[int]] = {}
        for n, rule in enumerate(rules):
            if rule.tree.trigger is None:
                self.always.append(n)
            else:
                for lit in rule.tree.trigger:
                    self.by_literal.setdefault(lit, []).append(n)

    def _candidates(self, ctx: Context) -> list[int]:
        chosen = set(self.always)
        by_literal = self.by_literal
        chosen.update(*map(by_literal.__getitem__, by_literal.keys() & ctx.present))  # no Python loop
        return sorted(chosen)

    def inspect(self, conversation: Conversation) -> list[RuleHit]:
        """The rules that fired on `conversation`, in the order they were compiled, with evidence.

        A rule true without any sentence to show (a `none` or `not` condition) carries one
        conversation-level Evidence(sentence=None)."""
        # Inspecting allocates thousands of small tuples and lists, all freed by reference
        # counting; the cycle collector would otherwise run every ~700 of them and, as the memos
        # grow, walk them too. It waits until the conversation is done (no cycle is made here).
        collecting = gc.isenabled()
        gc.disable()
        try:
            ctx = Context(conversation.sentences, self.literals)
            hits = []
            rules, checks = self.rules, self.checks
            for n in self._candidates(ctx):  # each one's trigger occurs, or it has none
                truth, evidence = checks[n](ctx)
                if truth:
                    # RuleHit(key, evidence) without the generated __new__'s Python frame
                    hits.append(
                        _new(RuleHit, (rules[n].key, _unique(evidence) if evidence else _NO_SENTENCE))
                    )
            return hits
        finally:
            if collecting:
                gc.enable()

    def explain(self, conversation: Conversation) -> dict:
        """For "try a rule": every rule, whether it fired, its evidence, and every condition of
        its tree with its truth and evidence (a leaf lists what it found even when false — the
        words that made a `none` condition fail), as JSON-able dicts."""
        ctx = Context(conversation.sentences, self.literals)
        ctx.explaining = True
        out = []
        for rule in self.rules:
            trace: dict = {}
            truth, evidence = rule.tree.evaluate(ctx, trace)
            evidence_t = (_unique(evidence) or (Evidence(None),)) if truth else ()
            out.append(
                {
                    "key": _json_key(rule.key),
                    "fired": truth,
                    "evidence": [e.as_dict(ctx.sentences) for e in evidence_t],
                    "condition": _tree_json(rule.tree, trace),
                }
            )
        return {
            "sentences": len(conversation.sentences),
            "rules": out,
        }


def compile_rules(rules: Iterable[RuleSpec], *, phrases: Iterable[PhraseEntry] = ()) -> CompiledRules:
    """Compile `rules` (and the knowledge base's phrase lists, for `phrases` conditions).

    Raises ValueError naming the rule's key and the first problem when a condition is invalid;
    callers validate with validate_condition() first and show every problem."""
    literals = Literals()
    for entry in phrases:
        literals.phrases.setdefault(entry.kind, []).append(entry.phrase)
    compiled = []
    for spec in rules:
        errors = validate_condition(spec.condition)
        if errors:
            first = errors[0]
            raise ValueError(f"rule {spec.key!r}: {first.path or 'condition'}: {first.message}")
        compiled.append(_Rule(spec.key, _build(spec.condition, "", literals)))
    literals.build()
    return CompiledRules(compiled, literals)
