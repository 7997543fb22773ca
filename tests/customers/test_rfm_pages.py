"""The RFM page, its exports, the customer list's segment filter, the customer page, the API and the
`rfm_recompute` command, on the hand-worked set (tests/customers/rfm_set.py)."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from kefu.customers import rfm
from kefu.customers.models import RfmScore
from kefu.customers.models import RfmSegment as S
from tests.customers.rfm_set import AS_OF, add_order, build_hand_worked
from tests.factories import aware

LATER = AS_OF + timedelta(days=30)


@pytest.fixture
def two_snapshots(web_org):
    """The hand-worked set on AS_OF, and a month later (30 July) after c9 and c10 bought 7,000 each.

    On 30 July (recencies +30 days, c9 and c10 0): R cuts (31, 33, 70, 120), F cuts (1, 2, 6, 8),
    M cuts (150, 900, 4000, 6000); means R 38/12, F 34/12, M 33/12. Scores and segments:
    c1 5 5 4 重要价值, c2 4 1 3 重要发展, c3 4 5 1 一般价值, c4 3 2 1 一般挽留, c5 3 3 3 重要保持,
    c6 3 4 3 重要保持, c7 2 1 4 重要挽留, c8 2 4 1 一般保持, c9 5 2 5 重要发展, c10 5 3 5 重要价值,
    c11 1 3 2 一般保持, c12 1 1 1 一般挽留.
    """
    customers = build_hand_worked()
    rfm.rfm_recompute(as_of=AS_OF)
    add_order(customers["c9"], aware(2026, 7, 30, 11, 0), 7000)
    add_order(customers["c10"], aware(2026, 7, 30, 11, 0), 7000)
    rfm.rfm_recompute(as_of=LATER)
    return customers


def test_page_shows_sizes_linking_to_the_list_and_the_movement(web_org, two_snapshots, zh_client):
    page = zh_client(web_org.agent).get("/customers/rfm/")
    assert page.status_code == 200
    html = page.content.decode()
    # The latest snapshot by default, compared with the one a month before.
    assert 'id="rfm-movement"' in html and "2026-06-30" in html and "2026-07-30" in html
    assert 'data-chart="rfm-sizes-data"' in html and 'data-chart="rfm-movement-data"' in html
    assert f"segment={S.IMPORTANT_DEVELOP}&amp;rfm_as_of=2026-07-30" in html
    assert "重要价值" in html
    moves = page.context["moves"]
    assert moves.cell(S.GENERAL_WIN_BACK, S.IMPORTANT_DEVELOP) == 1  # c9
    assert moves.cell(S.GENERAL_WIN_BACK, S.IMPORTANT_VALUE) == 1  # c10
    heat = page.context["charts"]["movement"]
    assert sum(cell[2] for cell in heat["data"]) == 12


def test_page_without_a_comparison_shows_no_movement(web_org, two_snapshots, zh_client):
    page = zh_client(web_org.agent).get("/customers/rfm/", {"as_of": "2026-06-30", "compare": ""})
    assert page.status_code == 200
    assert page.context["moves"] is None and 'id="rfm-movement"' not in page.content.decode()
    assert sum(row["size"].count for row in page.context["sizes"]) == 12


def test_page_refuses_an_unknown_date_with_a_message(web_org, two_snapshots, zh_client):
    page = zh_client(web_org.agent).get("/customers/rfm/", {"as_of": "2026-02-30"})
    assert page.status_code == 400
    assert "as_of" in page.content.decode()


def test_page_without_snapshots_says_how_to_make_one(web_org, zh_client):
    page = zh_client(web_org.agent).get("/customers/rfm/")
    assert page.status_code == 200
    assert "rfm_recompute" in page.content.decode()


def test_department_staff_may_not_see_the_page(web_org, zh_client):
    assert zh_client(web_org.logistics_staff).get("/customers/rfm/").status_code == 403


def test_customer_list_filters_by_segment(web_org, two_snapshots, zh_client):
    client = zh_client(web_org.agent)
    listed = client.get("/customers/", {"segment": S.GENERAL_WIN_BACK})
    # On the latest snapshot the general win-back customers are c4 and c12 (c9 and c10 moved up);
    # the list shows the newest first.
    assert [c.name for c in listed.context["page"].object_list] == ["c12", "c4"]
    earlier = client.get("/customers/", {"segment": S.GENERAL_WIN_BACK, "rfm_as_of": "2026-06-30"})
    assert sorted(c.name for c in earlier.context["page"].object_list) == ["c10", "c12", "c9"]
    wrong = client.get("/customers/", {"segment": "vip"})
    assert wrong.status_code == 200 and "vip" in wrong.content.decode()


def test_customer_page_shows_the_current_scores(web_org, two_snapshots, zh_client):
    page = zh_client(web_org.agent).get(f"/customers/{two_snapshots['c9'].pk}/")
    html = page.content.decode()
    assert 'id="customer-rfm"' in html
    assert "5 · 2 · 5" in html  # c9 on 30 July: R 5, F 2, M 5
    assert "重要发展" in html


def test_csv_export_has_one_row_per_scored_customer(web_org, two_snapshots, zh_client):
    response = zh_client(web_org.agent).get("/customers/rfm/export.csv", {"as_of": "2026-06-30"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 12
    c6 = next(r for r in rows[1:] if r[1] == "c6")
    # id, name, as of, window, recency, frequency, monetary, R, F, M, segment code, name
    assert c6[2:11] == ["2026-06-30", "365", "40", "8", "3500.00", "3", "4", "4", S.IMPORTANT_KEEP]


def test_xlsx_export_has_scores_sizes_and_movement(web_org, two_snapshots, zh_client):
    response = zh_client(web_org.agent).get(
        "/customers/rfm/export.xlsx", {"as_of": "2026-07-30", "compare": "2026-06-30"}
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    scores, sizes, movement = book.worksheets
    assert scores.max_row == 1 + 12
    assert sum(row[2] for row in sizes.iter_rows(min_row=2, values_only=True)) == 12
    totals = [row[-1] for row in movement.iter_rows(min_row=2, values_only=True)]
    assert sum(totals) == 12


def test_api_sizes_by_date_and_the_customer_scores(web_org, two_snapshots, org_api):
    body = org_api.get("/customers/rfm", {"as_of": "2026-06-30"}).json()
    assert body["as_of"] == "2026-06-30" and body["window_days"] == 365 and body["total"] == 12
    assert {s["code"]: s["count"] for s in body["segments"]}[S.GENERAL_WIN_BACK] == 3
    latest = org_api.get("/customers/rfm").json()
    assert latest["as_of"] == "2026-07-30"
    assert {s["code"]: s["count"] for s in latest["segments"]}[S.GENERAL_WIN_BACK] == 2  # c4, c12
    missing = org_api.get("/customers/rfm", {"as_of": "2026-01-01"})
    assert missing.status_code == 404
    bad = org_api.get("/customers/rfm", {"as_of": "yesterday"})
    assert bad.status_code == 422 and "as_of" in bad.json()["errors"]
    c9 = org_api.get(f"/customers/{two_snapshots['c9'].pk}").json()
    assert (c9["rfm"]["r"], c9["rfm"]["f"], c9["rfm"]["m"], c9["rfm"]["segment"]) == (
        5,
        2,
        5,
        S.IMPORTANT_DEVELOP,
    )
    assert c9["rfm"]["monetary"] in ("7080.00", 7080.0, "7080")
    found = org_api.get("/customers", {"segment": S.GENERAL_WIN_BACK}).json()
    assert [c["name"] for c in found["items"]] == ["c12", "c4"]
    wrong = org_api.get("/customers", {"segment": "vip"})
    assert wrong.status_code == 422 and "segment" in wrong.json()["errors"]


def test_command_recomputes_a_day_and_refuses_bad_options(db, capsys):
    build_hand_worked()
    call_command("rfm_recompute", "--as-of", "2026-06-30", "--window", "365")
    assert "12 customers scored" in capsys.readouterr().out
    call_command("rfm_recompute", "--as-of", "2026-06-30")
    assert RfmScore.objects.count() == 12
    with pytest.raises(CommandError, match="--window"):
        call_command("rfm_recompute", "--window", "0")
    with pytest.raises(CommandError, match="--as-of"):
        call_command("rfm_recompute", "--as-of", "30/06/2026")
