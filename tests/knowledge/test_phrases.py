"""Phrase rules: one Aho–Corasick automaton over the lists, normalised text, overlaps, the export."""

import pytest

from kefu.core.errors import PermissionDenied, ValidationError
from kefu.knowledge import phrases
from kefu.knowledge.models import PhraseRule, RuleKind

pytestmark = pytest.mark.django_db


def rule(org, phrase, kind=RuleKind.FORBIDDEN, alternative=""):
    return phrases.phrase_rule_save(phrase=phrase, kind=kind, alternative=alternative, by=org.manager)


def found(text):
    return [h["phrase"] for h in phrases.check_text(text)["forbidden"]]


def test_a_forbidden_phrase_is_found_with_its_alternative(org):
    rule(org, "不知道", alternative="这个问题我帮您确认一下，稍后答复您")
    result = phrases.check_text("这个我不知道。")
    assert not result["ok"]
    (hit,) = result["forbidden"]
    assert (hit["found"], hit["start"], hit["end"]) == ("不知道", 3, 6)
    assert hit["alternative"] == "这个问题我帮您确认一下，稍后答复您"


def test_clean_text_passes(org):
    rule(org, "不知道")
    assert phrases.check_text("您好，请问有什么可以帮您？")["ok"]


def test_overlapping_phrases_are_all_reported(org):
    rule(org, "我也没办法")
    rule(org, "没办法")
    assert sorted(found("这个我也没办法")) == ["我也没办法", "没办法"]


def test_a_full_width_comma_matches_a_phrase_written_with_a_half_width_one(org):
    rule(org, "你问我,我问谁")
    hits = phrases.check_text("你问我，我问谁？")["forbidden"]
    assert [h["found"] for h in hits] == ["你问我，我问谁"]


def test_a_half_width_comma_matches_a_phrase_written_with_a_full_width_one(org):
    rule(org, "你问我，我问谁")
    assert found("你问我,我问谁") == ["你问我，我问谁"]


def test_traditional_characters_match_a_simplified_phrase(org):
    rule(org, "这不关我的事")
    hits = phrases.check_text("這不關我的事")["forbidden"]
    assert [h["found"] for h in hits] == ["這不關我的事"]


def test_spaces_inside_a_phrase_do_not_hide_it(org):
    rule(org, "不知道")
    (hit,) = phrases.check_text("我 不 知 道")["forbidden"]
    assert hit["found"] == "不 知 道"


def test_full_width_letters_match_a_latin_phrase(org):
    rule(org, "ok", kind=RuleKind.DISCOURAGED)
    assert [h["phrase"] for h in phrases.check_text("ＯＫ的")["discouraged"]] == ["ok"]


def test_discouraged_fillers_warn_without_blocking(org):
    rule(org, "那个", kind=RuleKind.DISCOURAGED)
    result = phrases.check_text("那个，您的订单已发出")
    assert result["ok"] and [h["phrase"] for h in result["discouraged"]] == ["那个"]


def test_a_missing_required_phrase_is_listed(org):
    rule(org, "您好", kind=RuleKind.REQUIRED)
    assert phrases.check_text("订单已发出")["missing_required"][0]["phrase"] == "您好"
    assert phrases.check_text("您好，订单已发出")["missing_required"] == []


def test_a_new_rule_takes_effect_at_once_and_a_deleted_one_stops(org):
    rule(org, "不知道")
    assert found("我不知道") == ["不知道"]
    added = rule(org, "这不关我的事")
    assert found("这不关我的事") == ["这不关我的事"]
    phrases.phrase_rule_delete(rule=added, by=org.manager)
    assert found("这不关我的事") == []


def test_an_inactive_rule_is_not_checked(org):
    phrases.phrase_rule_save(phrase="不知道", by=org.manager, is_active=False)
    assert found("我不知道") == []


def test_the_automaton_is_built_once_per_version(org, django_assert_num_queries):
    rule(org, "不知道")
    phrases.check_text("x")
    with django_assert_num_queries(0):
        phrases.check_text("我不知道")


def test_an_agent_may_not_change_the_lists(org):
    with pytest.raises(PermissionDenied):
        phrases.phrase_rule_save(phrase="不知道", by=org.agent)


def test_a_duplicate_phrase_is_refused(org):
    rule(org, "不知道")
    with pytest.raises(ValidationError) as error:
        rule(org, "不知道")
    assert "phrase" in error.value.errors
    assert PhraseRule.objects.count() == 1


def test_the_export_holds_every_active_rule_with_its_normalised_form(org):
    rule(org, "你问我，我问谁", alternative="我来帮您查询")
    phrases.phrase_rule_save(phrase="旧规则", by=org.manager, is_active=False)
    (row,) = phrases.rules_export()
    assert row["phrase"] == "你问我，我问谁" and row["normalized"] == "你问我,我问谁"
    assert row["alternative"] == "我来帮您查询"


def test_check_endpoint_returns_the_hits_as_json(org, as_user):
    rule(org, "不知道", alternative="我帮您确认")
    response = as_user(org.agent).post(
        "/knowledge/phrases/check/", {"text": "我不知道"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["forbidden"][0]["alternative"] == "我帮您确认"


def test_export_csv_opens_in_excel_with_chinese(org, as_user):
    rule(org, "不知道")
    response = as_user(org.qa).get("/knowledge/phrases/export/")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff") and "不知道" in body


def _naive(text: str, phrase: str) -> int:
    """How many times the normalised phrase stands in the normalised text (overlaps counted)."""
    key, hay = phrases.normalize(phrase), phrases.normalize(text)
    return sum(1 for i in range(len(hay)) if hay.startswith(key, i)) if key else 0


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_chars = st.sampled_from(list("不知道没办法你问我谁這關，,  ａAāĀ𠀀㈱") + ["\u4e00", "\u5000", "\u0100"])


@settings(max_examples=200, deadline=None)
@given(text=st.text(_chars, max_size=30), phrase=st.text(_chars, min_size=1, max_size=4))
def test_the_automaton_finds_exactly_what_a_plain_search_of_the_normalised_text_finds(text, phrase):
    checker = phrases.build_checker([PhraseRule(pk=1, kind=RuleKind.FORBIDDEN, phrase=phrase)])
    hits = checker.check(text)["forbidden"]
    assert len(hits) == _naive(text, phrase)
    for hit in hits:
        # `found` is the agent's own characters: the phrase once normalised (a character that NFKC
        # expands, like ㈱ → (株), may hold more than the phrase).
        assert phrases.normalize(phrase) in phrases.normalize(hit["found"])
