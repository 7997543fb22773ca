"""validate_condition: every problem, each with a path naming the condition and field, translated."""

import pytest
from django.utils import translation

from kefu.quality.engine.rules import RuleSpec, compile_rules, validate_condition


def paths(condition) -> list[str]:
    return [e.path for e in validate_condition(condition)]


@pytest.mark.parametrize(
    "condition",
    [
        {"type": "keywords", "words": ["您好"]},
        {"type": "keywords", "words": ["a", "b"], "mode": "at_least", "k": 2, "role": "any"},
        {"type": "regex", "pattern": r"\d{11}", "exclude": "测试"},
        {"type": "similar", "examples": ["很高兴为您服务"], "threshold": 0.75},
        {"type": "order", "first": ["核实"], "then": ["办理"], "range": {"kind": "first", "n": 5}},
        {"type": "repetition", "times": 3},
        {"type": "phrases", "kind": "discouraged"},
        {"type": "polite_you", "except": []},
        {"type": "slow_reply", "seconds": 30, "scope": "every"},
        {"type": "silence", "seconds": 10, "except": ["请稍等"]},
        {"type": "interruption", "min_customer_ms": 0, "overlap_ms": 0},
        {"type": "speed", "max": 300},
        {"type": "emotion", "negations": []},
        {"not": {"any": [{"type": "emotion"}, {"all": [{"type": "polite_you"}]}]}},
        {"type": "keywords", "words": ["x"], "range": {"kind": "between", "from": ["投诉"], "to": ["再见"]}},
    ],
)
def test_valid_conditions_have_no_problems(condition):
    assert validate_condition(condition) == []


def test_every_problem_is_reported_with_the_path_of_its_condition_and_field():
    condition = {
        "all": [
            {"type": "regex", "pattern": "("},
            {"type": "keywords", "words": []},
            {"not": [{"type": "emotion"}]},
            {"type": "sentiment"},
            {"type": "keywords", "words": ["a", "b"], "mode": "at_least", "k": 3},
            {"type": "similar", "examples": ["x"], "threshold": 1.5},
            {"type": "silence", "seconds": -1, "role": "boss", "range": {"kind": "middle"}},
            {"type": "speed", "min": 300, "max": 100},
        ]
    }
    assert paths(condition) == [
        "all[0].pattern",
        "all[1].words",
        "all[2].not",
        "all[3].type",
        "all[4].k",
        "all[5].threshold",
        "all[6].role",
        "all[6].range.kind",
        "all[6].seconds",
        "all[7].min",
    ]


def test_a_bad_regular_expression_carries_res_message():
    [error] = validate_condition({"type": "regex", "pattern": "[abc"})
    assert error.path == "pattern"
    assert "unterminated character set" in error.message


def test_a_bad_exclusion_expression_is_reported_on_its_own_field():
    assert paths({"type": "regex", "pattern": "ok", "exclude": "(?P<"}) == ["exclude"]


def test_messages_are_translated_to_chinese():
    with translation.override("zh-hans"):
        [error] = validate_condition({"type": "keywords", "words": []})
    assert error.message == "词语列表为空。"


def test_nested_paths_name_each_level():
    condition = {"any": [{"type": "emotion"}, {"not": {"all": [{"type": "keywords", "words": [""]}]}}]}
    assert paths(condition) == ["any[1].not.all[0].words[0]"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("keywords", [""]),
        ({}, ["type"]),
        ({"all": []}, ["all"]),
        ({"any": {"type": "emotion"}}, ["any"]),
        ({"all": [], "any": []}, [""]),
        ({"type": "keywords", "words": "您好"}, ["words"]),
        ({"type": "keywords", "words": ["您好", 3]}, ["words[1]"]),
        ({"type": "keywords", "words": ["a"], "mode": "some"}, ["mode"]),
        ({"type": "keywords", "words": ["a"], "mode": "at_least"}, ["k"]),
        ({"type": "keywords", "words": ["a"], "mode": "at_least", "k": 0}, ["k"]),
        ({"type": "keywords", "words": ["a"], "range": {"kind": "first", "n": 0}}, ["range.n"]),
        ({"type": "keywords", "words": ["a"], "range": {"kind": "last", "n": True}}, ["range.n"]),
        (
            {"type": "keywords", "words": ["a"], "range": {"kind": "between", "from": []}},
            ["range.from", "range.to"],
        ),
        ({"type": "keywords", "words": ["a"], "range": "all"}, ["range"]),
        ({"type": "regex"}, ["pattern"]),
        ({"type": "similar", "examples": []}, ["examples"]),
        ({"type": "similar", "examples": ["，。"]}, ["examples[0]"]),
        ({"type": "similar", "examples": ["a"], "threshold": "high"}, ["threshold"]),
        ({"type": "order", "first": ["a"]}, ["then"]),
        ({"type": "repetition", "times": 1}, ["times"]),
        ({"type": "repetition", "times": 2, "threshold": -0.1}, ["threshold"]),
        ({"type": "phrases", "kind": "required"}, ["kind"]),
        ({"type": "phrases"}, ["kind"]),
        ({"type": "slow_reply"}, ["seconds"]),
        ({"type": "slow_reply", "seconds": 5, "scope": "last"}, ["scope"]),
        ({"type": "silence", "seconds": float("nan")}, ["seconds"]),
        ({"type": "interruption", "overlap_ms": -5}, ["overlap_ms"]),
        ({"type": "speed"}, ["min"]),
        ({"type": "speed", "min": -1}, ["min"]),
        ({"type": "emotion", "words": []}, ["words"]),
    ],
)
def test_each_kind_of_problem_names_its_field(condition, expected):
    assert paths(condition) == expected


def test_compile_rules_refuses_an_invalid_condition_naming_the_rule():
    with pytest.raises(ValueError, match="rule 42.*words"):
        compile_rules([RuleSpec(1, {"type": "emotion"}), RuleSpec(42, {"type": "keywords", "words": []})])


def test_deeply_nested_conditions_are_refused_not_crashing():
    condition: dict = {"type": "emotion"}
    for _ in range(5000):
        condition = {"not": condition}
    assert [e.path for e in validate_condition(condition)] == [""]
