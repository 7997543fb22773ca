"""Work-order search at scale (全文检索): a million work orders on PostgreSQL and on SQLite.

    uv run python bench/search.py [--scale 1000000] [--backends postgresql,sqlite] [--port 55441]

For each backend, in a process of its own (Django is configured once per process):
  - PostgreSQL: a private cluster from bench/tickets.py's `Cluster` (port --port, default 55441, its
    own data directory under /tmp, tuned for loading), or --database-url (an empty database);
  - SQLite: a fresh file in a temporary directory (WAL, the project's settings).
It migrates, builds bench/tickets.py's organisation (5 groups of 10 agents, supervisors, a manager),
adds one synonym group (退款 退钱) and loads --scale work orders: texts, types, channels, customers'
names, phones, emails and places from the demo (as bench/tickets.py does, `Loader.search_text` gives
each row the terms `document_text` makes), owners and groups spread over the agents, numbers per day,
creation times over a year in id order; one row in a thousand also mentions a water heater leak
(热水器漏水), the rare word. PostgreSQL loads with COPY (the GIN index dropped for the load and built
after it), SQLite with executemany in large transactions (FTS5 triggers dropped for the load, the
FTS table built once at the end). Only work orders are loaded: search reads no other table.

Measured: server time (time.perf_counter() around django.test.Client.get, the full middleware stack,
the page rendered) of GET /tickets/search/?q=... — the workspace search — for
  frequent word 快递 (about a tenth of the rows), rare word 热水器, two words 快递 物流信息,
  a synonym 退钱 (also finds 退款), a customer's phone number, a work-order number (random rows),
as the manager (sees every work order) and, for 快递 and 热水器, as agent01 (the visibility filter:
own, own group's, unrouted and escalated-to-me work orders, about a fifth of the table).
Baselines in the same run: a minimal view behind the same middleware; the bare index match of 快递
with LIMIT 20 and its COUNT(*) (how many rows a ranking of all matches would read); and the search
with ranking over every match (`unbounded=True`, the former behaviour), a few times.
Progress goes to stdout; the last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import atexit
import bisect
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_machine import machine  # noqa: E402

import tickets as bench_tickets  # noqa: E402 (bench/tickets.py: the cluster, the organisation, the texts)

say = bench_tickets.say
summary = bench_tickets.summary
PG_PORT = 55441
RARE = "热水器漏水，师傅上门看过还是漏"  # one row in RARE_EVERY
RARE_EVERY = 1000
SYNONYMS = "退款 退钱"
BATCH = 20_000


# --- the rows ------------------------------------------------------------------------------------


def ticket_rows(*, scale: int, org: dict, rng: random.Random, now: float, start_id: int = 1):
    """(column -> value) dicts of `scale` work orders, oldest first, ids from `start_id`."""
    from kefu.core import search
    from kefu.demo import data as demo
    from kefu.tickets.models import NUMBER_PREFIX, TicketType

    loader = bench_tickets.Loader(scale=scale, org=org, now=now, rng=rng, due_fraction=0)
    org["raw_texts"] = demo.TEXTS
    rare_terms = " ".join(search.tokenize(RARE))
    n_customers = max(1000, scale // 4)
    names = [rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN) for _ in range(n_customers)]
    types = [t for t, _w in bench_tickets.TYPE_WEIGHTS]
    type_cum = list(_cumulative(w for _t, w in bench_tickets.TYPE_WEIGHTS))
    channels = [c for c, _w in bench_tickets.CHANNEL_WEIGHTS]
    chan_cum = list(_cumulative(w for _c, w in bench_tickets.CHANNEL_WEIGHTS))
    statuses = [s for s, _w in bench_tickets.STATUS_WEIGHTS]
    status_cum = list(_cumulative(w for _s, w in bench_tickets.STATUS_WEIGHTS))
    agents, groups = org["agents"], org["groups"]
    seq: dict = {}
    span = 365 * 86400
    for i in range(scale):
        created = now - span + span * i / scale
        ticket_type = types[bisect.bisect_right(type_cum, rng.random() * type_cum[-1])]
        channel = channels[bisect.bisect_right(chan_cum, rng.random() * chan_cum[-1])]
        status = statuses[bisect.bisect_right(status_cum, rng.random() * status_cum[-1])]
        idx = rng.randrange(len(demo.TEXTS[ticket_type]))
        title, content, demands, _dept, _category = demo.TEXTS[ticket_type][idx]
        ci = rng.randrange(n_customers)
        phone = f"1{'3589'[ci % 4]}{(ci * 7919) % 10**9:09d}"
        email = f"customer{ci}@example.com" if ci % 3 == 0 else ""
        place = rng.randrange(len(demo.PLACES))
        owner, group = agents[rng.randrange(len(agents))]
        if status == "new" and channel in ("portal", "email"):
            owner, group = None, groups[rng.randrange(len(groups))][0]
        day = datetime.fromtimestamp(created + 8 * 3600, UTC).date()
        prefix = NUMBER_PREFIX[TicketType(ticket_type)]
        last = seq[(prefix, day)] = seq.get((prefix, day), 0) + 1
        number = f"{prefix}-{day:%Y%m%d}-{last:04d}"
        search_text = loader.search_text(ticket_type, idx, number, names[ci], email, place, phone)
        if i % RARE_EVERY == RARE_EVERY // 2:
            content = f"{content}{RARE}"
            search_text = f"{search_text} {rare_terms}"
        when = datetime.fromtimestamp(int(created), UTC)
        yield {
            "id": start_id + i, "number": number, "ticket_type": ticket_type, "channel": channel,
            "status": status, "severity": "general", "priority": 2, "customer_name": names[ci],
            "customer_phone": phone, "customer_email": email, "title": title, "content": content,
            "demands": demands, "location": demo.PLACES[place], "group_id": group, "owner_id": owner,
            "created_by_id": owner, "created_at": when, "updated_at": when, "search_text": search_text,
        }  # fmt: skip


def _cumulative(weights):
    total = 0
    for w in weights:
        total += w
        yield total


def ticket_columns() -> list[tuple[str, object]]:
    """(column, default) for every column of tickets_ticket the model knows."""
    from kefu.tickets.models import Ticket

    columns = []
    for field in Ticket._meta.concrete_fields:
        default = field.get_default()
        if isinstance(default, dict | list):
            default = json.dumps(default)
        columns.append((field.column, default))
    return columns


def load_postgresql(rows, columns) -> dict:
    from django.db import connection

    names = [c for c, _d in columns]
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        indexes = bench_tickets.secondary_indexes(cur, ["tickets_ticket"])
        for name, _sql in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        raw = cur.cursor  # psycopg's own cursor: COPY
        with raw.copy(f"COPY tickets_ticket ({', '.join(names)}) FROM STDIN") as copy:
            for n, row in enumerate(rows, 1):
                copy.write_row([row.get(c, d) for c, d in columns])
                if n % 100_000 == 0:
                    say(f"  {n} rows copied ({time.perf_counter() - t0:.0f} s)")
    t_copy = time.perf_counter() - t0
    t1 = time.perf_counter()
    with connection.cursor() as cur:
        for name, sql in indexes:
            t = time.perf_counter()
            cur.execute(sql)
            say(f"  index {name}: {time.perf_counter() - t:.1f} s")
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('tickets_ticket', 'id'), (SELECT max(id) FROM tickets_ticket))"
        )
    t_index = time.perf_counter() - t1
    t2 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE tickets_ticket")
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('tickets_ticket'))")
        size = cur.fetchone()[0]
    return {"copy_s": round(t_copy, 1), "index_s": round(t_index, 1),
            "vacuum_analyze_s": round(time.perf_counter() - t2, 1), "table_with_indexes": size}  # fmt: skip


def load_sqlite(rows, columns) -> dict:
    from django.db import connection, transaction

    from kefu.core import search
    from kefu.tickets import search as ticket_search

    names = [c for c, _d in columns]
    sql = f"INSERT INTO tickets_ticket ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
    t0 = time.perf_counter()
    search.uninstall_search_index(connection, ticket_search.TICKETS)  # no trigger per row: built once below

    def flat(row):
        out = []
        for column, default in columns:
            value = row.get(column, default)
            out.append(value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else value)
        return out

    batch, n = [], 0
    for row in rows:
        batch.append(flat(row))
        if len(batch) >= BATCH:
            with transaction.atomic(), connection.cursor() as cur:
                cur.executemany(sql, batch)
            n += len(batch)
            batch = []
            if n % 100_000 == 0:
                say(f"  {n} rows inserted ({time.perf_counter() - t0:.0f} s)")
    if batch:
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(sql, batch)
    t_insert = time.perf_counter() - t0
    t1 = time.perf_counter()
    with transaction.atomic():
        search.install_search_index(connection, ticket_search.TICKETS)  # triggers + one FTS5 'rebuild'
    t_fts = time.perf_counter() - t1
    t2 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = Path(connection.settings_dict["NAME"]).stat().st_size
    return {"insert_s": round(t_insert, 1), "fts_build_s": round(t_fts, 1),
            "analyze_s": round(time.perf_counter() - t2, 1), "file_mb": round(size / 2**20)}  # fmt: skip


# --- the measurements ---------------------------------------------------------------------------


def timed(fn, n: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn(0)
    ms = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        ms.append((time.perf_counter() - t) * 1000)
    return ms


def profile(client, url: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
    slowest = max(times, default=(0.0, ""))
    return {"queries": len(times), "db_ms": round(sum(t for t, _s in times), 2),
            "slowest_query_ms": round(slowest[0], 2), "slowest_query": slowest[1][:300]}  # fmt: skip


def baselines(vendor: str, n: int) -> dict:
    from django.db import connection

    from kefu.core import search
    from kefu.tickets import search as ticket_search
    from kefu.tickets.models import Ticket

    parsed = search.parse_query("快递")
    if vendor == "postgresql":
        match = "search_vector @@ to_tsquery('simple', %s)"
        limit_sql = f"SELECT id FROM tickets_ticket WHERE {match} LIMIT 20"
        count_sql = f"SELECT count(*) FROM tickets_ticket WHERE {match}"
        param = search._tsquery(parsed)
    else:
        limit_sql = "SELECT rowid FROM tickets_ticket_fts WHERE tickets_ticket_fts MATCH %s LIMIT 20"
        count_sql = "SELECT count(*) FROM tickets_ticket_fts WHERE tickets_ticket_fts MATCH %s"
        param = search._fts5_match(parsed)

    def run(sql):
        with connection.cursor() as cur:
            cur.execute(sql, [param])
            return cur.fetchall()

    count = run(count_sql)[0][0]
    out = {
        "match_limit_20": summary(timed(lambda _i: run(limit_sql), n)),
        "match_count": {**summary(timed(lambda _i: run(count_sql), max(3, n // 10))), "rows": count},
    }
    # The former behaviour: every match ranked (ts_rank over each stored vector / bm25 over each hit).
    unbounded = timed(
        lambda _i: list(ticket_search.search_tickets(Ticket.objects.all(), "快递", unbounded=True)[:20]),
        3,
        warmup=1,
    )
    out["rank_every_match"] = summary(unbounded)
    return out


def measure(vendor: str, n: int, org: dict, rng: random.Random) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import clear_url_caches

    from kefu.accounts.models import User
    from kefu.tickets import search as ticket_search

    bench_tickets.bench_urlconf()
    settings.ROOT_URLCONF = "kefu_bench_urls"
    clear_url_caches()
    manager = User.objects.get(pk=org["manager"])
    agent = User.objects.get(pk=org["groups"][0][2][0])
    clients = {}
    for user in (manager, agent):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
    with connection.cursor() as cur:
        cur.execute("SELECT number, customer_phone FROM tickets_ticket ORDER BY random() LIMIT %s", [n + 5])
        sample = cur.fetchall()
    numbers = [r[0] for r in sample]
    phones = [r[1] for r in sample]
    kinds = {
        "frequent_word": (manager, lambda i: "快递"),
        "rare_word": (manager, lambda i: "热水器"),
        "two_words": (manager, lambda i: "快递 物流信息"),
        "synonym": (manager, lambda i: "退钱"),
        "phone_number": (manager, lambda i: phones[i % len(phones)]),
        "work_order_number": (manager, lambda i: numbers[i % len(numbers)]),
        "agent_frequent_word": (agent, lambda i: "快递"),
        "agent_rare_word": (agent, lambda i: "热水器"),
        # bench/tickets.py's mix of what agents type (two-character words, longer ones, a phrase)
        "agent_word_mix": (agent, lambda i: bench_tickets.SEARCH_WORDS[i % len(bench_tickets.SEARCH_WORDS)]),
    }
    results = {}
    ping = clients[manager.pk]
    backend_cpu = _backend_cpu_reader(vendor)
    for client in clients.values():  # warm every query path and the caches once
        for _user, query in kinds.values():
            client.get("/tickets/search/", {"q": query(0)})
    results["baseline_minimal_view"] = summary(timed(lambda _i: ping.get("/__bench__/ping"), n, warmup=10))
    say(f"  baseline_minimal_view: {results['baseline_minimal_view']}")
    for kind, (user, query) in kinds.items():
        client = clients[user.pk]
        bad = []

        def get(i, client=client, query=query, bad=bad):
            response = client.get("/tickets/search/", {"q": query(i)})
            if response.status_code != 200:
                bad.append(response.status_code)

        cpu0, db0 = time.process_time(), backend_cpu()
        ms = timed(get, n, warmup=0)
        cpu, db = time.process_time() - cpu0, backend_cpu() - db0
        response = client.get("/tickets/search/", {"q": query(0)})
        results[kind] = {
            **summary(ms),
            # CPU per request, which other jobs on the machine do not inflate: this process (Django,
            # and SQLite itself) and, on PostgreSQL, the connection's backend (read from /proc).
            "cpu_ms_python": round(cpu * 1000 / n, 2),
            "cpu_ms_database": round(db * 1000 / n, 2),
            "user": user.username,
            "query": query(0) if "number" not in kind else f"{query(0)} (and {n - 1} other random rows)",
            "shown": response.content.decode().count('class="num" href'),
            "in_all": _in_all(response.content.decode()),
            **profile(client, f"/tickets/search/?q={query(1)}"),
        }
        if bad:
            results[kind]["non_200"] = bad[:5]
        say(f"  {kind}: {results[kind]}")
    results["plans"] = {}
    for kind in ("frequent_word", "rare_word", "agent_frequent_word"):
        user, query = kinds[kind]
        results["plans"][kind] = candidate_plans(vendor, user, query(0))
        say(f"  plans of {kind}:\n" + "\n---\n".join(results["plans"][kind]))
    say("baselines: the bare index match, its count, and ranking every match")
    results["baselines"] = baselines(vendor, n)
    say(f"  {results['baselines']}")
    searches = [k for k in kinds]
    results["worst_p95_ms"] = max(results[k]["p95_ms"] for k in searches)
    results["rank_candidates"] = ticket_search.RANK_CANDIDATES
    return results


def measure_http(vendor: str, n: int, org: dict, workers: int) -> dict:
    """The same searches (as the same people) over HTTP against `kefu web` on this database."""
    from bench_http import WebServer, session_cookie, timed_http
    from django.db import connection

    from kefu.accounts.models import User

    manager = User.objects.get(pk=org["manager"])
    agent = User.objects.get(pk=org["groups"][0][2][0])
    with connection.cursor() as cur:
        cur.execute("SELECT number, customer_phone FROM tickets_ticket ORDER BY random() LIMIT %s", [n])
        sample = cur.fetchall()
    cookies = {user.pk: {"Cookie": session_cookie(user)} for user in (manager, agent)}
    words = bench_tickets.SEARCH_WORDS
    kinds = {
        "frequent_word": (manager, ["快递"] * n),
        "rare_word": (manager, ["热水器"] * n),
        "phone_number": (manager, [phone for _number, phone in sample]),
        "work_order_number": (manager, [number for number, _phone in sample]),
        "agent_frequent_word": (agent, ["快递"] * n),
        "agent_word_mix": (agent, [words[i % len(words)] for i in range(n)]),
    }
    server = WebServer(workers=workers)
    server.start()
    results = {}
    try:
        for kind, (user, queries) in kinds.items():
            calls = [("GET", f"/tickets/search/?q={urllib.parse.quote(q)}", None) for q in queries]
            ms, bad = timed_http(server.port, calls, headers=cookies[user.pk], warmup=5)
            results[kind] = {**summary(ms), "user": user.username}
            if bad:
                results[kind]["unexpected"] = bad[:5]
            say(f"  http {kind}: {results[kind]}")
    finally:
        server.stop()
    results["measured"] = (
        f"HTTP/1.1 keep-alive, one request at a time, against kefu web -w {workers} ({vendor})"
    )
    return results


def _backend_cpu_reader(vendor: str):
    """CPU seconds used so far by this connection's PostgreSQL backend (bench/tickets.py's reader);
    always 0 on SQLite, whose work is this process's own."""
    read = bench_tickets._backend_cpu_seconds() if vendor == "postgresql" else None
    return (lambda: read() or 0.0) if read is not None else (lambda: 0.0)


