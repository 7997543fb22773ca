"""Work orders in the shared full-text search (kefu.core.search): their terms, their index
(`tickets_ticket_fts` on SQLite, the stored `search_vector` with its GIN index on PostgreSQL) and
their ranked search.

Ranking: an exact work-order number first, then the customer's phone number, then full-text rank
(the title's terms count twice in the document), newest first among equals. Only the newest
RANK_CANDIDATES matches the caller may see are ranked (see below).
"""

from django.db.models import Q, QuerySet

from kefu.core import search
from kefu.core.search import SearchIndex

# On PostgreSQL a stored `search_vector` column (tickets' migration 0004), so ranking reads the
# vector instead of parsing search_text again per row; core's migration 0002 installed the first
# form, a GIN index on the expression (TICKETS_EXPRESSION), which 0004 replaces.
TICKETS = SearchIndex(
    table="tickets_ticket", vector_column="search_vector", gin_name="tickets_ticket_search_vector_gin"
)
TICKETS_EXPRESSION = SearchIndex(table="tickets_ticket")
# Installed by core's 0002_search in its first form; its present form is complete once tickets' 0004 ran.
TICKETS_MIGRATION = ("tickets", "0004_search_vector")

TICKET_FIELDS = (
    "number", "title", "content", "demands", "customer_name", "customer_phone", "customer_email", "location",
    "subject_product",
)  # fmt: skip

# Ranking reads every matching row (its vector on PostgreSQL, its bm25 terms on SQLite): a word in a
# tenth of a million work orders is 100,000 rows to score. So work-order search ranks only the
# newest RANK_CANDIDATES matches the caller may see (found through the index, newest id first)
# and says "500+" rather than counting further, like the queues. A user who wants older ones adds
# a word or a filter (status, type, channel).
RANK_CANDIDATES = 500


def document_text(ticket) -> str:
    """The terms of a work order's searchable fields, space-joined, for `Ticket.search_text`.

    The title counts twice, so a word in the summary ranks above the same word deep in the content.
    Works on unsaved and historical (migration) instances alike.
    """
    terms: list[str] = []
    terms += search.tokenize(ticket.number)
    terms += search.tokenize(ticket.title) * 2
    for field in ("content", "demands", "customer_name", "customer_email", "location", "subject_product"):
        terms += search.tokenize(getattr(ticket, field, "") or "")
    terms += search.phone_terms(ticket.customer_phone or "")
    return search.clip(" ".join(terms))


def index_ticket(ticket, *, save: bool = True) -> str:
    """Recompute `ticket.search_text`; with `save`, write that one column (the database index follows:
    triggers on SQLite, the stored vector on PostgreSQL). Services that save the ticket anyway set
    `ticket.search_text = document_text(ticket)` before their own save instead."""
    ticket.search_text = document_text(ticket)
    if save and ticket.pk is not None:
        ticket.save(update_fields=["search_text"])
    return ticket.search_text


def reindex_tickets(model=None, *, batch_size: int = 2000, only_empty: bool = False) -> tuple[int, int]:
    """Recompute search_text for every work order; (rows seen, rows changed). See `reindex_rows`."""
    if model is None:
        from kefu.tickets.models import Ticket

        model = Ticket
    return search.reindex_rows(
        model, document_text, TICKET_FIELDS, batch_size=batch_size, only_empty=only_empty
    )


def parse(query: str) -> search.ParsedQuery:
    """The one way a work-order query is read: its terms, its number or phone, and its synonyms'
    alternatives. Parse once to mark many texts with `search.highlight` (it reads the synonyms)."""
    return search.parse_query(query, search.synonym_groups())


def search_tickets(
    queryset: QuerySet, query: str, limit: int | None = None, *, candidates: int | None = None,
    unbounded: bool = False,
) -> QuerySet:  # fmt: skip
    """Work orders of `queryset` matching `query`, best first, annotated with `search_rank`.

    `queryset` is the caller's permission-limited list; the result only narrows it. A blank query
    returns it unchanged; a query with nothing searchable in it (only punctuation) matches nothing.
    An exact work-order number or a customer's phone number ranks its work orders first.
    Ranked among the newest `candidates` matches (default RANK_CANDIDATES; `unbounded`: all of them,
    slow when a word matches a large share of the table); count them with `count_capped(results, N)`.
    """
    if not query or not query.strip():
        return queryset
    parsed = parse(query)
    exact: list[tuple[Q, float]] = []
    if parsed.number:
        exact.append((Q(number=parsed.number), 1000.0))
    if parsed.phones:
        exact.append((Q(customer_phone__in=parsed.phones), 100.0))
    if not unbounded and candidates is None:
        candidates = RANK_CANDIDATES
    results = search.search_queryset(
        queryset, parsed, index=TICKETS, exact=exact, order=("-created_at", "-pk"),
        candidates=None if unbounded else candidates,
    )  # fmt: skip
    return results[:limit] if limit is not None else results
