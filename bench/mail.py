"""Mail ingestion throughput: parse + store, on SQLite and on PostgreSQL.

    uv run python bench/mail.py [--scale 3000] [--pipe-scale 500] [--database-url postgres://...]
                                [--no-postgres] [--port 55434] [--pollers 2]

The mail is a generated mix built from the test corpus (tests/intake/email/corpus: Chinese
charsets, multiparts, attachments, auto-replies, bounces): every mail gets its own Message-ID and
sender; one in four answers an earlier one (In-Reply-To), so it threads into that work order
instead of opening one. Two paths, each exactly as Kefu runs it: kept raw in the inbound log,
parsed, threaded, a work order opened through ticket_create (SLA clocks, customer record, search
tokens), the message and its attachments stored, the acknowledgement queued for the worker (Huey,
not immediate: sending is the worker's):
  - batch (the IMAP poll, `mail_ingest_many`): the mails kept in one commit, then processed
    services.BATCH_SIZE at a time, one transaction per batch and a savepoint per mail;
  - pipe (the MTA pipe, `mail_ingest`): one mail per call, two commits each (keep, process).
  - pollers (PostgreSQL): --pollers processes side by side, each polling its own mailbox (each
    of its own work-order type), scale / pollers mails each, as `kefu ingest-mail --imap
    --mailbox NAME` runs them.
Figures that contention on a shared machine does not distort are printed beside the rates: CPU
milliseconds per mail of this process (and, on PostgreSQL, of its server process) and SQL
statements per mail (counted on a separate sample of 200 mails).

Baselines measured in the same run over the same bytes: the bare stdlib `email.message_from_bytes`,
and Kefu's parser alone (no database). Each database runs in its own child process (Django reads
its settings once). Without --database-url a private PostgreSQL cluster is started (like
bench/tickets.py, port 55434) and stopped at the end. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "intake" / "email" / "corpus"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tickets import Cluster, machine, say  # noqa: E402 — bench/tickets.py: the private PostgreSQL

PG_PORT = 55434
_HEADER = re.compile(rb"(?im)^(message-id|in-reply-to|references|from):[^\r\n]*(\r?\n[ \t][^\r\n]*)*\r?\n")


def mail_mix(scale: int, seed: int) -> tuple[list[bytes], int]:
    """`scale` mails from the corpus templates; returns (mails, how many are replies)."""
    templates = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]
    rng = random.Random(seed)
    mails, replies, new_ids = [], 0, []
    for n in range(scale):
        body = _HEADER.sub(b"", rng.choice(templates))
        head = f"Message-ID: <bench-{n}@example.com>\r\nFrom: customer{rng.randrange(scale)}@example.com\r\n"
        if new_ids and rng.random() < 0.25:
            head += f"In-Reply-To: {rng.choice(new_ids)}\r\n"
            replies += 1
        else:
            new_ids.append(f"<bench-{n}@example.com>")
        mails.append(head.encode() + body)
    return mails, replies


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


def child(args: argparse.Namespace) -> dict:
    data_dir = tempfile.mkdtemp(prefix="kefu-bench-mail.")
    atexit.register(shutil.rmtree, data_dir, True)
    env = {
        "KEFU_DATA_DIR": data_dir,
        "KEFU_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "KEFU_LOG_LEVEL": "WARNING",
        "KEFU_HUEY_IMMEDIATE": "0",
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
    }
    if args.database_url:
        env["KEFU_DATABASE_URL"] = args.database_url
        env["KEFU_PROFILE"] = "embedded"  # PostgreSQL without the production HTTPS and key rules
    os.environ.update(env)
    import email

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kefu.intake.email.models import InboundMail, Mailbox
    from kefu.intake.email.parser import parse
    from kefu.intake.email.services import mail_ingest, mail_ingest_many
    from kefu.tickets.models import Message, SlaPolicy, Ticket

    say(f"{connection.vendor}: migrate")
    call_command("migrate", verbosity=0)
    from datetime import time as clock

    from kefu.core.models import BusinessCalendar, Shift

    calendar = BusinessCalendar.objects.create(name="bench", is_default=True)
    Shift.objects.create(calendar=calendar, name="day", start=clock(9), end=clock(18))
    SlaPolicy.objects.create(
        name="bench", calendar=calendar, first_response_minutes=30, resolution_minutes=24 * 60
    )
    mailbox = Mailbox.objects.create(name="bench", address="service@kefu.test", ticket_type="complaint")
    mails, replies = mail_mix(args.scale, args.seed)
    megabytes = sum(map(len, mails)) / 1e6
    # Warm up (imports, jieba's dictionary, query compilation) with mail outside the measured set.
    for n, raw in enumerate(mail_mix(20, args.seed + 1)[0]):
        mail_ingest(raw=raw.replace(b"<bench-", f"<warm{n}-".encode()), mailbox=mailbox)

    say(f"{connection.vendor}: baseline parse of {len(mails)} mails ({megabytes:.1f} MB)")
    started = time.perf_counter()
    for raw in mails:
        email.message_from_bytes(raw)
    stdlib_s = time.perf_counter() - started
    started = time.perf_counter()
    for raw in mails:
        parse(raw)
    parse_s = time.perf_counter() - started

    def server_cpu() -> float:
        """CPU seconds of this connection's PostgreSQL server process so far (0 on SQLite)."""
        if connection.vendor != "postgresql":
            return 0.0
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a server on another machine
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def timed(run) -> tuple[float, float, float]:
        server, cpu, started = server_cpu(), time.process_time(), time.perf_counter()
        run()
        wall = time.perf_counter() - started
        return wall, time.process_time() - cpu, server_cpu() - server

    say(f"{connection.vendor}: ingest {len(mails)} mails ({replies} replies) in batches (the IMAP poll)")
    batch_rows: list = []
    batch_s, batch_cpu, batch_server = timed(
        lambda: batch_rows.extend(mail_ingest_many(raws=mails, mailbox=mailbox))
    )
    failed = sum(row.state != InboundMail.State.PROCESSED for row in batch_rows)

    pipe_mails = [raw.replace(b"<bench-", b"<pipe-") for raw in mail_mix(args.pipe_scale, args.seed + 2)[0]]
    say(f"{connection.vendor}: ingest {len(pipe_mails)} mails one by one (the MTA pipe)")

    def pipe() -> None:
        nonlocal failed
        for raw in pipe_mails:
            failed += mail_ingest(raw=raw, mailbox=mailbox).state != InboundMail.State.PROCESSED

    pipe_s, pipe_cpu, pipe_server = timed(pipe)

    sample = [raw.replace(b"<bench-", b"<count-") for raw in mail_mix(200, args.seed + 3)[0]]
    with CaptureQueriesContext(connection) as batch_queries:
        mail_ingest_many(raws=sample[:100], mailbox=mailbox)
    with CaptureQueriesContext(connection) as pipe_queries:
        for raw in sample[100:]:
            mail_ingest(raw=raw, mailbox=mailbox)
    n, p = len(mails), len(pipe_mails)
    result = {
        "database": connection.vendor,
        "mails": n,
        "replies": replies,
        "megabytes": round(megabytes, 2),
        "failed": failed,
        "work_orders": Ticket.objects.count(),
        "messages_in": Message.objects.filter(direction="in").count(),
        "stdlib_parse_per_s": rate(n, stdlib_s),
        "kefu_parse_per_s": rate(n, parse_s),
        "ingest_per_s": rate(n, batch_s),
        "ingest_ms_per_mail": round(batch_s * 1000 / n, 2),
        "ingest_cpu_ms_per_mail": round(batch_cpu * 1000 / n, 2),
        "ingest_server_cpu_ms_per_mail": round(batch_server * 1000 / n, 2),
        "ingest_statements_per_mail": round(len(batch_queries) / 100, 1),
        "pipe_mails": p,
        "pipe_per_s": rate(p, pipe_s),
        "pipe_ms_per_mail": round(pipe_s * 1000 / p, 2),
        "pipe_cpu_ms_per_mail": round(pipe_cpu * 1000 / p, 2),
        "pipe_server_cpu_ms_per_mail": round(pipe_server * 1000 / p, 2),
        "pipe_statements_per_mail": round(len(pipe_queries) / 100, 1),
        "load_average": os.getloadavg()[0],
    }
    result["ingest_vs_stdlib_parse"] = round(result["ingest_per_s"] / result["stdlib_parse_per_s"], 4)
    result["kefu_parse_vs_stdlib_parse"] = round(result["kefu_parse_per_s"] / result["stdlib_parse_per_s"], 3)
    return result


