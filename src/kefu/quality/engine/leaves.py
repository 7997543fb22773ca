"""The operators (质检算子): one class per leaf type of a condition.

Each is built once at compile time from its JSON (already validated), registers its words in the
shared `Literals`, and answers `evaluate(ctx) -> (true?, evidence)` for a conversation, evidence as plain
(sentence, start, end, note) tuples (Evidence objects are made only for the rules that fire). `trigger`
is the set of literals of which at least one must occur somewhere in the conversation for the leaf
to be true (None when it can be true without any), so most rules are skipped at the cost of a set
lookup.
"""

from __future__ import annotations

import math
import re

from rapidfuzz import fuzz, process

from kefu.quality.engine import regex_literals
from kefu.quality.engine.matching import (
    TIMED,
    Context,
    Literals,
    literal_key,
    measure,
    similar_key,
    similarity_text,
    trigger_key,
)

DEFAULT_ROLES = {
    "keywords": "agent", "regex": "agent", "similar": "agent", "order": "agent", "repetition": "agent",
    "phrases": "agent", "polite_you": "agent", "slow_reply": "customer", "silence": "any",
    "interruption": "agent", "speed": "agent", "emotion": "customer",
}  # fmt: skip
DEFAULT_HOLD = ["请稍等", "稍等", "请您稍等"]
DEFAULT_NEGATIONS = ["不", "没", "没有", "并不", "不是", "别"]
# The customer's negative words (负面情绪词); editable per rule with `words`.
DEFAULT_NEGATIVE = [
    "不满意", "投诉", "差评", "太差", "骗子", "曝光", "12315", "举报", "垃圾", "坑人", "气死", "退钱",
    "什么态度", "态度差", "太慢", "忽悠", "欺骗", "受够", "消协", "工商局", "律师", "起诉", "失望", "恶心",
    "不像话", "无语", "生气", "离谱",
]  # fmt: skip
NEGATION_WINDOW = 2  # characters allowed between a negation and the word it negates ("不是要投诉")
_PUNCT = re.compile(r"[\s,.;:!?，。；：！？、…~～]")


def whole(ctx: Context, i: int, note: str = "") -> tuple:
    return (i, 0, len(ctx.sentences[i].text), note)


class Leaf:
    type = ""
    trigger: frozenset[int] | None = None
    shared = False  # used by more than one rule (its result is then kept per conversation)
    # True when the trigger occurring is the condition being true (words anywhere in the role's
    # sentences): "not" of such a condition is settled by the trigger alone, without evaluating.
    exact = False
    # What evaluating costs, roughly (an all-of condition asks its cheapest children first):
    # 1 settled from the words present or a memo, 2 a pass over the hits or sentences of the
    # scope, 3 timings or sentence comparisons built for the conversation.
    cost = 2

    def __init__(self, node: dict, lits: Literals):
        role = node.get("role") or DEFAULT_ROLES[node["type"]]
        self.role = None if role == "any" else role
        rng = node.get("range") or {"kind": "all"}
        kind = rng.get("kind", "all")
        if kind in ("first", "last"):
            self.range = (kind, int(rng["n"]))
        elif kind == "between":
            self.range = (kind, lits.add_all(rng["from"]), lits.add_all(rng["to"]))
        else:
            self.range = ("all",)
        self.setup(node, lits)
        self.scope_key = lits.scope_id(self.role, self.range)  # after setup, which may set the role

    def setup(self, node: dict, lits: Literals) -> None:
        raise NotImplementedError

    def scope(self, ctx: Context):
        """ctx.scope(role, range), read straight from the conversation's scopes once made."""
        found = ctx._scopes.get(self.scope_key)
        return found if found is not None else ctx.scope(self.role, self.range)

    def keyed(self, lits, role: str | None | bool = False) -> frozenset:
        """Trigger entries (matching.trigger_key): the literal said by a sentence of the leaf's
        role (None: by anyone)."""
        role = self.role if role is False else role
        return frozenset(trigger_key(role, lit) for lit in lits)

    def needs_evidence(self, own: frozenset[int] | None) -> frozenset | None:
        """The trigger of a leaf that is true only on evidence inside its scope: its own literals,
        or else the `from` anchors of a between range (no anchor, empty scope, nothing found)."""
        if own is not None:
            return self.keyed(own)
        if self.range[0] == "between":
            return self.keyed(self.range[1], None)
        return None

    def evaluate(self, ctx: Context) -> tuple[bool, list[tuple]]:
        raise NotImplementedError


