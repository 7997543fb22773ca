"""Property tests: inspection never raises, whatever the sentences (empty texts, missing, unordered or
overlapping timings), and every piece of evidence points inside its sentence."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.quality.engine.conversation import Conversation
from kefu.quality.engine.rules import PhraseEntry, RuleSpec, compile_rules

CONDITIONS = [
    {"type": "keywords", "words": ["您好", "你好", "ａ"], "mode": "at_least", "k": 2, "role": "any"},
    {"type": "keywords", "words": ["再见"], "mode": "none", "range": {"kind": "last", "n": 2}},
    {"type": "regex", "pattern": r"(退款|退货)\d*", "exclude": "不"},
    {"type": "regex", "pattern": r"^.?$", "role": "any"},
    {"type": "similar", "examples": ["很高兴为您服务", "a"], "threshold": 0.6, "role": "any"},
    {
        "type": "order",
        "first": ["您", "a"],
        "then": ["好", "b"],
        "range": {"kind": "between", "from": ["你"], "to": ["好"]},
    },
    {"type": "repetition", "times": 2, "threshold": 0.5, "role": "any"},
    {"type": "phrases", "kind": "forbidden", "role": "any"},
    {"type": "polite_you", "role": "any"},
    {"type": "slow_reply", "seconds": 0, "scope": "every"},
    {"type": "silence", "seconds": 0},
    {"type": "interruption", "min_customer_ms": 0, "overlap_ms": 0},
    {"type": "speed", "min": 100, "max": 200, "role": "any"},
    {"type": "emotion", "role": "any"},
    {
        "not": {
            "any": [{"type": "emotion"}, {"all": [{"type": "polite_you"}, {"type": "silence", "seconds": 1}]}]
        }
    },
]
COMPILED = compile_rules(
    [RuleSpec(n, c) for n, c in enumerate(CONDITIONS)],
    phrases=[PhraseEntry("forbidden", "没办法"), PhraseEntry("forbidden", "a")],
)

text = st.text(
    alphabet=st.sampled_from(list("您你好们再见没办法投诉不是满意请稍等退款货ａaA 　，。\t12")), max_size=12
)
timing = st.one_of(
    st.none(), st.integers(min_value=-5_000, max_value=100_000), st.just("bad"), st.floats(allow_nan=True)
)
sentence = st.fixed_dictionaries(
    {
        "text": st.one_of(text, st.none()),
        "role": st.sampled_from(["agent", "customer", "system", "", "robot"]),
    },
    optional={"start_ms": timing, "end_ms": timing, "speaker": st.text(max_size=3)},
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sentence, max_size=12))
def test_inspect_and_explain_never_raise_and_evidence_points_inside_the_sentence(rows):
    conv = Conversation.from_json(rows, channel="chat")
    hits = COMPILED.inspect(conv)
    for found in hits:
        assert found.evidence
        for e in found.evidence:
            if e.sentence is not None:
                assert 0 <= e.start <= e.end <= len(conv.sentences[e.sentence].text)
    explained = COMPILED.explain(conv)
    assert [r["key"] for r in explained["rules"] if r["fired"]] == [h.key for h in hits]


similar_text = st.text(
    alphabet=st.sampled_from(list("很高兴为您服务非常请问有什么可以帮，。 ")), min_size=1, max_size=16
)


@settings(max_examples=400, deadline=None)
@given(similar_text, similar_text, st.sampled_from([0.7, 0.75, 0.8, 0.85, 0.9, 1.0]))
def test_the_bigram_prefilter_of_similar_never_loses_a_match(sentence_text, example, threshold):
    """The fast path (only examples sharing enough character pairs are scored) agrees with
    scoring every example with rapidfuzz."""
    from rapidfuzz import fuzz

    from kefu.quality.engine.matching import similarity_text

    s, e = similarity_text(sentence_text), similarity_text(example)
    if not s or not e:
        return
    cutoff = threshold * 100 - 1e-6
    if len(s) <= len(e):
        expected = fuzz.ratio(s, e) >= cutoff
    else:
        expected = fuzz.partial_ratio(e, s) >= cutoff
    conv = Conversation.from_json([{"role": "agent", "text": sentence_text}])
    compiled = compile_rules(
        [RuleSpec(1, {"type": "similar", "examples": [example], "threshold": threshold})]
    )
    assert bool(compiled.inspect(conv)) == expected
