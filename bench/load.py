"""Many agents at once, over HTTP and websockets, against real servers started here.

    uv run python bench/load.py [--agents 200] [--duration 600] [--web-workers 2] [--embedded]

Production profile (default): a private PostgreSQL and Redis (as bench/tickets.py starts them),
`kefu web -w N` and `kefu worker`, the demo organisation plus --agents agents with API tokens.
--embedded: `kefu run` alone on SQLite (web, API, websockets and the worker in one process), to
document where that profile's limits are. Everything listens on 127.0.0.1 and is stopped and
removed at the end.

Each simulated agent loops: think (exponential, mean --think seconds, default 10), then one operation:
  queue       GET /api/tickets?queue=mine                      (read)
  open        GET /api/tickets/{number}                         (read)
  search      GET /api/tickets?q=<word>                         (read)
  create      POST /api/tickets                                 (write)
  reply       POST /api/tickets/{number}/messages               (write)
  transition  POST /api/tickets/{number}/transitions            (write: accept, start, resolve)
  chat        a visitor's websocket: start a chat, send a line, get the answer (websocket)
Every answer other than the expected status is an error, counted per operation with a sample.

Why 10 s: a busy hotline agent handles a contact every 3–5 minutes (talk, then wrap-up) and sends
Kefu about ten requests for it (the queue a few times, open, search, create or reply, two or three
transitions) — one request every 20–30 s; a chat agent with three chats at once about one every
10 s. A mean of 10 s for every one of the 200 agents is therefore a full shift at its busiest, about
20 requests per second. `--think 3` is a stress run (about 65 requests per second asked for: more
than two cores serve, so its latencies are queueing); docs/benchmarks.md records both.
The servers' CPU is read from /proc (the web and worker processes, their children and Redis;
PostgreSQL apart): per request during the run, and for a few seconds after it, with no client.
Progress goes to stdout; the last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_machine import machine  # noqa: E402

from tickets import SEARCH_WORDS, Cluster, RedisServer, pct  # noqa: E402 (one way to start the servers)

READS = {"queue", "open", "search"}
WRITES = {"create", "reply", "transition"}
# (operation, weight): what an agent's minute looks like, reads first.
MIX = [
    ("queue", 30),
    ("open", 25),
    ("search", 12),
    ("create", 8),
    ("reply", 10),
    ("transition", 10),
    ("chat", 5),
]
IDLE_SECONDS = 5  # after the load, how long the servers' CPU is watched with no client
NEXT_ACTION = {"new": "accept", "accepted": "start", "in_progress": "resolve"}
SETUP = r"""
import json, sys
from django.contrib.auth.hashers import make_password
from kefu.accounts.models import AgentGroup, ApiToken, Department, Role, User
from kefu.demo import data as demo
n = int(sys.argv[1])
center = Department.objects.get(code="center")
group = AgentGroup.objects.order_by("id").first()
supervisor = User.objects.get(username="supervisor")
password = make_password(demo.DEMO_PASSWORD)
tokens = []
for i in range(n):
    user = User.objects.create(username=f"load{i:03d}", role=Role.AGENT, display_name=f"坐席{i:03d}",
                               department=center, superior=supervisor, password=password)
    group.members.add(user)
    tokens.append(ApiToken.issue(user=user, name="load")[1])
