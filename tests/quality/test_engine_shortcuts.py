"""The engine's shortcuts (one automaton pass, trigger gating, shared operators, the memos of
sentence texts and similarity across conversations) give exactly what the straightforward
evaluation gives: bench/quality.py's NaiveEngine (every rule, every leaf, every sentence, no
automaton, no prefilter, no cache) is the reference."""

import importlib.util
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.quality.engine.conversation import Conversation
from kefu.quality.engine.rules import PhraseEntry, RuleSpec, compile_rules

BENCH = Path(__file__).resolve().parents[2] / "bench" / "quality.py"
_spec = importlib.util.spec_from_file_location("bench_quality_shortcuts", BENCH)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

DATA = bench.workload(0, rules=200, phrases=400)
PHRASES = [PhraseEntry(k, p) for k, p in DATA["phrases"]]


def _compile():
    return compile_rules([RuleSpec(n, r) for n, r in enumerate(DATA["rules"])], phrases=PHRASES)


# One engine for every example: its memos fill up and later examples are answered from them.
OURS = _compile()
NAIVE = bench.NaiveEngine(_compile())

TEXTS = (
    bench.GREETINGS + bench.BAD_GREETINGS + bench.FAREWELLS + bench.AGENT_GENERAL + bench.HOLDS
    + bench.CUSTOMER_GENERAL + bench.COMPLAINTS + bench.FORBIDDEN + bench.DISCOURAGED
    + [f.format(t=t) for f in bench.AGENT_FRAMES[:4] + bench.CUSTOMER_FRAMES[:3] for t in bench.TOPICS[:6]]
)  # fmt: skip
text = st.one_of(
    st.sampled_from(TEXTS),
    st.builds(lambda a, b: a + "，" + b, st.sampled_from(TEXTS), st.sampled_from(TEXTS)),
    st.builds(lambda a: a.replace("您", "你"), st.sampled_from(TEXTS)),
    st.text(
        alphabet=st.sampled_from(list("您你好们再见没办法投诉不是满意请稍等退款货核实ａa 　，。12")),
        max_size=10,
    ),
)
row = st.builds(
    lambda role, text, start, length: {
        "role": role, "text": text, "start_ms": start, "end_ms": None if start is None else start + length,
    },
    st.sampled_from(["agent", "agent", "customer", "system"]),
    text,
    st.one_of(st.none(), st.integers(min_value=0, max_value=120_000)),
    st.integers(min_value=0, max_value=15_000),
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, max_size=16), st.sampled_from(["phone", "chat"]))
def test_inspect_with_every_shortcut_gives_the_naive_engines_rules_and_evidence(rows, channel):
    conversation = Conversation.from_json(sorted(rows, key=lambda r: r["start_ms"] or 0), channel)
    assert OURS.inspect(conversation) == NAIVE.hits(conversation)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, max_size=12))
def test_inspect_fires_exactly_the_rules_explain_reports_as_fired(rows):
    conversation = Conversation.from_json(rows, "phone")
    explained = [r["key"] for r in OURS.explain(conversation)["rules"] if r["fired"]]
    assert [h.key for h in OURS.inspect(conversation)] == explained


def test_a_repeated_sentence_is_answered_from_the_memo_with_the_same_result():
    conversation = Conversation.from_json(
        [{"role": "agent", "text": "您好，非常高兴为您服务"}, {"role": "customer", "text": "我要投诉"}],
        "chat",
    )
    engine = _compile()
    first = engine.inspect(conversation)
    answered = engine.literals.similar.hits
    assert engine.inspect(conversation) == first
    assert engine.literals.similar.hits > answered
    assert first == NAIVE.hits(conversation)
