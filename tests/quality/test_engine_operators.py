"""Every operator of the inspection engine on Chinese text: what it matches and what it must not."""

from kefu.quality.engine.conversation import Conversation
from kefu.quality.engine.rules import Evidence, PhraseEntry

from .engine_helpers import conversation, hit, quotes, sentences

# --- keywords ------------------------------------------------------------------------------------


def test_keywords_any_finds_a_word_and_its_span_in_the_agents_text():
    conv = conversation(("customer", "喂"), ("agent", "您好，欢迎致电"))
    found = hit({"type": "keywords", "words": ["您好", "早上好"]}, conv)
    assert found.evidence == (Evidence(1, 0, 2, "您好"),)


def test_keywords_look_at_the_agent_by_default_not_the_customer():
    conv = conversation(("customer", "您好"), ("agent", "请讲"))
    assert hit({"type": "keywords", "words": ["您好"]}, conv) is None


def test_keywords_match_full_width_traditional_and_spaced_text_like_the_phrase_check():
    conv = conversation(("agent", "請問還有什麼問題"), ("agent", "ＶＩＰ 会员"), ("agent", "不 知 道"))
    assert quotes(hit({"type": "keywords", "words": ["请问"]}, conv), conv) == ["請問"]
    assert quotes(hit({"type": "keywords", "words": ["vip会员"]}, conv), conv) == ["ＶＩＰ 会员"]
    assert quotes(hit({"type": "keywords", "words": ["不知道"]}, conv), conv) == ["不 知 道"]


def test_keywords_all_needs_every_word_somewhere_in_scope():
    conv = conversation(("agent", "您好"), ("agent", "请问有什么可以帮您"))
    assert hit({"type": "keywords", "words": ["您好", "请问"], "mode": "all"}, conv) is not None
    assert hit({"type": "keywords", "words": ["您好", "再见"], "mode": "all"}, conv) is None


def test_keywords_none_is_true_when_no_word_occurs_and_false_when_one_does():
    conv = conversation(("agent", "您好"), ("agent", "好的"))
    found = hit({"type": "keywords", "words": ["再见"], "mode": "none"}, conv)
    assert found.evidence == (Evidence(None),)
    assert hit({"type": "keywords", "words": ["好的"], "mode": "none"}, conv) is None


def test_keywords_at_least_counts_distinct_words_not_repeats():
    conv = conversation(("agent", "谢谢，谢谢，谢谢"), ("agent", "对不起"))
    rule = {"type": "keywords", "words": ["谢谢", "对不起", "再见"], "mode": "at_least", "k": 2}
    assert hit(rule, conv) is not None
    only_thanks = conversation(("agent", "谢谢，谢谢，谢谢"))
    assert hit(rule, only_thanks) is None


def test_keywords_report_every_occurrence_as_evidence():
    conv = conversation(("agent", "好的好的"), ("agent", "好的"))
    found = hit({"type": "keywords", "words": ["好的"]}, conv)
    assert [(e.sentence, e.start) for e in found.evidence] == [(0, 0), (0, 2), (1, 0)]


# --- roles and ranges ----------------------------------------------------------------------------


def test_role_customer_and_any_choose_whose_sentences_count():
    conv = conversation(("customer", "我要退款"), ("agent", "好的"))
    assert hit({"type": "keywords", "words": ["退款"], "role": "customer"}, conv) is not None
    assert hit({"type": "keywords", "words": ["退款"], "role": "any"}, conv) is not None
    assert hit({"type": "keywords", "words": ["退款"], "role": "agent"}, conv) is None


def test_range_first_counts_only_sentences_of_the_leafs_role():
    conv = conversation(("customer", "喂"), ("customer", "在吗"), ("agent", "您好"), ("agent", "请讲"))
    rule = {"type": "keywords", "words": ["您好"], "range": {"kind": "first", "n": 1}}
    assert hit(rule, conv) is not None
    late = conversation(("agent", "请讲"), ("agent", "您好"))
    assert hit(rule, late) is None


def test_range_last_n_looks_only_at_the_end():
    conv = conversation(("agent", "再见"), ("agent", "请讲"), ("agent", "好的"), ("agent", "还有别的吗"))
    assert hit({"type": "keywords", "words": ["再见"], "range": {"kind": "last", "n": 2}}, conv) is None
    assert hit({"type": "keywords", "words": ["再见"], "range": {"kind": "last", "n": 4}}, conv) is not None


