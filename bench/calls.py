"""Call-record import (话单导入) throughput: `kefu import-calls -f queue_log` on a generated Asterisk queue_log.

    uv run python bench/calls.py [--scale 200000] [--database-url postgres://...] [--postgres]

Without a database option it runs on a fresh SQLite file (the embedded default); --postgres starts the
private throw-away PostgreSQL cluster of bench/tickets.py (port 55434, or --port), --database-url uses yours.

It builds 50 agents with extensions and 20,000 customers with phones (a quarter of the callers are
known customers), writes a queue_log of --scale calls (80% answered, 11% abandoned, 5% timed out, 4%
transferred; ring-no-answer lines, wrap-up lines and agent pause/login noise between them), then measures:
  - baseline_parse: the stdlib alone — split every line on "|" and collect the distinct calls;
  - parse: kefu's queue_log parser (validation, outcomes, durations) on the same text;
  - baseline_insert: the rows the importer would store, pre-built as value tuples (times already
    adapted), through the importer's bare INSERT (SQLite: executemany; PostgreSQL: 1,000-row VALUES
    statements), 5,000 rows per transaction — the floor of the import;
  - import: the whole import service (read, decode, parse, agent and customer look-ups, INSERT ...
    ON CONFLICT DO NOTHING in batches of 5,000, one transaction each) — the figure the issue targets (≥ 20,000 records/s);
  - reimport: the same file again (everything is already there; nothing may be added).
Beside the rates, what contention on a shared machine does not distort: the import's CPU time
per record in this process and, on a PostgreSQL cluster on this machine, in all its processes.
Progress goes to stdout; the last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

START = 1764550800  # 2025-12-01 09:00 Asia/Shanghai
AGENTS = 50
CUSTOMERS = 20_000
QUEUES = ["hotline", "aftersales", "billing", "vip"]


def say(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}Z] {message}", flush=True)


def generate(path: Path, calls: int, seed: int) -> int:
    """Write a queue_log of `calls` calls; returns the number of lines."""
    rng = random.Random(seed)
    lines: list[tuple[int, str]] = []
    t = START
    for n in range(calls):
        t += rng.randint(0, 2)
        callid = f"{t}.{n}"
        queue = QUEUES[n % len(QUEUES)]
        caller = (
            f"13{rng.randrange(10**9):09d}" if rng.random() > 0.25 else f"139{rng.randrange(CUSTOMERS):08d}"
        )
        agent = f"SIP/{1000 + rng.randrange(AGENTS)}"
        lines.append((t, f"{t}|{callid}|{queue}|NONE|ENTERQUEUE||{caller}|1"))
        roll = rng.random()
        wait = rng.randint(2, 90)
        if roll < 0.80 or roll >= 0.96:
            if rng.random() < 0.2:
                lines.append(
                    (t + 1, f"{t + 1}|{callid}|{queue}|SIP/{1000 + rng.randrange(AGENTS)}|RINGNOANSWER|15000")
                )
            talk = rng.randint(20, 900)
            lines.append(
                (
                    t + wait,
                    f"{t + wait}|{callid}|{queue}|{agent}|CONNECT|{wait}|{callid}.1|{rng.randint(1, 9)}",
                )
            )
            end = t + wait + talk
            if roll < 0.80:
                event = "COMPLETECALLER" if rng.random() < 0.6 else "COMPLETEAGENT"
                lines.append((end, f"{end}|{callid}|{queue}|{agent}|{event}|{wait}|{talk}|1"))
                if rng.random() < 0.5:
                    lines.append(
                        (end + 20, f"{end + 20}|{callid}|{queue}|{agent}|WRAPUP|{rng.randint(5, 60)}|咨询")
                    )
            else:
                lines.append(
                    (end, f"{end}|{callid}|{queue}|{agent}|TRANSFER|8002|from-internal|{wait}|{talk}|1")
                )
        elif roll < 0.91:
            lines.append((t + wait, f"{t + wait}|{callid}|{queue}|NONE|ABANDON|1|1|{wait}"))
        else:
            lines.append((t + 300, f"{t + 300}|{callid}|{queue}|NONE|EXITWITHTIMEOUT|1|1|300"))
        if n % 500 == 0:
            lines.append((t, f"{t}|NONE|{queue}|{agent}|PAUSE|lunch"))
    lines.sort(key=lambda item: item[0])
    with open(path, "w", encoding="utf-8") as fh:
        for _t, line in lines:
            fh.write(line + "\n")
    return len(lines)


def postgres_cpu(connection) -> float:
    """CPU seconds used so far by the whole PostgreSQL cluster on this machine (the postmaster, its
    live children, and the children it has reaped), 0 when that cannot be read (SQLite, a server
    elsewhere). Several connections' server processes are all counted."""
    if connection.vendor != "postgresql":
        return 0.0
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('data_directory')")
            data_dir = cursor.fetchone()[0]
        master = int(Path(data_dir, "postmaster.pid").read_text().split()[0])
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid = int(stat.parent.name)
            if pid == master:
                total += sum(int(f) for f in fields[11:15]) / tick  # utime stime cutime cstime
            elif int(fields[1]) == master:
                total += (int(fields[11]) + int(fields[12])) / tick
        return total
    except (OSError, ValueError, IndexError):
        return 0.0