POLLER_TYPES = ["consultation", "suggestion", "praise", "complaint"]


def poller(args: argparse.Namespace) -> dict:
    """One poller process: its own mailbox (its own work-order type) and its own mails; waits for
    "go" on stdin so that all pollers start together."""
    os.environ.update(
        {
            "KEFU_DATA_DIR": tempfile.mkdtemp(prefix="kefu-bench-mail."),
            "KEFU_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "KEFU_LOG_LEVEL": "WARNING",
            "KEFU_HUEY_IMMEDIATE": "0",
            "DJANGO_SETTINGS_MODULE": "kefu.settings",
            "KEFU_DATABASE_URL": args.database_url,
            "KEFU_PROFILE": "embedded",  # PostgreSQL without the production HTTPS and key rules
        }
    )
    import django

    django.setup()
    from kefu.intake.email.models import InboundMail, Mailbox
    from kefu.intake.email.services import mail_ingest_many

    n = args.poller
    mailbox, _ = Mailbox.objects.get_or_create(
        name=f"poller{n}", defaults={"address": f"poller{n}@kefu.test", "ticket_type": POLLER_TYPES[n % 4]}
    )
    mails = [
        raw.replace(b"<bench-", f"<poll{n}-".encode()) for raw in mail_mix(args.scale, args.seed + 10 + n)[0]
    ]
    warm = [raw.replace(b"<bench-", f"<warmpoll{n}-".encode()) for raw in mail_mix(10, args.seed + 20 + n)[0]]
    mail_ingest_many(raws=warm, mailbox=mailbox)
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    rows = mail_ingest_many(raws=mails, mailbox=mailbox)
    return {
        "mails": len(mails),
        "seconds": time.perf_counter() - started,
        "failed": sum(row.state != InboundMail.State.PROCESSED for row in rows),
    }


