"""Full-text search (全文检索): the engine every searchable table shares (work orders:
kefu.tickets.search; knowledge articles: kefu.knowledge.search). Core knows no table of its own.

One module and one code path on both databases, for every searchable table:

* `tokenize()` turns text into index terms. Every term is a run of letters or digits, and a
  document's terms are stored space-joined in a text column (e.g. `Ticket.search_text`, written by the
  services through `kefu.tickets.search.document_text()`), so the database's own tokenizer only has to
  split on spaces: SQLite FTS5 with the `ascii` tokenizer and PostgreSQL's `to_tsvector('simple', ...)`
  index exactly the same terms, and the same query matches the same rows on both.
* The database indexes that column: on SQLite an external-content FTS5 table `<table>_fts` kept in
  sync by triggers on the table; on PostgreSQL a stored generated column
  `search_vector = to_tsvector('simple', search_text)` with a GIN index on it (or, in the first
  form, a GIN index on the expression). Each app describes its table as a `SearchIndex`, installs it
  in its own migration (`install_search_index`) and registers it in `INDEXES` from its
  `AppConfig.ready()`, so that `kefu_reindex` and the post-migrate repair (`ensure_search_index`)
  cover it too.
* `search_queryset()` narrows the caller's queryset (so its permission filters stay) and orders it
  by rank: FTS5 bm25 on SQLite, ts_rank on PostgreSQL. With `candidates` it ranks only the newest
  matches the caller may see (`newest_matches`, id window by id window), so a word found in a
  tenth of a million rows costs what a rare one does.
* Synonyms: `parse_query(query, synonyms)` adds the query with each synonym swapped in as OR-ed
  alternatives (退款 also finds 退钱). The groups come from `synonym_groups()`, whose source another
  app registers in `SYNONYM_SOURCE` (kefu.knowledge: the table managers edit); without a source
  there are none and queries are parsed exactly as before.

Tokenization — why bigrams as well as jieba:
jieba segments a phrase by its context, so the same word can be cut differently in a document and
in a query: 快递员没有送货上门 is cut 快递/员/..., 我要申请退款 is 我要/申请/退款, but 申请退款失败
might be cut otherwise tomorrow with another dictionary. Searching jieba words alone would miss
such rows. So every run of CJK text is indexed as its overlapping character bigrams (申请 请退 退款
...) plus its last character, and jieba search-mode words of three or more characters are added on
top (two-character words already are bigrams). A query is cut the same way and every bigram of each
CJK run is required: a two-character word is found wherever those two characters stand side by side
(退款 in 我要申请退款, 快递 in 快递员), whatever jieba did with either text. A one-character query
is a prefix search (快*), which finds it at any position because every character starts an indexed
term. The query's own jieba words of three or more characters are optional terms that raise the rank
of rows containing the whole word. Letters and digits are separate terms (iPhone13 → iphone 13), after
NFKC (full-width → half-width) and lower-casing.
"""

import logging
import re
import threading
import unicodedata
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import or_

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, Case, Expression, F, FloatField, Func, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kefu.core.registry import Registry
from kefu.core.rows import pk_in

# Han (with the extensions and compatibility block), kana, Hangul, 々 and 〇: scripts written without
# spaces between words, indexed as bigrams.
_CJK = "\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
# One run of CJK characters, of other letters, or of digits; everything else separates terms.
_RUN = re.compile(rf"([{_CJK}]+)|([^\W\d_{_CJK}]+)|(\d+)")
MAX_TERM_LENGTH = 64  # longer letter/digit runs are noise (encoded blobs), not words
MAX_DOCUMENT_CHARS = 100_000  # keeps a tsvector far below PostgreSQL's 1 MB limit
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 32
BOOST_MIN_LENGTH = 3  # jieba words this long are indexed as words; shorter ones already are bigrams

_jieba = None
_jieba_lock = threading.Lock()