def test_range_between_takes_the_sentences_after_the_from_anchor_up_to_the_to_anchor():
    conv = conversation(
        ("agent", "您说"),  # 0: before the anchor
        ("customer", "我要投诉"),  # 1: from
        ("agent", "好的您说"),  # 2: inside
        ("agent", "我帮您记录"),  # 3: inside
        ("agent", "还有问题吗"),  # 4: to
        ("agent", "您说"),  # 5: after
    )
    rule = {
        "type": "keywords",
        "words": ["您说"],
        "range": {"kind": "between", "from": ["投诉"], "to": ["还有问题"]},
    }
    assert sentences(hit(rule, conv)) == [2]


def test_range_between_without_the_from_anchor_is_empty_and_without_to_runs_to_the_end():
    conv = conversation(("agent", "好的您说"))
    rule = {
        "type": "keywords",
        "words": ["您说"],
        "range": {"kind": "between", "from": ["投诉"], "to": ["再见"]},
    }
    assert hit(rule, conv) is None
    open_ended = conversation(("customer", "投诉"), ("agent", "好的您说"), ("agent", "您说"))
    assert sentences(hit(rule, open_ended)) == [1, 2]


# --- regex ---------------------------------------------------------------------------------------


def test_regex_matches_and_reports_the_span():
    conv = conversation(("agent", "您的手机号是13812345678吗"))
    found = hit({"type": "regex", "pattern": r"1[3-9]\d{9}"}, conv)
    assert quotes(found, conv) == ["13812345678"]


def test_regex_exclude_drops_a_sentence_that_also_matches_it():
    conv = conversation(("agent", "这个不能退"), ("agent", "这个不能退，但可以换"))
    found = hit({"type": "regex", "pattern": "不能退", "exclude": "可以换"}, conv)
    assert sentences(found) == [0]


def test_regex_with_a_required_literal_still_finds_matches_in_traditional_text_and_alternations():
    conv = conversation(("agent", "我们退货需要三天"), ("agent", "退款已经处理"))
    found = hit({"type": "regex", "pattern": "(退款|退货).{0,4}(三天|处理)"}, conv)
    assert sentences(found) == [0, 1]


def test_regex_without_any_literal_runs_on_every_sentence():
    conv = conversation(("agent", "好"), ("agent", "12345"))
    assert sentences(hit({"type": "regex", "pattern": r"^\d+$"}, conv)) == [1]


def test_regex_case_insensitive_pattern_is_not_prefiltered_away():
    conv = conversation(("agent", "请登录 APP 查看"))
    assert hit({"type": "regex", "pattern": "(?i)app"}, conv) is not None


# --- similar -------------------------------------------------------------------------------------


def test_similar_finds_a_close_wording_of_an_example():
    conv = conversation(("agent", "很高兴为您服务"))
    assert hit({"type": "similar", "examples": ["非常高兴为您服务"]}, conv) is not None


def test_similar_finds_the_example_inside_a_longer_sentence_and_quotes_that_part():
    conv = conversation(("agent", "您好，非常高兴为您服务，请问您有什么问题"))
    found = hit({"type": "similar", "examples": ["很高兴为您服务"]}, conv)
    assert "高兴为您服务" in quotes(found, conv)[0]


def test_similar_does_not_match_unrelated_or_fragmentary_sentences():
    conv = conversation(("agent", "您的快递已经发出"), ("agent", "服务"))
    assert hit({"type": "similar", "examples": ["很高兴为您服务"]}, conv) is None


def test_similar_threshold_decides_how_close_is_close_enough():
    conv = conversation(("agent", "很高兴帮您处理"))
    assert hit({"type": "similar", "examples": ["很高兴为您服务"], "threshold": 0.9}, conv) is None
    assert hit({"type": "similar", "examples": ["很高兴为您服务"], "threshold": 0.5}, conv) is not None


# --- order ---------------------------------------------------------------------------------------


def test_order_is_true_when_a_first_word_comes_before_a_then_word():
    conv = conversation(("agent", "请您先核实身份"), ("agent", "现在为您办理"))
    assert sentences(hit({"type": "order", "first": ["核实"], "then": ["办理"]}, conv)) == [0, 1]


