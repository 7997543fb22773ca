"""Interval rollups give the raw records' figures: every grain and grouping, late and out-of-order
calls, stale days read from the records, the import keeping them current, the rebuild command."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Sum

from kefu.callcenter.imports import import_calls
from kefu.callcenter.models import AgentLine, CallRecord, Direction, Outcome
from kefu.reports import rollups
from kefu.reports.metrics import FIGURES, Grain, Period, Scope
from kefu.reports.metrics.base import component_rows, group_components
from kefu.reports.models import Rollup, RollupDay
from tests.factories import AgentGroupFactory, UserFactory
from tests.reports.rollup_checks import assert_same, both

SH = ZoneInfo("Asia/Shanghai")
FIRST, LAST = date(2026, 3, 2), date(2026, 3, 8)  # Monday to Sunday


def calls_family():
    families = {family.code: family for family in rollups.rolled_up()}
    assert set(families) == {"calls", "agent_time"}
    return families["calls"]


def codes():
    return [code for code, figure in FIGURES.items() if figure.family.code == "calls"]


def make_call(n: int, at: datetime, *, queue: str, agent, outcome: str, wait: int | None, talk: int | None):
    answered = outcome in (Outcome.ANSWERED, Outcome.TRANSFERRED)
    return CallRecord.objects.create(
        source="csv",
        external_id=f"r{n}",
        queue=queue,
        direction=Direction.INBOUND,
        arrived_at=at,
        answered_at=at + timedelta(seconds=wait or 0) if answered else None,
        ended_at=at + timedelta(seconds=(wait or 0) + (talk or 0)),
        queued=True,
        queued_at=at,
        agent=agent if answered else None,
        outcome=outcome,
        wait_seconds=wait,
        talk_seconds=talk if answered else None,
        wrapup_seconds=random.Random(n).choice([None, 0, 15, 40]) if answered else None,
        created_at=at,
    )


@pytest.fixture
def center(db):
    """About 300 calls over a week in two queues and three agents (one in two groups), with every
    outcome, waits either side of the thresholds and arrivals near local midnight."""
    rng = random.Random(2026)
    agents = [UserFactory(role="agent") for _ in range(3)]
    AgentGroupFactory(name="一组").members.add(agents[0], agents[1])
    AgentGroupFactory(name="二组").members.add(agents[1], agents[2])
    n = 0
    for day in range(7):
        for _ in range(40):
            n += 1
            at = datetime.combine(FIRST + timedelta(days=day), datetime.min.time(), tzinfo=SH) + timedelta(
                seconds=rng.randrange(0, 86400)
            )
            outcome = rng.choice(
                [Outcome.ANSWERED] * 6
                + [Outcome.ABANDONED, Outcome.TIMED_OUT, Outcome.TRANSFERRED, Outcome.FAILED]
            )
            make_call(
                n, at, queue=rng.choice(["售后", "sales"]), agent=rng.choice(agents), outcome=outcome,
                wait=rng.choice([None, 2, 5, 6, 19, 20, 21, 45, 300]), talk=rng.randrange(30, 900),
            )  # fmt: skip
    # Either side of local midnight: 23:59:59 on Tuesday and 00:00:00 on Wednesday.
    make_call(9001, datetime(2026, 3, 3, 23, 59, 59, tzinfo=SH), queue="售后", agent=agents[0],
              outcome=Outcome.ANSWERED, wait=3, talk=60)  # fmt: skip
    make_call(9002, datetime(2026, 3, 4, 0, 0, 0, tzinfo=SH), queue="售后", agent=agents[0],
              outcome=Outcome.ABANDONED, wait=30, talk=None)  # fmt: skip
    return agents


GROUPINGS = [
    (None, None), (Grain.MIN15, None), (Grain.MIN30, None), (Grain.HOUR, "queue"), (Grain.DAY, None),
    (Grain.DAY, "agent"), (Grain.WEEK, "group"), (Grain.MONTH, None), (None, "queue"), (None, "group"),
    (Grain.WEEK_SLOT30, None), (Grain.WEEK_SLOT30, "queue"),
]  # fmt: skip


@pytest.mark.parametrize(("grain", "by"), GROUPINGS)
def test_rollups_give_the_raw_figures_for_every_grain_and_grouping(center, settings, grain, by):
    family = calls_family()
    assert rollups.rebuild(family, first=FIRST, last=LAST) > 0
    period = Period.from_dates(FIRST, LAST)
    rollups_read = rollups.read(
        family, period=period, scope=Scope(), grain=grain, by=by, options=family.clean_options({})
    )
    assert rollups_read is not None  # the rollups answered, not the fallback
    rolled, raw = both(settings, codes(), period=period, grain=grain, by=by)
    assert_same(rolled, raw)
    assert any(value is not None for value in raw[1].values())


@pytest.mark.parametrize("raw", [True, False])
def test_components_are_plain_numbers_from_records_and_rollups(center, settings, raw):
    """PostgreSQL sums integers as numeric (a Decimal in Python) and floats as floats: every
    component reaches the formulas and the API's JSON as an int or a float, whichever the read."""
    family = calls_family()
    rollups.rebuild(family, first=FIRST, last=LAST)
    settings.KEFU_ROLLUPS = not raw
    found = component_rows(
        family, period=Period.from_dates(FIRST, LAST), scope=Scope(), grain=Grain.MIN30, by=None,
        options=family.clean_options({}), raw=raw,
    )  # fmt: skip
    values = [value for components in found.values() for value in components.values()]
    assert values and all(type(value) in (int, float) for value in values)