class Keywords(Leaf):
    type = "keywords"

    def setup(self, node, lits):
        self.words = list(node["words"])
        self.lits = lits.add_all(self.words)
        self.mode = node.get("mode", "any")
        self.k = int(node.get("k") or 1)
        self.names = {lit: lits.words[lit] for lit in self.lits}
        self.trigger = None if self.mode == "none" else self.needs_evidence(self.lits)
        # Anywhere in the role's sentences, whether a word is said is in ctx.present already.
        self.said = self.keyed(self.lits) if self.range[0] == "all" else None
        self.exact = self.said is not None and self.mode == "any"
        self.cost = 1 if self.said is not None else 2

    def evaluate(self, ctx):
        said = self.said
        if said is not None and not ctx.explaining:  # settled from the words present, when it can be
            mode = self.mode
            if mode == "none":
                return said.isdisjoint(ctx.present), []
            if mode == "all" and not said <= ctx.present:
                return False, []
            if mode == "at_least" and len(said & ctx.present) < self.k:
                return False, []
        hits = ctx.hits
        if self.range[0] == "all":
            role, roles = self.role, ctx.roles
            found = [
                (lit, i, s, e)
                for lit in self.lits
                for i, s, e in hits.get(lit, ())
                if role is None or roles[i] == role
            ]
        else:
            scope = self.scope(ctx)[1]
            found = [(lit, i, s, e) for lit in self.lits for i, s, e in hits.get(lit, ()) if i in scope]
        mode = self.mode
        if mode == "any":
            truth = bool(found)
        elif mode == "none":
            truth = not found
        else:
            distinct = len({f[0] for f in found})
            truth = distinct == len(self.lits) if mode == "all" else distinct >= self.k
        if not found or not (truth or ctx.explaining):
            return truth, []
        names = self.names
        return truth, [(i, a, b, names[lit]) for lit, i, a, b in ctx.located(found)]


class Regex(Leaf):
    type = "regex"

    def setup(self, node, lits):
        self.pattern = re.compile(node["pattern"])
        self.exclude = re.compile(node["exclude"]) if node.get("exclude") else None
        required = regex_literals.required_literals(node["pattern"])
        self.lits = lits.add_all(required) if required else None
        # A literal normalising to nothing (spaces only) cannot filter: run everywhere.
        if self.lits is not None and len(self.lits) < len({literal_key(w) for w in required}):
            self.lits = None
        self.trigger = self.needs_evidence(self.lits)

    def evaluate(self, ctx):
        order, scope = self.scope(ctx)
        candidates = order if self.lits is None else ctx.sentences_with(self.lits, scope)
        evidence = []
        for i in candidates:
            text = ctx.sentences[i].text
            m = self.pattern.search(text)
            if m is None or (self.exclude is not None and self.exclude.search(text)):
                continue
            evidence.append((i, m.start(), m.end(), ""))
        return bool(evidence), evidence


