"""Knowledge articles in the shared full-text search (kefu.core.search): their terms, their index
(`knowledge_article_fts` on SQLite, a GIN index on PostgreSQL) and their ranked search.

Search as people ask (`question_words`, the one normaliser the list page, the API, the suggested
answers and bench/knowledge.py all go through `parse`): customers and agents type questions —
怎么开发票, 退款没到账, 我想问一下手机坏了能不能修 — not the words of a title. So a query is cut into
words, question words and particles (怎么, 如何, 吗, 了, 呢, 能不能, 请问, 我想…) are dropped, the words
of every synonym group the query touches are added (the standard groups below plus the managers'
table), and an article matches when it holds ANY of the words: ranking (bm25 on SQLite, ts_rank on
PostgreSQL) puts the articles holding more of them, and rarer ones, first. An article's keywords
(the words people use for its topic) count like its title, twice.

Ranking on top of the full-text score: an article whose title is exactly the query comes first, then
one whose title contains it.
"""

import re

from django.db.models import Q, QuerySet

from kefu.core import search
from kefu.core.search import SearchIndex

ARTICLES = SearchIndex(table="knowledge_article", vector_column="search_vector")
ARTICLES_MIGRATION = ("knowledge", "0002_search")
ARTICLE_FIELDS = ("title", "keywords", "body_text")
EXACT_TITLE_WEIGHT = 1000.0
TITLE_CONTAINS_WEIGHT = 100.0
MAX_WORDS = 16  # a query's own words, and its synonyms' (each); a chatty message keeps its first ones

# Synonym groups every installation starts with (a department store's service words); the managers'
# table (/knowledge/synonyms/) adds to them. A query touching any word of a group also searches the
# others. Keep each group to words that really stand for each other in a customer's question.
STANDARD_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("退款", "退钱", "退费", "返款"),
    ("退货", "退换", "退回"),
    ("换货", "调换", "更换"),
    ("发票", "开票", "专票", "普票"),
    ("快递", "物流", "配送", "送货", "发货"),
    ("到账", "到帐", "退回原账户"),
    ("维修", "修理", "保修", "报修", "故障", "坏了", "坏掉", "不能用", "修"),
    ("安装", "装机", "上门安装"),
    ("会员", "会员卡", "vip"),
    ("积分", "分数"),
    ("礼品卡", "购物卡", "储值卡", "礼金卡"),
    ("价保", "保价", "补差价", "差价", "降价"),
    ("营业时间", "开门", "关门", "几点"),
    ("停车", "车位", "停车场", "停车费"),
    ("失物", "丢失", "遗失", "落在", "丢了", "忘了拿", "寄存"),
    ("投诉", "举报", "不满意"),
    ("优惠券", "券", "满减"),
    ("七天无理由", "7天无理由", "七天退货", "7天退货"),
)

# Question words and particles: they say that something is asked, not what. Longer ones first, so
# 怎么办 goes before 怎么 could leave 办 behind. Removed as whole words of the query's jieba cut, and
# the multi-character ones also wherever they stand (jieba may glue 能不能 to a neighbour).
FILLER_PHRASES = (
    "我想问一下", "想问一下", "问一下", "请问一下", "请问", "麻烦问下", "麻烦", "你好", "您好", "你们",
    "怎么办", "怎么样", "怎么", "如何", "怎样", "咋办", "咋", "为什么", "什么时候", "什么", "哪里",
    "能不能", "可不可以", "可以吗", "是不是", "有没有", "能否", "可以", "需要", "应该", "还能",
    "我想", "我要", "想要", "一下", "帮我", "的话", "现在", "已经", "还没", "一直",
)  # fmt: skip
SENTENCE_PARTICLES = "吗了呢吧啊呀哦嘛的"  # also cut from the end of a piece (开发票呢 → 开发票)
FILLER_CHARACTERS = frozenset("吗了呢吧啊呀哦嘛的我你您他她它是在有要想能会把被给和与就都还也又很")

_FILLER_RUN = re.compile("|".join(sorted(map(re.escape, FILLER_PHRASES), key=len, reverse=True)))


def article_document(article) -> str:
    """The terms of an article for `Article.search_text`: the title and the keywords twice, then the text."""
    head = f"{article.title} {getattr(article, 'keywords', '') or ''}"
    terms = search.tokenize(head) * 2 + search.tokenize(article.body_text or "")
    return search.clip(" ".join(terms))


def reindex_articles(model=None, *, batch_size: int = 2000, only_empty: bool = False) -> tuple[int, int]:
    if model is None:
        from kefu.knowledge.models import Article

        model = Article
    # A migration's historical model may predate a field (keywords came in 0003).
    names = {f.name for f in model._meta.get_fields()}
    fields = [f for f in ARTICLE_FIELDS if f in names]
    return search.reindex_rows(model, article_document, fields, batch_size=batch_size, only_empty=only_empty)


def synonym_groups() -> search.Synonyms:
    """The standard groups, then the managers' (kefu.core.search's registered source)."""
    return STANDARD_SYNONYMS + tuple(search.synonym_groups())


def question_words(query: str, synonyms: search.Synonyms = ()) -> list[str]:
    """The words a question is about, fillers dropped, synonyms added: 怎么开发票 → 开发票 开发 发票 开票
    专票 普票. The question's own words come first (at most MAX_WORDS), then the synonyms (as many
    again at most). Single characters are kept only when the question has no longer word (修 alone)."""
    text = search.normalize(query)[: search.MAX_QUERY_CHARS]
    own: list[str] = []
    stripped = _FILLER_RUN.sub(" ", text)
    jieba = search.jieba_module()
    for piece in stripped.split():
        piece = piece.rstrip(SENTENCE_PARTICLES)
        # The piece itself too (its bigrams all required, as before fillers were dropped): jieba cuts
        # an unknown word into single characters, and a lone character matches half the articles.
        if len(piece) > 1 and search.tokenize(piece):
            own.append(piece)
        for word in jieba.cut_for_search(piece):
            word = word.strip()
            if word and word not in FILLER_CHARACTERS and search.tokenize(word):
                own.append(word)
    related: list[str] = []
    for group in synonyms:  # on the whole text: 坏了 is a synonym before 了 is dropped
        group_words = [search.normalize(w) for w in group if w]
        if any(w and w in text for w in group_words):
            related.extend(group_words)
    own = _without_lone_characters(list(dict.fromkeys(own)))[:MAX_WORDS]
    related = [w for w in dict.fromkeys(related) if w not in own]
    words = _without_lone_characters(own + related)
    return words[: len(own) + MAX_WORDS]


def _without_lone_characters(words: list[str]) -> list[str]:
    longer = [w for w in words if len(w) > 1 or w.isascii()]
    return longer or words


def parse(query: str) -> search.ParsedQuery:
    """The one way a knowledge query becomes a search: any of its `question_words` (see above)."""
    words = question_words(query, synonym_groups())
    if not words:  # only fillers (怎么办): search the text as it is rather than nothing
        return search.parse_query(query, search.synonym_groups())
    parts = [p for p in (search.parse_query(w) for w in words) if p.terms]
    if not parts:
        return search.ParsedQuery(terms=())
    first, rest = parts[0], parts[1:]
    return search.ParsedQuery(terms=first.terms, boosts=first.boosts, alternatives=tuple(rest))


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
