"""One finding per rubric item in an inspection, its evidence as a list (质检结果项 per 质检项).

Before, each automatic finding was one piece of evidence (one rule's span in one sentence); an
item found in five sentences had five rows, the points on the first (items counted once) or on the
first of each distinct sentence (items counted per occurrence). Now a finding is "this item, in
this inspection", the unit an inspector confirms or rejects, and `evidence` lists every
{"sentence", "start", "end", "quote", "note", "rule"}; the start, end, quote and note columns go.

Forwards, the automatic rows of one (inspection, item) fold into the first of them (its id kept;
an appeal's reason naming a folded row is moved to it):
* evidence: every row's, in sentence order — except that when a reviewer rejected some rows of an
  item and not others, only the rows that were not rejected stay (the finding keeps their status:
  confirmed if any was, else pending); the rejections stay on the inspection's timeline;
* points: the item's signed points, times the distinct sentences of the evidence for an item
  counted per occurrence — the sum of the folded rows' points, for rows the engine wrote;
* rule and sentence: the first evidence's; comments: the distinct ones, one per line.
A manual row keeps its points; its sentence (or quote) becomes its one evidence entry.

Backwards, every evidence entry becomes a row again (the points on the first row, or on the first
of each distinct sentence for an item counted per occurrence), so nothing the reverse needs is lost.
"""

from decimal import Decimal

from django.db import migrations, models

AUTO, REJECTED, CONFIRMED, PENDING = "auto", "rejected", "confirmed", "pending"


def _order(entry: dict) -> tuple:
    sentence = entry.get("sentence")
    return (-1 if sentence is None else sentence, entry.get("start") or 0, entry.get("rule") or 0)


def _entry(row: dict) -> dict:
    return {
        "sentence": row["sentence"], "start": row["start"], "end": row["end"],
        "quote": (row["quote"] or "")[:300], "note": (row["note"] or "")[:300], "rule": row["rule_id"],
    }  # fmt: skip


def signed_points(item: dict) -> Decimal:
    return item["points"] if item["direction"] == "add" else -item["points"]


def fold(rows: list[dict], item: dict) -> dict:
    """The one finding that the automatic `rows` of one item in one inspection become (pure, for
    the tests): the fields of the row kept (the first, by id) as a dict. `rows` carry the old
    columns (id, rule_id, status, sentence, start, end, quote, note, points, comment, by_id);
    `item` its points, direction and per_occurrence."""
    rows = sorted(rows, key=lambda r: r["id"])
    statuses = {r["status"] for r in rows}
    status = CONFIRMED if CONFIRMED in statuses else PENDING if PENDING in statuses else REJECTED
    kept = [r for r in rows if r["status"] != REJECTED] if status != REJECTED else rows
    evidence = sorted((_entry(r) for r in kept), key=_order)
    times = len({e["sentence"] for e in evidence}) if item["per_occurrence"] else 1
    comments = list(dict.fromkeys(r["comment"] for r in rows if r["comment"]))
    judged = [r["by_id"] for r in rows if r["by_id"] is not None]
    return {
        "id": rows[0]["id"],
        "status": status,
        "evidence": evidence,
        "rule_id": evidence[0]["rule"],
        "sentence": evidence[0]["sentence"],
        "points": signed_points(item) * times,
        "comment": "\n".join(comments),
        "by_id": judged[-1] if judged else None,
        "folded": [r["id"] for r in rows[1:]],
    }


def unfold(finding: dict, item: dict) -> list[dict]:
    """The reverse of `fold`: one row per evidence entry (old columns), the first keeping the id."""
    evidence = finding["evidence"] or []
    if not evidence:
        return [{**finding, "sentence": finding["sentence"], "start": 0, "end": 0, "quote": "", "note": ""}]
    rows, seen = [], set()
    for k, e in enumerate(evidence):
        if finding["source"] != AUTO:
            points = finding["points"] if k == 0 else Decimal(0)
        elif item["per_occurrence"]:
            points = signed_points(item) if e.get("sentence") not in seen else Decimal(0)
        else:
            points = signed_points(item) if k == 0 else Decimal(0)
        seen.add(e.get("sentence"))
        rows.append({
            **finding, "id": finding["id"] if k == 0 else None, "rule_id": e.get("rule"),
            "sentence": e.get("sentence"), "start": e.get("start") or 0, "end": e.get("end") or 0,
            "quote": (e.get("quote") or "")[:300], "note": (e.get("note") or "")[:300], "points": points,
        })  # fmt: skip
    return rows


