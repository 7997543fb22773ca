"""Quality inspection engine: conversations inspected per second against 200 rules and 2,000 phrases.

    uv run python bench/quality.py [--scale 1] [--baseline 2000] [--profile]

`--scale 1` is the issue's target: 100,000 synthetic conversations (~20 sentences each, ~2 million
sentences) against 200 rules of every type (keywords any/all/none/at-least with ranges, regular
expressions with and without literals, similarity, order, repetition, phrase lists, 你/您, reply
time, silence, interruption, speed, emotion, and AND/OR/NOT combinations) and 2,000 knowledge-base
phrases; `--scale 0.02` is a quick run (2,000). Conversations are generated from Chinese service
sentences with timings (phone and chat), some with violations (你 for 您, forbidden phrases, the
customer's complaints, long silences, interruptions, repeated sentences, a missing greeting).

Ours: kefu.quality.engine — compile_rules once, then Conversation.from_json + CompiledRules.inspect
+ the score (scoring.score, each rule an item of one point) per conversation (the path the
inspection task takes, storage apart), timed with perf_counter and process_time.
Two baselines in the same run, on the first `--baseline` conversations (default 2,000; the same
ones), CPU per conversation compared (compile time reported apart for all three):

* `baseline_naive` — the one the target (≥ 10×) is judged against: the straightforward engine that
  computes the SAME results as ours (NaiveEngine below). Every rule, every leaf, every sentence of
  its scope: no automaton (a leaf's word list — keywords, phrases, lexicon, anchors — searched as
  one regular-expression alternation per sentence, then each word), no trigger gating (no rule is
  skipped), no literal prefilter for regular expressions, similarity by rapidfuzz against each
  example for every sentence with no bigram prefilter and no cache, timing leaves (gaps, speeds,
  repetition groups) recomputed by each condition from their definition. It is built from the same
  compiled operators, so its semantics cannot drift from ours; the bench asserts that it fires
  exactly the rules ours fires on every conversation of the subset and prints the agreement.
* `baseline_regex` — the issue's wording, "every rule's regular expression run over every
  sentence": each rule turned into one regular expression (its keywords, anchors, examples, phrases
  and lexicon as an alternation, its own expressions alongside) searched over every sentence of the
  rule's role. It does LESS work than ours (no similarity scoring, no timing, no evidence, no
  and/or/not, a match is not a decision) — printed beside the other for reference only.

Ours keeps two bounded memos across conversations (see kefu.quality.engine): a sentence text's
literal hits (and origins, similarity text) and each distinct agent sentence's similarity matches.
The generator is made so they cannot answer everything: 30–40 % of sentences carry fillers drawn
from 6,000 random words (so they are unique), the rest are scripted frames × topics, greetings,
holds and farewells (which repeat from call to call, as they do in real calls). The run prints how
often each memo answered — at --scale 0.01–0.02 about 70 % of sentence texts and 70 % of similarity
lookups; both are counted over the timed runs only. Ours is timed on the baseline subset first,
memos empty (its coldest conversations), so the ratios are conservative.

`--profile` prints cProfile's top functions for ours on the baseline subset.
Progress goes to stdout; the last line is one JSON object with every figure.

For an end-to-end section (transcripts stored, the task inspecting them), `workload()` gives the
same rules, phrases and conversations (each a list of Transcript.sentences dicts).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_machine import machine  # noqa: E402

POOL = [chr(c) for c in range(0x4E00, 0x4E00 + 3500)]

GREETINGS = [
    "您好，很高兴为您服务",
    "您好，请问有什么可以帮您",
    "您好，欢迎致电客服中心，工号一零二三为您服务",
]
BAD_GREETINGS = ["你好，有什么事", "喂，说吧", "你好"]
FAREWELLS = ["感谢您的来电，祝您生活愉快，再见", "请问还有其他可以帮您的吗？再见", "好的，再见"]
# A conversation is about one or two topics (退款, 发票 ...): agents' and customers' sentences are
# frames filled with them, or general service sentences.
AGENT_FRAMES = [
    "好的，我这边帮您查询一下{t}", "关于{t}，麻烦您提供一下手机号码", "您的{t}已经处理好了，预计三天内完成",
    "{t}会在三到五个工作日内办好", "{t}的问题我已经帮您登记，稍后会有专人联系您", "您可以在APP里查看{t}的进度",
    "请问是哪一个{t}有问题呢", "{t}这边目前需要您核实一下身份", "我帮您申请了{t}，请您留意短信",
]  # fmt: skip
AGENT_GENERAL = [
    "好的，我明白了", "非常抱歉给您带来不便", "您的身份已经核实，现在为您办理", "请您提供一下手机号码",
    "这个问题我已经帮您登记", "您的工单号是二零二六一二零二", "请问还有什么需要帮您的吗",
]  # fmt: skip
HOLDS = ["请稍等，我帮您查询一下", "请您稍等片刻"]
CUSTOMER_FRAMES = [
    "我想问一下{t}的事", "{t}怎么还没好", "能不能帮我看看{t}", "这个{t}有问题", "{t}什么时候能办好", "我的{t}出错了",
]  # fmt: skip
CUSTOMER_GENERAL = [
    "我的手机号是13812345678", "好的，谢谢", "嗯嗯", "那我等你们的电话", "行吧", "我不是投诉，就是问问",
    "我已经等了很久了", "是的", "对，就是这个",
]  # fmt: skip
COMPLAINTS = [
    "我要投诉你们",
    "你们服务太差了",
    "我很不满意",
    "再这样我就打12315",
    "我要给差评",
    "你们就是骗子",
]
FORBIDDEN = ["没办法", "不知道", "不归我管", "你自己看", "我也没办法", "这是规定", "听不懂吗", "你问别人"]
DISCOURAGED = ["我晕", "天啊", "怎么这样", "真是的", "啊", "那个那个"]
REQUIRED = ["您好", "请问", "感谢", "再见", "为您", "请您", "好的", "您的"]
TOPICS = [
    "退款", "退货", "换货", "物流", "快递", "发票", "积分", "会员", "优惠券", "补偿", "工单", "地址", "订单", "售后",
    "维修", "保修", "安装", "缺货", "价格", "活动", "账号", "密码", "实名", "银行卡", "短信", "验证码", "手机号",
]  # fmt: skip


def say(msg: str) -> None:
    print(msg, flush=True)


def _filler(rng: random.Random, vocab: list[str], n: int) -> str:
    out = []
    while sum(map(len, out)) < n:
        out.append(rng.choice(vocab))
    return "".join(out)


class Generator:
    """Seeded synthetic data: rules, phrases and conversations (see the module docstring)."""

    def __init__(self, seed: int = 12):
        self.rng = random.Random(seed)
        rng = self.rng
        self.vocab = ["".join(rng.choice(POOL) for _ in range(rng.randint(1, 3))) for _ in range(6000)]
        self.rare = ["".join(rng.choice(POOL) for _ in range(rng.randint(2, 4))) for _ in range(3000)]

    # --- phrases ---------------------------------------------------------------------------------
    def phrases(self, n: int = 2000) -> list[tuple[str, str]]:
        rng = self.rng
        out = [("forbidden", p) for p in FORBIDDEN] + [("discouraged", p) for p in DISCOURAGED]
        seen = {p for _k, p in out}
        while len(out) < n:
            p = "".join(rng.choice(POOL) for _ in range(rng.randint(2, 6)))
            if p not in seen:
                seen.add(p)
                out.append(("forbidden" if rng.random() < 0.6 else "discouraged", p))
        return out

    # --- rules -----------------------------------------------------------------------------------
    def _words(self, k: int) -> list[str]:
        rng = self.rng
        return [rng.choice(TOPICS) if rng.random() < 0.4 else rng.choice(self.rare) for _ in range(k)]

    def _range(self) -> dict:
        rng = self.rng
        r = rng.random()
        if r < 0.6:
            return {"kind": "all"}
        if r < 0.75:
            return {"kind": "first", "n": rng.randint(1, 4)}
        if r < 0.9:
            return {"kind": "last", "n": rng.randint(1, 4)}
        return {"kind": "between", "from": [rng.choice(TOPICS)], "to": [rng.choice(["再见", "谢谢", "还有"])]}

    def _leaf(self, kind: str) -> dict:
        rng = self.rng
        role = rng.choice(["agent", "agent", "customer", "any"])
        if kind == "keywords":
            mode = rng.choice(["any", "any", "all", "none", "at_least"])
            # "none" rules check what agents are required to say (所以通常不触发): the usual words.
            words = (
                rng.sample(REQUIRED, rng.randint(1, 3)) if mode == "none" else self._words(rng.randint(2, 6))
            )
            leaf = {"type": "keywords", "words": words, "mode": mode, "role": role, "range": self._range()}
            if mode == "at_least":
                leaf["k"] = 2
            return leaf
        if kind == "regex":
            patterns = [
                r"1[3-9]\d{9}", r"(退款|退货).{0,6}(工作日|三天)", r"^(嗯|啊|那)+$", r"请您.{0,8}(核实|提供)",
                rng.choice(self.rare) + r".{0,5}" + rng.choice(self.rare), r"\d{4,}", rng.choice(TOPICS) + r"(吗|呢)",
                r"(?:不|没)(行|办法|有空)", rng.choice(self.rare) + "|" + rng.choice(self.rare),
            ]  # fmt: skip
            leaf = {"type": "regex", "pattern": rng.choice(patterns), "role": role}
            if rng.random() < 0.3:
                leaf["exclude"] = rng.choice(["抱歉", "谢谢", "不是"])
            return leaf
        if kind == "similar":
            framed = rng.choice(AGENT_FRAMES).format(t=rng.choice(TOPICS))
            examples = [
                rng.choice(GREETINGS + FAREWELLS + AGENT_GENERAL),
                framed,
                _filler(rng, self.vocab, 10),
            ]
            return {"type": "similar", "examples": examples, "threshold": rng.choice([0.75, 0.8, 0.85])}
        if kind == "order":
            return {
                "type": "order",
                "first": [rng.choice(["核实", "您好", "手机号"])],
                "then": [rng.choice(["办理", "退款", "再见"])],
            }
        if kind == "repetition":
            return {"type": "repetition", "times": rng.choice([2, 3]), "threshold": 0.9}
        if kind == "phrases":
            return {"type": "phrases", "kind": rng.choice(["forbidden", "discouraged"])}
        if kind == "polite_you":
            return {"type": "polite_you"}
        if kind == "slow_reply":
            return {
                "type": "slow_reply",
                "seconds": rng.choice([15, 30, 60]),
                "scope": rng.choice(["first", "every"]),
            }
        if kind == "silence":
            return {"type": "silence", "seconds": rng.choice([8, 10, 15])}
        if kind == "interruption":
            return {"type": "interruption", "min_customer_ms": 1000, "overlap_ms": rng.choice([300, 500])}
        if kind == "speed":
            return {"type": "speed", "min": rng.choice([None, 120]), "max": rng.choice([300, 350, 400])}
        if kind == "emotion":
            return (
                {"type": "emotion"}
                if rng.random() < 0.7
                else {"type": "emotion", "words": rng.sample(TOPICS, 3)}
            )
        raise ValueError(kind)

    def rules(self, n: int = 200) -> list[dict]:
        rng = self.rng
        mix = (
            ["keywords"] * 60 + ["regex"] * 30 + ["similar"] * 10 + ["order"] * 10 + ["repetition"] * 4
            + ["phrases"] * 4 + ["polite_you"] * 3 + ["slow_reply"] * 3 + ["silence"] * 4 + ["interruption"] * 4
            + ["speed"] * 4 + ["emotion"] * 8
        )  # fmt: skip
        out = [{"type": "keywords", "words": ["您好"], "range": {"kind": "first", "n": 2}, "mode": "none"}]
        while len(out) < n:
            r = rng.random()
            if r < 0.7:
                leaf = self._leaf(rng.choice(mix))
                out.append({k: v for k, v in leaf.items() if v is not None})
            else:
                children = [
                    {k: v for k, v in self._leaf(rng.choice(mix)).items() if v is not None}
                    for _ in range(rng.randint(2, 3))
                ]
                if rng.random() < 0.4:
                    required = {"type": "keywords", "words": rng.sample(REQUIRED, 2), "role": "agent"}
                    children[-1] = {"not": required}
                out.append({rng.choice(["all", "any"]): children})
        return out

    # --- conversations ---------------------------------------------------------------------------
    def conversation(self) -> tuple[str, list[dict]]:
        """(channel, sentences) — one conversation in the Transcript.sentences shape."""
        rng = self.rng
        channel = "chat" if rng.random() < 0.25 else "phone"
        n = rng.randint(14, 26)
        bad = rng.random() < 0.3  # this conversation carries violations
        topics = rng.sample(TOPICS, rng.randint(1, 2))

        def agent_line() -> str:
            if rng.random() < 0.6:
                return rng.choice(AGENT_FRAMES).format(t=rng.choice(topics))
            return rng.choice(AGENT_GENERAL)

        def customer_line() -> str:
            if rng.random() < 0.5:
                return rng.choice(CUSTOMER_FRAMES).format(t=rng.choice(topics))
            return rng.choice(CUSTOMER_GENERAL)

        lines: list[tuple[str, str]] = [
            ("agent", rng.choice(BAD_GREETINGS if bad and rng.random() < 0.3 else GREETINGS))
        ]
        for i in range(1, n - 1):
            if i % 2:
                text = rng.choice(COMPLAINTS) if bad and rng.random() < 0.15 else customer_line()
                if rng.random() < 0.3:
                    text += "，" + _filler(rng, self.vocab, rng.randint(3, 10))
                lines.append(("customer", text))
            else:
                r = rng.random()
                if bad and r < 0.08:
                    text = rng.choice(FORBIDDEN + DISCOURAGED) + "，" + agent_line()
                elif bad and r < 0.14:
                    text = agent_line().replace("您", "你")
                elif r < 0.2:
                    text = rng.choice(HOLDS)
                elif bad and r < 0.25 and len(lines) > 2:
                    text = lines[-2][1]  # the agent repeats itself
                else:
                    text = agent_line()
                    if rng.random() < 0.4:
                        text += "，" + _filler(rng, self.vocab, rng.randint(4, 14))
                lines.append(("agent", text))
        lines.append(("agent", rng.choice(FAREWELLS)))
        sentences = []
        clock = 0
        for role, text in lines:
            if channel == "chat":
                clock += rng.randint(2_000, 20_000) if rng.random() > 0.05 else rng.randint(40_000, 90_000)
                sentences.append(
                    {"role": role, "speaker": role, "text": text, "start_ms": clock, "end_ms": clock}
                )
                continue
            gap = rng.randint(200, 1_500)
            if bad and rng.random() < 0.05:
                gap = rng.randint(12_000, 30_000)  # a long silence
            if bad and role == "agent" and sentences and rng.random() < 0.1:
                gap = -rng.randint(500, 2_000)  # the agent cuts in
            start = max(0, clock + gap)
            cpm = rng.randint(180, 320) if rng.random() > 0.05 else rng.randint(380, 450)
            end = start + max(300, int(len(text) * 60_000 / cpm))
            sentences.append({"role": role, "speaker": role, "text": text, "start_ms": start, "end_ms": end})
            clock = max(clock, end)
        return channel, sentences

    def conversations(self, n: int) -> Iterator[tuple[str, list[dict]]]:
        for _ in range(n):
            yield self.conversation()


def workload(conversations: int, *, seed: int = 12, rules: int = 200, phrases: int = 2000) -> dict:
    """The bench's data for other sections (an end-to-end run through the database and the task):
    {"rules": [condition dicts], "phrases": [(kind, phrase)], "conversations": iterator of
    (channel, [Transcript.sentences dicts])}. Same seed, same data."""
    gen = Generator(seed)
    return {
        "phrases": gen.phrases(phrases),
        "rules": gen.rules(rules),
        "conversations": gen.conversations(conversations),
    }


# --- the naive baseline ----------------------------------------------------------------------------
def _leaves(node: dict):
    if "all" in node or "any" in node:
        for child in node.get("all") or node.get("any"):
            yield from _leaves(child)
    elif "not" in node:
        yield from _leaves(node["not"])
    else:
        yield node


def naive_rule(condition: dict, phrases: list[tuple[str, str]]):
    """(role or None, one compiled expression or None): the rule as one regular expression."""
    from kefu.quality.engine.leaves import DEFAULT_HOLD, DEFAULT_NEGATIVE, DEFAULT_ROLES

    literals: list[str] = []
    patterns: list[str] = []
    role = None
    for leaf in _leaves(condition):
        role = role or leaf.get("role") or DEFAULT_ROLES[leaf["type"]]
        kind = leaf["type"]
        literals += leaf.get("words") or []
        literals += leaf.get("first", []) + leaf.get("then", []) + leaf.get("examples", [])
        rng = leaf.get("range") or {}
        literals += rng.get("from", []) + rng.get("to", [])
        if kind == "regex":
            patterns.append(leaf["pattern"])
        elif kind == "phrases":
            literals += [p for k, p in phrases if k == leaf["kind"]]
        elif kind == "polite_you":
            patterns.append("你(?!们)")
        elif kind == "emotion" and not leaf.get("words"):
            literals += DEFAULT_NEGATIVE
        elif kind == "silence":
            literals += DEFAULT_HOLD
    alternatives = [f"(?:{p})" for p in patterns] + [
        re.escape(w) for w in sorted(set(literals), key=len, reverse=True)
    ]
    expression = re.compile("|".join(alternatives)) if alternatives else None
    return (None if role == "any" else role), expression


def run_naive(conversations: list[tuple[str, list[dict]]], compiled: list) -> int:
    fired = 0
    for _channel, sentences in conversations:
        for role, expression in compiled:
            if expression is None:
                continue
            search = expression.search
            for s in sentences:
                # Every sentence of the scope: findings keep each matching sentence.
                if (role is None or s["role"] == role) and search(s["text"]):
                    fired += 1
    return fired


# --- the naive engine: the same results, computed the straightforward way ----------------------
class _Everything:
    """ctx.present for the naive engine: every trigger "occurs", so no rule is ever skipped."""

    def isdisjoint(self, _other) -> bool:
        return False


class _NoCache(dict):
    """A cache that forgets (similarity scores, scopes): everything is recomputed when asked."""

    def __setitem__(self, key, value) -> None:
        pass


class _NaiveHits:
    """ctx.hits for the naive engine: a word's occurrences found when asked (every sentence
    searched with the word's own regular expression), never kept."""

    def __init__(self, keys: list[str], patterns: list):
        self.keys, self.patterns = keys, patterns

    def get(self, lit, default=None):
        search = self.patterns[lit].finditer
        found = [
            (i, m.start(), m.start() + len(m.group(1)))
            for i, key in enumerate(self.keys)
            for m in search(key)
        ]
        return found or default

    def __contains__(self, lit) -> bool:
        return self.get(lit) is not None

    def __getitem__(self, lit):
        return self.get(lit) or []