class Similar(Leaf):
    type = "similar"
    cost = 1

    def setup(self, node, lits):
        self.threshold = t = float(node.get("threshold", 0.8))
        self.cutoff = t * 100 - 1e-6
        self.examples = []  # (example as written, its similarity text, id, bigram bound)
        for example in node["examples"]:
            text = similarity_text(example)
            if text:
                self.examples.append((example, text, lits.similar.add(text), self.bound(len(text), t)))
        self.gated = all(bound > 0 for *_rest, bound in self.examples)
        self.index = lits.similar
        # The shared memo (SimilarIndex.found: normalised sentence text → every similarity
        # condition's best match) answers; False turns it off (the bench's naive engine).
        self.memo = True
        self.number = len(self.index.leaves)
        self.index.leaves.append(self)
        self.index.roles.add(self.role)
        self.trigger = frozenset((similar_key(self.number),))

    @staticmethod
    def bound(le: int, t: float) -> int:
        """How many of an example's bigram positions (le characters) any text similar to it at
        threshold t must contain; 0 when there is no such bound (t ≤ 2/3 or a short example).

        rapidfuzz's similarity is 2·M/(le+W) for M characters aligned between the example and a
        window of W characters. Aligned pairs that follow each other in both strings share a bigram;
        every break consumes an unaligned character of one or the other, so at least
        (M−1) − (le−M) − (W−M) = 3M − le − W − 1 of the example's bigram positions occur in the
        text. With M ≥ t(le+W)/2 and the smallest window that can reach t (W ≥ t·le/(2−t)), that
        is le(3t−2)/(2−t) − 1."""
        if t <= 2 / 3:
            return 0
        return max(0, math.ceil(le * (3 * t - 2) / (2 - t) - 1 - 1e-9))

    def best(self, ctx: Context, i: int, sentence: str, examples):
        """best_of without sharing scores (each call scores afresh)."""
        return self.best_of(sentence, examples, {})

    def best_of(self, sentence: str, examples, scores: dict):
        """(score, example, start, end) of the example closest to `sentence` at or above the
        threshold, start/end in `sentence` (None: the whole sentence); None when none is close.
        `scores` (example id → (score, start, end)) is shared by the conditions asking about the
        same sentence: conditions of a rubric share their example sentences."""
        best = None
        ls = len(sentence)
        t = self.threshold
        for example, text, gid, _bound in examples:
            le = len(text)
            if ls <= le and 2 * ls < t * (ls + le):
                continue  # Indel ratio 2·M/(ls+le) with M ≤ ls: too short a sentence cannot reach t.
            found = scores.get(gid)
            if found is None:
                found = scores[gid] = measure(sentence, text)
            score = found[0]
            if score >= self.cutoff and (best is None or score > best[0]):
                best = (score, example, found[1], found[2])
        return best

    def examples_for(self, text: str, shared: dict[int, int] | None = None) -> list:
        """The examples worth scoring against `text`: those whose bigram bound it reaches
        (`shared`: SimilarIndex.shared(text), computed when not given)."""
        if not self.gated:
            return self.examples
        if shared is None:
            shared = self.index.shared(text)
        return [example for example in self.examples if shared.get(example[2], 0) >= example[3]]

    def evaluate(self, ctx):
        if self.memo:
            # The evidence of the sentences whose memoised matches include this condition,
            # then the scope.
            matched = ctx.similar_found().get(self.number)
            if not matched:
                return False, []
            scope = self.scope(ctx)[1]
            evidence = [piece for piece in matched if piece[0] in scope]
            return bool(evidence), evidence
        found = []
        for i in self.scope(ctx)[0]:
            text = ctx.sim_text(i)
            best = self.best(ctx, i, text, self.examples_for(text)) if text else None
            if best is not None:
                found.append((i, best))
        evidence = []
        for i, (score, example, start, end) in found:
            note = f"{score:.0f}% ~ {example}"
            if start is None:
                evidence.append(whole(ctx, i, note))
            else:
                origin = ctx.sim_origins(i)
                evidence.append((i, origin[start], origin[end - 1] + 1, note))
        return bool(evidence), evidence


class Order(Leaf):
    type = "order"

    def setup(self, node, lits):
        self.first = lits.add_all(node["first"])
        self.then = lits.add_all(node["then"])
        self.names = {lit: lits.words[lit] for lit in (*self.first, *self.then)}
        smaller = self.first if len(self.first) <= len(self.then) else self.then
        self.trigger = self.keyed(smaller)

    def evaluate(self, ctx):
        _order, scope = self.scope(ctx)
        firsts = sorted((i, a, b, lit) for lit, i, a, b in ctx.occurrences(self.first, scope))
        if not firsts:
            return False, []
        fi, fa, fb, flit = firsts[0]
        thens = sorted(
            (i, a, b, lit)
            for lit, i, a, b in ctx.occurrences(self.then, scope)
            if i > fi or (i == fi and a >= fb)
        )
        if not thens:
            return False, [(fi, fa, fb, self.names[flit])]
        ti, ta, tb, tlit = thens[0]
        return True, [(fi, fa, fb, self.names[flit]), (ti, ta, tb, self.names[tlit])]


class Repetition(Leaf):
    type = "repetition"
    cost = 3

    def setup(self, node, lits):
        self.times = int(node["times"])
        self.threshold = float(node.get("threshold", 0.9))
        self.cutoff = self.threshold * 100 - 1e-6
        self.trigger = self.needs_evidence(None)

    def groups(self, ctx: Context, order) -> list[list[int]]:
        """The scope's sentences grouped by (near-)identical text; shared by every repetition
        condition with the same scope and threshold."""
        reps: list[str] = []
        groups: list[list[int]] = []
        exact: dict[str, list[int]] = {}
        near = self.threshold < 1
        for i in order:
            text = ctx.sim_text(i)
            if not text:
                continue
            group = exact.get(text)
            if group is None and near and reps:
                found = process.extractOne(text, reps, scorer=fuzz.ratio, score_cutoff=self.cutoff)
                if found is not None:
                    group = groups[found[2]]
                    exact[text] = group
            if group is None:
                group = exact[text] = []
                reps.append(text)
                groups.append(group)
            group.append(i)
        return groups

    def evaluate(self, ctx):
        order, _scope = self.scope(ctx)
        if len(order) < self.times:
            return False, []
        groups = ctx.cached(
            ("repetition", self.role, self.range, self.threshold), lambda: self.groups(ctx, order)
        )
        evidence = []
        for members in groups:
            if len(members) >= self.times:
                note = f"said {len(members)} times"
                evidence.extend(whole(ctx, i, note) for i in members)
        evidence.sort(key=lambda e: e[0])
        return bool(evidence), evidence


