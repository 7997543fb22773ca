"""Full-text search of work orders (kefu.tickets.search over the engine in kefu.core.search), on whichever
database the suite runs."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.core import search
from kefu.core.search import (
    ensure_search_index,
    ensure_search_index_after_migrate,
    highlight,
    missing_index_parts,
    tokenize,
)
from kefu.tickets.models import Ticket
from kefu.tickets.search import TICKETS, document_text, index_ticket, search_tickets
from kefu.tickets.selectors import count_capped

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
_seq = iter(range(1, 10_000))


def make_ticket(title: str, content: str = "", *, number: str = "", minutes: int = 0, **fields) -> Ticket:
    """A work order saved the way the services save one: search_text computed before the save."""
    when = NOW + timedelta(minutes=minutes)
    ticket = Ticket(
        number=number or f"TS-20261122-{next(_seq):04d}",
        ticket_type="complaint",
        channel="phone",
        title=title,
        content=content or title,
        created_at=when,
        updated_at=when,
        **fields,
    )
    ticket.search_text = document_text(ticket)
    ticket.save()
    return ticket


def found(query: str, queryset=None) -> list[Ticket]:
    return list(search_tickets(Ticket.objects.all() if queryset is None else queryset, query))


def test_a_two_character_word_inside_a_longer_phrase_is_found():
    refund = make_ticket("我要申请退款")
    make_ticket("门店服务态度差")

    assert found("退款") == [refund]


def test_kuaidi_finds_the_courier_who_did_not_deliver():
    # jieba cuts 快递员 here as 快递/员, and 快递员没有 as whatever it likes: the bigrams still hold 快递.
    courier = make_ticket("快递员没有送货上门")
    make_ticket("商品质量问题")

    assert found("快递") == [courier]
    assert found("送货上门") == [courier]
    assert found("快递员") == [courier]


def test_a_word_split_differently_by_jieba_in_the_query_is_still_found():
    failed = make_ticket("申请退款失败", "我在APP上申请退款失败了三次")

    assert found("请退款") == [failed]
    assert found("退款失败") == [failed]


def test_a_single_character_is_found_anywhere_in_a_phrase():
    courier = make_ticket("快递员没有送货上门")

    assert found("门") == [courier]  # the last character of the phrase
    assert found("货") == [courier]  # a character in the middle


def test_words_that_are_not_all_in_the_ticket_do_not_match():
    make_ticket("快递员没有送货上门")

    assert found("快递 退款") == []
    assert found("北京大学") == []


def test_the_better_match_ranks_first():
    weak = make_ticket(
        "商品咨询",
        "想问一下这款洗衣机的保修期是多久，安装是否收费，另外如果不满意能否退款，谢谢。",
        minutes=5,
    )
    strong = make_ticket("申请退款", "退款申请提交一周了，退款还没有到账", minutes=0)

    results = found("退款")

    assert results == [strong, weak]  # although `weak` is newer
    assert results[0].search_rank > results[1].search_rank


def test_search_keeps_the_callers_filters():
    visible = make_ticket("我要申请退款")
    hidden = make_ticket("退款不到账", customer_name="李四")

    results = search_tickets(Ticket.objects.exclude(pk=hidden.pk), "退款")

    assert list(results) == [visible]
    assert results.count() == 1
    assert list(search_tickets(Ticket.objects.filter(customer_name="李四"), "退款")) == [hidden]


def test_search_results_compose_with_pagination_and_related_rows():
    for i in range(12):
        make_ticket(f"退款问题{i}", minutes=i)
    make_ticket("表扬客服小王")

    page = Paginator(search_tickets(Ticket.objects.select_related("owner", "category"), "退款"), 5).page(3)

    assert page.paginator.count == 12
    assert len(page.object_list) == 2


def test_limit_keeps_the_best_matches():
    for i in range(4):
        make_ticket(f"退款{i}", minutes=i)

    assert len(list(search_tickets(Ticket.objects.all(), "退款", limit=2))) == 2


def test_full_width_query_matches_half_width_text_and_back():
    phone = make_ticket("iPhone13屏幕坏了")
    vip = make_ticket("ＶＩＰ会员积分１２０００分没有到账")

    assert found("ｉＰｈｏｎｅ１３") == [phone]
    assert found("IPHONE 13") == [phone]
    assert found("vip 12000") == [vip]


def test_ticket_number_is_found_whole_and_ranks_first():
    wanted = make_ticket("退款", number="TS-20261122-0042")
    make_ticket("另一张工单，提到 20261122 这一天和 0042 号柜台", number="TS-20261122-0043")

    for query in (
        "TS-20261122-0042",
        "ts-20261122-0042",
        "ＴＳ－２０２６１１２２－００４２",
        "TS202611220042",
    ):
        assert found(query)[0] == wanted, query


def test_phone_number_is_found_by_its_digits_and_its_last_four():
    caller = make_ticket("投诉停车收费", customer_phone="138-0013-8000")
    make_ticket("咨询营业时间", customer_phone="13900139000")

    for query in (
        "13800138000",
        "138-0013-8000",
        "138 0013 8000",
        "+86 138 0013 8000",
        "8000",
        "１３８００１３８０００",
    ):
        assert found(query) == [caller], query


def test_phone_number_matches_customer_phone_even_before_indexing():
    # A row written around the services (an import) has no terms yet; its phone still finds it.
    now = NOW
    raw = Ticket.objects.create(
        number="ZX-20261122-0001",
        ticket_type="consultation",
        channel="phone",
        title="咨询",
        content="咨询",
        customer_phone="13700137000",
        created_at=now,
        updated_at=now,
    )

    assert found("13700137000") == [raw]


@pytest.mark.parametrize(
    ("query", "finds_refund"),
    [
        ('"退款 OR (', True),  # quotes, brackets and OR only separate or are dropped
        ("退款 AND NOT", True),
        ("NEAR(退款 投诉, 2)", False),  # near, 投诉 and 2 are required words too
        ('"', False),
        ("'", False),
        ("\\", False),
        ('退款"*', True),
        ("*", False),
        ("a:* & !b | (c", False),
        ("^退款", True),
        ("col:退款", False),  # col is a required word
        ("-- ; DROP TABLE tickets_ticket", False),
        ("%_%", False),
        ("\x00退款", True),
        ("😀👍", False),
        ("退款" * 2000, False),  # cut to 200 characters: 款退 is required and not in the text
        ("x" * 5000, False),  # a term longer than MAX_TERM_LENGTH is noise, not a word
        ("１２３" * 100, False),
    ],
)
def test_hostile_queries_match_as_plain_words(query, finds_refund):
    refund = make_ticket("我要申请退款")
    make_ticket("门店服务态度差 x 123")

    results = search_tickets(Ticket.objects.all(), query)

    assert list(results) == ([refund] if finds_refund else [])
    assert results.count() == (1 if finds_refund else 0)


def test_search_operators_typed_by_habit_are_ignored():
    refund = make_ticket("我要申请退款")

    assert found('"退款 OR (') == [refund]


def test_a_blank_query_returns_the_queryset_unchanged_and_punctuation_matches_nothing():
    make_ticket("我要申请退款")
    queryset = Ticket.objects.filter(ticket_type="complaint")

    assert search_tickets(queryset, "   ") is queryset
    assert search_tickets(queryset, "") is queryset
    assert list(search_tickets(queryset, "，。！？")) == []


def test_an_edited_ticket_is_found_by_its_new_words_only():
    ticket = make_ticket("快递员没有送货上门")

    ticket.title = ticket.content = "空调不制冷"
    index_ticket(ticket)

    assert found("快递") == []
    assert found("制冷") == [ticket]
    assert Ticket.objects.get(pk=ticket.pk).search_text == document_text(ticket)


def test_a_deleted_ticket_leaves_the_index():
    ticket = make_ticket("我要申请退款")
    other = make_ticket("退款不到账")

    ticket.delete()

    assert found("退款") == [other]


def test_document_text_holds_number_phone_and_fields():
    ticket = Ticket(
        number="TS-20261122-0001",
        title="投诉",
        content="内容",
        customer_name="王小明",
        customer_phone="+86 138-0013-8000",
        customer_email="Wang.XM@Example.com",
        location="B1层",
        subject_product="电饭煲",
    )

    terms = document_text(ticket).split()

    assert {
        "ts",
        "20261122",
        "0001",
        "13800138000",
        "8000",
        "王小",
        "小明",
        "wang",
        "example",
        "b",
        "1",
    } - set(terms) == set()
    assert {"电饭", "饭煲"} <= set(terms)


def test_tokenize_normalizes_and_drops_punctuation():
    assert tokenize("ＡＢＣ，１２３！") == ["abc", "123"]
    assert tokenize("  ——  ") == []
    assert "退款" in tokenize("我要申请退款")


def test_highlight_escapes_html_and_marks_terms():
    snippet = highlight('<script>alert("x")</script>我要申请退款 & 快递', "退款 快递")

    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "&amp;" in snippet
    assert "<mark>退款</mark>" in snippet
    assert "<mark>快递</mark>" in snippet


def test_highlight_cuts_a_window_around_the_first_match():
    text = "前言" * 100 + "我要申请退款" + "后记" * 100

    snippet = highlight(text, "退款", width=40)

    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>退款</mark>" in snippet
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) <= 42


def test_highlight_marks_full_width_text_for_a_half_width_query():
    assert highlight("型号ＡＢＣ１２３坏了", "abc") == "型号<mark>ＡＢＣ</mark>１２３坏了"


def _spans_of_the_whole_text(text: str, parsed) -> list[tuple[int, int]]:
    """Where the terms stand, the plain way: every character normalized, the whole text read."""
    normalized, origin = [], []
    for i, ch in enumerate(text):
        for n in search.normalize(ch):
            normalized.append(n)
            origin.append(i)
    norm = "".join(normalized)
    needles = {term for term, _prefix in parsed.all_terms()}
    spans = []
    for match in search._RUN.finditer(norm):
        if match.group(1):
            for needle in needles:
                spans += [(match.start() + i, match.start() + i + len(needle))
                          for i in range(len(match.group())) if match.group().startswith(needle, i)]  # fmt: skip
        elif match.group() in needles:
            spans.append(match.span())
    merged = []
    for s, e in sorted((origin[s], origin[e - 1] + 1) for s, e in spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


_PIECES = st.sampled_from(["退款", "快递", "申请", "到账", "款", "ＡＢＣ", "abc", "iphone", "13", "１３", "，", "。",
                           " ", "<b>", "&", "ﬁ", "①", "退", "钱", "没有", "x"])  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_PIECES, max_size=60), query=st.sampled_from(["退款", "快递 abc", "款", "13", "退款 到账", "ﬁ"]),
       width=st.integers(4, 30), piece=st.integers(1, 12))  # fmt: skip
def test_highlight_reads_a_long_text_piece_by_piece_and_marks_it_as_the_whole(
    monkeypatch, pieces, query, width, piece
):
    """Pieces of text read until what is shown is covered mark exactly what reading all of it would."""
    monkeypatch.setattr(search, "SCAN_PIECE", piece)
    text = "".join(pieces)
    parsed = search.parse_query(query)
    whole = _spans_of_the_whole_text(text, parsed)
    shown_up_to = len(text)
    if whole and len(text) > width:
        shown_up_to = max(0, min(whole[0][0] - width // 4, len(text) - width)) + width

    assert [s for s in search._match_spans(text, parsed, width) if s[0] < shown_up_to] == [
        s for s in whole if s[0] < shown_up_to
    ]
    assert search._match_spans(text, parsed) == whole


def test_highlight_stops_reading_a_long_text_past_what_it_shows(monkeypatch):
    read = []
    spans_in = search._spans_in
    monkeypatch.setattr(
        search, "_spans_in", lambda text, b, e, needles: read.append(e - b) or spans_in(text, b, e, needles)
    )
    text = (
        "客户来电说申请退款还没有到账。" + "其他情况一切正常，没有别的问题。" * 2000
    )  # about 32,000 characters

    snippet = highlight(text, search.parse_query("退款"), width=40)

    assert snippet.startswith("客户来电说申请<mark>退款</mark>还没有到账。") and snippet.endswith("…")
    assert sum(read) < 2 * search.SCAN_PIECE


def test_reindex_command_rebuilds_stale_search_text():
    refund = make_ticket("我要申请退款")
    courier = make_ticket("快递员没有送货上门")
    Ticket.objects.update(search_text="")  # e.g. rows imported around the services
    assert found("退款") == []

    out = StringIO()
    call_command("kefu_reindex", "--batch-size", "1", stdout=out)

    assert "Reindexed 2 work orders (2 changed)" in out.getvalue()
    assert found("退款") == [refund]
    assert found("快递") == [courier]


def test_the_index_is_complete_after_all_migrations():
    # On SQLite a later migration that alters tickets_ticket makes Django's schema editor copy the
    # table and drop its triggers; post_migrate must then run ensure_search_index_after_migrate.
    assert missing_index_parts(connection, TICKETS) == set()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 triggers exist on SQLite only")
def test_lost_sqlite_triggers_are_put_back_and_the_index_rebuilt():
    # What Django's SQLite schema editor does to the triggers when a later migration remakes the table.
    with connection.cursor() as cursor:
        for trigger in TICKETS.triggers:
            cursor.execute(f"DROP TRIGGER {trigger}")
    refund = make_ticket("我要申请退款")  # not indexed: no trigger
    assert found("退款") == []

    ensure_search_index_after_migrate(sender=None, using=connection.alias)  # as after `migrate`

    assert missing_index_parts(connection, TICKETS) == set()
    assert found("退款") == [refund]
    assert ensure_search_index(connection.alias, TICKETS) is False
    courier = make_ticket("快递员没有送货上门")
    assert found("快递") == [courier]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL only")
def test_postgresql_search_matches_with_the_gin_index_and_ranks_the_stored_vector():
    make_ticket("我要申请退款")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    # The candidates are read window by window (an id range); the match itself goes through the index.
    match = search._match(Ticket.objects.all(), search.parse_query("退款"), TICKETS)
    plan = Ticket.objects.filter(match).explain()
    with CaptureQueriesContext(connection) as queries:
        assert len(found("退款")) == 1
    ranking = [q["sql"] for q in queries if "ts_rank" in q["sql"]]

    assert TICKETS.gin_index in plan
    assert ranking and all("to_tsvector" not in sql for sql in ranking)  # the stored vector, not a re-parse


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored vector exists on PostgreSQL only")
def test_the_stored_vector_follows_inserts_and_updates_written_around_the_orm():
    ticket = make_ticket("我要申请退款")

    def vector_matches(term: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT search_vector @@ to_tsquery('simple', %s) FROM tickets_ticket WHERE id = %s",
                [term, ticket.pk],
            )
            return cursor.fetchone()[0]

    assert vector_matches("退款")
    with connection.cursor() as cursor:  # as a raw-SQL writer or an import would
        cursor.execute("UPDATE tickets_ticket SET search_text = %s WHERE id = %s", ["快递 递员", ticket.pk])
    assert vector_matches("快递")
    assert not vector_matches("退款")
    assert found("快递") == [ticket]


def test_a_word_matching_more_rows_than_the_bound_ranks_the_best_of_the_newest():
    strong_old = make_ticket("退款退款", "退款申请退款没有到账，退款", minutes=0)
    make_ticket("商品咨询", "能否退款", minutes=1)
    strong_new = make_ticket("申请退款", "退款申请提交一周了，退款还没有到账", minutes=2)
    weak_newest = make_ticket("商品咨询", "洗衣机的保修期是多久，能否退款", minutes=3)

    results = list(search_tickets(Ticket.objects.all(), "退款", candidates=2))

    # The newest 2 (+1, so that a capped count can tell "more") are ranked; the oldest is left out.
    assert results[0] == strong_new
    assert weak_newest in results
    assert strong_old not in results
    assert results[0].search_rank > results[-1].search_rank
    assert count_capped(search_tickets(Ticket.objects.all(), "退款", candidates=2), 2) == (2, True)
    assert count_capped(search_tickets(Ticket.objects.all(), "退款", candidates=5), 5) == (4, False)
    assert list(search_tickets(Ticket.objects.all(), "退款", unbounded=True))[0] == strong_old


def test_the_bound_counts_only_rows_the_caller_may_see():
    visible = make_ticket("我要申请退款", minutes=0)
    hidden = [make_ticket("退款不到账", customer_name="李四", minutes=i) for i in range(1, 5)]

    results = search_tickets(Ticket.objects.exclude(customer_name="李四"), "退款", candidates=2)

    assert list(results) == [visible]  # older than every hidden match, found all the same
    assert hidden[-1] not in results


def test_an_exact_number_ranks_first_even_outside_the_newest_matches():
    wanted = make_ticket("退款 20261122", number="TS-20261122-0999", minutes=0)
    for i in range(1, 5):
        make_ticket(f"退款问题 20261122 0999 {i}", minutes=i)

    results = list(search_tickets(Ticket.objects.all(), "TS-20261122-0999", candidates=2))

    assert results[0] == wanted


def test_old_matches_are_found_through_wider_windows(monkeypatch):
    monkeypatch.setattr(search, "FIRST_WINDOW", 1)  # a first window of 5 ids for 5 wanted
    oldest = make_ticket("燃气灶打不着火", minutes=0)
    old = make_ticket("洗衣机不排水", minutes=0)
    for i in range(1, 12):
        make_ticket(f"表扬客服小王{i}", minutes=i)
    newest = make_ticket("洗衣机不排水了", minutes=20)

    assert set(found("洗衣机不排水")) == {newest, old}
    # Nothing in the first window: the next one is the rest of the table.
    assert search.newest_matches(
        Ticket.objects.all(), search.parse_query("燃气灶"), index=TICKETS, limit=1
    ) == [oldest.pk]
    assert set(search.newest_matches(Ticket.objects.all(), search.parse_query("排水"), index=TICKETS,
                                     limit=5)) == {old.pk, newest.pk}  # fmt: skip
    assert search.newest_matches(
        Ticket.objects.all(), search.parse_query("排水"), index=TICKETS, limit=1
    ) == [newest.pk]


def _windows_read_in_id_order(queries) -> int:
    """Full-text statements run while bitmap scans were off (the setting is turned off before the
    first window read along the key and back on only when a window wants the index, or at the end)."""
    along_key, count = False, 0
    for query in queries:
        sql = query["sql"]
        if "set_config('enable_bitmapscan', 'off'" in sql:
            along_key = True
        elif "set_config('enable_bitmapscan', 'on'" in sql:
            along_key = False
        elif "@@" in sql:
            count += along_key
    return count


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the two ways of reading a window are PostgreSQL's"
)
@pytest.mark.parametrize(("hidden_matches", "second_window_in_id_order"), [(9, True), (1, False)])
def test_a_wide_window_is_read_along_the_key_only_when_the_table_has_many_matches(
    monkeypatch, hidden_matches, second_window_in_id_order
):
    """The GIN path reads every match of the table: with many (most of them hidden from the caller),
    reading the window's rows in id order is cheaper; with few, the index is."""
    monkeypatch.setattr(search, "FIRST_WINDOW", 1)  # the first window: the newest 2 ids
    monkeypatch.setattr(search, "ORDERED_WINDOW", 0)  # no window is narrow enough by its size alone
    monkeypatch.setattr(search, "ORDERED_PER_MATCH", 1)
    visible = make_ticket("我要申请退款", minutes=0)
    for i in range(1, 10):
        matches = i > 9 - hidden_matches
        make_ticket("退款不到账" if matches else "表扬客服", customer_name="李四", minutes=i)
    mine = Ticket.objects.exclude(customer_name="李四")

    with CaptureQueriesContext(connection) as queries:
        ids = search.newest_matches(mine, search.parse_query("退款"), index=TICKETS, limit=2)

    assert ids == [visible.pk]
    # One look in id order estimates the table's matches from the first window; the second window
    # (8 ids) is read in id order too when that estimate is at least as wide.
    assert _windows_read_in_id_order(queries) == (2 if second_window_in_id_order else 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
def test_reading_candidates_in_id_order_leaves_the_planner_settings_as_they_were():
    make_ticket("我要申请退款")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = on")

        assert len(found("退款")) == 1

        cursor.execute("SHOW enable_bitmapscan")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored vector exists on PostgreSQL only")
def test_a_lost_vector_column_is_reported_and_put_back():
    refund = make_ticket("我要申请退款")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending before the ALTER
        cursor.execute("ALTER TABLE tickets_ticket DROP COLUMN search_vector")  # drops its GIN index too

    assert missing_index_parts(connection, TICKETS) == {TICKETS.gin_index, "tickets_ticket.search_vector"}
    assert ensure_search_index(connection.alias, TICKETS) is True
    assert missing_index_parts(connection, TICKETS) == set()
    assert found("退款") == [refund]  # computed for the rows already there


def test_a_bounded_search_is_counted_without_another_statement(django_assert_num_queries):
    for i in range(4):
        make_ticket(f"退款问题{i}", minutes=i)
    make_ticket("退款不到账", customer_name="李四", minutes=9)
    mine = Ticket.objects.exclude(customer_name="李四")

    for candidates, cap in ((2, 2), (5, 5), (5, 3)):
        results = search_tickets(mine, "退款", candidates=candidates)
        with django_assert_num_queries(0):
            counted = count_capped(results, cap)
        assert counted == count_capped(results.all(), cap)  # a copy: counted by the database
    assert count_capped(search_tickets(mine, "退款", candidates=5), 5) == (4, False)
    assert count_capped(search_tickets(mine, "退款", candidates=2), 2) == (2, True)


def test_a_search_through_a_join_is_counted_by_the_database():
    """A filter across a one-to-many relation lists a row once per related row; the count says what
    the database says (as the page of results does), not how many work orders were found."""
    twice = make_ticket("退款问题", minutes=0)
    for minute in (1, 2):
        twice.events.create(kind="note", note="客户又来电", created_at=NOW + timedelta(minutes=minute))

    results = search_tickets(Ticket.objects.filter(events__kind="note"), "退款", candidates=5)

    assert search.candidate_count(results) is None
    assert count_capped(results, 5) == (len(list(results)), False) == (2, False)


def test_a_search_in_a_list_that_admits_no_row_finds_nothing():
    make_ticket("退款问题")

    assert found("退款", Ticket.objects.filter(pk__in=[])) == []
    assert count_capped(search_tickets(Ticket.objects.filter(pk__in=[]), "退款"), 5) == (0, False)


def test_windows_compiled_by_the_orm_find_the_same_rows(monkeypatch):
    """Each window's statement is compiled once with placeholder bounds; were they to come out
    otherwise (two equal placeholders here), each window is built by the ORM, with the same result."""
    monkeypatch.setattr(search, "FIRST_WINDOW", 1)
    rows = [make_ticket("洗衣机不排水" if i % 3 == 0 else "表扬客服小王", minutes=i) for i in range(12)]
    wanted = [t.pk for t in reversed(rows) if t.title == "洗衣机不排水"][:3]
    query = search.parse_query("排水")

    assert search.newest_matches(Ticket.objects.all(), query, index=TICKETS, limit=3) == wanted
    monkeypatch.setattr(search, "_PLACEHOLDER_BOUNDS", (7, 7))
    assert search.newest_matches(Ticket.objects.all(), query, index=TICKETS, limit=3) == wanted


def _window_reads(queries) -> int:
    return sum(("MATCH" in q["sql"] or "@@" in q["sql"]) and "COUNT" not in q["sql"] for q in queries)


def test_a_first_window_denser_than_the_rest_is_followed_by_few_wider_ones(monkeypatch):
    """The windows after the first are sized from the density found so far; when that falls short,
    the next one reads at least as many ids again rather than a few at a time."""
    monkeypatch.setattr(search, "FIRST_WINDOW", 1)  # the first window: the newest 4 ids
    old = [make_ticket("退款不到账", minutes=i) for i in range(0, 40, 8)]
    for i in range(40):
        if i % 8:
            make_ticket("表扬客服", minutes=i)
    newest = [make_ticket("申请退款", minutes=50 + i) for i in range(3)]

    with CaptureQueriesContext(connection) as queries:
        ids = search.newest_matches(Ticket.objects.all(), search.parse_query("退款"), index=TICKETS, limit=4)

    assert ids == [t.pk for t in reversed(newest)] + [old[-1].pk]
    # 4 ids, then 4, 8, 16, 32 (sized by the density alone, the windows grew a few ids at a time: 9 reads)
    assert _window_reads(queries) == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
def test_a_search_turns_bitmap_scans_off_and_back_once(monkeypatch):
    monkeypatch.setattr(search, "FIRST_WINDOW", 1)
    for i in range(12):
        make_ticket("洗衣机不排水" if i % 4 == 0 else "表扬客服小王", minutes=i)

    with CaptureQueriesContext(connection) as queries:
        ids = search.newest_matches(Ticket.objects.all(), search.parse_query("排水"), index=TICKETS, limit=3)

    assert len(ids) == 3
    assert _window_reads(queries) > 1
    settings = [q["sql"] for q in queries if "set_config('enable_bitmapscan'" in q["sql"]]
    assert len(settings) == 2 and "'off'" in settings[0] and "'on'" in settings[1]