def naive_context_class():
    from kefu.knowledge.phrases import automaton_key
    from kefu.quality.engine.matching import Context

    class NaiveContext(Context):
        """Context without the automaton, the prefilters or the caches: every operator searches
        every sentence of its scope itself (a word list as one alternation, then each word)."""

        def __init__(self, sentences, literals, engine):
            self.sentences = sentences
            self.literals = literals
            self.roles = [s.role for s in sentences]
            self.keys = [automaton_key(s.text) for s in sentences]
            self.hits = _NaiveHits(self.keys, engine.word_patterns)
            self.present = _Everything()
            self.timed = any(s.start_ms is not None or s.end_ms is not None for s in sentences)
            # Origins and similarity texts: this conversation's own, forgotten after it.
            self.infos = [[(), None, None, None] for _s in sentences]
            self._scopes, self._cache = _NoCache(), {}  # scopes recomputed for every condition
            self.similarity = _NoCache()
            self.explaining = False
            self.engine = engine

        def _hits_of(self, lits):
            alternation = self.engine.alternation(lits)
            out: dict = {}
            for i, key in enumerate(self.keys):
                if not alternation.search(key):
                    continue
                for lit in lits:
                    for m in self.engine.word_patterns[lit].finditer(key):
                        out.setdefault(lit, []).append((i, m.start(), m.start() + len(m.group(1))))
            return list(out.items())

        def scope(self, role, rng):
            self._scopes.pop((role, rng), None)  # recomputed for every condition
            return super().scope(role, rng)

        def cached(self, key, compute):
            return compute()  # gaps, speeds, repetition groups: computed by every condition

    return NaiveContext