class Phrases(Leaf):
    type = "phrases"

    def setup(self, node, lits):
        self.kind = node["kind"]
        phrases = lits.phrases.get(self.kind, ())
        self.lits = frozenset(lits.add_all(phrases))
        self.names = {lit: lits.words[lit] for lit in self.lits}
        self.trigger = self.keyed(self.lits)
        self.exact = self.range[0] == "all"

    def evaluate(self, ctx):
        _order, scope = self.scope(ctx)
        found = sorted((i, a, b, lit) for lit, i, a, b in ctx.occurrences(self.lits, scope))
        return bool(found), [(i, a, b, f"{self.kind}: {self.names[lit]}") for i, a, b, lit in found]


class PoliteYou(Leaf):
    type = "polite_you"

    def setup(self, node, lits):
        self.you = lits.add("你")
        self.allowed = lits.add_all(node.get("except", ["你们"]))
        self.trigger = self.keyed((self.you,))

    def evaluate(self, ctx):
        _order, scope = self.scope(ctx)
        allowed = {}
        for _lit, i, a, b in ctx.occurrences(self.allowed, scope):
            allowed.setdefault(i, []).append((a, b))
        evidence = []
        for _lit, i, a, b in ctx.occurrences((self.you,), scope):
            if any(x <= a and b <= y for x, y in allowed.get(i, ())):
                continue
            evidence.append((i, a, b, "你 → 您"))
        evidence.sort(key=lambda e: (e[0], e[1]))
        return bool(evidence), evidence


class SlowReply(Leaf):
    type = "slow_reply"

    def setup(self, node, lits):
        self.limit = float(node["seconds"]) * 1000
        self.every = node.get("scope", "first") == "every"
        self.role = "customer"  # the customer's messages wait for the agent's reply
        self.trigger = self.keyed((TIMED,))

    def evaluate(self, ctx):
        order, _scope = self.scope(ctx)
        replies = ctx.cached(("replies", self.range), lambda: _replies(ctx, order))
        evidence = []
        for i, waited in replies:
            if waited is None:
                # Nobody answered before the end: there is no reply time to measure.
                if not self.every:
                    break
                continue
            if waited > self.limit:
                evidence.append(whole(ctx, i, f"reply after {waited / 1000:.1f} s"))
            if not self.every:
                break
        return bool(evidence), evidence


def _replies(ctx: Context, order) -> list[tuple[int, int | None]]:
    """(customer sentence, ms until the next agent sentence starts, None when none follows) for
    the scope's sentences with a timing, in order; shared by the reply-time conditions."""
    sentences = ctx.sentences
    next_agent = ctx.cached("next_agent", lambda: _next_agent(ctx))
    out = []
    for i in order:
        s = sentences[i]
        asked = s.end_ms if s.end_ms is not None else s.start_ms
        if asked is None:
            continue
        j = next_agent[i]
        if j is None:
            out.append((i, None))
        else:
            # A later agent sentence with a timing (see _next_agent): its start, else its end.
            r = sentences[j]
            out.append((i, (r.start_ms if r.start_ms is not None else r.end_ms) - asked))
    return out


def _next_agent(ctx: Context) -> list[int | None]:
    """For each sentence, the first later agent sentence with a timing (None when there is none)."""
    sentences = ctx.sentences
    out: list[int | None] = [None] * len(sentences)
    following = None
    for i in range(len(sentences) - 1, -1, -1):
        out[i] = following
        s = sentences[i]
        if s.role == "agent" and (s.start_ms is not None or s.end_ms is not None):
            following = i
    return out