_OLD = ["id", "inspection_id", "item_id", "rule_id", "source", "status", "sentence", "start", "end",
        "quote", "note", "points", "severity", "comment", "by_id"]  # fmt: skip


def _checks_now(schema_editor) -> None:
    # PostgreSQL checks foreign keys at commit: rows written here leave trigger events pending, and
    # the ALTER TABLEs that follow in this transaction would be refused until they are checked.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def forwards(apps, schema_editor):
    Finding = apps.get_model("quality", "Finding")
    RubricItem = apps.get_model("quality", "RubricItem")
    Appeal = apps.get_model("quality", "Appeal")
    items: dict[int, dict] = {}
    moved: dict[int, int] = {}  # a folded row's id → the id of the finding it became

    def item_of(pk: int) -> dict:
        if pk not in items:
            items[pk] = RubricItem.objects.values("points", "direction", "per_occurrence").get(pk=pk)
        return items[pk]

    def flush(group: list[dict]) -> None:
        if not group:
            return
        if group[0]["source"] != AUTO:
            for row in group:
                entry = [_entry(row)] if row["sentence"] is not None or row["quote"] else []
                Finding.objects.filter(pk=row["id"]).update(evidence=entry)
            return
        folded = fold(group, item_of(group[0]["item_id"]))
        gone = folded.pop("folded")
        pk = folded.pop("id")
        Finding.objects.filter(pk=pk).update(**folded)
        if gone:
            Finding.objects.filter(pk__in=gone).delete()
            moved.update(dict.fromkeys(gone, pk))

    group: list[dict] = []
    rows = Finding.objects.order_by("inspection_id", "source", "item_id", "id").values(*_OLD)
    for row in rows.iterator(chunk_size=2000):
        if group and (
            (row["inspection_id"], row["source"], row["item_id"])
            != (group[0]["inspection_id"], group[0]["source"], group[0]["item_id"])
            or row["source"] != AUTO
        ):
            flush(group)
            group = []
        group.append(row)
    flush(group)
    if moved:
        for appeal in Appeal.objects.exclude(reasons=[]):
            reasons = [{**r, "finding": moved.get(r.get("finding"), r.get("finding"))} for r in appeal.reasons]
            if reasons != appeal.reasons:
                appeal.reasons = reasons
                appeal.save(update_fields=["reasons"])
    _checks_now(schema_editor)


def backwards(apps, schema_editor):
    Finding = apps.get_model("quality", "Finding")
    RubricItem = apps.get_model("quality", "RubricItem")
    fields = ["id", "inspection_id", "item_id", "rule_id", "source", "status", "sentence", "evidence",
              "points", "severity", "comment", "by_id"]  # fmt: skip
    items: dict[int, dict] = {}
    new = []
    for finding in Finding.objects.order_by("id").values(*fields).iterator(chunk_size=2000):
        item = items.get(finding["item_id"])
        if item is None:
            item = items[finding["item_id"]] = RubricItem.objects.values(
                "points", "direction", "per_occurrence"
            ).get(pk=finding["item_id"])
        rows = unfold(finding, item)
        first = {k: v for k, v in rows[0].items() if k not in ("id", "evidence")}
        Finding.objects.filter(pk=finding["id"]).update(**first)
        new.extend(
            Finding(**{k: v for k, v in row.items() if k not in ("id", "evidence")}) for row in rows[1:]
        )
    Finding.objects.bulk_create(new, batch_size=1000)
    _checks_now(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="finding",
            name="evidence",
            field=models.JSONField(blank=True, default=list, verbose_name="evidence"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="finding", name="start"),
        migrations.RemoveField(model_name="finding", name="end"),
        migrations.RemoveField(model_name="finding", name="quote"),
        migrations.RemoveField(model_name="finding", name="note"),
        migrations.AddConstraint(
            model_name="finding",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source", "auto")),
                fields=("inspection", "item"),
                name="finding_one_auto_per_item",
            ),
        ),
    ]
