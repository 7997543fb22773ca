"""Property tests of the call-log parsers: any junk between good lines is reported by number, never a crash,
and never costs a good call."""

from datetime import UTC

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.callcenter.imports import parse_cdr, parse_mapped_csv, parse_queue_log

T0 = 1764550800

junk_line = st.text(st.characters(blacklist_characters="\n\r", blacklist_categories=("Cs",)), max_size=80)


def good_call(n: int) -> list[str]:
    return [
        f"{T0 + n}|call.{n}|support||ENTERQUEUE||1380013{n:04d}|1",
        f"{T0 + n + 5}|call.{n}|support|SIP/1001|CONNECT|5|x|1",
        f"{T0 + n + 65}|call.{n}|support|SIP/1001|COMPLETECALLER|5|60|1",
    ]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    calls=st.integers(min_value=0, max_value=5),
    junk=st.lists(st.tuples(st.integers(0, 30), junk_line), max_size=8),
)
def test_queue_log_junk_never_crashes_nor_costs_a_good_call(calls, junk):
    lines = [line for n in range(calls) for line in good_call(n)]
    for position, text in junk:
        # junk that happens to name one of the good calls could legitimately change it; keep it apart
        lines.insert(min(position, len(lines)), text.replace("call.", "c a l l"))
    parsed = parse_queue_log("\n".join(lines), UTC)
    assert {c.external_id for c in parsed.calls} >= {f"call.{n}|support" for n in range(calls)}
    good_numbers = {i + 1 for i, line in enumerate(lines) if "|call." in line}
    assert not {e.line_no for e in parsed.errors} & good_numbers
    assert len({e.line_no for e in parsed.errors}) == len(parsed.errors)  # each bad line once


@settings(max_examples=100)
@given(junk=st.lists(junk_line, max_size=6))
def test_cdr_and_mapped_csv_junk_never_crashes(junk):
    good_cdr = '"","13800138000","400","ctx","x","SIP/t-1","SIP/1001-2","Queue","support","2025-12-01 09:00:00","2025-12-01 09:00:10","2025-12-01 09:01:10",70,60,"ANSWERED","DOCUMENTATION","u1"'
    parsed = parse_cdr("\n".join([good_cdr, *junk]), UTC)
    assert [c.external_id for c in parsed.calls][:1] == ["u1|SIP/1001-2"]
    csv_text = "\n".join(["arrival,caller", "2025-12-01 09:00:00,13800138000", *junk])
    mapped = parse_mapped_csv(csv_text, UTC, {})
    assert mapped.calls[0].caller == "13800138000"
