"""Rubrics, their versions and items, and rules: drafts change, published versions never do."""

import pytest

from kefu.core.errors import PermissionDenied, ValidationError
from kefu.quality import selectors
from kefu.quality.models import RubricVersion, Rule
from kefu.quality.services import rubrics, rules
from tests.quality.core_helpers import DAY, NO_IDEA, hotline


def codes(exc: ValidationError) -> dict:
    return {field: {m.code for m in messages} for field, messages in exc.errors.items()}


def test_a_new_rubric_starts_with_an_empty_draft_v1(org):
    rubric = rubrics.rubric_create(name="在线评分表", channels=["chat"], by=org.qa)
    version = rubric.versions.get()
    assert (version.number, version.state, version.items.count()) == (1, RubricVersion.State.DRAFT, 0)


def test_an_agent_may_not_create_a_rubric(org):
    with pytest.raises(PermissionDenied):
        rubrics.rubric_create(name="在线评分表", channels=["chat"], by=org.agent)


def test_a_rubric_needs_a_known_channel_and_a_free_name(org):
    hotline(name="热线评分表")
    with pytest.raises(ValidationError) as caught:
        rubrics.rubric_create(name="热线评分表", channels=["fax"], by=org.supervisor)
    assert codes(caught.value) == {"name": {"invalid"}, "channels": {"invalid_choice"}}


def test_renaming_and_rerouting_a_rubric_keeps_its_versions(org):
    rubric, version, _items = hotline()
    rubrics.rubric_update(rubric=rubric, name="投诉回访评分表", queues=["complaints"], by=org.manager)
    rubric.refresh_from_db()
    assert (rubric.name, rubric.queues, list(rubric.versions.all())) == (
        "投诉回访评分表",
        ["complaints"],
        [version],
    )


def test_an_item_needs_points_above_zero_and_known_choices(org):
    rubric = rubrics.rubric_create(name="在线评分表", channels=["chat"], by=org.qa)
    with pytest.raises(ValidationError) as caught:
        rubrics.item_create(
            version=rubric.versions.get(), code="x", name="x", group="lunch", points=0, direction="sideways",
            severity="fatal", by=org.qa,
        )  # fmt: skip
    assert codes(caught.value) == {
        "group": {"invalid_choice"}, "points": {"out_of_range"}, "direction": {"invalid_choice"},
    }  # fmt: skip


def test_item_codes_are_unique_within_a_version(org):
    _rubric, version, _items = hotline(publish=False)
    with pytest.raises(ValidationError) as caught:
        rubrics.item_create(
            version=version, code="greeting", name="再问候", group="opening", points=1, by=None
        )
    assert codes(caught.value) == {"code": {"duplicate_item_code"}}


def test_scores_must_be_floor_then_start_then_ceiling(org):
    _rubric, version, _items = hotline(publish=False)
    with pytest.raises(ValidationError) as caught:
        rubrics.version_update(version=version, floor_score=120, by=org.qa)
    assert codes(caught.value) == {"start_score": {"scores_out_of_order"}}
    version.refresh_from_db()
    assert version.floor_score == 0


def test_an_invalid_rule_is_refused_naming_the_condition(org):
    _rubric, version, items = hotline(publish=False)
    condition = {"all": [{"type": "keywords", "words": ["您好"]}, {"type": "regex", "pattern": "([未闭合"}]}
    with pytest.raises(ValidationError) as caught:
        rules.rule_create(
            version=version, item=items["greeting"], name="坏规则", condition=condition, by=org.qa
        )
    assert codes(caught.value) == {"condition.all[1].pattern": {"invalid_condition"}}
    assert not Rule.objects.filter(name="坏规则").exists()


def test_an_empty_keyword_list_is_refused_naming_the_words(org):
    _rubric, version, items = hotline(publish=False)
    with pytest.raises(ValidationError) as caught:
        rules.rule_create(
            version=version,
            item=items["greeting"],
            name="空",
            condition={"type": "keywords", "words": []},
            by=None,
        )
    assert set(caught.value.errors) == {"condition.words"}


