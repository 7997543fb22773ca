"""Scoring (评分): a rubric's start score, plus and minus its fired items, kept within floor and
ceiling; a fatal item (致命) sends the score to the floor."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

SEVERITIES = ("minor", "normal", "severe", "fatal")
DIRECTIONS = ("subtract", "add")


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class ItemSpec:
    key: object
    points: Decimal | float  # > 0
    direction: str  # "subtract" | "add"
    severity: str  # "minor" | "normal" | "severe" | "fatal"
    once: bool = True  # count a fired item once (True) or once per evidence sentence
    # ± points as a Decimal and as a float, made once: score() runs for every conversation with
    # the same items, and converting to and from Decimal was most of its time.
    signed: Decimal = field(init=False, repr=False, compare=False)
    signed_float: float = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        points = _decimal(self.points)
        signed = points if self.direction == "add" else -points
        object.__setattr__(self, "signed", signed)
        object.__setattr__(self, "signed_float", float(signed))


@dataclass(frozen=True)
class ScoreResult:
    score: float
    fatal: bool
    lines: list[tuple[object, float]] = field(default_factory=list)  # (item key, signed points applied)


def score(
    *, start: float, floor: float, ceiling: float, items: dict[object, ItemSpec], fired: dict[object, int]
) -> ScoreResult:
    """start + Σ add − Σ subtract, clamped to [floor, ceiling]; any fatal item fired → floor.

    `fired` maps an item's key to how many times it fired (distinct evidence sentences; 0 or a
    missing key: not fired). An item with once=True counts once however often it fired. Keys not in
    `items` are ignored. Arithmetic is decimal, so 0.1 + 0.2 points make 0.3."""
    total = _decimal(start)
    low, high = _decimal(floor), _decimal(ceiling)
    lines: list[tuple[object, float]] = []
    fatal = False
    for key, count in fired.items():
        item = items.get(key)
        if item is None or not count or count < 0:
            continue
        if item.once or count == 1:
            total += item.signed
            lines.append((key, item.signed_float))
        else:
            signed = item.signed * int(count)
            total += signed
            lines.append((key, float(signed)))
        if item.severity == "fatal":
            fatal = True
    if fatal:
        total = low
    total = max(low, min(high, total))
    return ScoreResult(score=float(total), fatal=fatal, lines=lines)