def jieba_module():
    """jieba, initialised once per process on first use, without its log chatter."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                with warnings.catch_warnings():  # jieba's regexes use invalid escapes ("\\.")
                    warnings.simplefilter("ignore", DeprecationWarning)
                    warnings.simplefilter("ignore", SyntaxWarning)
                    import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def normalize(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation become half-width) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _runs(normalized: str):
    """(kind, run) for each run of CJK characters ("cjk"), other letters ("word") or digits ("word")."""
    for cjk, letters, digits in _RUN.findall(normalized):
        if cjk:
            yield "cjk", cjk
        else:
            yield "word", letters or digits


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _jieba_words(run: str) -> list[str]:
    """jieba search-mode words of a CJK run that are long enough to be worth a term of their own."""
    if len(run) < BOOST_MIN_LENGTH:
        return []
    return [w for w in jieba_module().cut_for_search(run) if len(w) >= BOOST_MIN_LENGTH and w.strip()]


def tokenize(text: str) -> list[str]:
    """Index terms of `text`: letter and digit words; for CJK runs, bigrams, the last character and
    jieba search-mode words of three or more characters (see the module docstring for why)."""
    terms: list[str] = []
    for kind, run in _runs(normalize(text)):
        if kind == "cjk":
            terms.extend(_bigrams(run))
            terms.append(run[-1])
            terms.extend(_jieba_words(run))
        elif len(run) <= MAX_TERM_LENGTH:
            terms.append(run)
    return terms


def _digits(text: str) -> str:
    return re.sub(r"\D", "", normalize(text), flags=re.ASCII)


def _national(digits: str) -> str:
    """A mainland number without its +86 country code."""
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def phone_terms(phone: str) -> list[str]:
    """A phone number's terms: its parts as written, all its digits (with and without +86) and its
    last four digits, so 138-0013-8000, 13800138000 and 8000 all find it."""
    terms = tokenize(phone)
    digits = _digits(phone)
    if len(digits) >= 4:
        terms.extend([digits, _national(digits), digits[-4:]])
    return list(dict.fromkeys(terms))


def clip(text: str) -> str:
    """Space-joined terms cut to MAX_DOCUMENT_CHARS at a term boundary."""
    if len(text) > MAX_DOCUMENT_CHARS:
        text = text[:MAX_DOCUMENT_CHARS].rsplit(" ", 1)[0]
    return text


# --- queries -------------------------------------------------------------------------------------

_NUMBER = re.compile(r"([a-z]{2})\s*-?\s*(\d{8})\s*-?\s*(\d{4,6})", re.ASCII)
_PHONE_SEPARATORS = re.compile(r"[\s\-().+]")
_OPERATORS = {"AND", "OR", "NOT", "NEAR"}


@dataclass(frozen=True)
class ParsedQuery:
    """What a user's query asks for, independent of the database."""

    terms: tuple[tuple[str, bool], ...]  # (term, is_prefix); every one is required
    boosts: tuple[str, ...] = ()  # optional whole words that raise the rank
    number: str = ""  # a work-order number, canonical form (TS-20261122-0001)
    phones: tuple[str, ...] = ()  # forms of a phone number to compare with customer_phone
    # The same query with a synonym swapped in (退款 → 退钱), or one part of an any-word query:
    # a row matching any of them matches (see `parse_query(synonyms=...)` and `parse_any`).
    alternatives: tuple["ParsedQuery", ...] = ()

    @property
    def searchable(self) -> bool:
        return bool(self.terms) or any(alt.terms for alt in self.alternatives)

    def all_terms(self) -> list[tuple[str, bool]]:
        """Required terms of this query and of every alternative (for highlighting)."""
        terms = list(self.terms)
        for alt in self.alternatives:
            terms.extend(alt.terms)
        return terms


MAX_ALTERNATIVES = 8
Synonyms = tuple[tuple[str, ...], ...]  # groups of words that mean the same (("退款", "退钱"), ...)


@lru_cache(maxsize=256)  # highlight() parses the same query once per row of a result page
def parse_query(query: str, synonyms: Synonyms = ()) -> ParsedQuery:
    """Split a user's query into terms the way documents are split; never raises.

    With `synonyms`, each group word the query contains is swapped for the group's other words, and
    a row matching the query or any swapped version matches (at most MAX_ALTERNATIVES versions).

    Quotes, brackets and other punctuation only separate terms, and capitalised AND/OR/NOT/NEAR are
    dropped: every term is quoted as a literal when the database query is built.
    A query that is only a phone number (digits with spaces, dashes, brackets or +86) is one term;
    one that looks like a work-order number also compares with Ticket.number exactly.
    """
    # Search-syntax words typed by habit (退款 OR 投诉) would otherwise be required literal words.
    query = " ".join(word for word in (query or "")[: MAX_QUERY_CHARS * 2].split() if word not in _OPERATORS)
    text = normalize(query)[:MAX_QUERY_CHARS].strip()
    number = ""
    if match := _NUMBER.fullmatch(text):
        number = f"{match[1].upper()}-{match[2]}-{match[3]}"
    compact = _PHONE_SEPARATORS.sub("", text)
    if len(compact) >= 7 and compact.isascii() and compact.isdigit():
        national = _national(compact)
        phones = tuple(dict.fromkeys([text, compact, national]))
        return ParsedQuery(terms=((national, False),), phones=phones)
    terms: list[tuple[str, bool]] = []
    boosts: list[str] = []
    for kind, run in _runs(text):
        if kind == "word":
            if len(run) <= MAX_TERM_LENGTH:
                terms.append((run, False))
        elif len(run) == 1:
            terms.append((run, True))
        else:
            terms.extend((bigram, False) for bigram in _bigrams(run))
            boosts.extend(_jieba_words(run))
    terms = list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]
    boosts = [w for w in dict.fromkeys(boosts) if (w, False) not in terms][:MAX_QUERY_TERMS]
    alternatives: list[ParsedQuery] = []
    for variant in _synonym_variants(text, synonyms):
        alt = parse_query(variant)
        if alt.terms and alt.terms != tuple(terms) and alt not in alternatives:
            alternatives.append(alt)
    return ParsedQuery(
        terms=tuple(terms), boosts=tuple(boosts), number=number, alternatives=tuple(alternatives)
    )