class Silence(Leaf):
    type = "silence"
    cost = 3

    def setup(self, node, lits):
        self.limit = float(node["seconds"]) * 1000
        self.hold = lits.add_all(node.get("except", DEFAULT_HOLD))
        self.trigger = self.keyed((TIMED,))

    def gaps(self, ctx: Context, order, scope) -> list[tuple[int, float, bool]]:
        """(sentence before the gap, gap in ms, excused by a hold phrase) for every gap of the
        scope; shared by the silence conditions with the same scope and hold phrases."""
        sentences = ctx.sentences
        holding = set(ctx.sentences_with(self.hold, scope)) if self.hold else set()
        out = []
        latest = None  # the latest end so far: a short sentence inside a long one ends no silence
        previous = None
        for i in order:
            s = sentences[i]
            start, end = s.start_ms, s.end_ms
            if start is None:
                if end is None:
                    continue
                start = end
            elif end is None:
                end = start
            if latest is not None and start > latest:
                out.append(
                    (previous, start - latest, sentences[previous].role == "agent" and previous in holding)
                )
            latest = end if latest is None else max(latest, end)
            previous = i
        return out

    def evaluate(self, ctx):
        order, scope = self.scope(ctx)
        gaps = ctx.cached(("gaps", self.role, self.range, self.hold), lambda: self.gaps(ctx, order, scope))
        limit = self.limit
        evidence = [
            whole(ctx, i, f"silence {gap / 1000:.1f} s")
            for i, gap, excused in gaps
            if gap > limit and not excused
        ]
        return bool(evidence), evidence


class Interruption(Leaf):
    type = "interruption"
    cost = 3

    def setup(self, node, lits):
        self.min_customer = float(node.get("min_customer_ms", 1000))
        self.min_overlap = float(node.get("overlap_ms", 300))
        self.trigger = self.keyed((TIMED,))

    def evaluate(self, ctx):
        order, _scope = self.scope(ctx)
        sentences = ctx.sentences
        customers = ctx.cached(
            "customer_spans",
            lambda: [
                (s.start_ms, s.end_ms)
                for s in sentences
                if s.role == "customer"
                and s.start_ms is not None
                and s.end_ms is not None
                and s.end_ms > s.start_ms
            ],
        )
        if not customers:
            return False, []
        evidence = []
        for i in order:
            s = sentences[i]
            if s.start_ms is None:
                continue
            a = s.start_ms
            for cs, ce in customers:
                if cs <= a < ce and a - cs >= self.min_customer:
                    overlap = (min(s.end_ms, ce) if s.end_ms is not None else ce) - a
                    if overlap >= self.min_overlap:
                        note = f"interrupted after {(a - cs) / 1000:.1f} s, overlap {overlap / 1000:.1f} s"
                        evidence.append(whole(ctx, i, note))
                        break
        return bool(evidence), evidence


class Speed(Leaf):
    type = "speed"
    cost = 3

    def setup(self, node, lits):
        self.low = node.get("min")
        self.high = node.get("max")
        self.trigger = self.keyed((TIMED,))

    @staticmethod
    def speeds(ctx: Context, order) -> list[tuple[int, float]]:
        out = []
        for i in order:
            s = ctx.sentences[i]
            if s.start_ms is None or s.end_ms is None or s.end_ms <= s.start_ms:
                continue
            chars = len(ctx.sim_text(i))
            if chars:
                out.append((i, chars * 60000 / (s.end_ms - s.start_ms)))
        return out

    def evaluate(self, ctx):
        order, _scope = self.scope(ctx)
        speeds = ctx.cached(("speed", self.role, self.range), lambda: self.speeds(ctx, order))
        low = self.low if self.low is not None else float("-inf")
        high = self.high if self.high is not None else float("inf")
        evidence = [whole(ctx, i, f"{cpm:.0f} chars/min") for i, cpm in speeds if cpm < low or cpm > high]
        return bool(evidence), evidence


class Emotion(Leaf):
    type = "emotion"

    def setup(self, node, lits):
        self.words = lits.add_all(node.get("words") or DEFAULT_NEGATIVE)
        self.negations = lits.add_all(node.get("negations", DEFAULT_NEGATIONS))
        self.names = {lit: lits.words[lit] for lit in self.words}
        self.trigger = self.needs_evidence(self.words)

    def evaluate(self, ctx):
        _order, scope = self.scope(ctx)
        found = ctx.occurrences(self.words, scope)
        if not found:
            return False, []
        negations: dict[int, list[int]] = {}
        for _lit, i, _a, b in ctx.occurrences(self.negations, frozenset(i for _l, i, _a, _b in found)):
            negations.setdefault(i, []).append(b)
        evidence = []
        for lit, i, a, b in sorted(found, key=lambda f: (f[1], f[2])):
            text = ctx.sentences[i].text
            if any(
                end <= a and a - end <= NEGATION_WINDOW and not _PUNCT.search(text, end, a)
                for end in negations.get(i, ())
            ):
                continue
            evidence.append((i, a, b, self.names[lit]))
        return bool(evidence), evidence


LEAVES = {
    cls.type: cls
    for cls in (
        Keywords,
        Regex,
        Similar,
        Order,
        Repetition,
        Phrases,
        PoliteYou,
        SlowReply,
        Silence,
        Interruption,
        Speed,
        Emotion,
    )  # fmt: skip
}
