"""docs/quality.md: every rule example in it is a condition the engine accepts."""

import json
import re
from pathlib import Path

from kefu.quality.engine.rules import validate_condition

DOC = Path(__file__).resolve().parents[2] / "docs" / "quality.md"


def test_every_json_example_in_the_quality_guide_is_a_valid_condition():
    text = DOC.read_text(encoding="utf-8")
    rules = text[text.index("## Rules") : text.index("## Scoring")]  # other sections show transcripts
    blocks = re.findall(r"```json\n(.*?)```", rules, flags=re.S)
    assert len(blocks) >= 14  # one or more per condition type
    for block in blocks:
        assert validate_condition(json.loads(block)) == [], block