def _synonym_variants(text: str, synonyms: Synonyms) -> list[str]:
    """`text` with each synonym it contains replaced by the other words of its group, one swap at a
    time and then all together, at most MAX_ALTERNATIVES variants."""
    variants: list[str] = []
    for group in synonyms:
        words = [normalize(w) for w in group if w]
        present = [w for w in words if w and w in text]
        if not present:
            continue
        for current in [*variants, text][:MAX_ALTERNATIVES]:
            for word in present:
                if word not in current:
                    continue
                for other in words:
                    if other != word:
                        variant = current.replace(word, other)
                        if variant != text and variant not in variants:
                            variants.append(variant)
    return variants[:MAX_ALTERNATIVES]


def parse_any(words: Sequence[str]) -> ParsedQuery:
    """A query matching rows that hold any of `words` (e.g. the key words of a customer's message)."""
    parts = [p for p in (parse_query(w) for w in words[:MAX_ALTERNATIVES] if w and w.strip()) if p.terms]
    if not parts:
        return ParsedQuery(terms=())
    return ParsedQuery(terms=parts[0].terms, boosts=parts[0].boosts, alternatives=tuple(parts[1:]))


# Where the synonym table lives is another app's business (kefu.knowledge registers a function
# returning the current groups): core only asks.
SYNONYM_SOURCE: Registry = Registry("search.synonym_source", default=lambda: ())


def synonym_groups() -> Synonyms:
    """The synonym groups to expand queries with; () when no source is registered."""
    return SYNONYM_SOURCE.get()()


def _fts5_match(parsed: ParsedQuery) -> str:
    """FTS5 MATCH expression: every term quoted (terms are letters and digits only, so a quoted term is
    always one literal token), required terms joined by AND, boosts as an always-true OR group."""

    def quoted(term: str, prefix: bool = False) -> str:
        return '"' + term.replace('"', '""') + '"' + ("*" if prefix else "")

    def one(p: ParsedQuery) -> str:
        parts = [quoted(term, prefix) for term, prefix in p.terms]
        if p.boosts:
            # (boost OR <first required term>) is true for every row that matches at all; bm25 still
            # scores the boost words, so rows holding the whole word rank higher.
            parts.append("(" + " OR ".join([*map(quoted, p.boosts), parts[0]]) + ")")
        return " AND ".join(parts)

    return _either(parsed, one, " OR ")


def _tsquery(parsed: ParsedQuery) -> str:
    """to_tsquery('simple', ...) text, built like `_fts5_match`."""

    def quoted(term: str, prefix: bool = False) -> str:
        return "'" + term.replace("'", "''").replace("\\", "\\\\") + "'" + (":*" if prefix else "")

    def one(p: ParsedQuery) -> str:
        parts = [quoted(term, prefix) for term, prefix in p.terms]
        if p.boosts:
            parts.append("(" + " | ".join([*map(quoted, p.boosts), parts[0]]) + ")")
        return " & ".join(parts)

    return _either(parsed, one, " | ")


def _either(parsed: ParsedQuery, one, joiner: str) -> str:
    """The expression of `parsed`, or of it and its alternatives joined by OR, each in brackets."""
    parts = [p for p in (parsed, *parsed.alternatives) if p.terms]
    if len(parts) == 1:
        return one(parts[0])
    return joiner.join(f"({one(p)})" for p in parts)


# --- storage: one definition per searchable table -------------------------------------------------


@dataclass(frozen=True)
class SearchIndex:
    """A table whose `column` holds terms from `tokenize`, and its index on each backend."""

    table: str
    column: str = "search_text"
    pk: str = "id"
    # PostgreSQL: a stored generated tsvector column to match and rank on. ts_rank otherwise parses
    # `column` again for every matching row (the GIN index finds rows, ranking reads them), which is
    # the cost of a query matching thousands of rows; the stored vector is parsed once, on write.
    vector_column: str = ""
    gin_name: str = ""  # PostgreSQL: the GIN index's name, `<table>_search_gin` unless given

    @property
    def fts_table(self) -> str:  # SQLite
        return f"{self.table}_fts"

    @property
    def triggers(self) -> tuple[str, str, str]:  # SQLite
        return (f"{self.fts_table}_ai", f"{self.fts_table}_ad", f"{self.fts_table}_au")

    @property
    def gin_index(self) -> str:  # PostgreSQL
        return self.gin_name or f"{self.table}_search_gin"