def test_a_sum_postgresql_gives_as_numeric_comes_back_a_float(center):
    """SUM of a bigint is numeric on PostgreSQL (a Decimal in Python): the grouped read makes it a
    float, so formulas and JSON never meet a Decimal; on SQLite it is an int already."""
    rollups.rebuild(calls_family(), first=FIRST, last=LAST)
    found = group_components(
        Rollup.objects.all(), time_field="bucket", paths={"cube": "cube"},
        aggregates={"epochs": Sum("epoch")}, maxima=frozenset(), grain=None, dims=("cube",),
    )  # fmt: skip
    sums = {key[1]: components["epochs"] for key, components in found.items()}
    assert sums and all(type(value) in (int, float) for value in sums.values())
    expected = {cube: sum(Rollup.objects.filter(cube=cube).values_list("epoch", flat=True)) for cube in sums}
    assert sums == expected


def test_a_scope_reads_the_same_from_rollups(center, settings):
    rollups.rebuild(calls_family(), first=FIRST, last=LAST)
    period = Period.from_dates(FIRST, LAST)
    for scope in (
        Scope(queues=("售后",)),
        Scope(agents=(center[1].pk,)),
        Scope(groups=(center[0].agent_groups.first().pk,)),
    ):
        assert_same(*both(settings, codes(), period=period, scope=scope, grain=Grain.DAY))


def test_the_midnight_calls_fall_on_their_local_days(center, settings):
    rollups.rebuild(calls_family(), first=FIRST, last=LAST)
    days = {
        row.bucket.astimezone(SH).date()
        for row in Rollup.objects.filter(
            family="calls",
            grain="15min",
            bucket__gte=datetime(2026, 3, 3, 23, 45, tzinfo=SH),
            bucket__lt=datetime(2026, 3, 4, 0, 15, tzinfo=SH),
        )  # fmt: skip
    }
    assert days == {date(2026, 3, 3), date(2026, 3, 4)}


def test_late_and_out_of_order_calls_make_their_day_stale_and_the_answer_stays_right(center, settings):
    family = calls_family()
    rollups.rebuild(family, first=FIRST, last=LAST)
    assert RollupDay.objects.filter(family="calls", fresh=True).count() == 7
    # A call of Wednesday arrives after Saturday's (late and out of order): saved by the CTI link.
    make_call(9100, datetime(2026, 3, 4, 10, 0, tzinfo=SH), queue="sales", agent=center[2],
              outcome=Outcome.ANSWERED, wait=4, talk=100)  # fmt: skip
    stale = RollupDay.objects.get(family="calls", day=date(2026, 3, 4))
    assert not stale.fresh and stale.version == 1
    period = Period.from_dates(FIRST, LAST)
    assert_same(
        *both(settings, codes(), period=period, grain=Grain.DAY, by="queue")
    )  # Wednesday from the records
    rollups.refresh(family)
    assert RollupDay.objects.filter(family="calls", fresh=True).count() == 7
    assert_same(*both(settings, codes(), period=period, grain=Grain.HOUR))


def test_a_rebuild_that_raced_an_arrival_leaves_the_day_stale(center):
    family = calls_family()
    rollups.rebuild(family, first=FIRST, last=FIRST)
    versions = rollups._versions(family, FIRST, FIRST)
    rollups.mark_stale(
        "calls", first=datetime(2026, 3, 2, 9, tzinfo=SH), last=datetime(2026, 3, 2, 9, tzinfo=SH)
    )
    # What a rebuild that read the day before the arrival would write: not fresh.
    RollupDay.objects.filter(family="calls", day=FIRST, version=versions[FIRST]).update(fresh=True)
    assert not RollupDay.objects.get(family="calls", day=FIRST).fresh


def test_options_other_than_the_defaults_read_the_records(center):
    family = calls_family()
    rollups.rebuild(family, first=FIRST, last=LAST)
    option = family.options[0]
    other = {option.name: option.choices[-1][0] if option.choices else (option.default or 0) + 1}
    period = Period.from_dates(FIRST, LAST)
    assert rollups.read(family, period=period, scope=Scope(), grain=None, by=None,
                        options=family.clean_options(other)) is None  # fmt: skip


