"""Suggested answers (推荐答案): articles and scripts for a customer's own words.

A customer's message is long and chatty, so requiring every word (as the search box does) would find
nothing. Its key words are taken with jieba's TF-IDF keyword extraction and searched as the search
box searches (kefu.knowledge.search.parse: fillers dropped, synonyms added, any word matches), ranked
by full-text score. Scripts are few per agent
and are scored in Python by how many key words their title and text hold.
"""

import threading
import warnings
from dataclasses import dataclass, field

from kefu.core import search
from kefu.knowledge import selectors
from kefu.knowledge.search import parse, search_articles

MAX_KEYWORDS = 6
_analyse = None
_lock = threading.Lock()


def _extract(text: str) -> list[str]:
    global _analyse
    if _analyse is None:
        with _lock:
            search.jieba_module()  # initialised quietly once
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import jieba.analyse

            _analyse = jieba.analyse
    return _analyse.extract_tags(text, topK=MAX_KEYWORDS)


def keywords(text: str) -> list[str]:
    """Up to MAX_KEYWORDS key words of `text`, most telling first; letters and digits words included."""
    text = (text or "")[:5000]
    if not text.strip():
        return []
    words = [w for w in _extract(text) if w.strip() and (len(w) >= 2 or not w.isascii())]
    return words or [text.strip()[:20]]


@dataclass
class Suggestions:
    keywords: list[str]
    articles: list = field(default_factory=list)
    scripts: list = field(default_factory=list)


def suggest(*, text: str, user, limit: int = 5) -> Suggestions:
    words = keywords(text)
    if not words:
        return Suggestions([])
    parsed = parse(" ".join(words))
    if not parsed.searchable:
        return Suggestions(words)
    articles = list(search_articles(selectors.articles_visible_to(user), "", parsed=parsed)[:limit])
    for article in articles:
        article.snippet = search.highlight(article.body_text, parsed, width=100)
    scored = []
    for script in selectors.scripts_for(user):
        haystack = f"{script.title} {script.text}"
        score = sum(1 for w in words if w in haystack)
        if score:
            scored.append((-score, -script.usage_count, script.pk, script))
    return Suggestions(words, articles, [s for *_k, s in sorted(scored)[:limit]])
