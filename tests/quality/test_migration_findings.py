"""Migration 0002: per-evidence finding rows fold into one finding per item (and unfold back)."""

import importlib
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kefu.quality.models import Appeal, Inspection
from tests.quality.core_helpers import DAY, hotline, transcript

migration = importlib.import_module("kefu.quality.migrations.0002_finding_per_item")

ONCE = {"points": Decimal(5), "direction": "subtract", "per_occurrence": False}
EACH = {"points": Decimal(10), "direction": "subtract", "per_occurrence": True}


def old_row(
    pk, sentence, *, points, start=0, status="pending", rule=1, quote="", note="", comment="", by=None
):
    return {
        "id": pk, "rule_id": rule, "status": status, "sentence": sentence, "start": start, "end": start + 2,
        "quote": quote, "note": note, "points": Decimal(points), "comment": comment, "by_id": by,
    }  # fmt: skip


def test_fold_keeps_the_first_row_sums_the_points_and_lists_the_evidence_in_sentence_order():
    rows = [
        old_row(7, 4, points=-10, quote="没办法"),
        old_row(5, 2, points=-10, quote="不知道"),
        old_row(6, 2, points=0, start=4, quote="没办法", rule=2),
    ]
    folded = migration.fold(rows, EACH)
    assert (folded["id"], folded["folded"], folded["points"]) == (5, [6, 7], Decimal(-20))
    assert [(e["sentence"], e["start"], e["quote"], e["rule"]) for e in folded["evidence"]] == [
        (2, 0, "不知道", 1), (2, 4, "没办法", 2), (4, 0, "没办法", 1),
    ]  # fmt: skip
    assert (folded["sentence"], folded["rule_id"], folded["status"]) == (2, 1, "pending")
    assert migration.fold(rows, ONCE)["points"] == Decimal(-5)  # once-counted: the first row's points


def test_fold_of_a_partly_rejected_item_keeps_what_was_not_rejected():
    rows = [
        old_row(1, None, points=-5, status="rejected", comment="误判", by=3),
        old_row(2, 3, points=0, status="confirmed", comment="属实", by=4),
    ]
    folded = migration.fold(rows, ONCE)
    assert (folded["status"], folded["points"], folded["comment"], folded["by_id"]) == (
        "confirmed", Decimal(-5), "误判\n属实", 4,
    )  # fmt: skip
    assert [e["sentence"] for e in folded["evidence"]] == [3]


def test_unfold_gives_back_one_row_per_evidence_with_the_points_where_they_were():
    rows = [old_row(5, 2, points=-10), old_row(6, 2, points=0, start=4), old_row(7, 4, points=-10)]
    folded = migration.fold(rows, EACH)
    finding = {**folded, "source": "auto"}
    back = migration.unfold(finding, EACH)
    assert [(r["id"], r["sentence"], r["start"], r["points"]) for r in back] == [
        (5, 2, 0, Decimal(-10)), (None, 2, 4, Decimal(0)), (None, 4, 0, Decimal(-10)),
    ]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_migration_folds_stored_rows_moves_appeal_reasons_and_reverses(org):
    _rubric, version, items = hotline()
    call = transcript(agent=org.agent)
    inspection = Inspection.objects.create(
        transcript=call, version=version, agent=org.agent, channel="phone", queue="hotline", conversation_at=DAY,
        auto_score=Decimal(75), inspected_at=DAY, state=Inspection.State.APPEALED, final_score=Decimal(75),
    )  # fmt: skip
    before, after = [("quality", "0001_initial")], [("quality", "0002_finding_per_item")]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        Finding = executor.loader.project_state(before).apps.get_model("quality", "Finding")
        common = {"inspection_id": inspection.pk, "severity": "severe", "source": "auto"}
        a = Finding.objects.create(item_id=items["no_idea"].pk, sentence=2, start=0, end=3, quote="不知道",
                                   points=-10, **common)  # fmt: skip
        Finding.objects.create(item_id=items["no_idea"].pk, sentence=2, start=4, end=7, quote="没办法",
                                   points=0, **common)  # fmt: skip
        c = Finding.objects.create(
            item_id=items["no_idea"].pk, sentence=3, quote="再见", points=-10, **common
        )
        g = Finding.objects.create(
            item_id=items["greeting"].pk, sentence=None, points=-5, note="无问候", **common
        )
        manual = Finding.objects.create(
            item_id=items["greeting"].pk, sentence=1, quote="我的快递三天没到", points=-5, source="manual",
            status="confirmed", inspection_id=inspection.pk, severity="normal", comment="补充",
        )  # fmt: skip
        Appeal.objects.create(inspection=inspection, by=org.agent, created_at=DAY,
                              reasons=[{"finding": c.pk, "reason": "这句是客户说的"}])  # fmt: skip

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        Finding = executor.loader.project_state(after).apps.get_model("quality", "Finding")
        stored = {f.pk: f for f in Finding.objects.filter(inspection_id=inspection.pk)}
        assert set(stored) == {a.pk, g.pk, manual.pk}
        no_idea = stored[a.pk]
        assert (no_idea.points, no_idea.sentence) == (Decimal("-20.00"), 2)
        assert [(e["sentence"], e["start"], e["quote"]) for e in no_idea.evidence] == [
            (2, 0, "不知道"), (2, 4, "没办法"), (3, 0, "再见"),
        ]  # fmt: skip
        assert [(e["sentence"], e["note"]) for e in stored[g.pk].evidence] == [(None, "无问候")]
        assert [(e["sentence"], e["quote"]) for e in stored[manual.pk].evidence] == [(1, "我的快递三天没到")]
        assert Decimal(100) + sum(f.points for f in stored.values() if f.source == "auto") == Decimal(75)
        assert Appeal.objects.get(inspection=inspection).reasons == [
            {"finding": a.pk, "reason": "这句是客户说的"}
        ]

        executor = MigrationExecutor(connection)
        executor.migrate(before)
        Finding = executor.loader.project_state(before).apps.get_model("quality", "Finding")
        back = Finding.objects.filter(inspection_id=inspection.pk, item_id=items["no_idea"].pk).order_by("pk")
        assert [(f.sentence, f.start, f.quote, f.points) for f in back] == [
            (2, 0, "不知道", Decimal(-10)), (2, 4, "没办法", Decimal(0)), (3, 0, "再见", Decimal(-10)),
        ]  # fmt: skip
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
