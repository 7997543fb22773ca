"""Knowledge base: phrase checking throughput and article search latency.

    uv run python bench/knowledge.py [--articles 20000] [--phrases 2000] [--text-mb 4] [--postgres | --database-url URL]

1. Phrase checking: `--phrases` distinct forbidden phrases (2–6 Chinese characters drawn from the
   3,500 most common characters' range, seeded) in one pyahocorasick automaton
   (kefu.knowledge.phrases.build_checker), scanning `--text-mb` MB (UTF-8) of Chinese text with
   phrases sprinkled in. Baseline in the same run: one compiled Python regular expression, the
   alternation of the same phrases (re.escape, longest first), with finditer over the same text.
   Two figures for ours: the automaton over already normalised text (like for like with the regex,
   which normalises nothing; the alphabet spelling of kefu.knowledge.phrases is included), and the whole check (`Checker.check`: NFKC, full-width→half-width,
   traditional→simplified character by character, and positions mapped back) — the price of the
   normalisation. The regex finds no overlapping matches; the automaton does.
2. Search: `--articles` articles of generated Chinese text (title + ~300 characters) written
   with search_text as the services write it; p50/p95 over 200 queries of two- to four-character
   words drawn from the texts, through kefu.knowledge.search.search_articles (first page of 20,
   snippets included). Baseline: the same queries as `body_text LIKE '%word%'` first page.
Progress goes to stdout; the last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_machine import machine  # noqa: E402

# CJK Unified Ideographs used by ordinary text sit mostly in U+4E00..U+7FFF; sampling from a fixed
# pool keeps words repeating, as real text does.
POOL = [chr(c) for c in range(0x4E00, 0x4E00 + 3500)]
PUNCT = "，。！？、"


def say(msg: str) -> None:
    print(msg, flush=True)


def sentence(rng: random.Random, words: list[str], n: int) -> str:
    out = []
    while sum(map(len, out)) < n:
        out.append(rng.choice(words))
        if rng.random() < 0.08:
            out.append(rng.choice(PUNCT))
    return "".join(out)


def bench_phrases(args, rng: random.Random) -> dict:
    from kefu.knowledge.models import RuleKind
    from kefu.knowledge.phrases import build_checker

    phrases: set[str] = set()
    while len(phrases) < args.phrases:
        phrases.add("".join(rng.choice(POOL) for _ in range(rng.randint(2, 6))))
    phrases_list = sorted(phrases)
    rules = [SimpleNamespace(pk=i, kind=RuleKind.FORBIDDEN, phrase=p, alternative="")
             for i, p in enumerate(phrases_list)]  # fmt: skip
    words = ["".join(rng.choice(POOL) for _ in range(rng.randint(1, 3))) for _ in range(20000)]
    target = int(args.text_mb * 1024 * 1024)
    chunks, size = [], 0
    while size < target:
        piece = sentence(rng, words, 200) + rng.choice(phrases_list)
        chunks.append(piece)
        size += len(piece.encode())
    text = "".join(chunks)
    mb = len(text.encode()) / 1024 / 1024
    say(f"phrases: {len(phrases_list)} phrases, {mb:.1f} MB of text")

    t = time.perf_counter()
    checker = build_checker(rules)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    regex = re.compile("|".join(map(re.escape, sorted(phrases_list, key=len, reverse=True))))
    regex_build_s = time.perf_counter() - t

    def timed(fn, repeat=3):
        best, result = None, None
        for _ in range(repeat):
            t = time.perf_counter()
            result = fn()
            elapsed = time.perf_counter() - t
            best = elapsed if best is None else min(best, elapsed)
        return best, result

    regex_s, regex_hits = timed(lambda: sum(1 for _ in regex.finditer(text)), repeat=1)
    say(f"  regex alternation: {mb / regex_s:.2f} MB/s ({regex_hits} matches)")
    from kefu.knowledge.phrases import automaton_key, normalize

    # Like for like with the regex: both over text already normalised; the automaton's alphabet
    # spelling (automaton_key, one str.translate) is counted in its time.
    normalized = normalize(text)
    regex_norm_s, regex_norm_hits = timed(lambda: sum(1 for _ in regex.finditer(normalized)), repeat=1)
    auto_s, auto_hits = timed(
        lambda: sum(len(v) for _end, v in checker.automaton.iter(automaton_key(normalized)))
    )
    say(f"  automaton: {mb / auto_s:.2f} MB/s ({auto_hits} matches, overlaps included)")
    # The whole check: normalisation, matching, positions mapped back, a dict per hit.
    piece, piece_mb = text, mb
    check_s, _ = timed(lambda: checker.check(piece))
    say(f"  full check with normalisation: {piece_mb / check_s:.2f} MB/s")
    return {
        "phrases": len(phrases_list), "text_mb": round(mb, 2),
        "regex_mb_per_s": round(mb / regex_s, 3), "automaton_mb_per_s": round(mb / auto_s, 3),
        "check_mb_per_s": round(piece_mb / check_s, 3),
        "automaton_vs_regex": round(regex_s / auto_s, 1),
        "check_vs_regex": round(regex_s / check_s, 1),
        "automaton_build_s": round(build_s, 3), "regex_compile_s": round(regex_build_s, 3),
        "matches_regex": regex_hits, "matches_regex_normalized": regex_norm_hits, "matches_automaton": auto_hits,
    }  # fmt: skip


def bench_search(args, rng: random.Random) -> dict:
    from django.db import connection, transaction

    from kefu.core.search import highlight
    from kefu.knowledge.models import Article
    from kefu.knowledge.search import article_document, parse, search_articles

    vocab = ["".join(rng.choice(POOL[:800]) for _ in range(rng.randint(2, 4))) for _ in range(8000)]
    say(f"search: writing {args.articles} articles ({connection.vendor})")
    t = time.perf_counter()
    batch = []
    with transaction.atomic():
        for _i in range(args.articles):
            a = Article(title=sentence(rng, vocab, 12), body_html="", body_text=sentence(rng, vocab, 300))
            a.search_text = article_document(a)
            batch.append(a)
            if len(batch) == 2000:
                Article.objects.bulk_create(batch)
                batch = []
        Article.objects.bulk_create(batch)
    say(f"  loaded in {time.perf_counter() - t:.1f}s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_article")
    queries = [rng.choice(vocab) for _ in range(200)]
    qs = Article.objects.filter(is_archived=False)

    def run_search(q):
        parsed = parse(q)
        rows = list(search_articles(qs, q, parsed=parsed)[:20])
        for a in rows:
            highlight(a.body_text, parsed, width=120)
        return len(rows)

    def run_like(q):
        return len(list(qs.filter(body_text__contains=q).order_by("-updated_at", "-pk")[:20]))

    def latencies(fn):
        fn(queries[0])  # warm
        out, hits = [], 0
        for q in queries:
            t = time.perf_counter()
            hits += fn(q) > 0
            out.append((time.perf_counter() - t) * 1000)
        out.sort()
        return out, hits

    ours, ours_hits = latencies(run_search)
    like, like_hits = latencies(run_like)

    def p(values, q):
        return round(values[min(len(values) - 1, int(len(values) * q))], 2)

    say(
        f"  search p50 {p(ours, 0.5)} ms, p95 {p(ours, 0.95)} ms; LIKE p50 {p(like, 0.5)} ms, p95 {p(like, 0.95)} ms"
    )
    return {
        "articles": args.articles, "database": connection.vendor, "queries": len(queries),
        "search_p50_ms": p(ours, .5), "search_p95_ms": p(ours, .95), "like_p50_ms": p(like, .5),
        "like_p95_ms": p(like, .95), "queries_with_hits": ours_hits, "like_queries_with_hits": like_hits,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--phrases", type=int, default=2000)
    parser.add_argument("--text-mb", type=float, default=4)
    parser.add_argument(
        "--postgres", action="store_true", help="start a private PostgreSQL (bench/tickets.py)"
    )
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    rng = random.Random(6)

    data_dir = tempfile.mkdtemp(prefix="kefu-bench-knowledge.")
    atexit.register(shutil.rmtree, data_dir, True)
    url = args.database_url
    if args.postgres and not url:
        from tickets import Cluster  # bench/tickets.py

        cluster = Cluster(55435)
        atexit.register(cluster.stop, False)
        url = cluster.start()
        say("private PostgreSQL on port 55435")
    env = {"KEFU_DATA_DIR": data_dir, "KEFU_LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "kefu.settings"}
    if url:
        env["KEFU_DATABASE_URL"] = url
        env["KEFU_PROFILE"] = "embedded"  # PostgreSQL without the production HTTPS and key rules
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    say("migrate")
    call_command("migrate", verbosity=0)
    figures = {"machine": machine(), "phrases": bench_phrases(args, rng), "search": bench_search(args, rng)}
    figures["search"]["p95_under_100ms"] = figures["search"]["search_p95_ms"] < 100
    figures["phrases"]["automaton_at_least_10x_regex"] = figures["phrases"]["automaton_vs_regex"] >= 10
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