def test_an_import_keeps_the_rollups_current(
    org_for_import, tmp_path, settings, django_capture_on_commit_callbacks
):
    """The import signal marks the file's days stale and the worker (inline in tests) rebuilds them."""
    family = calls_family()
    first = date(2025, 12, 1)
    rollups.rebuild(family, first=first, last=first)  # built (empty) before the file arrives
    assert Rollup.objects.count() == 0
    path = tmp_path / "queue_log"
    t0 = 1764550800  # 2025-12-01 09:00 Asia/Shanghai
    path.write_text(
        f"{t0}|1.1|support||ENTERQUEUE||13800138000|1\n"
        f"{t0 + 12}|1.1|support|SIP/1001|CONNECT|12|1.5|3\n"
        f"{t0 + 192}|1.1|support|SIP/1001|COMPLETECALLER|12|180|1\n"
        f"{t0 + 5}|1.2|support||ENTERQUEUE||13900139000|2\n"
        f"{t0 + 45}|1.2|support||ABANDON|1|2|40\n",
        encoding="utf-8",
    )
    with django_capture_on_commit_callbacks(execute=True):  # the worker's job, run when the import commits
        import_calls(path=path, fmt="queue_log")
    day = RollupDay.objects.get(family="calls", day=first)
    assert day.fresh and day.version == 1
    assert Rollup.objects.filter(family="calls", grain="day").exists()
    assert_same(*both(settings, codes(), period=Period.from_dates(first, first), grain=Grain.MIN15))


@pytest.fixture
def org_for_import(db):
    AgentLine.objects.create(user=UserFactory(role="agent"), extension="1001")


def test_the_rebuild_command_builds_any_period(center, settings):
    call_command("rollups_rebuild", "--from", "2026-03-02", "--to", "2026-03-08")
    assert RollupDay.objects.filter(family="calls", fresh=True).count() == 7
    assert_same(*both(settings, codes(), period=Period.from_dates(FIRST, LAST), grain=Grain.DAY))


def test_the_rebuild_command_refuses_a_reversed_period(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--to"):
        call_command("rollups_rebuild", "--from", "2026-03-08", "--to", "2026-03-02")


def test_two_dimensions_at_once_read_the_records(center, settings):
    """The cubes hold one dimension each: an agent's calls in one queue come from the records."""
    family = calls_family()
    rollups.rebuild(family, first=FIRST, last=LAST)
    period = Period.from_dates(FIRST, LAST)
    defaults = family.clean_options({})
    assert rollups.read(family, period=period, scope=Scope(queues=("售后",)), grain=None, by="agent",
                        options=defaults) is None  # fmt: skip
    assert (
        rollups.read(family, period=period, scope=Scope(), grain=Grain.HOUR, by="agent", options=defaults)
        is None
    )
    assert_same(*both(settings, codes(), period=period, scope=Scope(queues=("售后",)), by="agent"))


@pytest.mark.parametrize(
    "grain", [Grain.MIN15, Grain.MIN30, Grain.HOUR, Grain.DAY, Grain.WEEK, Grain.WEEK_SLOT30]
)
def test_integer_buckets_are_the_time_zone_buckets(center, grain):
    """China keeps one offset, so buckets are counted in seconds from 1970; the database's own zone
    truncation (what a zone with daylight saving uses) puts every call in the same bucket."""
    from kefu.reports.metrics.base import fixed_offset, group_components

    family = calls_family()
    period = Period.from_dates(FIRST, LAST)
    assert fixed_offset(period) == 8 * 3600
    options = family.clean_options({})
    kwargs = dict(time_field="arrived_at", paths=family.dimensions, aggregates=family.components(options),
                  maxima=family.maxima, grain=grain, dims=("queue",))  # fmt: skip
    by_seconds = group_components(family.rows(period, Scope(), options), period=period, **kwargs)
    by_zone = group_components(family.rows(period, Scope(), options), **kwargs)
    assert by_seconds == by_zone and len(by_seconds) >= 2  # a week: one row per queue


def test_a_zone_with_daylight_saving_has_no_fixed_offset(settings):
    from kefu.reports.metrics.base import fixed_offset

    settings.TIME_ZONE = "Europe/Berlin"
    assert fixed_offset(Period.from_dates(date(2026, 1, 1), date(2026, 1, 31))) is None


@pytest.mark.django_db
def test_the_migration_gives_rows_built_before_it_their_epoch():
    """Rows built before Rollup.epoch existed get it from `bucket` (reads group by it): 2026-07-01
    09:30 in Shanghai is 01:30 UTC, 20,635 days and 5,400 s after 1970-01-01 00:00 UTC."""
    from importlib import import_module

    from django.db import connection

    bucket = datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    row = Rollup.objects.create(family="calls", grain="15min", cube="queue", bucket=bucket, epoch=None)
    migration = import_module("kefu.reports.migrations.0002_rollup_epoch")
    migration.fill(connection)
    row.refresh_from_db()
    assert row.epoch == 20_635 * 86_400 + 5_400 == int(bucket.timestamp())
