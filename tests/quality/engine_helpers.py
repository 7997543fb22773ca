"""Small builders for the engine's tests: conversations from tuples, one rule checked at a time."""

from kefu.quality.engine.conversation import Conversation, Sentence
from kefu.quality.engine.rules import PhraseEntry, RuleSpec, compile_rules


def conversation(*rows, channel: str = "phone") -> Conversation:
    """rows: (role, text) or (role, text, start_ms, end_ms)."""
    sentences = []
    for row in rows:
        role, text, *timing = row
        start, end = (timing + [None, None])[:2]
        sentences.append(Sentence(role=role, text=text, start_ms=start, end_ms=end))
    return Conversation(sentences, channel)


def hit(condition: dict, conv: Conversation, *, phrases: tuple[PhraseEntry, ...] = ()):
    """The RuleHit of a single rule with `condition` on `conv`, or None when it did not fire."""
    compiled = compile_rules([RuleSpec("r", condition)], phrases=phrases)
    hits = compiled.inspect(conv)
    return hits[0] if hits else None


def quotes(found, conv: Conversation) -> list[str]:
    """The quoted text of every piece of evidence (the sentence's span)."""
    return [
        conv.sentences[e.sentence].text[e.start : e.end] for e in found.evidence if e.sentence is not None
    ]


def sentences(found) -> list[int]:
    return sorted({e.sentence for e in found.evidence if e.sentence is not None})