def test_order_is_false_when_the_then_word_only_comes_first():
    conv = conversation(("agent", "现在为您办理"), ("agent", "请您先核实身份"))
    assert hit({"type": "order", "first": ["核实"], "then": ["办理"]}, conv) is None


def test_order_within_one_sentence_follows_the_position_of_the_words():
    conv = conversation(("agent", "核实身份后为您办理"))
    assert hit({"type": "order", "first": ["核实"], "then": ["办理"]}, conv) is not None


# --- repetition ----------------------------------------------------------------------------------


def test_repetition_fires_when_the_agent_says_the_same_sentence_times_or_more():
    conv = conversation(
        ("agent", "这个我们没办法"),
        ("customer", "为什么"),
        ("agent", "这个我们没办法。"),
        ("agent", "这个我们没有办法"),
    )
    found = hit({"type": "repetition", "times": 3}, conv)
    assert sentences(found) == [0, 2, 3]
    assert found.evidence[0].note == "said 3 times"


def test_repetition_does_not_fire_below_times_or_on_different_sentences():
    conv = conversation(("agent", "这个我们没办法"), ("agent", "这个我们没办法"), ("agent", "请您稍等"))
    assert hit({"type": "repetition", "times": 3}, conv) is None


# --- phrases -------------------------------------------------------------------------------------

PHRASES = (
    PhraseEntry("forbidden", "没办法"),
    PhraseEntry("discouraged", "我晕"),
    PhraseEntry("forbidden", "不知道"),
)


def test_phrases_find_forbidden_phrases_with_the_knowledge_base_normalisation():
    conv = conversation(("agent", "這個我也沒辦法"), ("agent", "不 知 道"))
    found = hit({"type": "phrases", "kind": "forbidden"}, conv, phrases=PHRASES)
    assert quotes(found, conv) == ["沒辦法", "不 知 道"]
    assert found.evidence[0].note == "forbidden: 没办法"


def test_phrases_keep_the_kinds_apart():
    conv = conversation(("agent", "我晕，好吧"))
    assert hit({"type": "phrases", "kind": "forbidden"}, conv, phrases=PHRASES) is None
    assert hit({"type": "phrases", "kind": "discouraged"}, conv, phrases=PHRASES) is not None


def test_phrases_with_an_empty_list_never_fire():
    conv = conversation(("agent", "没办法"))
    assert hit({"type": "phrases", "kind": "forbidden"}, conv) is None


# --- polite_you ----------------------------------------------------------------------------------


def test_polite_you_flags_ni_hao_and_ni_de_but_not_nimen():
    conv = conversation(("agent", "你好"), ("agent", "你们的订单"), ("agent", "您好，这是你的单号"))
    found = hit({"type": "polite_you"}, conv)
    assert [(e.sentence, e.start) for e in found.evidence] == [(0, 0), (2, 5)]


def test_polite_you_does_not_flag_nimen_or_nin():
    conv = conversation(("agent", "你们那边收到了吗"), ("agent", "您好"))
    assert hit({"type": "polite_you"}, conv) is None


def test_polite_you_except_list_is_editable():
    conv = conversation(("agent", "你们好"))
    assert hit({"type": "polite_you", "except": []}, conv) is not None


def test_polite_you_ignores_the_customer():
    conv = conversation(("customer", "你好"), ("agent", "您好"))
    assert hit({"type": "polite_you"}, conv) is None


# --- slow_reply ----------------------------------------------------------------------------------


def test_slow_reply_first_checks_the_first_customer_message_only():
    conv = conversation(
        ("customer", "在吗", 0, 0), ("agent", "在的", 40_000, 40_000), ("customer", "怎么退", 50_000, 50_000),
        ("agent", "您好", 150_000, 150_000), channel="chat",
    )  # fmt: skip
    found = hit({"type": "slow_reply", "seconds": 30, "scope": "first"}, conv)
    assert sentences(found) == [0]
    assert found.evidence[0].note == "reply after 40.0 s"