def _sqlite_install_sql(index: SearchIndex) -> list[str]:
    t, fts, col, pk = index.table, index.fts_table, index.column, index.pk
    ai, ad, au = index.triggers
    return [
        # External content: the terms live once, in the table; FTS5 keeps only the inverted index.
        # 'ascii' splits on spaces and ASCII punctuation only, which is all our terms need.
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({col}, content='{t}', content_rowid='{pk}', "
        f"tokenize='ascii')",
        f"CREATE TRIGGER IF NOT EXISTS {ai} AFTER INSERT ON {t} BEGIN "
        f"INSERT INTO {fts}(rowid, {col}) VALUES (new.{pk}, new.{col}); END",
        f"CREATE TRIGGER IF NOT EXISTS {ad} AFTER DELETE ON {t} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.{pk}, old.{col}); END",
        f"CREATE TRIGGER IF NOT EXISTS {au} AFTER UPDATE OF {col} ON {t} "
        f"WHEN old.{col} IS NOT new.{col} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.{pk}, old.{col}); "
        f"INSERT INTO {fts}(rowid, {col}) VALUES (new.{pk}, new.{col}); END",
    ]


def missing_index_parts(connection, index: SearchIndex) -> set[str]:
    """Names of the database objects of `index` that do not exist (the FTS table and its triggers on
    SQLite; the GIN index and the vector column, as `table.column`, on PostgreSQL)."""
    if connection.vendor == "sqlite":
        wanted, sql = {index.fts_table, *index.triggers}, "SELECT name FROM sqlite_master WHERE name IN ({})"
    elif connection.vendor == "postgresql":
        wanted, sql = {index.gin_index}, "SELECT indexname FROM pg_indexes WHERE indexname IN ({})"
    else:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(sql.format(", ".join(["%s"] * len(wanted))), sorted(wanted))
        missing = wanted - {row[0] for row in cursor.fetchall()}
        if connection.vendor == "postgresql" and index.vector_column:
            cursor.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s AND column_name = %s",
                [index.table, index.vector_column],
            )
            if cursor.fetchone() is None:
                missing.add(f"{index.table}.{index.vector_column}")
        return missing


def _pg_index_sql(index: SearchIndex) -> str:
    if index.vector_column:
        return (
            f"ALTER TABLE {index.table} ADD COLUMN IF NOT EXISTS {index.vector_column} tsvector "
            f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {index.column})) STORED; "
            f"CREATE INDEX IF NOT EXISTS {index.gin_index} ON {index.table} USING gin ({index.vector_column})"
        )
    # Queries must repeat this expression exactly (see _pg_vector) for the planner to use the index.
    return (
        f"CREATE INDEX IF NOT EXISTS {index.gin_index} ON {index.table} "
        f"USING gin (to_tsvector('simple'::regconfig, {index.column}))"
    )


def install_search_index(connection, index: SearchIndex) -> None:
    """Create the database side of `index` (idempotent) and, on SQLite, fill the FTS table."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for sql in _sqlite_install_sql(index):
                cursor.execute(sql)
        rebuild_search_index(connection, index)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_pg_index_sql(index))


def uninstall_search_index(connection, index: SearchIndex) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for trigger in index.triggers:
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            cursor.execute(f"DROP TABLE IF EXISTS {index.fts_table}")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {index.gin_index}")
            if index.vector_column:
                cursor.execute(f"ALTER TABLE {index.table} DROP COLUMN IF EXISTS {index.vector_column}")


def rebuild_search_index(connection, index: SearchIndex) -> None:
    """SQLite: re-read every row's terms into the FTS table. PostgreSQL keeps its index itself."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {index.fts_table}({index.fts_table}) VALUES ('rebuild')")


def ensure_search_index(using: str, index: SearchIndex) -> bool:
    """Put back whatever part of the index is missing; True when something was repaired.

    Needed on SQLite: when a later migration alters the table, Django's SQLite schema editor copies it
    into a new table and drops the old one, and its triggers with it. The FTS table would silently go
    stale, so after such a migration the triggers are recreated and the FTS table rebuilt (safe to run
    after every `migrate`).
    """
    connection = connections[using]
    if not missing_index_parts(connection, index):
        return False
    install_search_index(connection, index)
    return True


def ensure_search_index_after_migrate(sender=None, using: str = "default", **kwargs) -> None:
    """post_migrate receiver: `ensure_search_index` for every registered index whose installing
    migration is applied.

    Connected in CoreConfig.ready(): `post_migrate.connect(ensure_search_index_after_migrate, sender=self)`.
    """
    from django.db.migrations.recorder import MigrationRecorder

    applied = MigrationRecorder(connections[using]).applied_migrations()
    for registered in INDEXES.values():
        if registered.migration in applied:
            ensure_search_index(using, registered.index)


@dataclass(frozen=True)
class Registered:
    """A searchable table known to `kefu_reindex` and the post-migrate repair."""

    name: str  # what kefu_reindex prints ("work orders", "articles")
    index: SearchIndex
    reindex: object  # callable(model=None, *, batch_size=..., only_empty=...) -> (seen, changed)
    migration: tuple[str, str]  # (app label, migration name) that installs the index


#: Every searchable table, by table name; each app registers its own from AppConfig.ready():
#: `INDEXES.register(Registered(...), key=index.table)`.
INDEXES: Registry[Registered] = Registry("search.indexes")


