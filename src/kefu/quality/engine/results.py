"""What the engine reports: evidence (the sentence and span that show a finding) and rule hits."""

from __future__ import annotations

from operator import itemgetter
from typing import NamedTuple


class Evidence(NamedTuple):
    """A tuple (the operators' own (sentence, start, end, note) made an Evidence without copying)."""

    sentence: int | None  # index in Conversation.sentences; None for conversation-level findings
    start: int = 0  # character span in that sentence's text
    end: int = 0
    note: str = ""  # e.g. "silence 12.4 s", "212 chars/min"

    def as_dict(self, sentences=None) -> dict:
        out = {"sentence": self.sentence, "start": self.start, "end": self.end, "note": self.note}
        if sentences is not None and self.sentence is not None and 0 <= self.sentence < len(sentences):
            out["text"] = sentences[self.sentence].text[self.start : self.end]
        return out


class RuleHit(NamedTuple):
    key: object
    evidence: tuple[Evidence, ...]

    @property
    def sentence_count(self) -> int:
        """How many distinct sentences show the finding (at least 1: a conversation-level finding
        counts once) — what ItemSpec(once=False) counts."""
        evidence = self.evidence
        if len(evidence) == 1:  # the usual case, and a conversation-level finding
            return 1
        sentences = set(map(_sentence, evidence))
        sentences.discard(None)
        return max(1, len(sentences))


_sentence = itemgetter(0)