def test_slow_reply_every_checks_each_customer_message():
    conv = conversation(
        ("customer", "在吗", 0, 0), ("agent", "在的", 10_000, 10_000), ("customer", "怎么退", 20_000, 20_000),
        ("customer", "人呢", 30_000, 30_000), ("agent", "您好", 90_000, 90_000), channel="chat",
    )  # fmt: skip
    assert sentences(hit({"type": "slow_reply", "seconds": 30, "scope": "every"}, conv)) == [2, 3]
    assert hit({"type": "slow_reply", "seconds": 30, "scope": "first"}, conv) is None


def test_slow_reply_within_the_limit_or_without_timings_does_not_fire():
    quick = conversation(("customer", "在吗", 0, 0), ("agent", "在的", 5_000, 5_000), channel="chat")
    assert hit({"type": "slow_reply", "seconds": 30}, quick) is None
    untimed = conversation(("customer", "在吗"), ("agent", "在的"), channel="chat")
    assert hit({"type": "slow_reply", "seconds": 30}, untimed) is None


# --- silence -------------------------------------------------------------------------------------


def test_silence_longer_than_seconds_fires_with_its_length():
    conv = conversation(("agent", "我查一下", 0, 2_000), ("agent", "查到了", 14_400, 16_000))
    found = hit({"type": "silence", "seconds": 10}, conv)
    assert found.evidence == (Evidence(0, 0, 4, "silence 12.4 s"),)


def test_silence_after_an_agents_hold_phrase_is_not_flagged():
    conv = conversation(("agent", "请稍等，我帮您查询", 0, 2_000), ("agent", "让您久等了", 60_000, 62_000))
    assert hit({"type": "silence", "seconds": 10}, conv) is None


def test_silence_after_a_customers_hold_phrase_is_still_flagged():
    conv = conversation(("customer", "请稍等", 0, 2_000), ("agent", "好的", 60_000, 62_000))
    assert hit({"type": "silence", "seconds": 10}, conv) is not None


def test_silence_is_measured_from_the_latest_end_not_from_a_short_sentence_inside_a_long_one():
    conv = conversation(
        ("customer", "我想问一下那个订单的事情", 0, 20_000),
        ("agent", "嗯", 5_000, 5_500),
        ("agent", "好的", 21_000, 22_000),
    )
    assert hit({"type": "silence", "seconds": 10}, conv) is None


# --- interruption --------------------------------------------------------------------------------


def test_interruption_needs_the_customer_speaking_long_enough_and_the_overlap():
    rule = {"type": "interruption", "min_customer_ms": 1000, "overlap_ms": 300}
    interrupted = conversation(
        ("customer", "我跟你说这个问题", 0, 5_000), ("agent", "您听我说", 2_000, 4_000)
    )
    found = hit(rule, interrupted)
    assert sentences(found) == [1]
    assert found.evidence[0].note == "interrupted after 2.0 s, overlap 2.0 s"


def test_interruption_is_not_flagged_when_the_customer_had_just_begun():
    conv = conversation(("customer", "我跟你说这个问题", 0, 5_000), ("agent", "您说", 500, 4_000))
    assert hit({"type": "interruption"}, conv) is None


def test_interruption_is_not_flagged_for_a_short_overlap():
    conv = conversation(("customer", "我跟你说这个问题", 0, 5_000), ("agent", "好的", 4_900, 6_000))
    assert hit({"type": "interruption"}, conv) is None


# --- speed ---------------------------------------------------------------------------------------


def test_speed_flags_sentences_outside_the_range_in_characters_per_minute():
    # 13 characters (punctuation not counted) in 2 s = 390 per minute; in 6 s = 130.
    conv = conversation(
        ("agent", "您好，请问有什么可以帮您的吗", 0, 2_000),
        ("agent", "您好，请问有什么可以帮您的吗", 3_000, 9_000),
    )
    found = hit({"type": "speed", "min": 150, "max": 300}, conv)
    assert [e.note for e in found.evidence] == ["390 chars/min", "130 chars/min"]
    assert hit({"type": "speed", "min": 100, "max": 400}, conv) is None


def test_speed_ignores_sentences_without_timings():
    conv = conversation(("agent", "您好"))
    assert hit({"type": "speed", "max": 10}, conv) is None


# --- emotion -------------------------------------------------------------------------------------


