"""A conversation to inspect (对话): its sentences in spoken order, whatever the channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Sentence(NamedTuple):
    """One sentence (a tuple: a conversation of twenty is built in a few microseconds)."""

    role: str  # "agent" | "customer" | "system"
    text: str
    speaker: str = ""
    start_ms: int | None = None  # ms since the conversation started
    end_ms: int | None = None


_new = tuple.__new__  # Sentence(...) without the generated __new__'s Python frame: five fields given


def _ms(value) -> int | None:
    """A timing from stored JSON, or None when it is missing or not a number (never raises)."""
    if type(value) is int or value is None:  # the usual cases first
        return value
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return int(number)


@dataclass(slots=True)
class Conversation:
    sentences: list[Sentence] = field(default_factory=list)
    channel: str = ""  # "phone" | "chat" | "email"

    @classmethod
    def from_json(cls, sentences: list[dict], channel: str = "") -> Conversation:
        """From Transcript.sentences ({"role", "speaker", "text", "start_ms", "end_ms"} each).

        Lenient on purpose: the transcript was validated when it was stored, and inspection must
        not fail on an odd item — a missing text is empty, a timing that is not a number is None.
        """
        out = []
        append = out.append
        for item in sentences or ():
            if type(item) is not dict:
                if not isinstance(item, dict):
                    continue
            get = item.get
            role, text, speaker = get("role"), get("text"), get("speaker")
            start, end = get("start_ms"), get("end_ms")
            append(
                _new(
                    Sentence,
                    (
                        role if type(role) is str else str(role or ""),
                        text if type(text) is str else ("" if text is None else str(text)),
                        speaker if type(speaker) is str else str(speaker or ""),
                        start if type(start) is int or start is None else _ms(start),
                        end if type(end) is int or end is None else _ms(end),
                    ),
                )
            )
        return cls(out, channel or "")
