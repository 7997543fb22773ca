"""The service report page (/reports/service/), its subscribe button, the dashboard's link to it and
GET /api/reports/service."""

import pytest
from django.test import Client

from kefu.reports.models import ReportSubscription
from kefu.reports.targets import target_set
from tests.api.conftest import token_client
from tests.factories import aware
from tests.reports.test_metrics_calls import call
from tests.tickets.helpers import new_ticket

URL = "/reports/service/"


def signed_in(user, language: str = "") -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


@pytest.fixture
def monday(org, frozen):
    """Monday 30 November: 2 calls offered, 1 answered (answer rate 50 % < target 90 %); a complaint."""
    call(1, aware(2026, 11, 30, 9, 0), "answered", wait=10, talk=100)
    call(2, aware(2026, 11, 30, 9, 30), "abandoned", wait=40)
    target_set(figure="calls_answer_rate", value=0.9, by=org.manager)
    return new_ticket(org, now=aware(2026, 11, 30, 10, 0), title="快递丢失")


def test_the_daily_record_in_chinese_marks_misses_and_links_each_complaint(org, monday):
    response = signed_in(org.manager).get(URL, {"kind": "daily", "day": "2026-11-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "每日投诉记录" in html and "2026-11-30" in html
    assert 'class="num kpi-missed"' in html and "50.0%" in html  # 1 answered / 2 offered
    assert f'<a href="/tickets/{monday.number}/">{monday.number}</a>' in html
    assert "js-print" in html and 'id="service-choose"' in html
    assert ">打印</button>" in html and "订阅：服务周报" in html  # Chinese first
    assert 'id="listening"' not in html  # the listening report is the weekly's


def test_the_page_in_english_and_the_weekly_listening_section(org, monday):
    html = signed_in(org.manager, "en").get(URL, {"kind": "weekly", "day": "2026-11-23"}).content.decode()
    assert "Weekly service report" in html and "2026-11-23 – 2026-11-29" in html
    assert "Listening report 2026-W48" in html
    assert "Complaint record" not in html
    # Previous and next weeks: the days before and after the period.
    assert "kind=weekly&amp;day=2026-11-22" in html and "kind=weekly&amp;day=2026-11-30" in html


def test_the_default_is_yesterdays_record_and_the_current_period_has_no_next(org, frozen):
    html = signed_in(org.manager, "en").get(URL).content.decode()
    assert "Daily complaint record" in html and "2026-12-02" in html  # today is 3 December
    html = signed_in(org.manager, "en").get(URL, {"kind": "monthly", "day": "2026-12-03"}).content.decode()
    assert "2026-12-01 – 2026-12-31" in html and 'rel="next"' not in html


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "hourly"}, "kind"),
        ({"day": "2026-13-01"}, "day"),
        ({"kind": "yearly", "day": "2027-01-01"}, "day"),
    ],
)
def test_bad_input_is_shown_naming_the_field(org, frozen, params, field):
    response = signed_in(org.manager, "en").get(URL, params)
    assert response.status_code == 400
    assert f"{field}: " in response.content.decode()


def test_agents_may_not_read_the_reports(org, frozen):
    assert signed_in(org.agent).get(URL).status_code == 403
    assert signed_in(org.agent).post(f"{URL}subscribe/", {"kind": "daily", "on": "1"}).status_code == 403
    assert not ReportSubscription.objects.exists()


def test_the_workbook_downloads(org, monday):
    response = signed_in(org.manager).get(URL, {"kind": "daily", "day": "2026-11-30", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="kefu-daily-20261130.xlsx"'
    assert response.content[:2] == b"PK"  # a zip: the xlsx container


def test_subscribe_and_unsubscribe_and_leads_see_who(org, frozen):
    manager = signed_in(org.manager, "en")
    response = manager.post(f"{URL}subscribe/", {"kind": "weekly", "on": "1", "day": "2026-11-23"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?kind=weekly&day=2026-11-23"
    qa = signed_in(org.qa, "en")
    qa.post(f"{URL}subscribe/", {"kind": "daily", "on": "1"})
    assert set(ReportSubscription.objects.values_list("user__username", "kind")) == {
        ("manager", "weekly"),
        ("qa", "daily"),
    }
    html = manager.get(URL, {"kind": "weekly", "day": "2026-11-23"}).content.decode()
    assert "Unsubscribe: Weekly service report" in html and "Subscribe: Daily complaint record" in html
    assert "<th>Subscribers</th>" in html and org.qa.label in html  # a manager sees who
    assert "<th>Subscribers</th>" not in qa.get(URL).content.decode()  # an inspector does not
    manager.post(f"{URL}subscribe/", {"kind": "weekly", "on": "0"})
    assert not ReportSubscription.objects.filter(user=org.manager).exists()
    assert manager.get(f"{URL}subscribe/").status_code == 405  # POST only


def test_the_dashboard_links_to_the_service_reports(org, frozen):
    assert 'href="/reports/service/"' in signed_in(org.manager).get("/reports/").content.decode()


# --- the API -----------------------------------------------------------------------------------------


def test_the_api_gives_the_report_as_json(org, monday):
    response = token_client(org.manager).get("/reports/service", {"kind": "daily", "day": "2026-11-30"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["first_day"], body["last_day"]) == ("daily", "2026-11-30", "2026-11-30")
    rate = next(item for item in body["headline"] if item["code"] == "calls_answer_rate")
    assert (rate["value"], rate["target"], rate["verdict"]) == (0.5, 0.9, "missed")
    assert [c["number"] for c in body["complaints"]] == [monday.number]
    assert body["complaints"][0]["received"] is True
    assert body["breakdowns"][0]["rows"][0]["value"] == 1  # one work order, by phone
    assert body["listening"] is None and body["quality_failures"] == []
    weekly = token_client(org.manager).get("/reports/service", {"kind": "weekly", "day": "2026-11-30"}).json()
    assert (weekly["first_day"], weekly["last_day"]) == ("2026-11-30", "2026-12-06")
    assert weekly["listening"]["week"] == "2026-W49" and weekly["complaints"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "hourly"}, "kind"),
        ({"day": "2026-11-31"}, "day"),
        ({"kind": "daily", "day": "2026-12-04"}, "day"),
    ],
)
def test_the_api_refuses_a_bad_kind_or_day_naming_it(org, frozen, params, field):
    response = token_client(org.manager).get("/reports/service", params)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_the_api_is_not_for_agents(org, frozen):
    response = token_client(org.agent).get("/reports/service")
    assert response.status_code == 403


def test_the_api_default_is_the_last_complete_period(org, frozen):
    body = token_client(org.manager).get("/reports/service", {"kind": "yearly"}).json()
    assert (body["first_day"], body["last_day"]) == ("2025-01-01", "2025-12-31")
