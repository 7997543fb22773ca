"""Every report figure on a small data set computed by hand (see `data`), with a superseded and
two reviewed inspections; the KPI selector; permissions; the page, the xlsx and the API."""

from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from kefu.accounts.models import ApiToken
from kefu.quality import reports, selectors
from kefu.quality.models import Finding, InspectorScope
from tests.factories import aware
from tests.org import build_org
from tests.quality import factories_reports as f

PENDING, CONFIRMED, REJECTED = Finding.Status.PENDING, Finding.Status.CONFIRMED, Finding.Status.REJECTED
START, END = aware(2026, 11, 16, 0, 0), aware(2026, 11, 30, 0, 0)


@pytest.fixture
def data(db):
    """Conversations of the two weeks from Monday 16 November 2026 (center time):

    | # | agent (group)        | channel/queue | week  | counted score                        |
    |---|----------------------|---------------|-------|--------------------------------------|
    | 1 | agent (热线一组)      | phone/hotline | 16th  | 90 (automatic)                       |
    | 2 | agent                | phone/hotline | 23rd  | 80 (final; automatic 70)             |
    | 3 | agent2 (热线一组)     | chat/web      | 16th  | 70 (automatic)                       |
    | 4 | other (热线二组)      | phone/hotline | 23rd  | 95 (final; automatic 100), v2        |
    | 5 | agent                | phone/hotline | 23rd  | 50 (v2); a superseded v1 at 10/20    |
    | 6 | agent                | phone/hotline | 16th  | not inspected                        |
    | 7 | agent                | phone/hotline | Dec.  | 0, outside the range                 |
    """
    org = build_org(with_policy=False)
    rubric = f.rubric()
    v1 = f.version(rubric, 1)
    v2 = f.version(rubric, 2)
    v2.items.filter(code="GREET").update(name="未主动问候")
    t = [
        f.transcript(at=aware(2026, 11, 17, 10, 0), agent=org.agent),
        f.transcript(at=aware(2026, 11, 24, 10, 0), agent=org.agent),
        f.transcript(at=aware(2026, 11, 18, 10, 0), agent=org.agent2, channel="chat", queue="web"),
        f.transcript(at=aware(2026, 11, 25, 10, 0), agent=org.other_agent),
        f.transcript(at=aware(2026, 11, 26, 10, 0), agent=org.agent),
        f.transcript(at=aware(2026, 11, 20, 10, 0), agent=org.agent),
        f.transcript(at=aware(2026, 12, 5, 10, 0), agent=org.agent),
    ]
    f.inspection(
        transcript=t[0], version=v1, auto=90, findings=[("GREET", PENDING, 0), ("POLITE", CONFIRMED, 0)]
    )
    f.inspection(
        transcript=t[1], version=v1, auto=70, final=80, findings=[("GREET", PENDING), ("POLITE", REJECTED)]
    )
    f.inspection(
        transcript=t[2], version=v1, auto=70, findings=[("GREET", PENDING, 0), ("GREET", PENDING, 2), ("POLITE", PENDING)]
    )  # fmt: skip
    f.inspection(
        transcript=t[3], version=v2, auto=100, final=95, findings=[("POLITE", CONFIRMED), ("THANKS", PENDING)]
    )
    f.inspection(
        transcript=t[4], version=v1, auto=10, final=20, superseded=True, findings=[("RUDE", CONFIRMED)]
    )
    f.inspection(transcript=t[4], version=v2, auto=50, findings=[("GREET", PENDING)])
    f.inspection(transcript=t[6], version=v1, auto=0, findings=[("RUDE", CONFIRMED)])
    return org


def rows_of(user=None, **kw):
    return reports.inspections(start=START, end=END, user=user, **kw)


def table(rows):
    return [(r.key, r.period_start and str(r.period_start), r.inspections, r.mean_score) for r in rows]


def test_mean_score_by_agent_counts_final_when_reviewed_and_skips_superseded(data):
    assert table(reports.average_scores(rows_of(), by="agent")) == [
        ("agent", None, 3, 73.33),  # (90 + 80 + 50) / 3
        ("agent2", None, 1, 70.0),
        ("other", None, 1, 95.0),
    ]


def test_mean_score_by_group_counts_each_inspection_in_its_agents_groups(data):
    assert table(reports.average_scores(rows_of(), by="group")) == [
        ("热线一组", None, 4, 72.5),  # (90 + 80 + 50 + 70) / 4
        ("热线二组", None, 1, 95.0),
    ]


def test_mean_score_by_channel_and_queue(data):
    assert table(reports.average_scores(rows_of(), by="channel")) == [
        ("chat", None, 1, 70.0),
        ("phone", None, 4, 78.75),  # (90 + 80 + 95 + 50) / 4
    ]
    assert table(reports.average_scores(rows_of(), by="queue")) == [
        ("hotline", None, 4, 78.75),
        ("web", None, 1, 70.0),
    ]


