"""The KPI dashboard, its drill-down, the API, targets and the wallboard: what a supervisor reads."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from kefu.callcenter.models import CallRecord, Direction, Outcome
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.intake.chat.models import ChatSession
from kefu.reports import dashboard, targets, wallboard
from kefu.reports.consumers import WallboardConsumer
from kefu.reports.metrics import Grain, Period, measure
from kefu.reports.metrics.base import fixed_offset, week_slot
from kefu.reports.models import Target
from tests.org import build_org

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 2)


def call(n, at, *, queue="售后", outcome=Outcome.ANSWERED, wait=10, agent=None):
    answered = outcome == Outcome.ANSWERED
    return CallRecord.objects.create(
        source="csv", external_id=f"d{n}", queue=queue, direction=Direction.INBOUND, arrived_at=at,
        answered_at=at + timedelta(seconds=wait) if answered else None,
        ended_at=at + timedelta(seconds=wait + 60), agent=agent if answered else None, outcome=outcome,
        wait_seconds=wait, talk_seconds=60 if answered else None, created_at=at,
    )  # fmt: skip


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def calls(org):
    """Four calls on 2 March: 售后 answered in 10 s and 30 s and one abandoned after 40 s; sales one
    answered in 5 s. Answer rate 3/4 = 75%; 售后 2/3, sales 1/1."""
    nine = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
    call(1, nine, agent=org.agent)
    call(2, nine + timedelta(minutes=20), wait=30, agent=org.agent)
    call(3, nine + timedelta(minutes=40), outcome=Outcome.ABANDONED, wait=40)
    call(4, nine + timedelta(hours=1), queue="sales", wait=5, agent=org.agent2)


def page(client, user, path):
    client.force_login(user)
    return client.get(path)


# --- the query a page or the API sends -----------------------------------------------------------


def test_a_query_is_read_with_each_bad_parameter_named(db):
    query = dashboard.read_query({"from": "2026-03-01", "to": "2026-03-07", "figures": "calls_offered,fcr"})
    assert (query.first_day, query.last_day, query.codes) == (
        date(2026, 3, 1),
        date(2026, 3, 7),
        ("calls_offered", "fcr"),
    )
    cases = [
        ({"from": "2026-03-07", "to": "2026-03-01"}, "to"),  # reversed
        ({"from": "1999-12-31"}, "from"),  # absurd
        ({"to": "2026-02-30"}, "to"),  # not a date
        ({"grain": "fortnight"}, "grain"),
        ({"by": "colour"}, "by"),
        ({"figures": "calls_offered,happiness"}, "figures"),
        ({"figures": "calls_service_level", "service_level_seconds": "0"}, "service_level_seconds"),
    ]  # fmt: skip
    for params, field in cases:
        with pytest.raises(ValidationError) as caught:
            dashboard.read_query(params)
        assert list(caught.value.errors) == [field], params


def test_the_default_period_is_the_last_28_local_days(db, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 0, 30, tzinfo=SH))  # 16:30 UTC on 1 March
    query = dashboard.read_query({})
    assert (query.first_day, query.last_day) == (date(2026, 2, 3), date(2026, 3, 2))


# --- the page ------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_figures_by_queue_and_links_each_number(client, org, calls):
    response = page(client, org.supervisor, "/reports/?from=2026-03-02&to=2026-03-02&by=queue"
                                            "&figures=calls_offered&figures=calls_answer_rate")  # fmt: skip
    assert response.status_code == 200
    rows = {row["label"]: [cell["text"] for cell in row["cells"]] for row in response.context["rows"]}
    assert rows == {"sales": ["1", "100.0%"], "售后": ["3", "66.7%"]}
    assert [cell["text"] for cell in response.context["totals"]] == ["4", "75.0%"]
    html = response.content.decode()
    assert 'data-chart="kpi-chart-data"' in html and 'id="kpi-heat"' in html
    # The 售后 row's offered count links to its three calls.
    link = next(row for row in response.context["rows"] if row["label"] == "售后")["cells"][0]["url"]
    drill = client.get(link)
    assert drill.status_code == 200
    assert drill.context["page"].paginator.count == 3
    assert {r["cells"][1] for r in drill.context["records"]} == {"售后"}


def test_a_long_table_is_paged_and_the_workbook_has_every_row(client, org):
    """A call a day from 1 January to 1 March 2026 (60 days), every fourth abandoned: by day, the
    page shows 48 rows at a time; the chart and the workbook have all 60. Answered 45 of 60: 75%."""
    from io import BytesIO

    from openpyxl import load_workbook

    first_day = date(2026, 1, 1)
    for n in range(60):
        at = datetime.combine(first_day + timedelta(days=n), datetime.min.time(), tzinfo=SH) + timedelta(
            hours=10
        )
        call(n, at, outcome=Outcome.ABANDONED if n % 4 == 3 else Outcome.ANSWERED, agent=org.agent)
    path = "/reports/?from=2026-01-01&to=2026-03-01&grain=day&figures=calls_offered&figures=calls_answer_rate"
    first = page(client, org.supervisor, path)
    assert first.status_code == 200
    assert len(first.context["rows"]) == 48 and first.context["page"].paginator.num_pages == 2
    assert [row["time"] for row in first.context["rows"]][:2] == ["2026-01-01", "2026-01-02"]
    assert len(first.context["chart"]["x"]) == 60
    assert "page=" not in first.context["rows"][0]["cells"][0]["url"]  # a drill-down is not paged
    second = client.get(path + "&page=2")
    assert [row["time"] for row in second.context["rows"]] == [
        f"{first_day + timedelta(days=n):%Y-%m-%d}" for n in range(48, 60)
    ]

    book = client.get(path + "&format=xlsx")
    assert book["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(book.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 60 + 1  # every day, then the total
    assert rows[0] == ("2026-01-01", 1, 1.0) and rows[3] == ("2026-01-04", 1, 0.0)  # day 4: abandoned
    assert rows[-1][1:] == (60, 0.75)  # the total: 45 answered of 60
    assert sheet.cell(row=3, column=3).number_format == "0.0%"


def test_an_empty_period_shows_a_dash_and_a_bad_one_a_message(client, org, calls):
    empty = page(client, org.supervisor, "/reports/?from=2025-01-01&to=2025-01-07&figures=calls_answer_rate")
    assert [cell["text"] for cell in empty.context["totals"]] == ["—"]
    reversed_ = client.get("/reports/?from=2026-03-07&to=2026-03-01")
    assert reversed_.status_code == 200
    assert "to: " in reversed_.content.decode() and reversed_.context["errors"]


# --- the heat map: volume by weekday × half hour ---------------------------------------------------


@pytest.fixture
def week_calls(org):
    """Five calls over two weeks of March 2026 (2 March is a Monday), local times:
    Mon 2 Mar 09:00 and 09:29:59 and Mon 9 Mar 09:10 — all Monday 09:00–09:30, slot 0×48 + 9×2 = 18;
    Mon 9 Mar 09:30 abandoned — Monday 09:30, slot 19; Sun 8 Mar 23:59 — slot 6×48 + 23×2 + 1 = 335."""
    call(11, datetime(2026, 3, 2, 9, 0, tzinfo=SH), agent=org.agent)
    call(12, datetime(2026, 3, 2, 9, 29, 59, tzinfo=SH), agent=org.agent)
    call(13, datetime(2026, 3, 9, 9, 10, tzinfo=SH), agent=org.agent)
    call(14, datetime(2026, 3, 9, 9, 30, tzinfo=SH), outcome=Outcome.ABANDONED)
    call(15, datetime(2026, 3, 8, 23, 59, tzinfo=SH), agent=org.agent2)


def week_slot_counts(period):
    table = measure(["calls_offered", "calls_answer_rate"], period=period, grain=Grain.WEEK_SLOT30)
    return {
        key: (cells["calls_offered"].value, cells["calls_answer_rate"].value)
        for key, cells in table.rows.items()
    }


def test_the_half_hour_of_the_week_is_counted_by_hand(week_calls):
    period = Period.from_dates(date(2026, 3, 1), date(2026, 3, 14))
    # Slot 18: three calls on two Mondays, all answered (3/3); slot 19: one abandoned (0/1);
    # slot 335: Sunday's last half hour, one answered.
    assert week_slot_counts(period) == {(18, None): (3, 1.0), (19, None): (1, 0.0), (335, None): (1, 1.0)}
    assert week_slot(datetime(2026, 3, 8, 23, 59, tzinfo=SH)) == 335


def test_a_zone_with_daylight_saving_counts_the_same_local_half_hours(db, settings):
    """Berlin: the database's weekday, hour and minute in the zone (no fixed offset to count from).
    Sunday 29 March 2026 02:00 is when the clocks go forward; 01:59 CET and 03:00 CEST both count
    in their local half hours: Sunday 01:30 (6×48 + 3 = 291) and 03:00 (6×48 + 6 = 294). Monday 30
    March 00:10 CEST is slot 0, and Saturday 28 March 23:45 CET is slot 5×48 + 47 = 287."""
    settings.TIME_ZONE = "Europe/Berlin"
    berlin = ZoneInfo("Europe/Berlin")
    for n, at in enumerate(
        [datetime(2026, 3, 29, 1, 59, tzinfo=berlin), datetime(2026, 3, 29, 3, 0, tzinfo=berlin),
         datetime(2026, 3, 30, 0, 10, tzinfo=berlin), datetime(2026, 3, 28, 23, 45, tzinfo=berlin)]
    ):  # fmt: skip
        call(100 + n, at)
    period = Period.from_dates(date(2026, 3, 23), date(2026, 4, 5))
    assert fixed_offset(period) is None
    assert week_slot_counts(period) == {
        (0, None): (1, 1.0), (287, None): (1, 1.0), (291, None): (1, 1.0), (294, None): (1, 1.0)
    }  # fmt: skip


def test_the_dashboard_heat_map_shows_the_week_slots(client, org, week_calls):
    """The dashboard loads its heat map panel after the page (/reports/heat/ with the same query)."""
    dashboard_page = page(
        client, org.supervisor, "/reports/?from=2026-03-01&to=2026-03-14&figures=calls_offered"
    )
    url = dashboard_page.context["heat_url"]
    assert url == "/reports/heat/?from=2026-03-01&to=2026-03-14&figures=calls_offered"
    assert f'hx-get="{url.replace("&", "&amp;")}"' in dashboard_page.content.decode()
    response = client.get(url)
    assert response.status_code == 200 and 'id="kpi-heat-data"' in response.content.decode()
    heat = response.context["heat"]
    # [half hour of the day, weekday, value]: Monday 09:00 (18) three calls, 09:30 (19) one, Sunday 23:30 one.
    assert heat["data"] == [[18, 0, 3], [19, 0, 1], [47, 6, 1]]
    assert (heat["x"][18], heat["y"][0], heat["max"]) == ("09:00", "周一", 3)  # Chinese first


def test_the_heat_map_panel_refuses_a_bad_query_clearly(client, org):
    client.force_login(org.supervisor)
    response = client.get("/reports/heat/?from=2026-03-07&to=2026-03-01")
    assert response.status_code == 400 and "2026-03-01" in response.content.decode()
    assert page(client, org.agent, "/reports/heat/").status_code == 403


def test_the_week_slot_is_not_a_table_grain(db):
    with pytest.raises(ValidationError) as caught:
        dashboard.read_query({"grain": "weekslot30"})
    assert list(caught.value.errors) == ["grain"]


def test_agents_do_not_read_the_center_figures(client, org):
    assert page(client, org.agent, "/reports/").status_code == 403
    assert client.get("/api/reports/kpis").status_code == 403
    assert client.get("/reports/wallboard/").status_code == 403


def test_a_drill_down_refuses_a_bad_row_clearly(client, org, calls):
    client.force_login(org.supervisor)
    bad = client.get("/reports/drill/?figure=calls_offered&by=agent&key=abc&from=2026-03-02&to=2026-03-02")
    assert bad.status_code == 400 and "key: " in bad.content.decode()
    unknown = client.get("/reports/drill/?figure=nothing")
    assert unknown.status_code == 400 and "figure: " in unknown.content.decode()


# --- the API -------------------------------------------------------------------------------------


def test_the_api_answers_the_same_numbers_as_the_metrics(client, org, calls):
    client.force_login(org.manager)
    response = client.get(
        "/api/reports/kpis?figures=calls_offered,calls_answer_rate&from=2026-03-02&to=2026-03-02&by=queue"
    )
    assert response.status_code == 200
    body = response.json()
    table = measure(["calls_offered", "calls_answer_rate"], period=Period.day(DAY), by="queue")
    assert body["total"] == {code: m.value for code, m in table.total.items()} == {
        "calls_offered": 4, "calls_answer_rate": 0.75,
    }  # fmt: skip
    assert {row["key"]: row["values"]["calls_offered"] for row in body["rows"]} == {"sales": 1, "售后": 3}
    figures = client.get("/api/reports/figures").json()
    service_level = next(f for f in figures if f["code"] == "calls_service_level")
    assert service_level["unit"] == "percent" and "service_level_seconds" in {
        o["name"] for o in service_level["options"]
    }


def test_the_api_refuses_bad_input_with_the_parameter_named(client, org):
    client.force_login(org.manager)
    response = client.get("/api/reports/kpis?from=2026-03-07&to=2026-03-01")
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "to"
    response = client.get("/api/reports/kpis?figures=calls_service_level&service_level_variant=best")
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "service_level_variant"


# --- targets -------------------------------------------------------------------------------------


def test_a_target_marks_a_figure_below_it(client, org, calls):
    client.force_login(org.supervisor)
    response = client.post("/reports/targets/", {"target-calls_answer_rate": "90", "target-calls_asa": "20"})
    assert response.status_code == 302
    assert Target.objects.get(figure="calls_answer_rate", queue="").value == pytest.approx(0.9)
    page_ = client.get("/reports/?from=2026-03-02&to=2026-03-02&figures=calls_answer_rate&figures=calls_asa")
    # Answer rate 75% < 90%: missed. ASA (10 + 30 + 5) / 3 = 15 s ≤ 20 s: met.
    assert [cell["verdict"] for cell in page_.context["totals"]] == ["missed", "met"]
    html = page_.content.decode()
    # The table's answer-rate cell is marked and says the target; the ASA cell is not.
    missed = [row["cells"][0]["html"] for row in page_.context["rows"]]
    assert all('class="num kpi-missed"' in cell and "90.0%" in cell for cell in missed) and missed[0] in html
    assert all('class="num"' in row["cells"][1]["html"] for row in page_.context["rows"])


def test_a_queue_target_wins_over_the_center_target(org):
    targets.target_set(figure="calls_answer_rate", value=0.9, by=org.manager)
    targets.target_set(figure="calls_answer_rate", value=0.6, queue="售后", by=org.manager)
    assert targets.targets_in_force(queue="售后")["calls_answer_rate"] == 0.6
    assert targets.targets_in_force(queue="sales")["calls_answer_rate"] == 0.9
    assert targets.verdict("calls_answer_rate", 2 / 3, targets.targets_in_force(queue="售后")) == targets.MET
    assert targets.verdict("calls_answer_rate", None, targets.targets_in_force()) is None


def test_only_leads_set_targets_and_a_share_stays_within_100_percent(client, org):
    with pytest.raises(PermissionDenied):
        targets.target_set(figure="calls_answer_rate", value=0.9, by=org.agent)
    with pytest.raises(ValidationError) as caught:
        targets.target_set(figure="calls_answer_rate", value=1.5, by=org.manager)
    assert list(caught.value.errors) == ["value"]
    client.force_login(org.manager)
    response = client.post("/reports/targets/", {"target-calls_answer_rate": "abc"})
    assert response.status_code == 400 and not Target.objects.exists()


# --- the wallboard -------------------------------------------------------------------------------


def test_the_wallboard_counts_what_waits_and_todays_figures(org, calls, time_machine):
    now = datetime(2026, 3, 2, 11, 0, tzinfo=SH)
    time_machine.move_to(now)
    CallRecord.objects.create(source="cti", external_id="w1", queue="售后", direction=Direction.INBOUND,
                              arrived_at=now - timedelta(seconds=75), outcome=Outcome.RINGING, created_at=now)  # fmt: skip
    ChatSession.objects.create(token="t1", requested_at=now - timedelta(seconds=30))
    board = wallboard.snapshot(now=now)
    assert (board["calls_waiting"], board["longest_call_wait"]) == (1, 75)
    assert (board["chats_waiting"], board["longest_chat_wait"]) == (1, 30)
    figures = {f["code"]: f["text"] for f in board["figures"]}
    assert (
        figures["calls_offered"] == "4" and figures["calls_answer_rate"] == "75.0%"
    )  # the ringing call is not decided


@pytest.mark.django_db(transaction=True)
def test_the_wallboard_socket_sends_a_new_snapshot_when_a_call_arrives():
    org = build_org()

    async def scenario():
        communicator = WebsocketCommunicator(WallboardConsumer.as_asgi(), "/ws/wallboard/")
        communicator.scope["user"] = org.supervisor
        connected, _ = await communicator.connect()
        assert connected
        first = await communicator.receive_json_from(timeout=5)
        assert first["board"]["calls_waiting"] == 0
        now = timezone.now()
        await sync_to_async(CallRecord.objects.create)(
            source="cti", external_id="w2", direction=Direction.INBOUND, arrived_at=now,
            outcome=Outcome.RINGING, created_at=now,
        )  # fmt: skip
        second = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return second

    assert async_to_sync(scenario)()["board"]["calls_waiting"] == 1


@pytest.mark.django_db(transaction=True)
def test_the_wallboard_socket_refuses_an_agent():
    org = build_org()

    async def scenario():
        communicator = WebsocketCommunicator(WallboardConsumer.as_asgi(), "/ws/wallboard/")
        communicator.scope["user"] = org.agent
        connected, _ = await communicator.connect()
        return connected

    assert async_to_sync(scenario)() is False


@pytest.mark.parametrize("language", ["zh-hans", "en", "de", "fr"])
def test_numbers_read_as_djangos_number_format_writes_them(language):
    """The dashboard formats numbers itself (the format looked up once per language); the text is
    number_format's: Chinese groups nothing visibly (no separator), English 1,234,567.9, German
    1.234.567,9, French with a space."""
    from django.utils import translation
    from django.utils.formats import number_format

    values = [0, 7, -7, 12.5, 999, 1000, 12345, 1234567.9, -1234567.5, 0.05, 123456789012]
    with translation.override(language):
        for value in values:
            for places in (0, 1, 2):
                rounded = round(value, places) if places else round(value)
                for grouped in (True, False):
                    assert dashboard._number(rounded, places, grouped=grouped) == number_format(
                        rounded, places, force_grouping=grouped
                    ), (value, places, grouped)
    with translation.override("en"):
        assert dashboard._number(1234567.9, 1, grouped=True) == "1,234,567.9"
