"""The rubric API: keep rubrics, drafts, items and rules; try a rule; errors name the field."""

from kefu.quality.models import RubricVersion
from tests.quality.core_helpers import NO_IDEA, RUDE, hotline, scope, transcript


def problems(response) -> dict:
    return {d["field"]: d["code"] for d in response.json()["details"]}


def new_rubric(api) -> dict:
    response = api.post(
        "/quality/rubrics", {"name": "热线评分表", "channels": ["phone"], "queues": ["hotline"]}
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_rubric_is_built_and_published_through_the_api(org, as_user):
    api = as_user(org.qa)
    rubric = new_rubric(api)
    version = rubric["versions"][0]
    assert (version["number"], version["state"]) == (1, "draft")
    item = api.post(
        f"/quality/versions/{version['id']}/items",
        {"code": "no_idea", "name": "推诿用语", "group": "wording", "points": "10", "severity": "severe"},
    )
    assert item.status_code == 201, item.content
    rule = api.post(
        f"/quality/versions/{version['id']}/rules",
        {"item_id": item.json()["id"], "name": "推诿", "condition": NO_IDEA},
    )
    assert rule.status_code == 201, rule.content
    published = api.post(f"/quality/versions/{version['id']}/publish")
    assert (published.status_code, published.json()["state"]) == (200, "published")
    detail = api.get(f"/quality/rubrics/{rubric['id']}").json()
    assert detail["versions"][0]["items"][0]["points"] == 10
    assert detail["versions"][0]["rules"][0]["condition"] == NO_IDEA


def test_an_invalid_rule_is_a_422_naming_the_condition(org, as_user):
    api = as_user(org.supervisor)
    _rubric, version, items = hotline(publish=False)
    condition = {"any": [{"type": "keywords", "words": ["您好"]}, {"type": "regex", "pattern": "(["}]}
    response = api.post(
        f"/quality/versions/{version.pk}/rules",
        {"item_id": items["greeting"].pk, "name": "坏", "condition": condition},
    )
    assert response.status_code == 422, response.content
    assert problems(response) == {"condition.any[1].pattern": "invalid_condition"}


def test_a_rule_naming_an_unknown_item_is_a_422(org, as_user):
    _rubric, version, _items = hotline(publish=False)
    response = as_user(org.qa).post(
        f"/quality/versions/{version.pk}/rules", {"item_id": 987654, "name": "x", "condition": NO_IDEA}
    )
    assert (response.status_code, problems(response)) == (422, {"item_id": "not_found"})


def test_changing_a_published_item_is_refused_and_a_new_draft_is_offered(org, as_user):
    api = as_user(org.qa)
    rubric, _version, items = hotline()
    refused = api.patch(f"/quality/items/{items['greeting'].pk}", {"points": 1})
    assert (refused.status_code, problems(refused)) == (422, {"version": "version_not_draft"})
    draft = api.post(f"/quality/rubrics/{rubric.pk}/drafts")
    assert (draft.status_code, draft.json()["number"], draft.json()["state"]) == (201, 2, "draft")
    again = api.post(f"/quality/rubrics/{rubric.pk}/drafts")
    assert (again.status_code, again.json()["id"]) == (200, draft.json()["id"])
    copied = next(i for i in draft.json()["items"] if i["code"] == "greeting")
    changed = api.patch(f"/quality/items/{copied['id']}", {"points": 1})
    assert (changed.status_code, changed.json()["points"]) == (200, 1)
    items["greeting"].refresh_from_db()
    assert items["greeting"].points == 5


def test_items_and_rules_of_a_draft_can_be_deleted(org, as_user):
    api = as_user(org.manager)
    _rubric, version, items = hotline(publish=False)
    rule = version.rules.get(name="推诿")
    assert api.delete(f"/quality/rules/{rule.pk}").status_code == 204
    assert api.delete(f"/quality/items/{items['abuse'].pk}").status_code == 204
    assert (version.rules.count(), version.items.count()) == (1, 2)


def test_publishing_an_empty_version_is_a_422(org, as_user):
    api = as_user(org.qa)
    rubric = new_rubric(api)
    response = api.post(f"/quality/versions/{rubric['versions'][0]['id']}/publish")
    assert (response.status_code, problems(response)) == (422, {"items": "version_has_no_items"})
    assert RubricVersion.objects.get(pk=rubric["versions"][0]["id"]).state == "draft"


def test_agents_may_not_keep_rubrics(org, as_user):
    api = as_user(org.agent)
    assert api.get("/quality/rubrics").status_code == 403
    response = api.post("/quality/rubrics", {"name": "x", "channels": ["phone"]})
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_an_unknown_rubric_is_a_json_404(org, as_user):
    response = as_user(org.qa).get("/quality/rubrics/987654")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_trying_a_rule_on_sentences_shows_what_it_matched(org, as_user):
    response = as_user(org.qa).post(
        "/quality/rules/try", {"condition": NO_IDEA, "sentences": RUDE, "channel": "phone"}
    )
    assert response.status_code == 200, response.content
    (rule,) = response.json()["rules"]
    assert rule["fired"] is True
    found = {(e["sentence"], e["start"], e["end"], e["text"], e["sentence_text"]) for e in rule["evidence"]}
    assert found == {(2, 0, 3, "不知道", "不知道，没办法"), (2, 4, 7, "没办法", "不知道，没办法")}


def test_trying_a_rule_that_does_not_hold_says_so(org, as_user):
    response = as_user(org.qa).post(
        "/quality/rules/try", {"condition": NO_IDEA, "sentences": [{"text": "您好"}]}
    )
    assert (response.status_code, response.json()["rules"][0]["fired"]) == (200, False)


def test_trying_an_invalid_rule_names_the_condition(org, as_user):
    response = as_user(org.qa).post(
        "/quality/rules/try", {"condition": {"type": "keywords", "words": []}, "sentences": RUDE}
    )
    assert (response.status_code, problems(response)) == (422, {"condition.words": "invalid_condition"})


def test_trying_a_rule_needs_a_conversation(org, as_user):
    response = as_user(org.qa).post("/quality/rules/try", {"condition": NO_IDEA})
    assert (response.status_code, problems(response)) == (422, {"transcript_id": "required"})


def test_an_inspector_tries_rules_only_on_transcripts_of_their_queues(org, as_user):
    scope(org.qa, queues=["hotline"])
    api = as_user(org.qa)
    mine, other = transcript(queue="hotline"), transcript(queue="vip")
    assert api.post("/quality/rules/try", {"condition": NO_IDEA, "transcript_id": mine.pk}).status_code == 200
    response = api.post("/quality/rules/try", {"condition": NO_IDEA, "transcript_id": other.pk})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_rubric_is_renamed_and_rerouted_through_the_api(org, as_user):
    rubric, _version, _items = hotline()
    api = as_user(org.manager)
    response = api.patch(f"/quality/rubrics/{rubric.pk}", {"name": "投诉热线", "queues": ["complaints"]})
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["queues"], response.json()["is_active"]) == (
        "投诉热线", ["complaints"], True,
    )  # fmt: skip
    refused = api.patch(f"/quality/rubrics/{rubric.pk}", {"channels": []})
    assert (refused.status_code, problems(refused)) == (422, {"channels": "required"})
