"""The knowledge base's forbidden (禁用语) and discouraged (口头语) phrases, as the engine takes them.

Read again only when the knowledge base's own phrase checker is rebuilt (a phrase rule was saved or
deleted in any process: kefu.knowledge.cache), so every inspection sees the current lists without a
query per conversation.
"""

import threading

from kefu.knowledge import phrases as knowledge_phrases
from kefu.knowledge.models import PhraseRule, RuleKind
from kefu.quality.engine.rules import PhraseEntry

_held: dict[str, tuple[object, tuple[PhraseEntry, ...]]] = {}
_lock = threading.Lock()


def phrases_token() -> object:
    """An object that changes whenever the phrase lists change: the knowledge base's current checker."""
    return knowledge_phrases.current_checker()


def phrase_entries() -> tuple[PhraseEntry, ...]:
    """Every active forbidden and discouraged phrase."""
    token = phrases_token()
    held = _held.get("entries")
    if held is not None and held[0] is token:
        return held[1]
    entries = tuple(
        PhraseEntry(kind=kind, phrase=phrase)
        for kind, phrase in PhraseRule.objects.filter(
            is_active=True, kind__in=[RuleKind.FORBIDDEN, RuleKind.DISCOURAGED]
        ).values_list("kind", "phrase")
    )
    with _lock:
        _held["entries"] = (token, entries)
    return entries


def clear() -> None:
    _held.clear()