def pollers_side_by_side(args: argparse.Namespace, url: str) -> dict:
    """`args.pollers` processes, each ingesting scale / pollers mails in batches into its own
    mailbox, all at once; the rate is all their mails over the time until the last one is done."""
    each = args.scale // args.pollers
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--poller",
                str(n),
                "--scale",
                str(each),
                "--seed",
                str(args.seed),
                "--database-url",
                url,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for n in range(args.pollers)
    ]
    for proc in procs:
        if proc.stdout.readline().strip() != "ready":
            sys.exit("a poller did not start")
    say(f"postgresql: {args.pollers} pollers side by side, {each} mails each")
    started = time.perf_counter()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [json.loads(proc.communicate()[0].strip().splitlines()[-1]) for proc in procs]
    wall = time.perf_counter() - started
    total = sum(r["mails"] for r in results)
    return {
        "pollers": args.pollers,
        "mails": total,
        "failed": sum(r["failed"] for r in results),
        "per_s": rate(total, wall),
        "per_poller_per_s": [rate(r["mails"], r["seconds"]) for r in results],
        "load_average": os.getloadavg()[0],
    }


def run_child(script_args: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *script_args], stdout=subprocess.PIPE, text=True
    )
    lines = done.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(line, flush=True)
    if done.returncode != 0 or not lines:
        sys.exit(f"benchmark child failed ({done.returncode})")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=int, default=3000, help="mails per database, in batches (default 3000)"
    )
    parser.add_argument("--pipe-scale", type=int, default=500, help="mails one by one (default 500)")
    parser.add_argument(
        "--database-url", default="", help="an empty PostgreSQL database (default: a private cluster)"
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--port", type=int, default=PG_PORT, help="port of the private cluster")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument(
        "--pollers", type=int, default=2, help="PostgreSQL: then that many pollers side by side (0: none)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--poller", type=int, default=-1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)), flush=True)
        return
    if args.poller >= 0:
        print(json.dumps(poller(args)), flush=True)
        return
    common = ["--scale", str(args.scale), "--pipe-scale", str(args.pipe_scale), "--seed", str(args.seed)]
    results = {"machine": machine(), "scale": args.scale, "sqlite": run_child(common)}
    if not args.no_postgres:
        url = args.database_url
        if not url:
            cluster = Cluster(args.port)
            atexit.register(cluster.stop, False)
            url = cluster.start()
            say(f"private PostgreSQL on port {args.port}")
        results["postgresql"] = run_child([*common, "--database-url", url])
        if args.pollers > 1:
            results["postgresql_pollers"] = pollers_side_by_side(args, url)
    for name in ("sqlite", "postgresql"):
        if name in results:
            r = results[name]
            say(
                f"{name}: ingest {r['ingest_per_s']}/s in batches ({r['ingest_cpu_ms_per_mail']} ms CPU,"
                f" {r['ingest_statements_per_mail']} statements a mail), {r['pipe_per_s']}/s one by one,"
                f" parse {r['kefu_parse_per_s']}/s, stdlib {r['stdlib_parse_per_s']}/s"
            )
    if "postgresql_pollers" in results:
        r = results["postgresql_pollers"]
        say(
            f"postgresql: {r['pollers']} pollers side by side: {r['per_s']}/s in all ({r['per_poller_per_s']})"
        )
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