print("TOKENS " + json.dumps(tokens))
"""


def say(message: str) -> None:
    print(f"[load {datetime.now(UTC):%H:%M:%S}Z] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servers:
    """The processes this run started, stopped in reverse order at exit (and on SIGTERM)."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.logs: list[Path] = []

    def start(self, name: str, args: list[str], env: dict, log: Path) -> subprocess.Popen:
        out = log.open("w")
        proc = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append((name, proc))
        self.logs.append(log)
        return proc

    def stop(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()


def kefu(*args: str) -> list[str]:
    return [sys.executable, "-m", "kefu.cli", *args]


def run_checked(args: list[str], env: dict, what: str) -> str:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{what} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server stopped:\n{log.read_text()[-4000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"the server did not answer {url} within {timeout:.0f} s:\n{log.read_text()[-4000:]}")


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds used so far by these processes and their descendants (uvicorn's workers)."""
    parents: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            stats[int(entry.name)] = fields
    wanted = set(pids)
    while True:
        more = {pid for pid, parent in parents.items() if parent in wanted} - wanted
        if not more:
            break
        wanted |= more
    ticks = sum(int(stats[pid][11]) + int(stats[pid][12]) for pid in wanted if pid in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


ACKS = r"""
import json
from kefu.notify.models import CustomerNotice
from kefu.tickets.models import Ticket
since = "SINCE"
created = Ticket.objects.filter(created_at__gte=since, created_by__username__startswith="load")
print("ACKS " + json.dumps({
    "created": created.count(),
    "acknowledged": CustomerNotice.objects.filter(kind="acknowledgement", ticket__in=created).count(),
}))
"""


def acknowledgements(env: dict, since: str, answered_201: int, timeout: float = 120) -> dict:
    """Work orders the agents created since `since` and their acknowledgement notices, once the
    worker has caught up (or `timeout` seconds have passed): the two counts must be equal."""
    deadline = time.monotonic() + timeout
    while True:
        out = run_checked(
            kefu("manage", "shell", "-c", ACKS.replace("SINCE", since)), env, "counting notices"
        )
        counts = json.loads(out.split("ACKS ", 1)[1].splitlines()[0])
        if counts["acknowledged"] >= counts["created"] or time.monotonic() > deadline:
            return {
                **counts,
                "answered_201": answered_201,
                "missing": counts["created"] - counts["acknowledged"],
            }
        time.sleep(5)


def server_log_errors(logs: list[Path]) -> dict:
    """Error lines in the servers' logs (tracebacks, 500s) and the first few of them, to read."""
    starts = ("Traceback", "ERROR", "Internal Server Error", "Exception", "[ERROR]")
    found = []
    for path in logs:
        lines = path.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            if line.startswith(starts) or " ERROR " in line:
                found.append(f"{path.name}: " + " | ".join(lines[i : i + 40])[-1500:])
    return {"server_log_errors": len(found), "server_log_samples": found[:3]}


# --- the simulated agents -----------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.samples: dict[str, str] = {}
        self.statuses: dict[str, Counter] = defaultdict(Counter)

    def record(self, op: str, ms: float, ok: bool, status, detail: str = "") -> None:
        self.ms[op].append(ms)
        self.statuses[op][str(status)] += 1
        if not ok:
            self.errors[op] += 1
            self.samples.setdefault(op, f"{status} {detail}"[:300])


class Agent:
    def __init__(self, n: int, token: str, base: str, stats: Stats, rng: random.Random, think: float) -> None:
        self.n, self.base, self.stats, self.rng, self.think = n, base, stats, rng, think
        self.headers = {"Authorization": f"Bearer {token}"}
        self.mine: dict[str, dict] = {}  # number -> {"status", "version"} of the work orders it drives
        self.seen: list[str] = []  # numbers from its queue, to open

    async def call(self, client, op: str, method: str, path: str, expect: int, body=None):
        t = time.perf_counter()
        try:
            response = await client.request(method, self.base + path, json=body, headers=self.headers)
        except Exception as exc:  # a refused or reset connection is an error like any other
            self.stats.record(op, (time.perf_counter() - t) * 1000, False, type(exc).__name__, str(exc))
            return None
        ms = (time.perf_counter() - t) * 1000
        ok = response.status_code == expect
        self.stats.record(op, ms, ok, response.status_code, "" if ok else response.text)
        return response.json() if ok else None

    def keep(self, data: dict | None) -> None:
        if data and data.get("owner") and data["status"] in NEXT_ACTION:
            self.mine[data["number"]] = {"status": data["status"], "version": data.get("version")}
        elif data:
            self.mine.pop(data["number"], None)

    async def step(self, client, op: str) -> None:
        rng = self.rng
        if op == "queue":
            data = await self.call(client, op, "GET", "/api/tickets?queue=mine&page_size=20", 200)
            if data:
                self.seen = [item["number"] for item in data["items"]][:20]
        elif op == "open":
            if not self.seen:
                return await self.step(client, "queue")
            await self.call(client, op, "GET", f"/api/tickets/{rng.choice(self.seen)}", 200)
        elif op == "search":
            word = rng.choice(SEARCH_WORDS)
            await self.call(client, op, "GET", f"/api/tickets?q={word}&page_size=20", 200)
        elif op == "create":
            body = {
                "ticket_type": rng.choice(["complaint", "consultation", "repair"]),
                "channel": "phone",
                "content": f"客户来电反映：{rng.choice(SEARCH_WORDS)}的问题还没有解决，请尽快处理。",
                "customer_name": "李先生",
                "customer_phone": f"139{rng.randrange(10**8):08d}",
            }
            self.keep(await self.call(client, op, "POST", "/api/tickets", 201, body))
        elif op == "reply":
            if not self.mine:
                return await self.step(client, "create")
            number = rng.choice(list(self.mine))
            body = {"body_text": "您好，您反映的问题我们已经在处理，请耐心等待。"}
            await self.call(client, op, "POST", f"/api/tickets/{number}/messages", 201, body)
        elif op == "transition":
            if not self.mine:
                return await self.step(client, "create")
            number = rng.choice(list(self.mine))
            state = self.mine[number]
            body = {
                "action": NEXT_ACTION[state["status"]],
                "note": "已与客户核实并处理完毕。",
                "customer_reply": "您反映的问题已处理完毕，感谢您的耐心等待。",  # resolve asks for it
            }
            self.keep(await self.call(client, op, "POST", f"/api/tickets/{number}/transitions", 200, body))
        elif op == "chat":
            await self.chat()

    async def chat(self) -> None:
        import websockets

        ws_base = self.base.replace("http://", "ws://")
        token = secrets.token_urlsafe(16).replace("-", "a").replace("_", "b")
        t = time.perf_counter()
        try:
            async with websockets.connect(
                f"{ws_base}/ws/chat/visitor/{token}/", origin=self.base, open_timeout=30
            ) as ws:
                await ws.send(json.dumps({"type": "start", "name": "访客", "phone": "13912345678"}))
                await ws.send(json.dumps({"type": "line", "text": "请问我的快递什么时候到？"}))
                frames = []
                while not any(f.get("type") in ("line", "error") for f in frames):
                    frames.append(json.loads(await asyncio.wait_for(ws.recv(), timeout=30)))
            errors = [f for f in frames if f.get("type") == "error"]
            self.stats.record(
                "chat", (time.perf_counter() - t) * 1000, not errors, "ws", json.dumps(errors)[:200]
            )
        except Exception as exc:
            self.stats.record("chat", (time.perf_counter() - t) * 1000, False, type(exc).__name__, str(exc))

    async def run(self, client, until: float, mix: list[tuple[str, int]]) -> None:
        ops, weights = zip(*mix, strict=True)
        await asyncio.sleep(self.rng.uniform(0, self.think))  # agents do not start in step
        while time.monotonic() < until:
            await self.step(client, self.rng.choices(ops, weights)[0])
            if self.think > 0:
                await asyncio.sleep(self.rng.expovariate(1 / self.think))


async def drive(
    base: str, tokens: list[str], duration: float, think: float, seed: int, mix: list[tuple[str, int]]
) -> tuple[Stats, float]:
    import httpx

    stats = Stats()
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends: reusing one just as the
    # server closes it is a client-side race (a ReadError), not an answer of Kefu's.
    limits = httpx.Limits(
        max_connections=len(tokens), max_keepalive_connections=len(tokens), keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        agents = [Agent(n, tok, base, stats, random.Random(seed + n), think) for n, tok in enumerate(tokens)]
        t0 = time.monotonic()
        await asyncio.gather(*(a.run(client, t0 + duration, mix) for a in agents))
        return stats, time.monotonic() - t0


def report(stats: Stats, wall: float) -> dict:
    ops = {}
    for op, ms in sorted(stats.ms.items()):
        ops[op] = {
            "n": len(ms),
            "per_s": round(len(ms) / wall, 2),
            "p50_ms": round(pct(ms, 50), 1),
            "p95_ms": round(pct(ms, 95), 1),
            "p99_ms": round(pct(ms, 99), 1),
            "max_ms": round(max(ms), 1),
            "errors": stats.errors[op],
            "statuses": dict(stats.statuses[op]),
        }
        if op in stats.samples:
            ops[op]["error_sample"] = stats.samples[op]
    total = sum(len(ms) for ms in stats.ms.values())
    reads = [v for op in READS for v in stats.ms.get(op, [])]
    writes = [v for op in WRITES for v in stats.ms.get(op, [])]
    return {
        "requests": total,
        "requests_per_s": round(total / wall, 1),
        "errors": sum(stats.errors.values()),
        "reads_p95_ms": round(pct(reads, 95), 1) if reads else None,
        "writes_p95_ms": round(pct(writes, 95), 1) if writes else None,
        "operations": ops,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=200, help="simulated agents (default %(default)s)")
    parser.add_argument("--duration", type=float, default=600, help="seconds of load (default %(default)s)")
    parser.add_argument(
        "--think", type=float, default=10.0, help="mean seconds between an agent's operations (see above)"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=20,
        help="seconds of load first, not measured (each process loads jieba)",
    )
    parser.add_argument("--web-workers", type=int, default=2, help="kefu web processes (production profile)")
    parser.add_argument("--embedded", action="store_true", help="kefu run on SQLite instead of production")
    parser.add_argument("--pg-port", type=int, default=55434, help="port of the private PostgreSQL")
    parser.add_argument("--redis-port", type=int, default=56434, help="port of the private Redis")
    parser.add_argument(
        "--only",
        choices=[op for op, _w in MIX],
        help="one operation only (e.g. --only create --think 0 --agents 20: a burst of creations)",
    )
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument(
        "--py-spy",
        type=Path,
        help="sample the web processes with py-spy during the measured run (collapsed stacks, this file)",
    )
    parser.add_argument("--logs", type=Path, help="copy the servers' logs into this directory at the end")
    args = parser.parse_args()
    mix = [(args.only, 1)] if args.only else MIX

    started = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix="kefu-load."))
    atexit.register(shutil.rmtree, data_dir, True)
    servers = Servers()
    atexit.register(servers.stop)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env |= {
        "KEFU_DATA_DIR": str(data_dir),
        "KEFU_SECRET_KEY": secrets.token_urlsafe(50),
        "KEFU_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KEFU_LOG_LEVEL": "WARNING",
        "KEFU_SMS_QUIET_HOURS": "",
        # Production ends TLS at the proxy (docs/operations.md); the agents here talk plain HTTP on
        # loopback, so no redirect to HTTPS and cookies that travel over HTTP.
        "KEFU_SSL_REDIRECT": "0",
        "KEFU_SECURE_COOKIES": "0",
        "PYTHONUNBUFFERED": "1",
    }
    pids_of_servers: list[int] = []
    pids_of_database: list[int] = []
    if args.embedded:
        profile = "embedded (kefu run: SQLite, SqliteHuey, in-memory channel layer, one process)"
    else:
        profile = f"production (PostgreSQL, Redis, kefu web -w {args.web_workers}, kefu worker)"
        cluster = Cluster(args.pg_port)
        atexit.register(cluster.stop, False)
        env["KEFU_DATABASE_URL"] = cluster.start()
        pids_of_database.append(int((cluster.dir / "data" / "postmaster.pid").read_text().split()[0]))
        redis = RedisServer(args.redis_port)
        atexit.register(redis.stop)
        env["KEFU_REDIS_URL"] = redis.start()
        pids_of_servers.append(redis.proc.pid)
    say(f"{profile}; data in {data_dir}")
    run_checked(kefu("manage", "migrate", "-v0"), env, "migrate")
    run_checked(kefu("manage", "kefu_demo"), env, "the demo organisation")
    out = run_checked(
        kefu("manage", "shell", "-c", SETUP.replace("sys.argv[1]", str(args.agents))), env, "agents"
    )
    tokens = json.loads(out.split("TOKENS ", 1)[1].splitlines()[0])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    if args.embedded:
        log = data_dir / "kefu-run.log"
        web = servers.start("run", kefu("run", "--port", str(port), "--no-demo"), env, log)
    else:
        log = data_dir / "kefu-web.log"
        web = servers.start("web", kefu("web", "--port", str(port), "-w", str(args.web_workers)), env, log)
        servers.start("worker", kefu("worker"), env, data_dir / "kefu-worker.log")
    wait_http(f"{base}/login/", web, log)
    pids = [proc.pid for _name, proc in servers.procs]
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    say(
        f"{args.agents} agents for {args.duration:.0f} s against {base}; load average {' '.join(load_before)}"
    )
    if args.warmup > 0:
        say(f"warming up for {args.warmup:.0f} s (not measured)")
        asyncio.run(drive(base, tokens, args.warmup, args.think, args.seed + 1, mix))
    cpu0 = cpu_seconds(pids + pids_of_servers)
    db_cpu0 = cpu_seconds(pids_of_database)
    measured_from = datetime.now(UTC).isoformat()
    spy = None
    if args.py_spy:
        spy = subprocess.Popen(
            [str(Path(sys.executable).parent / "py-spy"), "record", "--subprocesses", "--nonblocking"]
            + ["--format", "raw", "-r", "50", "-o", str(args.py_spy), "-p", str(web.pid)],
            stdout=subprocess.DEVNULL,
        )
    stats, wall = asyncio.run(drive(base, tokens, args.duration, args.think, args.seed, mix))
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
    server_cpu = cpu_seconds(pids + pids_of_servers) - cpu0
    database_cpu = cpu_seconds(pids_of_database) - db_cpu0
    # With no client left, the servers should rest: work here is work nobody asked for (the
    # chat consumers' tickers that outlived their websockets did this).
    idle0 = cpu_seconds(pids + pids_of_servers)
    time.sleep(IDLE_SECONDS)
    idle_cpu = cpu_seconds(pids + pids_of_servers) - idle0
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    result = {
        "bench": "load",
        "profile": profile,
        "agents": args.agents,
        "duration_s": round(wall, 1),
        "think_s": args.think,
        "warmup_s": args.warmup,
        "machine": {**machine(), "load_average_before": load_before, "load_average_after": load_after},
        **report(stats, wall),
        "servers_cpu_s": round(server_cpu, 1),
        # what the servers spend per answer, robust to a busy machine (p95s are not)
        "cpu_ms_per_request": round(server_cpu * 1000 / max(1, sum(len(v) for v in stats.ms.values())), 1),
        "postgresql_cpu_s": round(database_cpu, 1),
        "servers_idle_cpu_percent": round(100 * idle_cpu / IDLE_SECONDS, 1),
        **server_log_errors(servers.logs),
    }
    say("waiting for the worker: every work order created gets its acknowledgement SMS")
    result["acknowledgements"] = acknowledgements(env, measured_from, stats.statuses["create"].get("201", 0))
    servers.stop()
    if args.logs:
        args.logs.mkdir(parents=True, exist_ok=True)
        for path in servers.logs:
            shutil.copy(path, args.logs / path.name)
    result["total_s"] = round(time.perf_counter() - started, 1)
    say(f"{result['requests']} requests, {result['errors']} errors")
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