def test_mean_score_by_agent_and_week_starts_weeks_on_monday(data):
    assert table(reports.average_scores(rows_of(), by="agent", period="week")) == [
        ("agent", "2026-11-16", 1, 90.0),
        ("agent", "2026-11-23", 2, 65.0),
        ("agent2", "2026-11-16", 1, 70.0),
        ("other", "2026-11-23", 1, 95.0),
    ]


def test_mean_score_by_month(data):
    assert table(reports.average_scores(rows_of(), by="channel", period="month")) == [
        ("chat", "2026-11-01", 1, 70.0),
        ("phone", "2026-11-01", 4, 78.75),
    ]


def test_most_failed_items_follow_the_code_across_versions_without_rejected_or_added(data):
    failed = reports.failed_items(rows_of())
    assert [(i.code, i.name, i.findings, i.inspections, i.share) for i in failed] == [
        ("GREET", "未主动问候", 4, 4, 0.8),  # inspections 1, 2, 3 (two sentences, one finding), 5 (v2) of 5
        ("POLITE", "未使用“您”", 3, 3, 0.6),  # 1, 3, 4 (v2); rejected on 2
    ]


def test_distribution_puts_a_score_on_an_edge_in_the_higher_bucket(data):
    buckets = reports.distribution(rows_of())
    assert [(b.label, b.count, b.share) for b in buckets] == [
        ("<60", 1, 0.2),  # 50
        ("60–70", 0, 0.0),
        ("70–80", 1, 0.2),  # 70
        ("80–90", 1, 0.2),  # 80
        ("≥90", 2, 0.4),  # 90, 95
    ]


def test_trend_by_week_counts_reviewed(data):
    assert [tuple(r) for r in reports.trend(rows_of(), period="week")] == [
        (aware(2026, 11, 16, 0, 0).date(), 2, 80.0, 0),
        (aware(2026, 11, 23, 0, 0).date(), 3, 75.0, 2),
    ]


def test_coverage_counts_transcripts_inspected_and_reviewed_ignoring_superseded(data):
    c = reports.coverage(start=START, end=END)
    assert (c.conversations, c.inspected, c.reviewed) == (6, 5, 2)
    assert c.coverage == pytest.approx(5 / 6)
    assert c.review_rate == pytest.approx(0.4)


def test_an_agent_sees_only_themselves(data):
    org = data
    assert table(reports.average_scores(rows_of(org.agent), by="agent")) == [("agent", None, 3, 73.33)]
    c = reports.coverage(start=START, end=END, user=org.agent)
    assert (c.conversations, c.inspected, c.reviewed) == (4, 3, 1)


def test_an_inspector_sees_only_their_queues(data):
    org = data
    InspectorScope.objects.create(inspector=org.qa, queues=["web"])
    assert table(reports.average_scores(rows_of(org.qa), by="queue")) == [("web", None, 1, 70.0)]
    c = reports.coverage(start=START, end=END, user=org.qa)
    assert (c.conversations, c.inspected) == (1, 1)


def test_an_inspector_without_scope_sees_nothing(data):
    assert reports.average_scores(rows_of(data.qa), by="agent") == []


def test_kpi_selector_returns_plain_rows_over_every_inspection(data):
    rows = selectors.quality_scores(start=START, end=END, by="group", period="week")
    assert [tuple(r)[:1] + tuple(r)[2:] for r in rows] == [
        ("热线一组", aware(2026, 11, 16, 0, 0).date(), 2, 80.0),  # 90, 70
        ("热线一组", aware(2026, 11, 23, 0, 0).date(), 2, 65.0),  # 80, 50
        ("热线二组", aware(2026, 11, 23, 0, 0).date(), 1, 95.0),
    ]
    assert rows[0].key == "热线一组" and rows[0].mean_score == 80.0
    with pytest.raises(ValueError):
        selectors.quality_scores(start=START, end=END, by="colour")


def test_rubric_and_channel_filters(data):
    other = f.rubric("在线评分表")
    assert reports.average_scores(rows_of(rubric=other), by="agent") == []
    assert table(reports.average_scores(rows_of(channel="chat"), by="agent")) == [("agent2", None, 1, 70.0)]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_report_page_shows_the_tables_and_a_server_side_chart(data):
    page = signed_in(data.supervisor).get("/quality/reports/", {"from": "2026-11-16", "to": "2026-11-29"})
    assert page.status_code == 200
    text = page.text
    assert "73.33" in text and "78.75" not in text  # by agent by default
    assert "未主动问候" in text and "<svg" in text and "<script" not in text.split("</header>", 1)[-1]


def test_report_page_for_an_agent_lists_only_them(data):
    text = signed_in(data.agent).get("/quality/reports/", {"from": "2026-11-16", "to": "2026-11-29"}).text
    assert "73.33" in text and "95.0" not in text and data.other_agent.label not in text


def test_report_page_ignores_malformed_filters(data):
    client = signed_in(data.supervisor)
    assert (
        client.get("/quality/reports/", {"from": "yesterday", "by": "colour", "rubric": "x²"}).status_code
        == 200
    )
    odd = {"from": "2026-02-30", "to": "2026-13-01", "period": "year"}
    assert client.get("/quality/reports/", odd).status_code == 200


