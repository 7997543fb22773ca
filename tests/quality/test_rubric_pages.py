"""The rubric and rule editor pages: a rubric from nothing to published, the item table of a draft,
the rule editor (saved, refused with the condition named, tried on a transcript), a new version from
a published one, and who may open them."""

import json

import pytest
from django.urls import reverse

from kefu.quality.models import RubricItem, RubricVersion, Rule
from tests.quality.core_helpers import RUDE, hotline, transcript

pytestmark = pytest.mark.django_db

BUCK = {"type": "keywords", "role": "agent", "words": ["不知道", "没办法"], "mode": "any"}


@pytest.fixture
def qa(client, org):
    client.force_login(org.qa)
    return client


def item_table(version, rows):
    """The POST of a draft's item table: the existing items unchanged, then `rows` as new ones."""
    existing = list(version.items.all())
    data = {
        "action": "items",
        "items-TOTAL_FORMS": str(len(existing) + len(rows)),
        "items-INITIAL_FORMS": str(len(existing)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for n, item in enumerate(existing):
        data.update(
            {f"items-{n}-id": str(item.pk), f"items-{n}-code": item.code, f"items-{n}-group": item.group,
             f"items-{n}-name": item.name, f"items-{n}-points": str(item.points),
             f"items-{n}-direction": item.direction, f"items-{n}-severity": item.severity,
             f"items-{n}-position": str(item.position)}
        )  # fmt: skip
    for n, row in enumerate(rows, start=len(existing)):
        data.update({f"items-{n}-{k}": v for k, v in row.items()})
    return data


def test_creating_a_rubric_opens_its_empty_draft_version_one(qa):
    response = qa.post(
        reverse("quality:rubric_list"), {"name": "在线评分表", "channels": ["chat"], "queues": "售前, 售后"}
    )
    version = RubricVersion.objects.get(rubric__name="在线评分表")
    assert response.status_code == 302 and response.url == reverse(
        "quality:rubric_version", args=[version.pk]
    )
    assert version.number == 1 and version.state == RubricVersion.State.DRAFT
    assert version.rubric.queues == ["售前", "售后"]


def test_an_item_added_in_the_draft_table_shows_in_its_group(qa):
    _rubric, version, _items = hotline(publish=False)
    new = {"code": "farewell", "group": "closing", "name": "未说再见", "points": "3", "direction": "subtract",
           "severity": "minor", "position": "9"}  # fmt: skip
    response = qa.post(reverse("quality:rubric_version", args=[version.pk]), item_table(version, [new]))

    assert response.status_code == 302
    item = RubricItem.objects.get(version=version, code="farewell")
    assert (item.group, item.points, item.severity) == ("closing", 3, "minor")
    page = qa.get(reverse("quality:rubric_version", args=[version.pk])).content.decode()
    assert "未说再见" in page and "结束" in page  # the closing group's heading


def test_a_duplicate_item_code_is_refused_on_its_row_and_nothing_is_saved(qa):
    _rubric, version, _items = hotline(publish=False)
    twice = {"code": "greeting", "group": "opening", "name": "又一个问候", "points": "2", "direction": "subtract",
             "severity": "minor"}  # fmt: skip
    response = qa.post(reverse("quality:rubric_version", args=[version.pk]), item_table(version, [twice]))

    assert response.status_code == 200
    assert (
        "already has an item with this code" in response.content.decode()
        or "编码" in response.content.decode()
    )
    assert version.items.count() == 3


def test_a_rule_saved_in_the_editor_keeps_its_item_and_condition_tree(qa):
    _rubric, version, items = hotline(publish=False)
    condition = {"all": [BUCK, {"not": {"type": "keywords", "words": ["抱歉"]}}]}
    response = qa.post(
        reverse("quality:rule_new", args=[version.pk]),
        {"action": "save", "name": "推诿且不致歉", "item": items["no_idea"].pk, "is_active": "on",
         "condition": json.dumps(condition, ensure_ascii=False)},
    )  # fmt: skip

    rule = Rule.objects.get(name="推诿且不致歉")
    assert response.status_code == 302
    assert rule.item == items["no_idea"] and rule.condition == condition and rule.version == version


def test_a_refused_rule_names_the_condition_and_field_and_is_not_saved(qa):
    _rubric, version, items = hotline(publish=False)
    condition = {"any": [BUCK, {"type": "regex", "pattern": "([未闭合"}]}
    response = qa.post(
        reverse("quality:rule_new", args=[version.pk]),
        {"action": "save", "name": "坏规则", "item": items["no_idea"].pk,
         "condition": json.dumps(condition, ensure_ascii=False)},
    )  # fmt: skip

    assert response.status_code == 200
    assert "any[1].pattern" in response.content.decode()
    assert not Rule.objects.filter(name="坏规则").exists()


def test_conditions_that_are_not_json_are_refused_naming_line_and_column(qa):
    _rubric, version, items = hotline(publish=False)
    response = qa.post(
        reverse("quality:rule_new", args=[version.pk]),
        {
            "action": "save",
            "name": "坏规则",
            "item": items["no_idea"].pk,
            "condition": '{"type": "keywords",\n  words',
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "JSON 格式错误（第 2 行" in page  # the pages speak Chinese first
    assert not Rule.objects.filter(name="坏规则").exists()


def test_publishing_a_draft_makes_it_current_and_it_no_longer_changes(qa):
    _rubric, version, _items = hotline(publish=False)
    qa.post(reverse("quality:rubric_version_publish", args=[version.pk]))
    version.refresh_from_db()
    assert version.state == RubricVersion.State.PUBLISHED and version.published_at is not None

    new = {"code": "late", "group": "process", "name": "迟到", "points": "1", "direction": "subtract",
           "severity": "minor"}  # fmt: skip
    qa.post(reverse("quality:rubric_version", args=[version.pk]), item_table(version, [new]))
    assert not version.items.filter(code="late").exists()


def test_new_version_copies_items_and_rules_into_a_draft_and_leaves_the_published_one(qa):
    rubric, v1, _items = hotline()
    response = qa.post(reverse("quality:rubric_version_copy", args=[v1.pk]))

    v2 = rubric.versions.get(number=2)
    assert response.url == reverse("quality:rubric_version", args=[v2.pk])
    assert v2.state == RubricVersion.State.DRAFT
    assert sorted(v2.items.values_list("code", flat=True)) == sorted(v1.items.values_list("code", flat=True))
    assert v2.rules.count() == v1.rules.count() == 3
    v1.refresh_from_db()
    assert v1.state == RubricVersion.State.PUBLISHED


def test_try_shows_the_sentences_the_rule_matched_without_saving(qa, org):
    _rubric, version, items = hotline(publish=False)
    conversation = transcript(agent=org.agent, sentences=RUDE)
    response = qa.post(
        reverse("quality:rule_new", args=[version.pk]),
        {"action": "try", "name": "", "item": items["no_idea"].pk, "transcript": conversation.pk,
         "condition": json.dumps(BUCK, ensure_ascii=False)},
    )  # fmt: skip

    page = response.content.decode()
    assert response.status_code == 200 and "规则命中：1 句匹配" in page
    assert "<mark>不知道</mark>" in page and "<mark>没办法</mark>" in page
    assert page.count('class="line role-agent matched"') == 1  # only "不知道，没办法"
    assert not Rule.objects.filter(version=version).exclude(pk__in=version.rules.values("pk")).exists()
    assert version.rules.count() == 3


def test_try_says_when_the_rule_does_not_fire(qa, org):
    _rubric, version, items = hotline()
    conversation = transcript(agent=org.agent, sentences=RUDE)
    response = qa.post(
        reverse("quality:rule_edit", args=[version.pk, version.rules.first().pk]),
        {"action": "try", "transcript": conversation.pk, "name": "x", "item": items["greeting"].pk,
         "condition": json.dumps({"type": "keywords", "words": ["退货"]})},
    )  # fmt: skip
    page = response.content.decode()
    assert "该规则在此对话上未命中" in page  # "The rule does not fire on this transcript."
    assert "<mark>" not in page.split('<ol class="dialogue"')[1]


def test_the_rule_editor_carries_its_builder_as_a_static_script_and_a_json_spec(qa):
    _rubric, version, _items = hotline(publish=False)
    page = qa.get(reverse("quality:rule_new", args=[version.pk])).content.decode()
    assert "quality/rules.js" in page and 'type="application/json"' in page
    assert "data-rule-builder" in page and "data-rule-json" in page
    assert "<script>" not in page  # no inline script: the CSP refuses it


def test_an_agent_may_not_open_the_rubric_editor(client, org):
    _rubric, version, _items = hotline()
    client.force_login(org.agent)
    assert client.get(reverse("quality:rubric_list")).status_code == 403
    assert client.get(reverse("quality:rubric_version", args=[version.pk])).status_code == 403


def test_the_rubric_list_shows_every_rubric_with_its_versions(qa):
    rubric, v1, _items = hotline()
    page = qa.get(reverse("quality:rubric_list")).content.decode()
    assert rubric.name in page and reverse("quality:rubric_version", args=[v1.pk]) in page
