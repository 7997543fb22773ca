"""The inspections API: who sees what (agent: own; inspector: their queues; leads: all) and filters."""

from datetime import timedelta

from kefu.quality.services.inspection import inspect_transcript
from tests.quality.core_helpers import DAY, POLITE, RUDE, hotline, scope, transcript


def inspections(org):
    """Three inspections: the agent's rude hotline call, agent2's polite hotline call, other's VIP call."""
    hotline()
    return {
        "agent": inspect_transcript(transcript=transcript(agent=org.agent, sentences=RUDE), now=DAY),
        "agent2": inspect_transcript(transcript=transcript(agent=org.agent2, sentences=POLITE), now=DAY),
        "other": inspect_transcript(
            transcript=transcript(agent=org.other_agent, queue="vip", started_at=DAY + timedelta(days=1)),
            now=DAY,
        ),
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["items"]}


def test_an_agent_sees_only_their_own_inspections(org, as_user):
    rows = inspections(org)
    api = as_user(org.agent)
    assert ids(api.get("/quality/inspections")) == {rows["agent"].pk}
    assert api.get(f"/quality/inspections/{rows['agent'].pk}").status_code == 200
    response = api.get(f"/quality/inspections/{rows['agent2'].pk}")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_an_inspector_sees_only_the_queues_given_to_them(org, as_user):
    rows = inspections(org)
    scope(org.qa, queues=["vip"])
    api = as_user(org.qa)
    assert ids(api.get("/quality/inspections")) == {rows["other"].pk}
    assert api.get(f"/quality/inspections/{rows['agent'].pk}").status_code == 404


def test_an_inspector_without_a_scope_sees_nothing(org, as_user):
    rows = inspections(org)
    api = as_user(org.qa)
    assert ids(api.get("/quality/inspections")) == set()
    assert api.get(f"/quality/inspections/{rows['other'].pk}").status_code == 404


def test_leads_see_every_inspection(org, as_user):
    rows = inspections(org)
    assert ids(as_user(org.supervisor).get("/quality/inspections")) == {r.pk for r in rows.values()}


def test_the_detail_shows_one_finding_per_item_with_its_evidence(org, as_user):
    rows = inspections(org)
    body = as_user(org.agent).get(f"/quality/inspections/{rows['agent'].pk}").json()
    assert (body["score"], body["version"], body["rubric"], body["agent"]["id"]) == (
        85,
        1,
        "热线评分表",
        org.agent.pk,
    )
    codes = [f["item_code"] for f in body["findings"]]
    assert len(codes) == len(set(codes))  # one finding per item
    quotes = {(f["item_code"], e["sentence"], e["quote"]) for f in body["findings"] for e in f["evidence"]}
    assert ("no_idea", 2, "不知道") in quotes
    assert all(set(e) == {"sentence", "start", "end", "quote", "note", "rule"} for f in body["findings"]
               for e in f["evidence"])  # fmt: skip
    assert not {"sentence", "start", "end", "quote", "note"} & set(body["findings"][0])


def test_inspections_are_filtered_by_agent_queue_period_and_score(org, as_user):
    rows = inspections(org)
    api = as_user(org.manager)
    assert ids(api.get("/quality/inspections", {"agent": org.agent2.pk})) == {rows["agent2"].pk}
    assert ids(api.get("/quality/inspections", {"queue": "vip"})) == {rows["other"].pk}
    assert ids(api.get("/quality/inspections", {"max_score": "90"})) == {rows["agent"].pk, rows["other"].pk}
    assert ids(api.get("/quality/inspections", {"min_score": "90"})) == {rows["agent2"].pk}
    period = {"start": "2026-11-24T00:00:00+08:00", "end": "2026-11-25T00:00:00+08:00"}
    assert ids(api.get("/quality/inspections", period)) == {rows["other"].pk}
    assert ids(api.get("/quality/inspections", {"state": "auto", "channel": "chat"})) == set()


def test_a_bad_filter_is_a_422_naming_it(org, as_user):
    api = as_user(org.manager)
    response = api.get("/quality/inspections", {"state": "lost"})
    assert (response.status_code, response.json()["details"][0]["field"]) == (422, "state")
    backwards = api.get(
        "/quality/inspections", {"start": "2026-11-25T00:00:00+08:00", "end": "2026-11-24T00:00:00+08:00"}
    )
    assert (backwards.status_code, backwards.json()["details"][0]["field"]) == (422, "start")