class NaiveEngine:
    """The straightforward engine computing the same results as kefu.quality.engine: every rule,
    every leaf, every sentence of its scope. Built from the same compiled operators (so the
    semantics cannot drift) with every shortcut taken out: no automaton (words by regular
    expression: a leaf's word list as one alternation, then each word), no trigger gating, no
    literal prefilter for regular expressions, no bigram prefilter and no cache for similarity
    (rapidfuzz against each example for every sentence), timing conditions recomputed by each."""

    def __init__(self, compiled):
        from kefu.quality.engine.leaves import Keywords, Regex, Similar
        from kefu.quality.engine.rules import AllNode, AnyNode, LeafNode, NotNode

        self.compiled = compiled
        keys = [""] * len(compiled.literals.words)
        for key, lit in compiled.literals.ids.items():
            keys[lit] = key
        self.word_patterns = [re.compile("(?=(" + re.escape(k) + "))") for k in keys]
        self._alternations: dict = {}
        self.context = naive_context_class()

        def strip(node):
            node.trigger, node.exact = None, False
            if isinstance(node, AllNode | AnyNode):
                for c in node.children:
                    strip(c)
            elif isinstance(node, NotNode):
                strip(node.child)
            elif isinstance(node, LeafNode):
                leaf = node.leaf
                leaf.trigger, leaf.shared = None, False  # every condition evaluated by itself
                leaf.exact = False
                if isinstance(leaf, Keywords):
                    leaf.said = None  # words searched in every sentence, not read off ctx.present
                if isinstance(leaf, Regex):
                    leaf.lits = None
                if isinstance(leaf, Similar):
                    leaf.gated, leaf.memo = False, None

        for rule in compiled.rules:
            strip(rule.tree)
        self.keys_list = keys

    def alternation(self, lits):
        key = lits if isinstance(lits, frozenset) else tuple(lits)
        found = self._alternations.get(key)
        if found is None:  # compiled once per word list (compile time, like ours)
            words = sorted({self.keys_list[lit] for lit in lits}, key=len, reverse=True)
            found = self._alternations[key] = re.compile("|".join(map(re.escape, words)) or "(?!)")
        return found

    def inspect(self, conversation) -> list:
        """The keys of the rules that fire, in compiled order."""
        return [hit.key for hit in self.hits(conversation)]

    def hits(self, conversation) -> list:
        """RuleHits with their evidence, as CompiledRules.inspect gives them."""
        from kefu.quality.engine.rules import Evidence, RuleHit, _unique

        ctx = self.context(conversation.sentences, self.compiled.literals, self)
        fired = []
        for rule in self.compiled.rules:
            truth, evidence = rule.tree.evaluate(ctx, None)
            if truth:
                fired.append(RuleHit(rule.key, _unique(list(evidence)) or (Evidence(None),)))
        return fired