def test_emotion_finds_the_customers_negative_words():
    conv = conversation(("customer", "我要投诉你们"), ("customer", "你们服务太差了"))
    found = hit({"type": "emotion"}, conv)
    assert quotes(found, conv) == ["投诉", "太差"]


def test_emotion_is_not_negative_after_a_negation():
    conv = conversation(("customer", "我不是投诉"), ("customer", "没有不满意"), ("customer", "我不要投诉"))
    assert hit({"type": "emotion"}, conv) is None


def test_emotion_bu_manyi_is_itself_negative():
    conv = conversation(("customer", "我很不满意"))
    assert quotes(hit({"type": "emotion"}, conv), conv) == ["不满意"]


def test_emotion_negation_does_not_reach_across_punctuation_or_far_words():
    conv = conversation(("customer", "不，我要投诉"), ("customer", "不知道为什么就想投诉"))
    assert sentences(hit({"type": "emotion"}, conv)) == [0, 1]


def test_emotion_lexicon_can_be_overridden_and_ignores_the_agent():
    conv = conversation(("agent", "投诉电话是12315"), ("customer", "太坑了"))
    assert hit({"type": "emotion"}, conv) is None
    assert hit({"type": "emotion", "words": ["太坑"]}, conv) is not None


# --- AND / OR / NOT ------------------------------------------------------------------------------


def test_all_carries_the_evidence_of_every_child():
    conv = conversation(("agent", "您好"), ("agent", "再见"))
    found = hit(
        {"all": [{"type": "keywords", "words": ["您好"]}, {"type": "keywords", "words": ["再见"]}]}, conv
    )
    assert sentences(found) == [0, 1]


def test_all_is_false_when_one_child_is_false():
    conv = conversation(("agent", "您好"))
    assert (
        hit({"all": [{"type": "keywords", "words": ["您好"]}, {"type": "keywords", "words": ["再见"]}]}, conv)
        is None
    )


def test_any_carries_only_the_evidence_of_its_true_children():
    conv = conversation(("agent", "您好"), ("agent", "好的"))
    rule = {"any": [{"type": "keywords", "words": ["您好"]}, {"type": "keywords", "words": ["再见"]}]}
    assert quotes(hit(rule, conv), conv) == ["您好"]
    assert hit(rule, conversation(("agent", "好的"))) is None


def test_not_is_true_when_its_child_finds_nothing_and_carries_no_evidence():
    rule = {"not": {"type": "keywords", "words": ["再见"], "range": {"kind": "last", "n": 2}}}
    assert hit(rule, conversation(("agent", "好的"))).evidence == (Evidence(None),)
    assert hit(rule, conversation(("agent", "再见"))) is None


def test_a_greeting_required_in_the_opening_combines_not_and_range():
    """“No greeting in the first two agent sentences” — the typical opening rule."""
    rule = {"not": {"type": "keywords", "words": ["您好", "你好"], "range": {"kind": "first", "n": 2}}}
    assert hit(rule, conversation(("agent", "喂"), ("agent", "请讲"), ("agent", "您好"))) is not None
    assert hit(rule, conversation(("agent", "喂"), ("agent", "您好"))) is None


def test_all_with_a_not_keeps_the_positive_evidence():
    conv = conversation(("customer", "我要投诉"), ("agent", "嗯"))
    rule = {"all": [{"type": "emotion"}, {"not": {"type": "keywords", "words": ["抱歉", "对不起"]}}]}
    assert quotes(hit(rule, conv), conv) == ["投诉"]


# --- inspect and explain -------------------------------------------------------------------------


def test_inspect_returns_only_fired_rules_in_compile_order():
    from kefu.quality.engine.rules import RuleSpec, compile_rules

    rules = [
        RuleSpec(3, {"type": "keywords", "words": ["再见"]}),
        RuleSpec(1, {"type": "keywords", "words": ["您好"]}),
        RuleSpec(2, {"type": "keywords", "words": ["抱歉"]}),
    ]
    compiled = compile_rules(rules)
    assert [h.key for h in compiled.inspect(conversation(("agent", "您好"), ("agent", "再见")))] == [3, 1]