def test_a_rule_finds_an_item_of_its_own_version(org):
    _rubric, _version, items = hotline()
    other = rubrics.rubric_create(name="在线评分表", channels=["chat"], by=None).versions.get()
    with pytest.raises(ValidationError) as caught:
        rules.rule_create(version=other, item=items["greeting"], name="错版本", condition=NO_IDEA, by=None)
    assert codes(caught.value) == {"item_id": {"item_of_another_version"}}


def test_publishing_retires_the_version_published_before(org):
    rubric, v1, _items = hotline()
    v2 = rubrics.version_draft(rubric=rubric, by=org.qa)
    rubrics.version_publish(version=v2, by=org.qa, now=DAY)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.state, v2.state) == (RubricVersion.State.RETIRED, RubricVersion.State.PUBLISHED)
    assert selectors.current_version(rubric) == v2


def test_a_version_without_items_cannot_be_published(org):
    rubric = rubrics.rubric_create(name="在线评分表", channels=["chat"], by=None)
    with pytest.raises(ValidationError) as caught:
        rubrics.version_publish(version=rubric.versions.get(), by=None)
    assert codes(caught.value) == {"items": {"version_has_no_items"}}
    assert rubric.versions.get().state == RubricVersion.State.DRAFT


def test_a_version_with_an_invalid_rule_cannot_be_published(org):
    _rubric, version, items = hotline(publish=False)
    bad = Rule.objects.create(
        version=version, item=items["greeting"], name="绕过", condition={"type": "regex"}
    )
    with pytest.raises(ValidationError) as caught:
        rubrics.version_publish(version=version, by=None)
    assert all(field.startswith(f"rules.{bad.pk}.condition") for field in caught.value.errors)
    assert caught.value.errors
    version.refresh_from_db()
    assert version.state == RubricVersion.State.DRAFT