def candidate_plans(vendor: str, user, query: str) -> list[str]:
    """The plans, as executed, of the candidate windows and the ranking query of one search."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kefu.tickets import selectors

    with CaptureQueriesContext(connection) as ctx:
        list(selectors.ticket_list(user=user, query=query)[:25])
    plans = []
    for q in ctx.captured_queries:
        sql = q["sql"]
        if not sql.startswith("SELECT") or not ("@@" in sql or "MATCH" in sql):
            continue
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        with connection.cursor() as cur:
            cur.execute(prefix + sql)
            lines = [" ".join(str(c) for c in row) for row in cur.fetchall()]
        plans.append(f"[{float(q['time']) * 1000:.1f} ms] " + "\n".join(lines)[:1500])
    return plans


def _in_all(html: str) -> str:
    """The page's "N in all" (or "5000+ in all"), as shown to the user."""
    import re

    match = re.search(r"([\d,]+\+?)\s*(in all|条)", html)
    return match.group(1) if match else ""


# --- one backend per process ------------------------------------------------------------------------


def child(args) -> None:
    started = time.perf_counter()
    cluster = None
    data_dir = tempfile.mkdtemp(prefix="kefu-bench-search.")
    atexit.register(shutil.rmtree, data_dir, True)
    if args.child == "postgresql":
        url = args.database_url
        if not url:
            cluster = bench_tickets.Cluster(args.port)
            atexit.register(cluster.stop, args.keep)
            url = cluster.start()
            say(f"private PostgreSQL on port {args.port} ({cluster.dir})")
    else:
        url = f"sqlite:///{data_dir}/kefu.sqlite3"
    os.environ.update(
        {
            "KEFU_DATABASE_URL": url,
            "KEFU_PROFILE": "embedded",  # PostgreSQL without the production HTTPS and key rules
            "KEFU_DATA_DIR": data_dir,
            "KEFU_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "KEFU_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "KEFU_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "kefu.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kefu.knowledge import services as knowledge_services

    say(f"{args.child}: migrate")
    call_command("migrate", verbosity=0)
    version = connection.cursor().connection.info.server_version if args.child == "postgresql" else None
    if args.child == "sqlite":
        import sqlite3

        version = sqlite3.sqlite_version
    rng = random.Random(args.seed)
    org = bench_tickets.build_org(rng)
    from kefu.accounts.models import User

    knowledge_services.synonym_save(words=SYNONYMS, by=User.objects.get(pk=org["manager"]))
    now = datetime.now(UTC).replace(microsecond=0).timestamp()
    say(f"{args.child}: loading {args.scale} work orders")
    rows = ticket_rows(scale=args.scale, org=org, rng=rng, now=now)
    loader = load_postgresql if args.child == "postgresql" else load_sqlite
    load = loader(rows, ticket_columns())
    say(f"  loaded: {load}")
    load_avg = os.getloadavg()
    say(f"{args.child}: measuring ({args.requests} requests each); load average {load_avg}")
    figures = measure(args.child, args.requests, org, rng)
    http = {"skipped": True}
    if args.http:
        say(f"{args.child}: the same searches over HTTP against kefu web")
        http = measure_http(args.child, args.requests, org, args.web_workers)
    connection.close()
    result = {
        "backend": args.child,
        "version": str(version),
        "load": load,
        "load_average_before_measuring": load_avg,
        "search": figures,
        "search_http": http,
        "total_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result, ensure_ascii=False), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=int, default=1_000_000, help="work orders to load (default 1,000,000)"
    )
    parser.add_argument(
        "--backends", default="postgresql,sqlite", help="postgresql, sqlite or both (default)"
    )
    parser.add_argument("--port", type=int, default=PG_PORT, help="port of the private PostgreSQL cluster")
    parser.add_argument(
        "--database-url", default="", help="an empty PostgreSQL database instead of the cluster"
    )
    parser.add_argument("--keep", action="store_true", help="keep the private cluster running at the end")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per kind of query")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument(
        "--no-http", dest="http", action="store_false", help="no figures over HTTP (kefu web)"
    )
    parser.add_argument("--web-workers", type=int, default=1, help="kefu web processes for the HTTP figures")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    started = time.perf_counter()
    result = {"bench": "search", "scale": args.scale, "machine": machine(), "backends": {}}
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        cmd = [sys.executable, __file__, "--child", backend, *sys.argv[1:]]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        last = ""
        for line in proc.stdout:
            if line.startswith("{"):
                last = line
            else:
                print(line, end="", flush=True)
        if proc.wait() != 0 or not last:
            sys.exit(f"{backend}: the benchmark failed (exit {proc.returncode})")
        result["backends"][backend] = json.loads(last)
    result["p95_ms"] = {
        b: {k: v["p95_ms"] for k, v in r["search"].items() if isinstance(v, dict) and "p95_ms" in v}
        for b, r in result["backends"].items()
    }
    result["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