# --- end to end: stored transcripts, the worker's service, the database ---------------------------


def end_to_end(n: int, *, seed: int, rules: list[dict], phrases: list[tuple[str, str]]) -> dict:
    """`n` conversations stored as transcripts, then inspected by `inspect_many` — what the worker
    and `quality_reinspect` run: routing, the version's compiled rules, scoring and the bulk writes of
    inspections and findings — on the embedded profile's SQLite in a throw-away directory. The rules
    and phrases are the bench's, as a published rubric (one item per rule) and the knowledge base's
    phrase lists."""
    from datetime import timedelta

    from django.utils import timezone

    from kefu.knowledge.models import PhraseRule
    from kefu.quality.models import Transcript
    from kefu.quality.services import rubrics as rubric_services
    from kefu.quality.services import rules as rule_services
    from kefu.quality.services.inspection import clear_compiled, inspect_many

    PhraseRule.objects.bulk_create(
        [PhraseRule(kind=kind, phrase=phrase) for kind, phrase in phrases], ignore_conflicts=True
    )
    rubric = rubric_services.rubric_create(name="bench", channels=["phone", "chat"], by=None)
    draft = rubric.versions.get()
    for k, condition in enumerate(rules):
        item = rubric_services.item_create(
            version=draft, code=f"r{k:03d}", name=f"rule {k}", group="wording", points=1, by=None
        )
        rule_services.rule_create(version=draft, item=item, name=f"rule {k}", condition=condition, by=None)
    rubric_services.version_publish(version=draft, by=None)
    clear_compiled()

    gen = Generator(seed + 1)
    now = timezone.now()
    t = time.perf_counter()
    batch: list[Transcript] = []
    for i, (channel, rows) in enumerate(gen.conversations(n)):
        batch.append(Transcript(channel=channel, source_key=f"bench-{i}", sentences=rows,
                                started_at=now - timedelta(minutes=i)))  # fmt: skip
        if len(batch) == 2000:
            Transcript.objects.bulk_create(batch)
            batch.clear()
    Transcript.objects.bulk_create(batch)
    store_s = time.perf_counter() - t
    say(f"  end to end: {n} transcripts stored in {store_s:.1f} s; inspecting them with inspect_many")

    t, c = time.perf_counter(), time.process_time()
    result = inspect_many(Transcript.objects.order_by("pk").iterator(chunk_size=2000))
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    from kefu.quality.models import Finding, Inspection

    inspections, findings = Inspection.objects.count(), Finding.objects.count()
    assert inspections == n, (inspections, n, result)
    say(f"  end to end: {n / wall:.0f} conversations/s, {cpu * 1000 / n:.2f} CPU ms/conversation, "
        f"{findings} findings written")  # fmt: skip
    return {
        "conversations": n, "store_s": round(store_s, 1), "inspect_s": round(wall, 2),
        "conversations_per_s": round(n / wall), "cpu_ms_per_conversation": round(cpu * 1000 / n, 3),
        "inspections": inspections, "findings": findings,
        "projected_100k_s": round(wall / n * 100_000, 1),
    }  # fmt: skip