def test_explain_shows_every_condition_with_its_truth_and_evidence():
    from kefu.quality.engine.rules import RuleSpec, compile_rules

    rule = {
        "all": [{"type": "keywords", "words": ["您好"]}, {"not": {"type": "keywords", "words": ["好的"]}}]
    }
    compiled = compile_rules([RuleSpec(7, rule)])
    explained = compiled.explain(conversation(("agent", "您好"), ("agent", "好的")))
    only = explained["rules"][0]
    assert only["key"] == 7 and only["fired"] is False and only["evidence"] == []
    tree = only["condition"]
    assert tree["op"] == "all" and tree["truth"] is False
    first, negated = tree["children"]
    assert first["truth"] is True and first["evidence"][0]["text"] == "您好"
    assert negated["truth"] is False
    assert negated["child"]["path"] == "all[1].not"
    assert negated["child"]["evidence"][0]["text"] == "好的"  # what made the condition fail


def test_explain_is_json_serialisable():
    import json

    from kefu.quality.engine.rules import RuleSpec, compile_rules

    compiled = compile_rules([RuleSpec(object(), {"type": "emotion"})])
    json.dumps(compiled.explain(conversation(("customer", "我要投诉"))))


def test_conversation_from_json_takes_the_transcript_shape_and_tolerates_odd_items():
    conv = Conversation.from_json(
        [
            {"role": "agent", "speaker": "A01", "text": "您好", "start_ms": 0, "end_ms": 900},
            {"role": "customer", "text": None, "start_ms": "x"},
            "not a sentence",
            {"role": "customer", "text": "投诉", "start_ms": 1200.7, "end_ms": None},
        ],
        channel="phone",
    )
    assert [s.text for s in conv.sentences] == ["您好", "", "投诉"]
    assert conv.sentences[0].speaker == "A01" and conv.sentences[0].end_ms == 900
    assert conv.sentences[1].start_ms is None
    assert conv.sentences[2].start_ms == 1200


def test_slow_reply_uses_an_end_time_when_the_start_is_missing():
    conv = conversation(("customer", "在吗", None, 0), ("agent", "在的", None, 60_000), channel="chat")
    assert hit({"type": "slow_reply", "seconds": 30}, conv) is not None


def test_a_word_said_only_by_the_other_role_does_not_make_a_rule_fire():
    conv = conversation(("customer", "我要退款，你好"), ("agent", "好的"))
    assert hit({"type": "keywords", "words": ["退款"]}, conv) is None
    assert hit({"type": "polite_you"}, conv) is None
    assert hit({"type": "order", "first": ["退款"], "then": ["好的"]}, conv) is None
    assert hit({"type": "order", "first": ["退款"], "then": ["好的"], "role": "any"}, conv) is not None


def test_keywords_none_all_and_at_least_count_only_the_words_of_the_conditions_role():
    # Settled from the words present by role: the customer saying 再见 does not make the agent's
    # "none" false, nor count towards the agent's "all" / "at least".
    conv = conversation(("agent", "您好"), ("customer", "好的再见"), ("agent", "请问"))
    assert hit({"type": "keywords", "words": ["再见"], "mode": "none"}, conv) is not None
    assert hit({"type": "keywords", "words": ["再见"], "mode": "none", "role": "any"}, conv) is None
    assert hit({"type": "keywords", "words": ["您好", "再见"], "mode": "all"}, conv) is None
    assert hit({"type": "keywords", "words": ["您好", "请问"], "mode": "all"}, conv) is not None
    words = ["您好", "再见", "请问"]
    assert hit({"type": "keywords", "words": words, "mode": "at_least", "k": 2}, conv) is not None
    assert hit({"type": "keywords", "words": words, "mode": "at_least", "k": 3}, conv) is None
    assert hit({"type": "keywords", "words": words, "mode": "at_least", "k": 3, "role": "any"}, conv)


def test_not_of_words_said_anywhere_is_false_and_true_when_only_another_role_said_them():
    conv = conversation(("agent", "您好"), ("customer", "再见"))
    assert hit({"not": {"type": "keywords", "words": ["您好"]}}, conv) is None
    assert hit({"not": {"type": "keywords", "words": ["再见"]}}, conv) is not None
    assert (
        hit(
            {"not": {"type": "phrases", "kind": "forbidden"}},
            conv,
            phrases=[PhraseEntry("forbidden", "您好")],
        )
        is None
    )
