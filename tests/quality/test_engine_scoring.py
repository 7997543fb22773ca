"""score(): start ± fired items, clamped to floor and ceiling; a fatal item sends the score to the floor."""

from decimal import Decimal

from kefu.quality.engine.scoring import ItemSpec, score

ITEMS = {
    "greeting": ItemSpec("greeting", 5, "subtract", "normal"),
    "ni": ItemSpec("ni", 2, "subtract", "minor", once=False),
    "praise": ItemSpec("praise", 3, "add", "minor"),
    "abuse": ItemSpec("abuse", 10, "subtract", "fatal"),
}


def test_subtract_and_add_apply_to_the_start_score():
    result = score(start=100, floor=0, ceiling=110, items=ITEMS, fired={"greeting": 1, "praise": 1})
    assert result.score == 98 and result.fatal is False
    assert result.lines == [("greeting", -5.0), ("praise", 3.0)]


def test_once_false_counts_every_evidence_sentence_and_once_true_counts_one():
    result = score(start=100, floor=0, ceiling=100, items=ITEMS, fired={"ni": 3, "greeting": 4})
    assert result.lines == [("ni", -6.0), ("greeting", -5.0)]
    assert result.score == 89


def test_the_score_never_goes_below_the_floor_or_above_the_ceiling():
    many = {f"i{n}": ItemSpec(f"i{n}", 30, "subtract", "severe") for n in range(5)}
    assert score(start=100, floor=40, ceiling=100, items=many, fired=dict.fromkeys(many, 1)).score == 40
    assert score(start=100, floor=0, ceiling=100, items=ITEMS, fired={"praise": 1}).score == 100


def test_a_fatal_item_sends_the_score_to_the_floor_whatever_else_fired():
    result = score(start=100, floor=20, ceiling=120, items=ITEMS, fired={"abuse": 1, "praise": 1})
    assert result.score == 20 and result.fatal is True
    assert ("abuse", -10.0) in result.lines


def test_items_that_did_not_fire_or_are_unknown_leave_the_score_alone():
    result = score(start=90, floor=0, ceiling=100, items=ITEMS, fired={"greeting": 0, "other": 2})
    assert result.score == 90 and result.lines == [] and result.fatal is False


def test_decimal_points_add_up_exactly():
    items = {k: ItemSpec(k, Decimal("0.1"), "subtract", "minor") for k in "abc"}
    assert score(start=1, floor=0, ceiling=1, items=items, fired=dict.fromkeys("abc", 1)).score == 0.7
