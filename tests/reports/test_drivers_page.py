"""The driver analysis page /reports/drivers/, its xlsx export and GET /api/reports/drivers: readings first,
the explanation instead of a model when data is short, refusals naming the parameter, agents kept out."""

import json
from io import BytesIO

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kefu.reports.drivers import panel as panel_module
from tests.api.conftest import token_client
from tests.org import build_org

URL = "/reports/drivers/"


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def manager(org):
    client = Client()
    client.force_login(org.manager)
    return client


@pytest.fixture
def seed_panel(monkeypatch):
    """40 agent × week rows with FCR 55, 56, … 94 and CSAT = 0.75·FCR + 20 ± 1 (+1 on even rows, −1 on
    odd), in place of the records' panel: the page is tested here, the panel in test_drivers_panel.py.

    The fitted slope: 0.75 + Σ(x − x̄)·e / Sxx; each pair of rows adds (x − x̄)·1 − (x + 1 − x̄)·1 = −1, so
    Σ = −20 over 20 pairs, and Sxx = n(n² − 1)/12 = 40·1599/12 = 5330: slope = 0.75 − 20/5330 ≈ 0.7462.
    """
    fcr = [55.0 + i for i in range(40)]
    frame = pd.DataFrame(
        {
            "unit": [f"坐席{i % 8}" for i in range(40)],
            "period": [f"2026-W{40 + i // 8}" for i in range(40)],
            "csat": [0.75 * x + 20 + (1 if i % 2 == 0 else -1) for i, x in enumerate(fcr)],
            "fcr": fcr,
        }
    )
    monkeypatch.setattr(panel_module, "driver_panel", lambda **kwargs: frame)
    return frame


SLOPE = 0.75 - 20 / 5330


def test_the_page_reads_the_model_in_plain_words_before_its_table(manager, seed_panel):
    response = manager.get(URL, {"drivers": "fcr", "from": "2026-10-01", "to": "2026-11-29"})

    assert response.status_code == 200
    html = response.content.decode()
    # the slope 0.7462 reads as 0.75 points, and with residuals of ±1 p is far below 0.001
    assert "一次解决率每提高1个百分点，满意率平均提高0.75个百分点（p&lt;0.001）" in html
    assert html.index('id="drivers-readings"') < html.index('id="drivers-model"')
    assert "模型解释了各单位之间满意率差异的" in html
    charts = response.context["charts"]
    assert charts["bars"]["kind"] == "bar" and charts["scatter"]["kind"] == "scatter"
    assert len(charts["scatter"]["points"]) == 40 and charts["scatter"]["line"] is not None
    assert 'id="drivers-scatter-data"' in html  # the data through json_script, no inline script


def test_the_same_page_reads_in_english(manager, seed_panel):
    response = manager.get(URL, {"drivers": "fcr"}, headers={"Accept-Language": "en"})

    html = response.content.decode()
    assert (
        "One point more first-contact resolution goes with 0.75 points more satisfaction rate (p &lt; 0.001)"
        in html
    )
    assert "40 rows in the panel; the model uses the 40 with every figure." in html


def test_too_little_data_shows_the_explanation_and_no_model(manager):
    # an empty center: 0 rows with every figure; five default drivers need 5 × (5 + 1) = 30 rows
    response = manager.get(URL, {"from": "2026-11-02", "to": "2026-11-29"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="drivers-problem"' in html
    drivers = len(response.context["form"]["drivers"])
    needed = max(10, 5 * (drivers + 1))
    assert f"数据齐全的只有0行；{drivers}个驱动因素至少需要{needed}行" in html
    assert 'id="drivers-model"' not in html


@pytest.mark.parametrize(
    ("params", "field"),
    [({"unit": "year"}, "unit"), ({"to": "2026-02-30"}, "to"), ({"drivers": "fcr,nonsense"}, "drivers")],
)
def test_bad_input_is_a_message_on_the_form_naming_the_field(manager, params, field):
    response = manager.get(URL, params)

    assert response.status_code == 400
    [message] = response.context["errors"]
    assert message.startswith(f"{field}: ")
    assert 'id="drivers-form"' in response.content.decode()


def test_agents_may_not_read_the_analysis(org):
    client = Client()
    client.force_login(org.agent)
    assert client.get(URL).status_code == 403
    assert token_client(org.agent).get("/reports/drivers").status_code == 403


def test_the_dashboard_links_to_the_page(manager):
    assert reverse("reports:drivers") in manager.get("/reports/").content.decode()


def test_the_xlsx_export_holds_the_panel_rows_and_the_model(manager, seed_panel):
    response = manager.get(URL, {"drivers": "fcr", "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    panel, model = book.worksheets[0], book.worksheets[1]
    rows = list(panel.iter_rows(values_only=True))
    assert len(rows) == 1 + 40  # the heading and one row per unit × week
    assert rows[1][:2] == ("坐席0", "2026-W40")
    assert rows[1][2] == pytest.approx(seed_panel["csat"][0]) and rows[1][3] == pytest.approx(
        seed_panel["fcr"][0]
    )
    texts = [row[0] for row in model.iter_rows(values_only=True) if row and row[0]]
    assert any(str(t).startswith("一次解决率每提高1个百分点") for t in texts)


def test_the_api_answers_the_analysis_with_its_schema(org, seed_panel):
    response = token_client(org.manager).get("/reports/drivers", {"drivers": "fcr", "unit": "agent_week"})

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["unit"] == "agent_week" and data["target"] == "csat" and data["drivers"] == ["fcr"]
    assert data["n"] == 40 and data["problem"] is None
    [coefficient] = data["model"]["coefficients"]
    assert coefficient["name"] == "fcr"
    assert coefficient["estimate"] == pytest.approx(SLOPE)
    assert coefficient["ci_low"] <= 0.75 <= coefficient["ci_high"]  # the true slope, within its 95 % CI
    assert set(data["chart"]) == {"bars", "scatter"}


def test_the_api_explains_too_little_data_with_a_problem_not_a_model(org):
    data = (
        token_client(org.manager).get("/reports/drivers", {"from": "2026-11-02", "to": "2026-11-29"}).json()
    )
    assert data["model"] is None
    assert data["problem"]["code"] == "too_few_rows" and data["problem"]["rows"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"unit": "year"}, "unit"),
        ({"target": "fcr"}, "target"),
        ({"drivers": "nonsense"}, "drivers"),
        ({"from": "not-a-day"}, "from"),
        ({"eliminate": "maybe"}, "eliminate"),
    ],
)
def test_the_api_refuses_a_bad_parameter_with_422_naming_it(org, params, field):
    response = token_client(org.manager).get("/reports/drivers", params)

    assert response.status_code == 422
    body = json.loads(response.content)
    assert body["code"] == "validation_error"
    assert [d["field"] for d in body["details"]] == [field]