def test_a_published_version_is_immutable(org):
    _rubric, version, items = hotline()
    rule = version.rules.first()
    attempts = [
        lambda: rubrics.version_update(version=version, start_score=90, by=None),
        lambda: rubrics.item_update(item=items["greeting"], points=1, by=None),
        lambda: rubrics.item_create(
            version=version, code="new", name="新", group="closing", points=1, by=None
        ),
        lambda: rubrics.item_delete(item=items["abuse"], by=None),
        lambda: rules.rule_update(rule=rule, condition=NO_IDEA, by=None),
        lambda: rules.rule_create(
            version=version, item=items["abuse"], name="新", condition=NO_IDEA, by=None
        ),
        lambda: rules.rule_delete(rule=rule, by=None),
        lambda: rubrics.version_publish(version=version, by=None),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert codes(caught.value) == {"version": {"version_not_draft"}}
    items["greeting"].refresh_from_db()
    assert (items["greeting"].points, version.items.count(), version.rules.count()) == (5, 3, 3)


def test_editing_a_published_version_makes_a_draft_copying_items_and_rules(org):
    rubric, v1, _items = hotline()
    v2 = rubrics.version_draft(rubric=rubric, by=org.qa)
    assert (v2.number, v2.state) == (2, RubricVersion.State.DRAFT)
    assert sorted(v2.items.values_list("code", flat=True)) == ["abuse", "greeting", "no_idea"]
    copied = {rule.name: (rule.item.code, rule.item.version_id, rule.condition) for rule in v2.rules.all()}
    assert copied["推诿"] == ("no_idea", v2.pk, NO_IDEA)
    assert len(copied) == 3
    assert rubrics.version_draft(rubric=rubric, by=org.qa) == v2  # one draft at a time


def test_the_most_specific_rubric_fits_a_conversation(org):
    general, _v, _i = hotline(name="热线通用", position=0)
    complaints, _v, _i = hotline(name="投诉热线", queues=["complaints"], position=5)
    hotline(name="VIP热线", queues=["vip"], position=1)
    assert selectors.rubric_for("phone", "complaints") == complaints
    assert selectors.rubric_for("phone", "hotline") == general
    assert selectors.rubric_for("chat", "complaints") is None


def test_position_decides_between_rubrics_equally_specific(org):
    hotline(name="乙", position=2)
    first, _v, _i = hotline(name="甲", position=1)
    assert selectors.rubric_for("phone", "hotline") == first


def test_a_rubric_still_in_draft_does_not_take_conversations(org):
    general, _v, _i = hotline(name="热线通用")
    hotline(name="投诉热线", queues=["complaints"], publish=False)
    assert selectors.rubric_for("phone", "complaints") == general


@pytest.mark.parametrize(
    "model",
    [
        "rubric",
        "rubricversion",
        "rubricitem",
        "rule",
        "transcript",
        "inspection",
        "finding",
        "inspectorscope",
    ],
)
def test_every_quality_model_is_in_the_admin(org, admin_client, model):
    from kefu.quality.services.inspection import inspect_transcript
    from tests.quality.core_helpers import transcript

    hotline()
    inspect_transcript(transcript=transcript(agent=org.agent), now=DAY)
    assert admin_client.get(f"/admin/quality/{model}/").status_code == 200


def test_the_admin_shows_a_findings_evidence_one_line_each(org, admin_client):
    from kefu.quality.services.inspection import inspect_transcript
    from tests.quality.core_helpers import transcript

    hotline()
    inspection = inspect_transcript(transcript=transcript(agent=org.agent), now=DAY)
    finding = inspection.findings.get(item__code="no_idea")
    page = admin_client.get(f"/admin/quality/finding/{finding.pk}/change/")
    assert page.status_code == 200 and "#3 “不知道”" in page.text and "#3 “没办法”" in page.text
    assert admin_client.get(f"/admin/quality/inspection/{inspection.pk}/change/").status_code == 200


def test_the_admin_does_not_change_a_published_version(org, admin_client):
    _rubric, version, _items = hotline()
    assert admin_client.get(f"/admin/quality/rubricversion/{version.pk}/change/").status_code == 200
    response = admin_client.post(f"/admin/quality/rubricversion/{version.pk}/change/", {"start_score": "1"})
    version.refresh_from_db()
    assert (response.status_code, version.start_score) == (403, 100)


def test_the_admin_refuses_an_invalid_rule_naming_the_condition(org, admin_client):
    _rubric, version, items = hotline(publish=False)
    response = admin_client.post(
        "/admin/quality/rule/add/",
        {
            "version": version.pk, "item": items["greeting"].pk, "name": "坏规则", "is_active": "on",
            "condition": '{"all": [{"type": "keywords", "words": ["您好"]}, {"type": "regex", "pattern": "(["}]}',
        },
    )  # fmt: skip
    assert response.status_code == 200  # the form again, with its errors
    assert "condition.all[1].pattern" in response.content.decode()
    assert not Rule.objects.filter(name="坏规则").exists()


def test_an_agent_may_not_reinspect_a_period(org):
    from kefu.quality.services.inspection import reinspect_period

    with pytest.raises(PermissionDenied):
        reinspect_period(start=DAY, end=DAY, by=org.agent)


def test_a_negative_position_is_refused_by_field(org):
    rubric, version, items = hotline(publish=False)
    with pytest.raises(ValidationError) as caught:
        rubrics.rubric_update(rubric=rubric, position=-1, by=None)
    assert codes(caught.value) == {"position": {"out_of_range"}}
    with pytest.raises(ValidationError) as caught:
        rubrics.item_update(item=items["greeting"], position=-3, by=None)
    assert codes(caught.value) == {"position": {"out_of_range"}}
