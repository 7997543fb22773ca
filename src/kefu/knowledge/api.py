"""API for the knowledge base: article search, the phrase check and rule export, filled scripts."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from kefu.accounts.api import Id, user_of
from kefu.core.search import highlight
from kefu.knowledge import phrases, selectors, services
from kefu.knowledge.models import Script
from kefu.knowledge.search import parse, search_articles

router = Router(tags=["knowledge"])


class ArticleOut(Schema):
    id: int
    title: str
    category: str | None
    audience: str
    version: int
    must_read: bool
    review_on: str | None
    review_overdue: bool
    snippet: str = Field("", description="Matched words wrapped in <mark>, the rest HTML-escaped.")
    updated_at: datetime

    @staticmethod
    def resolve_category(obj) -> str | None:
        return str(obj.category) if obj.category_id else None

    @staticmethod
    def resolve_review_on(obj) -> str | None:
        return obj.review_on.isoformat() if obj.review_on else None

    @staticmethod
    def resolve_review_overdue(obj) -> bool:
        return obj.review_overdue()


class ArticleFilters(Schema):
    q: str = Field("", max_length=200, description="Chinese full-text search, synonyms included.")
    limit: int = Field(20, ge=1, le=100)


@router.get("/articles", response=list[ArticleOut], summary="Search the knowledge base (best first)")
def article_list(request, filters: Query[ArticleFilters]):
    qs = selectors.articles_visible_to(user_of(request))
    if not filters.q.strip():
        return list(qs.order_by("-updated_at", "-pk")[: filters.limit])
    parsed = parse(filters.q)
    rows = list(search_articles(qs, filters.q, parsed=parsed)[: filters.limit])
    for article in rows:
        article.snippet = str(highlight(article.body_text, parsed, width=120))
    return rows


class CheckIn(Schema):
    text: str = Field(..., max_length=20_000)


class HitOut(Schema):
    rule_id: int
    kind: str
    phrase: str
    found: str
    start: int
    end: int
    alternative: str


class MissingOut(Schema):
    rule_id: int
    phrase: str


class CheckOut(Schema):
    ok: bool = Field(..., description="False when a forbidden phrase is present.")
    forbidden: list[HitOut]
    discouraged: list[HitOut]
    missing_required: list[MissingOut]


@router.post("/phrases/check", response=CheckOut, summary="Check a reply against the phrase rules")
def phrase_check(request, payload: CheckIn):
    return phrases.check_text(payload.text)


class RuleOut(Schema):
    id: int
    kind: str
    phrase: str
    normalized: str
    alternative: str
    note: str


@router.get(
    "/phrases", response=list[RuleOut], summary="Export the active phrase rules (for quality inspection)"
)
def phrase_rules(request):
    return phrases.rules_export()


class FillIn(Schema):
    ticket: str = Field("", max_length=40, description="Work-order number whose values fill the variables.")


class FilledOut(Schema):
    id: int
    title: str
    text: str


@router.post("/scripts/{script_id}/fill", response=FilledOut, summary="A script filled for a work order")
def script_fill(request, script_id: Id, payload: FillIn):
    from kefu.tickets.models import Ticket

    script = get_object_or_404(Script, pk=script_id)
    ticket = get_object_or_404(Ticket, number=payload.ticket) if payload.ticket else None
    text = services.script_use(script=script, by=user_of(request), ticket=ticket)
    return {"id": script.pk, "title": script.title, "text": text}


class DraftOut(Schema):
    text: str = Field(..., description="The reply to the customer, filled for the work order.")
    script_id: int | None = Field(
        None, description="The result script it comes from; null: the default text."
    )


@router.get("/reply-draft", response=DraftOut, summary="The draft reply to the customer for resolving")
def reply_draft(request, ticket: str = Query(..., max_length=40, description="Work-order number.")):
    """What the resolve form proposes as `customer_reply`: the result script (话术, stage `result`) for
    the work order's type, else one for any type, else a default sentence. Not counted as a use."""
    from kefu.tickets.api import visible_ticket

    row = visible_ticket(request, ticket)
    user = user_of(request)
    script = services.result_script_for(ticket=row, by=user)
    return {
        "text": services.customer_reply_draft(ticket=row, by=user),
        "script_id": script.pk if script else None,
    }