def reindex_rows(model, document, fields: Sequence[str], *, batch_size: int = 2000, only_empty: bool = False,
                 column: str = "search_text") -> tuple[int, int]:  # fmt: skip
    """Recompute `column` = document(row) for every row of `model` in primary-key batches;
    (rows seen, rows changed).

    Batches are read by primary key ranges rather than one long cursor, so writes between reads are
    safe on SQLite and nothing holds a server-side cursor open on PostgreSQL. `model` may be the
    historical model in a migration.
    """
    rows = model._default_manager.order_by("pk").only(*fields, column)
    if only_empty:
        rows = rows.filter(**{column: ""})
    seen = changed = 0
    last_pk = None
    while True:
        batch = list((rows.filter(pk__gt=last_pk) if last_pk is not None else rows)[:batch_size])
        if not batch:
            return seen, changed
        dirty = []
        for row in batch:
            text = document(row)
            if text != getattr(row, column):
                setattr(row, column, text)
                dirty.append(row)
        if dirty:
            model._default_manager.bulk_update(dirty, [column])
        seen += len(batch)
        changed += len(dirty)
        last_pk = batch[-1].pk


# --- search ---------------------------------------------------------------------------------------


# Candidates are read from the newest id down, one id window at a time. The first, FIRST_WINDOW ids
# per candidate wanted (1,002 ids for a search's 501), measures how dense the matches are; the next
# is sized from that density (a quarter more than it predicts, and at least as many ids as were read
# so far while that is read along the key), or is the rest of the table when the first held none.
# A word in a tenth of the rows is done after two windows of a few thousand ids each, reading only
# their rows; a rare word, a phone or a number in one index lookup after the first.
FIRST_WINDOW = 2
# PostgreSQL reads a window one of two ways. Along the primary key (`_planner`) it costs the
# window's rows, about 0.5 µs each; through the GIN index it costs every match of the whole table
# (the id range is checked only on the rows fetched), about 3 µs each. So a window is read along
# the key when it is narrower than ORDERED_PER_MATCH times the table's matches (estimated from the
# first window, counted without the caller's filters, which the index does not apply either), and
# always when it is at most ORDERED_WINDOW ids.
ORDERED_WINDOW = 100_000
ORDERED_PER_MATCH = 5


class _Fts5Score(Expression):
    """SQLite: a row's -bm25 score (higher is better), NULL when the row does not match.

    The hits are computed once per statement (a MATERIALIZED CTE) and looked up per row; a plain
    correlated `MATCH ... AND rowid = x` would recompute bm25's statistics for every row, quadratic
    in the number of hits. `min_rowid` limits the scored hits to the candidates' id range (FTS5
    seeks there in its doclists), so a bounded search scores about as many rows as it ranks.
    """

    output_field = FloatField()

    def __init__(self, index: SearchIndex, match: str, pk=None, min_rowid: int | None = None):
        super().__init__()
        self.index, self.match, self.min_rowid = index, match, min_rowid
        self.pk = pk if pk is not None else F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, exprs):
        (self.pk,) = exprs

    def as_sql(self, compiler, connection):
        pk_sql, pk_params = compiler.compile(self.pk)
        fts = connection.ops.quote_name(self.index.fts_table)
        materialized = "MATERIALIZED " if connection.Database.sqlite_version_info >= (3, 35) else ""
        since, since_params = ("", ()) if self.min_rowid is None else (" AND rowid >= %s", (self.min_rowid,))
        sql = (
            f"(WITH kefu_search_hits AS {materialized}(SELECT rowid AS hit_id, -bm25({fts}) AS hit_score "
            f"FROM {fts} WHERE {fts} MATCH %s{since}) "
            f"SELECT hit_score FROM kefu_search_hits WHERE hit_id = {pk_sql})"
        )
        return sql, (self.match, *since_params, *pk_params)


def _pg_vector(index: SearchIndex):
    if index.vector_column:  # not a model field: the ORM never writes it, PostgreSQL computes it
        return RawSQL(f'"{index.table}"."{index.vector_column}"', ())
    return Func(F(index.column), template="to_tsvector('simple'::regconfig, %(expressions)s)")


def _vendor(queryset: QuerySet) -> str:
    vendor = connections[queryset.db].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"Full-text search supports SQLite and PostgreSQL, not {vendor}.")
    return vendor