def baseline_parse(text: str) -> int:
    keys: set[tuple[str, str]] = set()
    for line in text.split("\n"):
        if line:
            parts = line.split("|")
            if parts[1] != "NONE":
                keys.add((parts[1], parts[2]))
    return len(keys)


def baseline_insert(calls, connection, now) -> float:
    """Pre-built value tuples through the importer's bare INSERT (no parsing, no look-ups)."""
    from django.db import transaction

    from kefu.callcenter.imports.storage import insert_calls
    from kefu.callcenter.models import CallRecord
    from kefu.core.rows import adapt_datetimes

    dt = adapt_datetimes(connection)
    created = dt(now)
    rows = [
        ("bench", c.external_id, c.queue, c.caller, c.called, c.direction, dt(c.arrived_at), dt(c.answered_at),
         dt(c.ended_at), None, c.agent, c.outcome, c.wait, c.talk, c.wrapup, c.wrapup_code, None, c.recording,
         None, created, c.queued, dt(c.queued_at))
        for c in calls
    ]  # fmt: skip
    started = time.perf_counter()
    for i in range(0, len(rows), 5000):
        with transaction.atomic():
            insert_calls(connection, rows[i : i + 5000])
    elapsed = time.perf_counter() - started
    if connection.vendor == "postgresql":  # no dead rows left behind for the import measured next
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {CallRecord._meta.db_table}")
    else:
        CallRecord.objects.filter(source="bench").delete()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=200_000, help="calls in the queue_log (default 200,000)")
    parser.add_argument("--database-url", default="", help="a PostgreSQL database to use (default: SQLite)")
    parser.add_argument("--postgres", action="store_true", help="start bench/tickets.py's private PostgreSQL")
    parser.add_argument(
        "--port", type=int, default=55434, help="port of that private cluster (default 55434)"
    )
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="kefu-bench-calls.")
    atexit.register(shutil.rmtree, data_dir, True)
    url = args.database_url
    if args.postgres and not url:
        from tickets import Cluster  # bench/tickets.py

        cluster = Cluster(args.port)
        atexit.register(cluster.stop, False)
        url = cluster.start()
        say(f"private PostgreSQL on port {args.port}")
    env = {"KEFU_DATA_DIR": data_dir, "KEFU_LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "kefu.settings"}
    if url:
        env["KEFU_DATABASE_URL"] = url
        env["KEFU_PROFILE"] = "embedded"  # PostgreSQL without the production HTTPS and key rules
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from kefu.callcenter.imports import import_calls, parse_queue_log
    from kefu.callcenter.models import AgentLine, CallRecord
    from kefu.customers.models import Customer, CustomerPhone

    say(f"migrate ({connection.vendor})")
    call_command("migrate", verbosity=0)
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"agent{i}", role="agent") for i in range(AGENTS)])
    AgentLine.objects.bulk_create([AgentLine(user=u, extension=str(1000 + i)) for i, u in enumerate(users)])
    customers = Customer.objects.bulk_create(
        [Customer(name=f"顾客{i}") for i in range(CUSTOMERS)], batch_size=2000
    )
    CustomerPhone.objects.bulk_create(
        [CustomerPhone(customer=c, number=f"139{i:08d}") for i, c in enumerate(customers)], batch_size=2000
    )

    path = Path(data_dir) / "queue_log"
    say(f"generate a queue_log of {args.scale:,} calls")
    lines = generate(path, args.scale, args.seed)
    size_mb = path.stat().st_size / 1e6
    say(f"{lines:,} lines, {size_mb:.1f} MB")
    text = path.read_text(encoding="utf-8")

    started = time.perf_counter()
    groups = baseline_parse(text)
    t_base_parse = time.perf_counter() - started
    say(f"baseline parse: {groups:,} calls in {t_base_parse:.2f}s")

    tz = timezone.get_default_timezone()
    started = time.perf_counter()
    parsed = parse_queue_log(text, tz)
    t_parse = time.perf_counter() - started
    say(f"kefu parse: {len(parsed.calls):,} calls, {len(parsed.errors)} refused lines in {t_parse:.2f}s")

    t_base_insert = baseline_insert(parsed.calls, connection, timezone.now())
    say(f"baseline insert: {len(parsed.calls):,} rows in {t_base_insert:.2f}s")

    started, cpu, server = time.perf_counter(), time.process_time(), postgres_cpu(connection)
    run = import_calls(path=path, fmt="queue_log")
    t_import = time.perf_counter() - started
    cpu_import, server_import = time.process_time() - cpu, postgres_cpu(connection) - server
    say(f"import: {run.imported:,} calls in {t_import:.2f}s ({run.error_count} refused lines)")
    assert run.imported == args.scale == CallRecord.objects.count(), (run.imported, args.scale)

    started = time.perf_counter()
    again = import_calls(path=path, fmt="queue_log")
    t_reimport = time.perf_counter() - started
    say(f"reimport: {again.imported} new, {again.duplicates:,} already present in {t_reimport:.2f}s")
    assert again.imported == 0 and CallRecord.objects.count() == args.scale
    matched = CallRecord.objects.filter(customer__isnull=False).count()
    with_agent = CallRecord.objects.filter(agent__isnull=False).count()

    from bench_machine import machine  # noqa: PLC0415 (kept apart so this file stays short)

    calls = args.scale
    figures = {
        "bench": "calls",
        "database": connection.vendor,
        "calls": calls,
        "lines": lines,
        "file_mb": round(size_mb, 1),
        "baseline_parse_calls_per_s": round(calls / t_base_parse),
        "parse_calls_per_s": round(calls / t_parse),
        "parse_vs_baseline": round(t_parse / t_base_parse, 2),
        "baseline_insert_rows_per_s": round(calls / t_base_insert),
        "import_records_per_s": round(calls / t_import),
        "import_vs_baseline_insert": round(t_import / t_base_insert, 2),
        "import_cpu_us_per_record": round(cpu_import * 1e6 / calls, 1),
        "import_server_cpu_us_per_record": round(server_import * 1e6 / calls, 1),
        "load_average": os.getloadavg()[0],
        "reimport_records_per_s": round(calls / t_reimport),
        "customers_matched": matched,
        "calls_with_agent": with_agent,
        "target_records_per_s": 20_000,
        "meets_target": calls / t_import >= 20_000,
        "machine": machine(),
    }
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
