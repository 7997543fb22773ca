"""bench/quality.py's synthetic data stays usable: its rules are valid conditions and its
conversations inspect (so the benchmark and the integrator's end-to-end section keep working)."""

import importlib.util
from pathlib import Path

from kefu.quality.engine.conversation import Conversation
from kefu.quality.engine.rules import PhraseEntry, RuleSpec, compile_rules, validate_condition

BENCH = Path(__file__).resolve().parents[2] / "bench" / "quality.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_quality", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bench_workload_is_valid_and_inspects():
    bench = load_bench()
    data = bench.workload(20, rules=200, phrases=300)
    assert len(data["rules"]) == 200
    assert [(n, e) for n, r in enumerate(data["rules"]) for e in validate_condition(r)] == []
    compiled = compile_rules(
        [RuleSpec(n, r) for n, r in enumerate(data["rules"])],
        phrases=[PhraseEntry(k, p) for k, p in data["phrases"]],
    )
    fired = 0
    for channel, sentences in data["conversations"]:
        assert {"role", "text", "start_ms", "end_ms"} <= set(sentences[0])
        fired += len(compiled.inspect(Conversation.from_json(sentences, channel)))
    assert fired > 0


def test_the_naive_baseline_turns_every_rule_into_at_most_one_expression():
    bench = load_bench()
    data = bench.workload(3, rules=50, phrases=100)
    naive = [bench.naive_rule(r, data["phrases"]) for r in data["rules"]]
    assert all(role in (None, "agent", "customer") for role, _expression in naive)
    assert bench.run_naive(list(data["conversations"]), naive) > 0


def test_the_naive_engine_fires_exactly_the_rules_ours_fires_on_the_bench_workload():
    bench = load_bench()
    data = bench.workload(40, rules=200, phrases=300)

    def build():
        return compile_rules(
            [RuleSpec(n, r) for n, r in enumerate(data["rules"])],
            phrases=[PhraseEntry(k, p) for k, p in data["phrases"]],
        )

    ours, naive = build(), bench.NaiveEngine(build())
    fired = 0
    for channel, sentences in data["conversations"]:
        conversation = Conversation.from_json(sentences, channel)
        expected = [h.key for h in ours.inspect(conversation)]
        assert naive.inspect(conversation) == expected
        fired += len(expected)
    assert fired > 0