def _match(
    queryset: QuerySet, parsed: ParsedQuery, index: SearchIndex, ids: tuple[int, int] | None = None
) -> Q:
    """The full-text condition of `parsed`; with `ids` = (lo, hi), only rows with lo < id <= hi."""
    if _vendor(queryset) == "sqlite":
        fts = connections[queryset.db].ops.quote_name(index.fts_table)
        if ids is None:
            return Q(pk__in=RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", (_fts5_match(parsed),)))
        # The range inside the FTS query: FTS5 seeks to it in its doclists instead of reading them whole.
        sql = f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s AND rowid > %s AND rowid <= %s"
        return Q(pk__in=RawSQL(sql, (_fts5_match(parsed), *ids)))
    condition = Func(_pg_vector(index), _pg_tsquery(parsed), template="%(expressions)s", arg_joiner=" @@ ",
                     output_field=BooleanField())  # fmt: skip
    if ids is None:
        return Q(condition)
    return Q(condition, pk__gt=ids[0], pk__lte=ids[1])


def _pg_tsquery(parsed: ParsedQuery):
    return Func(Value(_tsquery(parsed)), template="to_tsquery('simple'::regconfig, %(expressions)s)")


def _score(queryset: QuerySet, parsed: ParsedQuery, index: SearchIndex, min_id: int | None = None):
    """The full-text score of a row (0 when it does not match); on SQLite only rows from `min_id` on
    are scored (the others get 0)."""
    if _vendor(queryset) == "sqlite":
        return Coalesce(_Fts5Score(index, _fts5_match(parsed), min_rowid=min_id), Value(0.0))
    return Func(_pg_vector(index), _pg_tsquery(parsed), function="ts_rank", output_field=FloatField())


def newest_matches(queryset: QuerySet, parsed: ParsedQuery, *, index: SearchIndex, limit: int) -> list[int]:
    """Ids of the newest (highest id) rows of `queryset` matching `parsed`, at most `limit`.

    Read window by window from the newest id down (see FIRST_WINDOW), so a word matching a tenth of
    the table costs the rows of one window, not a tenth of the table; the caller's filters
    (permissions) apply inside each window.
    """
    bounds = _id_bounds(queryset) if limit > 0 else None
    if bounds is None:
        return []
    oldest, newest = bounds
    hi = newest
    window, ids, ordered_up_to = FIRST_WINDOW * limit, [], ORDERED_WINDOW
    first: tuple[int, int] | None = None  # the first window, when the table's matches are still unknown
    statement = _WindowStatement(queryset, parsed, index)
    with _planner(queryset.db) as along_key:
        while hi >= oldest and len(ids) < limit:
            lo = max(hi - window, oldest - 1)
            if hi - lo > ordered_up_to and first is not None:
                # Only a window this wide needs the table's matches to choose its path (their
                # estimate only ever widens `ordered_up_to`), so they are counted only then.
                along_key(True)
                in_table = _matches_in_table(queryset, parsed, index, first, newest - oldest + 1)
                ordered_up_to, first = max(ORDERED_WINDOW, ORDERED_PER_MATCH * in_table), None
            along_key(hi - lo <= ordered_up_to)
            ids.extend(dict.fromkeys(statement.ids(lo, hi, limit - len(ids))))
            if hi == newest and _vendor(queryset) == "postgresql":
                first = (lo, hi)
            hi = lo
            if ids:  # matches per id so far predict the window that holds the rest
                window = max(1, int((limit - len(ids)) * (newest - hi) / len(ids) * 1.25))
                # Along the key a window costs only the rows up to its last wanted match (the LIMIT
                # stops the scan), so a wider one is free there, and the prediction falls short
                # again and again when the first window was denser than the rest: read at least
                # as many ids again as so far, as long as that stays along the key.
                window = max(window, min(newest - hi, ordered_up_to))
            else:  # sparse: the rest of the table at once, through the index
                window = hi - oldest + 1
    return ids


def _id_bounds(queryset: QuerySet) -> tuple[int, int] | None:
    """(lowest, highest) primary key of the whole table, in one statement; None when it is empty.
    Two subqueries, not MIN() and MAX() side by side: SQLite reads only one end of the index per
    aggregate, and scans the whole table for the pair."""
    connection = connections[queryset.db]
    qn = connection.ops.quote_name
    table, pk = qn(queryset.model._meta.db_table), qn(queryset.model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT MIN({pk}) FROM {table}), (SELECT MAX({pk}) FROM {table})")
        oldest, newest = cursor.fetchone()
    return None if newest is None else (oldest, newest)


# The bounds a window's statement is compiled with, each then replaced by a window's own: no primary
# key is negative, and both fit a 32-bit column (Django leaves a comparison with a number out of its
# column's range out of the statement).
_PLACEHOLDER_BOUNDS = (-2_000_000_002, -2_000_000_001)


class _WindowStatement:
    """The statement reading one window's candidates (lo < id <= hi, newest first, at most n),
    compiled once per search: the caller's filters and the match make it the same statement for
    every window but for its bounds and LIMIT, and building it with the ORM cost more than running
    it. Should the placeholders not come out as two parameters, each window is built by the ORM."""

    def __init__(self, queryset: QuerySet, parsed: ParsedQuery, index: SearchIndex):
        self.queryset, self.parsed, self.index = queryset, parsed, index
        self.sql, self.params, self.at = None, [], (-1, -1)
        self.empty = False
        rows = self._rows(_PLACEHOLDER_BOUNDS)
        try:
            sql, params = rows.query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:  # the caller's filters admit no row (an inactive person's list)
            self.empty = True
            return
        lo_at = [i for i, p in enumerate(params) if p == _PLACEHOLDER_BOUNDS[0]]
        hi_at = [i for i, p in enumerate(params) if p == _PLACEHOLDER_BOUNDS[1]]
        if len(lo_at) == 1 and len(hi_at) == 1:
            self.sql, self.params, self.at = f"{sql} LIMIT %s", [*params, None], (lo_at[0], hi_at[0])

    def _rows(self, bounds: tuple[int, int]) -> QuerySet:
        queryset = self.queryset
        rows = queryset.filter(_match(queryset, self.parsed, self.index, bounds)).order_by("-pk")
        return rows.values_list("pk", flat=True)

    def ids(self, lo: int, hi: int, n: int) -> list[int]:
        if self.empty:
            return []
        if self.sql is None:
            return list(self._rows((lo, hi))[:n])
        params = list(self.params)
        params[self.at[0]], params[self.at[1]], params[-1] = lo, hi, n
        with connections[self.queryset.db].cursor() as cursor:
            cursor.execute(self.sql, params)
            return [row[0] for row in cursor.fetchall()]


def _matches_in_table(
    queryset: QuerySet, parsed: ParsedQuery, index: SearchIndex, window: tuple[int, int], span: int
) -> int:
    """The table's matches of `parsed`, all rows counted (not only the caller's), estimated from the
    window (lo, hi] already read, one more look at its rows, over the `span` ids of the table."""
    everyone = queryset.model._default_manager.using(queryset.db)
    in_window = everyone.filter(_match(everyone, parsed, index, window)).order_by()
    found = len(in_window.values_list("pk", flat=True))
    return found * span // max(window[1] - window[0], 1)


@contextmanager
def _planner(using: str):
    """A function `along_key(wanted)`: on PostgreSQL, the statements that follow read along the
    primary key (wanted) or as the planner likes, not from a bitmap.

    The planner multiplies the frequencies of a query's terms as if they were independent; words that
    go together (快递 物流信息: 4 bigrams in 4% of the rows) are estimated at a few rows, and it then
    reads every match of the whole table through the GIN index before keeping the window's. Read in
    id order, a window costs its own rows at most (about 0.5 µs each), which the window size bounds.
    So bitmap scans are turned off for those statements: once before the first of them and back
    when a window wants the index or the reading ends, not around each window (two statements more
    per window). The previous setting is put back at the end (when a statement fails inside a
    transaction, its rollback undoes the SET as well).
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield lambda wanted: None
        return
    previous: str | None = None  # the setting to put back, while bitmap scans are off

    def along_key(wanted: bool) -> None:
        nonlocal previous
        if wanted == (previous is not None):
            return
        with connection.cursor() as cursor:
            if wanted:
                cursor.execute(
                    "SELECT current_setting('enable_bitmapscan'), set_config('enable_bitmapscan', 'off', false)"
                )
                previous = cursor.fetchone()[0]
            else:
                cursor.execute("SELECT set_config('enable_bitmapscan', %s, false)", [previous])
                previous = None

    try:
        yield along_key
    finally:
        if previous is not None and not connection.needs_rollback and not _in_failed_transaction(connection):
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('enable_bitmapscan', %s, false)", [previous])


def _in_failed_transaction(connection) -> bool:
    import psycopg

    status = connection.connection.info.transaction_status if connection.connection else None
    return status == psycopg.pq.TransactionStatus.INERROR


def search_queryset(
    queryset: QuerySet,
    parsed: ParsedQuery,
    *,
    index: SearchIndex,
    exact: Sequence[tuple[Q, float]] = (),
    order: tuple[str, ...] = ("-pk",),
    boosts: Sequence[tuple[Q, float]] = (),
    candidates: int | None = None,
) -> QuerySet:
    """Rows of `queryset` matching `parsed` or any `exact` condition, best first.

    The result is `queryset` narrowed (its filters stay), annotated with `search_rank` and ordered by
    it: full-text score plus the weight of each exact condition the row meets, then by `order`.
    `boosts` only add their weight to rows that match anyway: unlike `exact` they never widen the
    match, so an unindexed condition (a title LIKE) does not turn the index lookup into a scan.

    `candidates`: rank only the newest `candidates` + 1 full-text matches and the newest
    `candidates` rows meeting an exact condition (their ids are read at once, in a few indexed
    queries; see `newest_matches`). The extra row lets a capped count (`count_capped(qs, candidates)`)
    say "more than `candidates`". Without it every match is ranked, which costs a read of each.
    """
    if candidates is not None:
        return _search_candidates(queryset, parsed, index=index, exact=exact, order=order, boosts=boosts,
                                  candidates=candidates)  # fmt: skip
    conditions: list[Q] = []
    score = Value(0.0, output_field=FloatField())
    if parsed.searchable:
        conditions.append(_match(queryset, parsed, index))
        score = _score(queryset, parsed, index)
    conditions.extend(condition for condition, _weight in exact)
    if not conditions:
        return queryset.none()
    return _ranked(queryset.filter(reduce(or_, conditions)), score, [*exact, *boosts], order)


def _ranked(
    queryset: QuerySet, score, weights: Sequence[tuple[Q, float]], order: tuple[str, ...]
) -> QuerySet:
    for condition, weight in weights:
        score = score + Case(
            When(condition, then=Value(weight)), default=Value(0.0), output_field=FloatField()
        )
    return queryset.annotate(search_rank=score).order_by("-search_rank", *order)


def _search_candidates(queryset, parsed, *, index, exact, order, boosts, candidates: int) -> QuerySet:
    text_ids = (
        newest_matches(queryset, parsed, index=index, limit=candidates + 1) if parsed.searchable else []
    )
    exact_ids: list[int] = []
    if exact:
        rows = queryset.filter(reduce(or_, [condition for condition, _weight in exact])).order_by("-pk")
        exact_ids = list(rows.values_list("pk", flat=True)[:candidates])
    ids = list(dict.fromkeys([*exact_ids, *text_ids]))
    if not ids:
        return queryset.none()
    score = Value(0.0, output_field=FloatField())
    if text_ids:
        score = _score(queryset, parsed, index, min_id=min(text_ids))
    results = _ranked(queryset.filter(pk_in(queryset, ids)), score, [*exact, *boosts], order)
    if not _joins(queryset):  # a join could list a row twice, and the database would count it so
        results._search_candidate_count = len(ids)
    return results


def _joins(queryset: QuerySet) -> bool:
    """Whether `queryset`'s filters join another table (joins Django set up and then trimmed, as
    for `owner=user`, are not counted: they are not in the statement)."""
    query = queryset.query
    return any(n for alias, n in query.alias_refcount.items() if alias != query.base_table)


def candidate_count(results: QuerySet) -> int | None:
    """How many rows `results` holds, when it is exactly what a bounded search (`search_queryset`
    with `candidates`) returned; None for any other queryset, a filtered or sliced copy of one
    included (a copy does not keep the attribute). Every candidate was read through the caller's
    filters, so this is the count the database would give, without another statement."""
    return getattr(results, "_search_candidate_count", None)


# --- display --------------------------------------------------------------------------------------


# A long text is read a piece at a time, each cut where a character stands between runs, until the
# pieces read reach past the part of it `highlight` shows: the rest of a long email is never read.
SCAN_PIECE = 2000


@lru_cache(maxsize=65536)
def _normalized_char(ch: str) -> str:
    return normalize(ch)


def _match_spans(text: str, parsed: ParsedQuery, width: int | None = None) -> list[tuple[int, int]]:
    """Merged (start, end) spans of `text` holding a query term, in `text`'s own positions; with
    `width`, only those starting before the end of the `width` characters `highlight` shows around
    the first one."""
    needles = {term for term, _prefix in parsed.all_terms()}
    spans: list[tuple[int, int]] = []
    pos, stop = 0, len(text)
    while pos < stop:
        cut = _piece_end(text, pos + SCAN_PIECE)
        found = _spans_in(text, pos, cut, needles)
        if found and not spans and width is not None:
            anchor = min(s for s, _e in found)
            stop = min(stop, max(0, min(anchor - width // 4, len(text) - width)) + width)
        spans.extend(found)
        pos = cut
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def _piece_end(text: str, at: int) -> int:
    """The first position from `at` on where no run goes on (a space, punctuation), or the end."""
    while at < len(text) and _RUN.search(_normalized_char(text[at])):
        at += 1
    return min(at, len(text))


def _spans_in(text: str, begin: int, end: int, needles: set[str]) -> list[tuple[int, int]]:
    """Spans of query terms in text[begin:end], which no run crosses; positions in `text`."""
    piece = text[begin:end]
    if piece.isascii():  # NFKC leaves ASCII as it is; lower() keeps it one character per character
        norm, origin = piece.lower(), range(begin, end)
    else:
        normalized: list[str] = []
        origin = []  # position in `text` of each normalized character
        for i, ch in enumerate(piece, begin):
            for n in _normalized_char(ch):
                normalized.append(n)
                origin.append(i)
        norm = "".join(normalized)
    spans = []
    for match in _RUN.finditer(norm):
        run, start = match.group(), match.start()
        if match.group(1):  # CJK: bigrams and single characters may stand anywhere in the run
            for needle in needles:
                at = run.find(needle)
                while needle and at >= 0:
                    spans.append((start + at, start + at + len(needle)))
                    at = run.find(needle, at + 1)
        elif run in needles:  # letters and digits match whole runs, as in the index
            spans.append((start, match.end()))
    return [(origin[s], origin[e - 1] + 1) for s, e in spans]


def highlight(text: str, query: "str | ParsedQuery", width: int = 80) -> SafeString:
    """About `width` characters of `text` around the first match, HTML-escaped, with each matched
    term wrapped in <mark>; "…" marks a cut. Safe to put in a template as it is. `query` is the
    user's text or an already parsed query (with its synonyms): pass the parsed query when marking
    many texts, as parsing the text reads the synonym table again (a cache round trip) each time."""
    text = text or ""
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query or "", synonym_groups())
    spans = _match_spans(text, parsed, width) if parsed.searchable else []
    start, end = 0, len(text)
    if len(text) > width:
        anchor = spans[0][0] if spans else 0
        start = max(0, min(anchor - width // 4, len(text) - width))
        end = start + width
    out = ["…"] if start > 0 else []
    pos = start
    for s, e in spans:
        s, e = max(s, pos), min(e, end)
        if s >= e:
            continue
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return mark_safe("".join(out))