def test_drill_down_lists_the_inspections_of_one_row_and_its_week(data):
    client = signed_in(data.supervisor)
    page = client.get("/quality/reports/", {"from": "2026-11-16", "to": "2026-11-29", "period": "week"}).text
    assert "from=2026-11-23&amp;to=2026-11-29&amp;by=agent&amp;key=agent" in page
    rows = client.get(
        "/quality/reports/inspections/", {"from": "2026-11-23", "to": "2026-11-29", "key": "agent"}
    )
    listed = rows.context["page"].object_list
    assert sorted(i.score for i in listed) == [50, 80]  # the superseded inspection of the 26th is not listed
    other = signed_in(data.agent2).get(
        "/quality/reports/inspections/", {"from": "2026-11-16", "to": "2026-11-29", "key": "agent"}
    )
    assert list(other.context["page"].object_list) == []  # an agent drills into no one else


def test_xlsx_export_opens_and_holds_the_numbers(data):
    response = signed_in(data.supervisor).get(
        "/quality/reports/", {"from": "2026-11-16", "to": "2026-11-29", "by": "channel", "format": "xlsx"}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    scores = [tuple(r) for r in book["scores"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[3], r[4]) for r in scores] == [("chat", 1, 70.0), ("phone", 4, 78.75)]
    summary = {r[0]: r[1] for r in book["summary"].iter_rows(values_only=True)}
    assert list(summary.values())[2:5] == [5, 77.0, 6]  # inspections, mean, conversations
    failed = [tuple(r) for r in book["failed items"].iter_rows(min_row=2, values_only=True)]
    assert failed[0] == ("GREET", "未主动问候", 4, 4, 0.8)
    dist = [tuple(r) for r in book["distribution"].iter_rows(min_row=2, values_only=True)]
    assert [r[1] for r in dist] == [1, 0, 1, 1, 2]


def api(user) -> Client:
    _token, raw = ApiToken.issue(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_scores_api_takes_the_selectors_parameters(data):
    body = (
        api(data.supervisor)
        .get(
            "/api/quality/reports/scores",
            {
                "start": "2026-11-16T00:00:00+08:00",
                "end": "2026-11-30T00:00:00+08:00",
                "by": "agent",
                "period": "week",
            },
        )
        .json()
    )
    assert [(r["key"], r["period_start"], r["inspections"], r["mean_score"]) for r in body["rows"]] == [
        ("agent", "2026-11-16", 1, 90.0),
        ("agent", "2026-11-23", 2, 65.0),
        ("agent2", "2026-11-16", 1, 70.0),
        ("other", "2026-11-23", 1, 95.0),
    ]


def test_scores_api_for_an_agent_returns_only_them(data):
    body = (
        api(data.agent)
        .get(
            "/api/quality/reports/scores",
            {"start": "2026-11-16T00:00:00+08:00", "end": "2026-11-30T00:00:00+08:00"},
        )
        .json()
    )
    assert [r["key"] for r in body["rows"]] == ["agent"]


def test_scores_api_refuses_bad_parameters_naming_the_field(data):
    client = api(data.supervisor)
    colour = client.get("/api/quality/reports/scores", {"by": "colour"})
    assert colour.status_code == 422 and colour.json()["details"][0]["field"] == "by"
    period = client.get("/api/quality/reports/scores", {"period": "year"})
    assert period.status_code == 422 and period.json()["details"][0]["field"] == "period"
    backwards = client.get(
        "/api/quality/reports/scores",
        {"start": "2026-12-02T00:00:00+08:00", "end": "2026-12-01T00:00:00+08:00"},
    )
    assert backwards.status_code == 422 and backwards.json()["details"][0]["field"] == "start"
    assert (
        client.get("/api/quality/reports/scores", {"rubric": 999}).json()["details"][0]["field"] == "rubric"
    )
    fax = client.get("/api/quality/reports/scores", {"channel": "fax"})
    assert fax.status_code == 422 and fax.json()["details"][0]["field"] == "channel"


def test_summary_api_has_every_figure(data):
    body = (
        api(data.supervisor)
        .get(
            "/api/quality/reports/summary",
            {"start": "2026-11-16T00:00:00+08:00", "end": "2026-11-30T00:00:00+08:00"},
        )
        .json()
    )
    assert body["total"]["mean_score"] == 77.0
    assert body["coverage"] == {
        "conversations": 6,
        "inspected": 5,
        "reviewed": 2,
        "coverage": 5 / 6,
        "review_rate": 0.4,
    }
    assert [b["count"] for b in body["distribution"]] == [1, 0, 1, 1, 2]
    assert body["failed_items"][0]["code"] == "GREET"


def test_department_staff_get_no_reports(data):
    assert signed_in(data.logistics_staff).get("/quality/reports/").status_code == 403
    assert api(data.logistics_staff).get("/api/quality/reports/scores").status_code == 403
