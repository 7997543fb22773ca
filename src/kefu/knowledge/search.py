"""Knowledge articles in the shared full-text search (kefu.core.search): their terms, their index
(`knowledge_article_fts` on SQLite, a GIN index on PostgreSQL) and their ranked search.

Ranking: an article whose title is exactly the query comes first, then one whose title contains it,
then full-text rank (the title's terms count twice in the document).
"""

from django.db.models import Q, QuerySet

from kefu.core import search
from kefu.core.search import SearchIndex

ARTICLES = SearchIndex(table="knowledge_article", vector_column="search_vector")
ARTICLES_MIGRATION = ("knowledge", "0002_search")
ARTICLE_FIELDS = ("title", "body_text")
EXACT_TITLE_WEIGHT = 1000.0
TITLE_CONTAINS_WEIGHT = 100.0


def article_document(article) -> str:
    """The terms of an article for `Article.search_text`: the title twice, then the text."""
    terms = search.tokenize(article.title) * 2 + search.tokenize(article.body_text or "")
    return search.clip(" ".join(terms))


def reindex_articles(model=None, *, batch_size: int = 2000, only_empty: bool = False) -> tuple[int, int]:
    if model is None:
        from kefu.knowledge.models import Article

        model = Article
    return search.reindex_rows(
        model, article_document, ARTICLE_FIELDS, batch_size=batch_size, only_empty=only_empty
    )


def parse(query: str) -> search.ParsedQuery:
    return search.parse_query(query, search.synonym_groups())


def search_articles(queryset: QuerySet, query: str, *, parsed: search.ParsedQuery | None = None) -> QuerySet:
    """Articles of `queryset` (the caller's permission-limited list) matching `query`, best first."""
    if parsed is None:
        if not query or not query.strip():
            return queryset
        parsed = parse(query)
    title = (query or "").strip()
    # Boosts, not conditions: the full-text match decides which rows; the title only ranks them
    # (an exact title is always a full-text match, its terms being the query's own).
    boosts: list[tuple[Q, float]] = []
    if title:
        boosts = [
            (Q(title__iexact=title), EXACT_TITLE_WEIGHT),
            (Q(title__icontains=title), TITLE_CONTAINS_WEIGHT),
        ]
    results = search.search_queryset(
        queryset, parsed, index=ARTICLES, boosts=boosts, order=("-updated_at", "-pk")
    )
    return results