# --- the run ---------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100,000 conversations")
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--phrases", type=int, default=2000)
    parser.add_argument("--baseline", type=int, default=2000, help="conversations the naive baseline runs on")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--profile", action="store_true", help="cProfile ours on the baseline subset")
    parser.add_argument(
        "--end-to-end", type=int, default=5000, metavar="N",
        help="then N stored transcripts inspected by inspect_many on SQLite (0: skip; default %(default)s)",
    )  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    os.environ.setdefault("KEFU_LOG_LEVEL", "WARNING")
    if args.end_to_end:  # the embedded profile's SQLite in a throw-away directory
        import atexit
        import shutil
        import tempfile

        data_dir = tempfile.mkdtemp(prefix="kefu-bench-quality.")
        atexit.register(shutil.rmtree, data_dir, True)
        os.environ.update({"KEFU_DATA_DIR": data_dir, "KEFU_PROFILE": "embedded"})
        os.environ.pop("KEFU_DATABASE_URL", None)
    import django

    django.setup()
    from kefu.quality.engine.conversation import Conversation
    from kefu.quality.engine.rules import PhraseEntry, RuleSpec, compile_rules, validate_condition
    from kefu.quality.engine.scoring import ItemSpec, score

    total = max(1, int(round(100_000 * args.scale)))
    gen = Generator(args.seed)
    phrases = gen.phrases(args.phrases)
    rules = gen.rules(args.rules)
    bad = [(n, e) for n, r in enumerate(rules) for e in validate_condition(r)]
    assert not bad, bad
    types: dict[str, int] = {}
    for r in rules:
        for leaf in _leaves(r):
            types[leaf["type"]] = types.get(leaf["type"], 0) + 1
    say(f"quality: {total} conversations, {len(rules)} rules ({len(list(_leaves({'all': rules})))} conditions), "
        f"{len(phrases)} phrases")  # fmt: skip
    say("  conditions by type: " + ", ".join(f"{k} {v}" for k, v in sorted(types.items())))

    t = time.perf_counter()
    compiled = compile_rules(
        [RuleSpec(n, r) for n, r in enumerate(rules)], phrases=[PhraseEntry(k, p) for k, p in phrases]
    )
    compile_s = time.perf_counter() - t
    say(f"  compiled in {compile_s * 1000:.0f} ms ({len(compiled.literals.ids)} literals in one automaton, "
        f"{len(compiled.always)} rules always evaluated)")  # fmt: skip

    subset_n = min(args.baseline, total)
    # The baseline's subset: the first conversations, kept in memory so both engines see the same.
    subset = [gen.conversation() for _ in range(subset_n)]

    # The score too (each rule an item of one point, as in the end-to-end rubric): the whole
    # inspection of a conversation but its storage, which --end-to-end measures.
    items = {n: ItemSpec(key=n, points=1, direction="subtract", severity="normal") for n in range(len(rules))}

    def scored(hits) -> float:
        fired = {hit.key: hit.sentence_count for hit in hits}
        return score(start=100, floor=0, ceiling=100, items=items, fired=fired).score

    def inspect_all(convs) -> tuple[float, float, int, int]:
        wall = cpu = 0.0
        fired = sentences = 0
        for channel, rows in convs:
            t0, c0 = time.perf_counter(), time.process_time()
            hits = compiled.inspect(Conversation.from_json(rows, channel))
            scored(hits)
            wall += time.perf_counter() - t0
            cpu += time.process_time() - c0
            fired += len(hits)
            sentences += len(rows)
        return wall, cpu, fired, sentences

    # Ours on the subset (the like-for-like figure), then on the rest, generated as we go.
    sub_wall, sub_cpu, sub_fired, sub_sentences = inspect_all(subset)
    # The memos' counters over the timed runs only (the profile and the agreement check re-ask).
    similar = compiled.literals.similar

    def counters() -> tuple[int, int, int]:
        return similar.hits, similar.misses, compiled.literals.scans

    timed_counts = counters()
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        for channel, rows in subset:
            compiled.inspect(Conversation.from_json(rows, channel))
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(18)

    # Baseline 1 (regex-only): each rule as one regular expression over every sentence of its role.
    t = time.perf_counter()
    naive = [naive_rule(r, phrases) for r in rules]
    regex_compile_s = time.perf_counter() - t
    # Compiling is reported apart, as ours is: per conversation it amortises to nothing.
    t, c = time.perf_counter(), time.process_time()
    regex_matches = run_naive(subset, naive)
    regex_cpu = time.process_time() - c
    regex_wall = time.perf_counter() - t
    say(f"  baseline_regex (each rule's words and expressions as one regex, less work than ours) on "
        f"{subset_n}: {regex_wall:.1f} s, {regex_cpu * 1000 / subset_n:.2f} CPU ms/conversation "
        f"({regex_matches} sentence matches)")  # fmt: skip

    # Baseline 2 (naive): the straightforward engine computing the same results as ours.
    t = time.perf_counter()
    engine = NaiveEngine(
        compile_rules(
            [RuleSpec(n, r) for n, r in enumerate(rules)], phrases=[PhraseEntry(k, p) for k, p in phrases]
        )
    )
    naive_compile_s = time.perf_counter() - t
    convs = [Conversation.from_json(rows, channel) for channel, rows in subset]
    naive_fired_sets = []
    t, c = time.perf_counter(), time.process_time()
    for channel, rows in subset:
        naive_hits = engine.hits(Conversation.from_json(rows, channel))
        scored(naive_hits)
        naive_fired_sets.append([hit.key for hit in naive_hits])
    naive_cpu = time.process_time() - c
    naive_wall = time.perf_counter() - t
    naive_fired = sum(map(len, naive_fired_sets))
    agree = sum(
        [h.key for h in compiled.inspect(conv)] == fired
        for conv, fired in zip(convs, naive_fired_sets, strict=True)
    )
    say(f"  baseline_naive (same results, no automaton/prefilter/cache) on {subset_n}: {naive_wall:.1f} s, "
        f"{naive_cpu * 1000 / subset_n:.2f} CPU ms/conversation ({naive_fired} rules fired); "
        f"agrees with ours on {agree}/{subset_n} conversations")  # fmt: skip
    assert agree == subset_n, "baseline_naive and ours disagree: the ratio would compare different work"
    say(f"  ours on the same {subset_n}: {sub_wall:.2f} s, {sub_cpu * 1000 / subset_n:.3f} CPU ms/conversation "
        f"({sub_fired} rules fired)")  # fmt: skip
    del subset

    before_rest = counters()
    rest_wall = rest_cpu = 0.0
    rest_fired = rest_sentences = 0
    done = subset_n
    started = time.perf_counter()
    while done < total:
        chunk = min(10_000, total - done)
        w, c2, f, s = inspect_all(gen.conversations(chunk))
        rest_wall, rest_cpu, rest_fired, rest_sentences = (
            rest_wall + w,
            rest_cpu + c2,
            rest_fired + f,
            rest_sentences + s,
        )
        done += chunk
        say(f"  {done} conversations, {(sub_wall + rest_wall):.1f} s inspecting "
            f"({time.perf_counter() - started:.0f} s with generation)")  # fmt: skip

    hits, misses, scans = (a + c - b for a, b, c in zip(timed_counts, before_rest, counters(), strict=True))
    asked = hits + misses
    text_rate = 1 - scans / max(1, sub_sentences + rest_sentences)
    say(f"  memos: sentence texts {text_rate:.0%} answered without a scan; similarity {hits}/{asked} "
        f"({hits / max(1, asked):.0%}) answered without scoring")  # fmt: skip
    wall, cpu = sub_wall + rest_wall, sub_cpu + rest_cpu
    fired, sentences = sub_fired + rest_fired, sub_sentences + rest_sentences
    ours_cpu_ms = sub_cpu * 1000 / subset_n
    naive_cpu_ms = naive_cpu * 1000 / subset_n
    regex_cpu_ms = regex_cpu * 1000 / subset_n
    figures = {
        "machine": machine(),
        "conversations": total, "sentences": sentences, "rules": len(rules), "conditions_by_type": types,
        "phrases": len(phrases), "literals": len(compiled.literals.ids),
        "compile_ms": round(compile_s * 1000, 1),
        "inspect_s": round(wall, 2), "conversations_per_s": round(total / wall),
        "sentences_per_s": round(sentences / wall), "cpu_ms_per_conversation": round(cpu * 1000 / total, 4),
        "rules_fired": fired, "rules_fired_per_conversation": round(fired / total, 2),
        "baseline_conversations": subset_n,
        "baseline_naive_compile_ms": round(naive_compile_s * 1000, 1),
        "baseline_naive_cpu_ms_per_conversation": round(naive_cpu_ms, 4),
        "baseline_naive_rules_fired": naive_fired, "baseline_naive_agreement": f"{agree}/{subset_n}",
        "baseline_regex_compile_ms": round(regex_compile_s * 1000, 1),
        "baseline_regex_cpu_ms_per_conversation": round(regex_cpu_ms, 4),
        "baseline_regex_sentence_matches": regex_matches,
        "ours_cpu_ms_per_conversation_same_subset": round(ours_cpu_ms, 4),
        "speedup_vs_baseline_naive": round(naive_cpu_ms / ours_cpu_ms, 1),
        "speedup_vs_baseline_regex": round(regex_cpu_ms / ours_cpu_ms, 1),
        "projected_100k_s": round(wall / total * 100_000, 1),
        "projected_100k_cpu_s": round(cpu / total * 100_000, 1),
        "memo_text_hit_rate": round(text_rate, 3),
        "memo_similarity_hit_rate": round(hits / max(1, asked), 3),
    }  # fmt: skip
    figures["at_least_10x_baseline"] = figures["speedup_vs_baseline_naive"] >= 10
    figures["100k_under_2_minutes"] = figures["projected_100k_cpu_s"] < 120
    say(f"  ours: {figures['conversations_per_s']} conversations/s, {figures['sentences_per_s']} sentences/s, "
        f"{figures['cpu_ms_per_conversation']} CPU ms/conversation, {fired} rules fired; "
        f"{figures['speedup_vs_baseline_naive']}x baseline_naive (same results), "
        f"{figures['speedup_vs_baseline_regex']}x baseline_regex (less work)")  # fmt: skip
    if args.end_to_end:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        figures["end_to_end"] = end_to_end(args.end_to_end, seed=args.seed, rules=rules, phrases=phrases)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
