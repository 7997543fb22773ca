"""The literal text a regular expression cannot match without (必需字面量), for prefiltering.

`required_literals("请问.*(身份证|手机号)")` is {"请问"}: a sentence lacking 请问 cannot match, so the
engine runs the expression only on sentences the automaton found 请问 in. The answer is a set of
alternatives (one of them must occur: "退[款货]" → {"退款", "退货"}), or None when no literal can be
extracted safely — case-insensitive patterns, or nothing but classes and optional parts — and the
expression then runs on every sentence of its scope. The pattern is read with the standard
library's own parser, so what counts as a literal is exactly what `re` matches literally.
"""

from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as C  # noqa: N812
    from re import _parser as parser
except ImportError:  # pragma: no cover
    import sre_constants as C  # noqa: N812
    import sre_parse as parser

MAX_ALTERNATIVES = 32
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT} | (
    {C.POSSESSIVE_REPEAT} if hasattr(C, "POSSESSIVE_REPEAT") else set()
)


def _score(option: set[str]) -> tuple[int, int]:
    return (min(len(w) for w in option), -len(option))


def _best(options: list[set[str]]) -> set[str] | None:
    options = [o for o in options if o and all(o)]
    return max(options, key=_score) if options else None


def _sequence(items) -> list[set[str]]:
    options: list[set[str]] = []
    run = {""}

    def flush():
        nonlocal run
        if all(run):
            options.append(run)
        run = {""}

    for op, av in items:
        if op is C.LITERAL:
            run = {r + chr(av) for r in run}
            continue
        if op is C.IN and all(o is C.LITERAL for o, _v in av) and len(av) * len(run) <= MAX_ALTERNATIVES:
            run = {r + chr(v) for r in run for _o, v in av}
            continue
        flush()
        inner = None
        if op is C.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if not add_flags & re.IGNORECASE:
                inner = _best(_sequence(sub))
        elif op in _REPEATS:
            low, _high, sub = av
            if low >= 1:
                inner = _best(_sequence(sub))
        elif op is C.BRANCH:
            branches = [_best(_sequence(b)) for b in av[1]]
            if branches and all(b is not None for b in branches):
                union = set().union(*branches)
                if len(union) <= MAX_ALTERNATIVES:
                    inner = union
        elif hasattr(C, "ATOMIC_GROUP") and op is C.ATOMIC_GROUP:
            inner = _best(_sequence(av))
        if inner:
            options.append(inner)
    flush()
    return options


def required_literals(pattern: str) -> set[str] | None:
    """One of these strings occurs in every text `pattern` matches (None: no such set found)."""
    try:
        parsed = parser.parse(pattern)
    except Exception:  # noqa: BLE001 — validation reports bad patterns; here: no prefilter
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    found = _best(_sequence(parsed))
    return set(found) if found else None
