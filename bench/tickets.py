"""Work orders at scale: the agent queue, the work-order page, creation through the API, one SLA sweep.

    uv run python bench/tickets.py [--scale 1000000] [--database-url postgres://...] [--keep]

Without --database-url it starts a private PostgreSQL cluster (initdb into /tmp/kefu-bench-pg.*,
owned by the `postgres` system user when run as root, port 55433, tuned for loading: fsync,
synchronous_commit and full_page_writes off) and stops it at the end unless --keep.

It builds an organisation with the ORM (departments, 5 supervisors, 50 agents in 5 groups, the
demo's SLA policies on its day + evening calendar), then bulk-loads the work orders with COPY:
customers and their phones, tickets, their timelines, SLA clocks, dispatches and escalations.
Secondary indexes are dropped for the load and rebuilt after it, then everything is ANALYZEd.

Figures (server time = time.perf_counter() around django.test.Client calls, through the full
middleware stack) are compared with baselines measured in the same run:
  - pages: a minimal view behind the same middleware that reads request.user;
  - creation: the same client POSTing to a view doing one bare ORM insert of a Ticket row;
  - sweep: SELECT count(*) over every running SLA clock.
Progress goes to stdout; the last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import atexit
import bisect
import importlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_machine import machine  # noqa: E402 (after the path: one definition for every benchmark)

PG_PORT = 55433
# What agents type into search: two-character words, longer words, a phrase, a product.
SEARCH_WORDS = [
    "快递",
    "退款",
    "空调",
    "态度",
    "发票",
    "电饭煲",
    "会员卡",
    "物流信息",
    "洗衣机不排水",
    "积分",
]
PG_SETTINGS = {
    "shared_buffers": "1GB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "maintenance_work_mem": "1GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
}

# Work-order mix: ~30% open, the rest further along; weights in per mille.
STATUS_WEIGHTS = [
    ("new", 30),
    ("accepted", 30),
    ("in_progress", 120),
    ("waiting_customer", 30),
    ("dispatched", 60),
    ("department_replied", 30),
    ("resolved", 40),
    ("awaiting_callback", 60),
    ("closed", 550),
    ("cancelled", 30),
    ("merged", 20),
]
OPEN = {"new", "accepted", "in_progress", "waiting_customer", "dispatched", "department_replied"}
TERMINAL = {"closed", "cancelled", "merged"}
# (action, status it leads to, minutes after the previous step: low, high)
PATHS = {
    "new": [],
    "accepted": ["accept"],
    "in_progress": ["accept", "start"],
    "waiting_customer": ["accept", "start", "wait_customer"],
    "dispatched": ["accept", "start", "dispatch"],
    "department_replied": ["accept", "start", "dispatch", "department_reply"],
    "resolved": ["accept", "start", "resolve"],
    "awaiting_callback": ["accept", "start", "resolve", "request_callback"],
    "closed": ["accept", "start", "resolve", "request_callback", "close"],
    "cancelled": ["cancel"],
    "merged": ["accept", "merge"],
}
STEP = {
    "accept": ("accepted", 2, 60, ""),
    "start": ("in_progress", 5, 120, ""),
    "wait_customer": ("waiting_customer", 30, 600, "请客户补充订单截图"),
    "dispatch": ("dispatched", 30, 600, "请核实情况并在期限内回复处理结果"),
    "department_reply": ("department_replied", 60, 2880, "已核实，已与客户联系并处理完毕"),
    "resolve": ("resolved", 60, 2880, "已向客户反馈处理结果，客户表示接受。"),
    "request_callback": ("awaiting_callback", 10, 240, ""),
    "close": ("closed", 60, 2880, "回访满意"),
    "cancel": ("cancelled", 10, 600, "客户来电说明已自行解决，撤销工单"),
    "merge": ("merged", 10, 300, "同一客户重复来电"),
}
TYPE_WEIGHTS = [
    ("complaint", 40),
    ("consultation", 30),
    ("repair", 8),
    ("return", 8),
    ("suggestion", 6),
    ("praise", 5),
    ("other", 3),
]
CHANNEL_WEIGHTS = [
    ("phone", 45),
    ("walk_in", 12),
    ("portal", 12),
    ("email", 8),
    ("chat", 12),
    ("letter", 2),
    ("regulator", 3),
    ("media", 1),
    ("sms", 3),
    ("onsite", 2),
]
# Working time → wall time: a 09:00–22:30 day (13.5 h) on ~250 working days a year.
WALL_PER_WORK = (24 / 13.5) * (365 / 250)
REPEAT_ESCALATION = 240 * 60  # the demo policies escalate another step every 240 working minutes
GROUPS = ["热线一组", "热线二组", "热线三组", "热线四组", "热线五组"]
AGENTS_PER_GROUP = 10
NULL = "\\N"


def say(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}Z] {message}", flush=True)


# --- machine and PostgreSQL ----------------------------------------------------------------------


def pg_bindir() -> Path:
    dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: float(p.parent.name))
    if not dirs or not (dirs[-1] / "initdb").exists():
        sys.exit("PostgreSQL server binaries not found under /usr/lib/postgresql; pass --database-url")
    return dirs[-1]


class Cluster:
    """A private, throw-away PostgreSQL cluster (PostgreSQL refuses to run as root)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = pg_bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="kefu-bench-pg."))
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_pg:
            shutil.chown(self.dir, "postgres")
        self.running = False

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_pg, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def start(self) -> str:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", self.port)) == 0:
                sys.exit(f"port {self.port} is in use: stop that server or pass --port / --database-url")
        data = self.dir / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = [f"-p {self.port}", f"-k {self.dir}", "-c listen_addresses=127.0.0.1"]
        options += [f"-c {k}={v}" for k, v in PG_SETTINGS.items()]
        log = self.dir / "postgres.log"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-t",
            "60",
            "start",
            "-o",
            " ".join(options),
        )
        self.running = True
        self._run(
            str(self.bin / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "kefu_bench",
        )
        return f"postgres://postgres@127.0.0.1:{self.port}/kefu_bench"

    def stop(self, keep: bool) -> None:
        if not self.running:
            return
        if keep:
            # stderr: the last line on stdout is the JSON result
            print(f"kept the cluster: {self.dir} (stop: pg_ctl -D {self.dir / 'data'} stop)", file=sys.stderr)
            return
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        self.running = False
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    """A private, throw-away Redis (no persistence) for the production profile (--redis)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="kefu-bench-redis."))
        self.proc: subprocess.Popen | None = None

    def start(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            sys.exit("redis-server not found: install Redis (apt-get install redis-server) or drop --redis")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", self.port)) == 0:
                sys.exit(f"port {self.port} is in use: pass another --redis-port")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return f"redis://127.0.0.1:{self.port}/0"
            time.sleep(0.05)
        sys.exit(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)


# --- statistics ---------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(ms: list[float]) -> dict:
    if not ms:  # every request answered otherwise: the caller reports what it got
        return {"n": 0}
    return {
        "n": len(ms),
        "p50_ms": round(pct(ms, 50), 2),
        "p95_ms": round(pct(ms, 95), 2),
        "max_ms": round(max(ms), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


# --- the organisation (ORM) -----------------------------------------------------------------------


def build_org(rng: random.Random) -> dict:
    from django.contrib.auth.hashers import make_password

    from kefu.accounts.models import AgentGroup, Department, Role, User
    from kefu.demo import data as demo
    from kefu.tickets.models import Category, EscalationSettings, SlaPolicy

    demo.policies_load()  # the demo's calendar (早班 + 晚班), its five SLA policies and categories
    password = make_password(demo.DEMO_PASSWORD)  # hashed once: PBKDF2 per user would take seconds

    def person(username: str, role: str, display: str, **kw) -> User:
        user = User(
            username=username, role=role, display_name=display, email=f"{username}@kefu.example", **kw
        )
        user.password = password
        user.save()
        return user

    departments = {
        code: Department.objects.create(code=code, name=name, is_service_center=center)
        for code, name, _parent, center in demo.DEPARTMENTS
    }
    center = departments["center"]
    board = person("board", Role.GENERAL_MANAGER, "集团董事会")
    gm = person("gm", Role.GENERAL_MANAGER, "王建国", department=center)
    manager = person("manager", Role.MANAGER, "李敏", department=center, superior=gm)
    person("qa", Role.QA, "周婷", department=center, superior=manager)
    settings_row = EscalationSettings.load()
    settings_row.board_contact = board
    settings_row.save()
    center.head = gm
    center.save()
    dept_staff = {}
    for code, dept in departments.items():
        if code == "center":
            continue
        head = person(f"{code}_head", Role.MANAGER, f"{dept.name}经理", department=dept, superior=gm)
        dept.head = head
        dept.save()
        dept_staff[code] = person(
            f"{code}_staff", Role.DEPARTMENT_STAFF, f"{dept.name}专员", department=dept, superior=head
        )
    groups, agents, supervisor_of = [], [], {}
    for g, name in enumerate(GROUPS):
        sup = person(
            f"supervisor{g + 1}", Role.SUPERVISOR, f"主管{g + 1}", department=center, superior=manager
        )
        group = AgentGroup.objects.create(name=name, department=center, leader=sup)
        group.members.add(sup)
        members = []
        for i in range(AGENTS_PER_GROUP):
            n = g * AGENTS_PER_GROUP + i + 1
            display = rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN)
            agent = person(
                f"agent{n:02d}",
                Role.AGENT,
                display,
                department=center,
                superior=sup,
                employee_no=f"K{1000 + n}",
            )
            members.append(agent)
            agents.append((agent.pk, group.pk))
            supervisor_of[agent.pk] = sup.pk
        group.members.add(*members)
        groups.append((group.pk, sup.pk, [m.pk for m in members]))
    policies = list(SlaPolicy.objects.filter(is_active=True).order_by("id"))
    categories = {}
    for cat in Category.objects.all():
        categories.setdefault(cat.ticket_type, []).append(cat.pk)
    return {
        "departments": {code: d.pk for code, d in departments.items()},
        "dept_staff": {code: u.pk for code, u in dept_staff.items()},
        "board": board.pk,
        "gm": gm.pk,
        "manager": manager.pk,
        "groups": groups,
        "agents": agents,
        "supervisor_of": supervisor_of,
        "policies": policies,
        "calendar": policies[0].calendar_id,
        "categories": categories,
        "ranks": {board.pk: 4, gm.pk: 4, manager.pk: 3, **{sup: 2 for _g, sup, _m in groups}},
    }


def pick_policy(policies, ticket_type: str, severity: str, tier: str):
    """tickets.services.sla.policy_for without a query: the most specific match, lowest id on ties."""
    best = None
    for p in policies:
        if (
            p.ticket_type not in ("", ticket_type)
            or p.severity not in ("", severity)
            or p.customer_tier not in ("", tier)
        ):
            continue
        if best is None or p.specificity > best.specificity:
            best = p
    return best


# --- COPY loading -------------------------------------------------------------------------------


def esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def ts(seconds: float) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).isoformat()


def opt_ts(seconds: float | None) -> str:
    return NULL if seconds is None else ts(seconds)


def opt(value) -> str:
    return NULL if value is None else str(value)


COLUMNS = {
    "customers_customer": "id name tier note created_at".split(),
    "customers_customerphone": "id customer_id number label".split(),
    "customers_customeremail": "id customer_id address".split(),
    "tickets_ticket": """
        id number ticket_type category_id channel status severity priority customer_id customer_name
        customer_phone customer_email title content demands location subject_person_id subject_department_id
        subject_product resolution group_id owner_id created_by_id sla_policy_id escalation_level
        escalated_to_id merged_into_id version created_at updated_at accepted_at resolved_at closed_at
        search_text
    """.split(),
    "tickets_ticketevent": "id ticket_id kind action from_status to_status actor_id note data created_at".split(),
    "tickets_slaclock": """
        id ticket_id dispatch_id target calendar_id state budget_seconds consumed_seconds started_at
        running_since due_at next_action_at stopped_at breached_at escalation_steps
    """.split(),
    "tickets_dispatch": """
        id ticket_id department_id state instructions deadline created_by_id created_at reply return_reason
        answered_by_id answered_at
    """.split(),
    "tickets_escalation": "id ticket_id clock_id step level reason to_user_id created_at acknowledged_at".split(),
    "tickets_ticketnumbersequence": "id prefix day last".split(),
}


def extra_columns(table: str) -> str:
    """Columns the models grew that this loader does not know: their default, as a constant suffix."""
    from django.apps import apps

    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    known = set(COLUMNS[table])
    suffix = []
    for field in model._meta.concrete_fields:
        if field.column in known:
            continue
        value = field.get_default()
        COLUMNS[table].append(field.column)
        suffix.append(
            NULL
            if value is None
            else esc(json.dumps(value) if isinstance(value, dict | list) else str(value))
        )
        say(f"  {table}.{field.column} is new to the loader: filled with its default {value!r}")
    return "".join("\t" + s for s in suffix)


class CopyStreams:
    """One connection and one COPY per table, all open at once, fed in large chunks."""

    def __init__(self, conninfo: dict, tables: list[str]) -> None:
        import psycopg

        self.tables = tables
        self.conns, self.copies, self.buffers, self.counts, self.suffix = {}, {}, {}, {}, {}
        self.fk_checks_off = True
        self._cms = []
        for table in tables:
            self.suffix[table] = extra_columns(table)
            conn = psycopg.connect(**conninfo)
            try:
                # Skips the FK triggers while loading (superuser only); rows reference valid ids by construction.
                conn.execute("SET session_replication_role = replica")
            except psycopg.Error:
                conn.rollback()
                self.fk_checks_off = False
            cur = conn.cursor()
            cm = cur.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN")
            self.copies[table] = cm.__enter__()
            self._cms.append(cm)
            self.conns[table] = conn
            self.buffers[table] = []
            self.counts[table] = 0

    def add(self, table: str, fields: list[str]) -> None:
        buf = self.buffers[table]
        buf.append("\t".join(fields) + self.suffix[table] + "\n")
        if len(buf) >= 20000:
            self.flush(table)

    def flush(self, table: str) -> None:
        buf = self.buffers[table]
        if buf:
            self.copies[table].write("".join(buf))
            self.counts[table] += len(buf)
            buf.clear()

    def close(self) -> dict:
        for table, cm in zip(self.tables, self._cms, strict=True):
            self.flush(table)
            cm.__exit__(None, None, None)
            self.conns[table].commit()
            self.conns[table].close()
        return dict(self.counts)


def secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """Indexes on `tables` that back no constraint: (name, CREATE INDEX statement)."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        """,
        [tables],
    )
    return cursor.fetchall()


class Loader:
    def __init__(self, *, scale: int, org: dict, now: float, rng: random.Random, due_fraction: float) -> None:
        from kefu.demo import data as demo

        self.scale, self.org, self.now, self.rng, self.due_fraction = scale, org, now, rng, due_fraction
        self.texts = {t: [tuple(esc(x) for x in row) for row in rows] for t, rows in demo.TEXTS.items()}
        self.places = [esc(p) for p in demo.PLACES]
        self.surnames, self.given = demo.SURNAMES, demo.GIVEN
        self.raw_places = demo.PLACES
        self.search_cache: dict = {}
        try:
            self.search = importlib.import_module("kefu.core.search")
            self.document_text = importlib.import_module("kefu.tickets.search").document_text
            self.search_mode = "per-template tickets.search.document_text + the row's own number/name/email/place/phone terms"
        except ImportError:
            self.search = None
            self.search_mode = "empty (kefu.core.search not available)"

    # search_text: tickets.search.document_text (jieba + bigrams) over a million rows would take many
    # minutes, so the text template's terms are computed once with it, and each row's own number,
    # customer name, email, place and phone terms are appended (the same terms document_text makes).
    def search_text(
        self, ticket_type: str, idx: int, number: str, name: str, email: str, place: int, phone: str
    ) -> str:
        search = self.search
        if search is None:
            return ""
        key = (ticket_type, idx)
        base = self.search_cache.get(key)
        if base is None:
            from kefu.tickets.models import Ticket

            title, content, demands, _dept, _category = self.org["raw_texts"][ticket_type][idx]
            base = self.search_cache[key] = esc(
                self.document_text(Ticket(title=title, content=content, demands=demands))
            )
        terms = self.search_cache.get(name)
        if terms is None:
            terms = self.search_cache[name] = " ".join(search.tokenize(name))
        where = self.search_cache.get(place)
        if where is None:
            where = self.search_cache[place] = " ".join(search.tokenize(self.raw_places[place]))
        mail = " ".join(search.tokenize(email)) if email else ""
        return (
            f"{number.lower().replace('-', ' ')} {base} {terms} {mail} {where} {phone} {phone} {phone[-4:]}"
        )

    def run(self, conninfo: dict) -> dict:
        from kefu.demo import data as demo
        from kefu.tickets.models import NUMBER_PREFIX, TicketType

        self.org["raw_texts"] = demo.TEXTS
        rng, now, org = self.rng, self.now, self.org
        t0 = time.perf_counter()
        import psycopg

        with psycopg.connect(**conninfo) as conn, conn.cursor() as cur:
            start_ids = {}
            for table in COLUMNS:
                cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
                start_ids[table] = cur.fetchone()[0] + 1
            indexes = secondary_indexes(cur, list(COLUMNS))
            for name, _sql in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            conn.commit()
        say(f"dropped {len(indexes)} secondary indexes for the load")

        streams = CopyStreams(conninfo, list(COLUMNS))
        say(f"COPY streams open (FK checks skipped while loading: {streams.fk_checks_off})")

        # customers: a quarter as many as work orders (people call again)
        n_customers = max(1000, self.scale // 4)
        cid0 = start_ids["customers_customer"]
        tiers = ["standard"] * 70 + ["silver"] * 15 + ["gold"] * 10 + ["vip"] * 5
        cust_name, cust_phone, cust_email, cust_tier = [], [], [], []
        for i in range(n_customers):
            name = rng.choice(self.surnames) + rng.choice(self.given)
            tier = rng.choice(tiers)
            phone = f"1{'3589'[i % 4]}{(i * 7919) % 10**9:09d}"
            email = f"customer{i}@example.com" if i % 3 == 0 else ""
            cust_name.append(name)
            cust_phone.append(phone)
            cust_email.append(email)
            cust_tier.append(tier)
            streams.add(
                "customers_customer", [str(cid0 + i), name, tier, "", ts(now - rng.uniform(0, 400 * 86400))]
            )
            streams.add(
                "customers_customerphone",
                [str(start_ids["customers_customerphone"] + i), str(cid0 + i), phone, ""],
            )
            if email:
                streams.add(
                    "customers_customeremail",
                    [str(start_ids["customers_customeremail"] + i), str(cid0 + i), email],
                )
        self.org["customer_phones"] = cust_phone[:5000]
        say(f"customers generated: {n_customers}")

        # when each work order was created: terminal ones over the whole year, open ones mostly recent
        statuses = [s for s, _w in STATUS_WEIGHTS]
        cum = []
        acc = 0
        for _s, w in STATUS_WEIGHTS:
            acc += w
            cum.append(acc)
        type_values = [t for t, _w in TYPE_WEIGHTS]
        type_cum, acc_t = [], 0
        for _t, w in TYPE_WEIGHTS:
            acc_t += w
            type_cum.append(acc_t)
        policy_cache: dict = {}

        def policy_of(ticket_type: str, severity: str, tier: str):
            key = (ticket_type, severity, tier)
            if key not in policy_cache:
                policy_cache[key] = pick_policy(org["policies"], ticket_type, severity, tier)
            return policy_cache[key]

        # Ages: closed work over the whole year; open work mostly within its SLA budget (about one in
        # ten running clocks overdue, already breached and escalated by earlier sweeps).
        plan = []
        for _ in range(self.scale):
            status = statuses[bisect.bisect_right(cum, rng.random() * acc)]
            ticket_type = type_values[bisect.bisect_right(type_cum, rng.random() * acc_t)]
            severity = "major" if ticket_type == "complaint" and rng.random() < 0.08 else "general"
            ci = rng.randrange(n_customers)
            policy = policy_of(ticket_type, severity, cust_tier[ci])
            late = rng.uniform(1, 4) if rng.random() < 0.1 else rng.random()
            if status in TERMINAL:
                age = rng.uniform(1, 365) * 86400
            elif status == "new":
                age = (policy.first_response_minutes or 30) * 60 * WALL_PER_WORK * late
            elif status in ("resolved", "awaiting_callback"):
                age = rng.uniform(0.5, 3) * 86400
            else:
                age = (policy.resolution_minutes or 2340) * 60 * WALL_PER_WORK * late
            plan.append((now - age - 60, status, ticket_type, severity, ci))
        plan.sort()

        chan_values = [c for c, _w in CHANNEL_WEIGHTS]
        chan_cum, acc_c = [], 0
        for _c, w in CHANNEL_WEIGHTS:
            acc_c += w
            chan_cum.append(acc_c)
        groups = org["groups"]
        agents = org["agents"]
        sup_of = org["supervisor_of"]
        ranks = org["ranks"]
        dept_ids = org["departments"]
        dept_codes = [c for c in dept_ids if c != "center"]
        dept_staff = org["dept_staff"]
        calendar = str(org["calendar"])
        seq: dict = {}
        tid = start_ids["tickets_ticket"]
        eid = start_ids["tickets_ticketevent"]
        kid = start_ids["tickets_slaclock"]
        did = start_ids["tickets_dispatch"]
        xid = start_ids["tickets_escalation"]
        due_now = breached_running = 0
        local_day_cache: dict = {}
        add = streams.add
        for n, (created, status, ticket_type, severity, ci) in enumerate(plan):
            channel = chan_values[bisect.bisect_right(chan_cum, rng.random() * acc_c)]
            idx = rng.randrange(len(self.texts[ticket_type]))
            title, content, demands, dept_code, _category = self.texts[ticket_type][idx]
            priority = 3 if severity == "major" else rng.choice((2, 2, 3, 1))
            policy = policy_of(ticket_type, severity, cust_tier[ci])
            self_service = channel in ("portal", "email")
            agent_id, group_id = agents[rng.randrange(len(agents))]
            owner = None if (status == "new" and self_service) else agent_id
            if owner is None:
                group_id = groups[rng.randrange(len(groups))][0]
            created_by = None if self_service else agent_id
            # number: prefix, local (UTC+8) date, per-day counter
            day_no = int((created + 8 * 3600) // 86400)
            day = local_day_cache.get(day_no)
            if day is None:
                day = local_day_cache[day_no] = datetime.fromtimestamp(day_no * 86400, UTC).date()
            prefix = NUMBER_PREFIX[TicketType(ticket_type)]
            last = seq.get((prefix, day), 0) + 1
            seq[(prefix, day)] = last
            number = f"{prefix}-{day:%Y%m%d}-{last:04d}"

            # the timeline: created, then each step of the path
            events = [("created", "", "", "new", created_by, "", json.dumps({"channel": channel}), created)]
            at = created
            times = {}
            cur_status = "new"
            for action in PATHS[status]:
                target, lo, hi, note = STEP[action]
                at = min(at + rng.uniform(lo, hi) * 60, now - 60)
                times[action] = at
                kind = "transition"
                actor = (
                    dept_staff.get(dept_code or "store")
                    if action == "department_reply"
                    else owner or agent_id
                )
                events.append((kind, action, cur_status, target, actor, note, "{}", at))
                cur_status = target
            if rng.random() < 0.3:
                note_at = created + (at - created) * rng.random()
                note = "已联系客户，客户表示理解，等待处理结果"
                events.append(("note", "", "", "", owner or agent_id, note, "{}", note_at))
            accepted_at = times.get("accept")
            resolved_at = times.get("resolve")
            closed_at = times.get("close")
            ticket_owner = owner if owner is not None or accepted_at is None else agent_id

            # SLA clocks
            is_due_now = status in OPEN and rng.random() < self.due_fraction
            chain = (
                [sup_of[ticket_owner], org["manager"], org["gm"]]
                if ticket_owner
                else [org["manager"], org["gm"], org["board"]]
            )
            clocks = []  # (target, budget, started, end_state, end_at, dispatch_id)
            if policy.first_response_minutes:
                fr_end = accepted_at or times.get("cancel")
                clocks.append(("first_response", policy.first_response_minutes * 60, created, fr_end, None))
            if policy.resolution_minutes:
                res_end = resolved_at or times.get("cancel") or times.get("merge")
                clocks.append(("resolution", policy.resolution_minutes * 60, created, res_end, None))
            dispatch_id = None
            if "dispatch" in times:
                dispatch_id = did
                did += 1
                dept = dept_code or dept_codes[rng.randrange(len(dept_codes))]
                budget = (policy.department_reply_minutes or int(3 * 13.5 * 60)) * 60
                deadline = times["dispatch"] + budget * WALL_PER_WORK
                replied = times.get("department_reply")
                add(
                    "tickets_dispatch",
                    [
                        str(dispatch_id), str(tid), str(dept_ids[dept]), "replied" if replied else "pending",
                        "请核实情况并在期限内回复处理结果", ts(deadline), opt(owner or agent_id), ts(times["dispatch"]),
                        "已核实，已与客户联系并处理完毕" if replied else "", "", opt(dept_staff[dept] if replied else None),
                        opt_ts(replied),
                    ],
                )  # fmt: skip
                clocks.append(("department_reply", budget, times["dispatch"], replied, dispatch_id))
            if "request_callback" in times and policy.callback_minutes:
                clocks.append(
                    ("callback", policy.callback_minutes * 60, times["request_callback"], closed_at, None)
                )
            max_steps = 0
            for target, budget, started, end_at, disp in clocks:
                due = started + budget * WALL_PER_WORK
                consumed, running_since, breached, steps, next_at, stopped = 0, started, None, 0, None, None
                if end_at is not None:
                    state, stopped, running_since = "stopped", end_at, None
                    consumed = min(budget, int((end_at - started) / WALL_PER_WORK))
                    breached = due if end_at > due else None
                elif status == "waiting_customer" and disp is None:
                    state, running_since = "paused", None
                    consumed = min(budget, int((times["wait_customer"] - started) / WALL_PER_WORK))
                    due = None
                else:
                    state = "running"
                    if is_due_now:
                        due = now - rng.uniform(1, 1800)
                        next_at = due
                        due_now += 1
                    elif due > now:
                        next_at = due
                    else:
                        breached = due
                        breached_running += 1
                        steps = min(3, 1 + int((now - due) / (REPEAT_ESCALATION * WALL_PER_WORK)))
                        next_at = None if steps >= 3 else due + steps * REPEAT_ESCALATION * WALL_PER_WORK
                        events.append(
                            ("sla_breach", "", "", "", None, target, json.dumps({"target": target}), due)
                        )
                        for step in range(1, steps + 1):
                            to_user = chain[step - 1]
                            at_step = due + (step - 1) * REPEAT_ESCALATION * WALL_PER_WORK
                            row = [xid, tid, kid, step, ranks[to_user], "breach", to_user, ts(at_step), NULL]
                            add("tickets_escalation", [str(v) for v in row])
                            xid += 1
                            data = json.dumps({"to_user": to_user})
                            events.append(("escalation", "", "", "", None, "SLA breached", data, at_step))
                        max_steps = max(max_steps, steps)
                add(
                    "tickets_slaclock",
                    [
                        str(kid), str(tid), opt(disp), target, calendar, state, str(budget), str(consumed), ts(started),
                        opt_ts(running_since), opt_ts(due), opt_ts(next_at), opt_ts(stopped), opt_ts(breached), str(steps),
                    ],
                )  # fmt: skip
                kid += 1
            escalated_to = chain[max_steps - 1] if max_steps else None
            updated = max(e[7] for e in events)
            events.sort(key=lambda e: e[7])
            for kind, action, frm, to, actor, note, data, at_e in events:
                add(
                    "tickets_ticketevent",
                    [str(eid), str(tid), kind, action, frm, to, opt(actor), note, data, ts(at_e)],
                )
                eid += 1
            name, phone = cust_name[ci], cust_phone[ci]
            place = rng.randrange(len(self.places))
            add(
                "tickets_ticket",
                [
                    str(tid), number, ticket_type, str(rng.choice(org["categories"][ticket_type])), channel, status,
                    severity, str(priority), str(cid0 + ci), name, phone, cust_email[ci], title, content, demands,
                    self.places[place], NULL, NULL, "",
                    STEP["resolve"][3] if resolved_at else "", str(group_id), opt(ticket_owner), opt(created_by),
                    str(policy.pk), str(ranks[escalated_to]) if escalated_to else "0", opt(escalated_to),
                    str(tid - 1) if status == "merged" and tid > start_ids["tickets_ticket"] else NULL,
                    str(len(events) + max_steps), ts(created), ts(updated), opt_ts(accepted_at), opt_ts(resolved_at),
                    opt_ts(closed_at), self.search_text(ticket_type, idx, number, name, cust_email[ci], place, phone),
                ],
            )  # fmt: skip
            tid += 1
            if (n + 1) % 100000 == 0:
                say(f"  {n + 1} work orders generated ({time.perf_counter() - t0:.0f} s)")
        sid = start_ids["tickets_ticketnumbersequence"]
        for i, ((prefix, day), last) in enumerate(seq.items()):
            add("tickets_ticketnumbersequence", [str(sid + i), prefix, day.isoformat(), str(last)])
        counts = streams.close()
        t_copy = time.perf_counter() - t0
        say(f"COPY done in {t_copy:.1f} s: {counts}")

        t1 = time.perf_counter()
        with psycopg.connect(**conninfo, autocommit=True) as conn:
            for name, sql in indexes:
                t = time.perf_counter()
                conn.execute(sql)
                if time.perf_counter() - t > 1:
                    say(f"  index {name}: {time.perf_counter() - t:.1f} s")
            for table in COLUMNS:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        t_index = time.perf_counter() - t1
        t2 = time.perf_counter()
        with psycopg.connect(**conninfo, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        t_analyze = time.perf_counter() - t2
        say(f"indexes rebuilt in {t_index:.1f} s, VACUUM ANALYZE in {t_analyze:.1f} s")
        return {
            "rows": counts,
            "due_now_clocks": due_now,
            "breached_running_clocks": breached_running,
            "search_text": self.search_mode,
            "copy_s": round(t_copy, 1),
            "index_s": round(t_index, 1),
            "vacuum_analyze_s": round(t_analyze, 1),
            "total_s": round(t_copy + t_index + t_analyze, 1),
            "fk_checks_skipped": streams.fk_checks_off,
        }


# --- the measurements ---------------------------------------------------------------------------


def bench_urlconf():
    """The site's URLs plus two baseline views; the API alone if the site's URLs do not import yet."""
    import types

    from django.http import HttpResponse
    from django.urls import include, path
    from django.utils import timezone
    from django.views.decorators.csrf import csrf_exempt

    from kefu.tickets.models import Ticket

    def ping(request):
        return HttpResponse(f"ok {request.user.pk}")

    counter = {"n": 0}

    @csrf_exempt
    def bare_insert(request):
        counter["n"] += 1
        now = timezone.now()
        Ticket.objects.create(
            number=f"BENCH-{os.getpid()}-{counter['n']}", ticket_type="consultation", channel="phone",
            title="bench", content=request.body.decode()[:200], created_at=now, updated_at=now,
        )  # fmt: skip
        return HttpResponse("ok", status=201)

    module = types.ModuleType("kefu_bench_urls")
    site_ok = True
    try:
        import kefu.urls  # noqa: F401

        site = [path("", include("kefu.urls"))]
    except Exception as exc:  # the pages may not be written yet
        from kefu.api import api

        say(f"kefu.urls does not import yet ({exc!r}): the API alone is mounted")
        site = [path("api/", api.urls)]
        site_ok = False
    module.urlpatterns = [path("__bench__/ping", ping), path("__bench__/insert", bare_insert), *site]
    sys.modules["kefu_bench_urls"] = module
    return site_ok


def timed_requests(client, urls: list[str], warmup: int) -> tuple[list[float], list]:
    for url in urls[:warmup]:
        client.get(url)
    ms, bad = [], []
    for url in urls:
        t = time.perf_counter()
        response = client.get(url)
        ms.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            bad.append((url, response.status_code))
    return ms, bad


def query_profile(client, urls: list[str]) -> dict:
    """Queries per request and their summed time, in a separate pass (capturing adds overhead)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts, db_ms, slowest = [], [], ("", 0.0)
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        counts.append(len(ctx.captured_queries))
        db = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        db_ms.append(db)
        for q in ctx.captured_queries:
            if float(q["time"]) * 1000 > slowest[1]:
                slowest = (q["sql"], float(q["time"]) * 1000)
    return {
        "queries_median": statistics.median(counts),
        "queries_max": max(counts),
        "db_ms_median": round(statistics.median(db_ms), 2),
        "slowest_query_ms": round(slowest[1], 2),
        "slowest_query": slowest[0][:600],
    }


def explain(sql: str) -> str:
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return ""
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(r[0] for r in cur.fetchall())


def measure_pages(*, user, n: int, rng: random.Random, site_ok: bool) -> dict:
    from django.db import connection
    from django.test import Client
    from django.urls import Resolver404, resolve

    from kefu.tickets import selectors

    client = Client()
    client.force_login(user)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT number FROM tickets_ticket WHERE group_id IN "
            "(SELECT agentgroup_id FROM accounts_agentgroup_members WHERE user_id = %s) ORDER BY random() LIMIT %s",
            [user.pk, n],
        )
        numbers = [r[0] for r in cur.fetchall()]
    results = {}
    base_ms, _bad = timed_requests(client, ["/__bench__/ping"] * n, warmup=20)
    results["baseline_minimal_view"] = summary(base_ms)
    results["baseline_minimal_view"].update(query_profile(client, ["/__bench__/ping"] * 5))
    pages_exist = False
    if site_ok:
        try:
            resolve("/")
            resolve(f"/tickets/{numbers[0]}/")
            pages_exist = True
        except Resolver404:
            pass
    if pages_exist:
        targets = {
            "queue_mine": ["/?queue=mine"] * n,
            "queue_group": ["/?queue=group"] * n,
            "ticket_page": [f"/tickets/{x}/" for x in numbers],
            # Chinese search (jieba terms + bigrams in the GIN index), two-character words among them.
            "search": [f"/tickets/search/?q={rng.choice(SEARCH_WORDS)}" for _ in range(n)],
        }
        for name, urls in targets.items():
            ms, bad = timed_requests(client, urls, warmup=20)
            results[name] = summary(ms)
            results[name].update(query_profile(client, urls[:20]))
            results[name]["ratio_p50_to_baseline"] = round(
                results[name]["p50_ms"] / results["baseline_minimal_view"]["p50_ms"], 1
            )
            if bad:
                results[name]["non_200"] = bad[:5]
            say(f"  {name}: {results[name]}")
            plan = (
                explain(results[name]["slowest_query"]) if len(results[name]["slowest_query"]) < 600 else ""
            )
            if plan:
                say(f"  plan of the slowest query of {name}:\n{plan}")
        results["measured"] = "pages through django.test.Client"
    else:
        say("the pages are not there yet: measuring selectors.ticket_queue(...)[:50] instead")
        for queue in ("mine", "group"):
            for _ in range(20):
                list(selectors.ticket_queue(user=user, queue=queue)[:50])
            ms = []
            for _ in range(n):
                t = time.perf_counter()
                list(selectors.ticket_queue(user=user, queue=queue)[:50])
                ms.append((time.perf_counter() - t) * 1000)
            results[f"queue_{queue}"] = summary(ms)
        results["measured"] = "selectors only (pages missing)"
    return results


def measure_creation(*, user, m: int, rng: random.Random, org: dict) -> dict:
    from django.test import Client

    from kefu.accounts.models import ApiToken
    from kefu.demo import data as demo

    _token, raw = ApiToken.issue(user=user, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    phones = org["customer_phones"]

    def payload(i: int) -> str:
        ticket_type = rng.choice(["complaint", "complaint", "consultation", "repair", "return"])
        title, content, demands, _dept, _category = rng.choice(demo.TEXTS[ticket_type])
        known = rng.random() < 0.7  # most callers have called before
        return json.dumps(
            {
                "ticket_type": ticket_type,
                "channel": "phone",
                "title": title,
                "content": content,
                "demands": demands,
                "customer_name": rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN),
                "customer_phone": rng.choice(phones) if known else f"177{rng.randrange(10**8):08d}",
                "category_id": rng.choice(org["categories"][ticket_type]),
                "location": rng.choice(demo.PLACES),
            },
            ensure_ascii=False,
        )

    bodies = [payload(i) for i in range(m + 20)]
    for body in bodies[:20]:
        r = client.post("/api/tickets", body, content_type="application/json")
        if r.status_code != 201:
            return {"error": f"POST /api/tickets answered {r.status_code}: {r.content[:300]!r}"}
    ms = []
    backend_cpu = _backend_cpu_seconds()
    cpu0, pg0, other0 = time.process_time(), backend_cpu(), _other_servers_cpu()
    t0 = time.perf_counter()
    for body in bodies[20:]:
        t = time.perf_counter()
        r = client.post("/api/tickets", body, content_type="application/json")
        ms.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 201, r.content[:300]
    api_s = time.perf_counter() - t0
    # CPU per create, of this process and of its PostgreSQL backend: unlike the rate, it does not
    # change when other programs share the cores; 2 cores / their sum bounds two processes' rate.
    py_cpu_ms = (time.process_time() - cpu0) / m * 1000
    pg_cpu = backend_cpu()
    pg_cpu_ms = (pg_cpu - pg0) / m * 1000 if pg_cpu is not None and pg0 is not None else None
    other_cpu_ms = (_other_servers_cpu() - other0) / m * 1000 if other0 is not None else None
    plain = Client()
    for body in bodies[:20]:
        plain.post("/__bench__/insert", body, content_type="application/json")
    t0 = time.perf_counter()
    for body in bodies[20:]:
        plain.post("/__bench__/insert", body, content_type="application/json")
    base_s = time.perf_counter() - t0
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.post("/api/tickets", bodies[0], content_type="application/json")
    api_rate, base_rate = m / api_s, m / base_s
    return {
        "requests": m,
        "api_per_s": round(api_rate, 1),
        **{f"api_{k}": v for k, v in summary(ms).items() if k != "n"},
        "api_queries_per_create": len(ctx.captured_queries),
        "api_python_cpu_ms_per_create": round(py_cpu_ms, 2),
        "api_postgres_cpu_ms_per_create": round(pg_cpu_ms, 2) if pg_cpu_ms is not None else None,
        **({"api_redis_cpu_ms_per_create": round(other_cpu_ms, 2)} if other_cpu_ms is not None else {}),
        "baseline_bare_insert_per_s": round(base_rate, 1),
        "ratio_baseline_to_api": round(base_rate / api_rate, 1),
    }


def measure_http(*, user, n: int, m: int, rng: random.Random, org: dict, workers: int) -> dict:
    """The pages and API calls measured in-process above, over HTTP against `kefu web -w workers`
    on the same database; and how many PostgreSQL connections the server opened for all of them."""
    from urllib.parse import quote

    from bench_http import WebServer, session_cookie, sessions_opened, timed_http
    from django.db import connection

    from kefu.accounts.models import ApiToken
    from kefu.demo import data as demo

    _token, raw = ApiToken.issue(user=user, name="bench-http")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT number FROM tickets_ticket WHERE group_id IN "
            "(SELECT agentgroup_id FROM accounts_agentgroup_members WHERE user_id = %s) ORDER BY random() LIMIT %s",
            [user.pk, n],
        )
        numbers = [r[0] for r in cur.fetchall()]
    server = WebServer(workers=workers)
    base = server.start()
    say(f"  kefu web -w {workers} at {base}")
    page = {"Cookie": session_cookie(user)}
    api = {"Authorization": f"Bearer {raw}"}
    get = lambda paths: [("GET", p, None) for p in paths]  # noqa: E731
    targets = {
        "api_me": (api, get(["/api/me"] * n), 200),
        "api_queue_mine": (api, get(["/api/tickets?queue=mine"] * n), 200),
        "queue_mine": (page, get(["/?queue=mine"] * n), 200),
        "queue_group": (page, get(["/?queue=group"] * n), 200),
        "ticket_page": (page, get([f"/tickets/{x}/" for x in numbers]), 200),
        "search": (
            page,
            get([f"/tickets/search/?q={quote(rng.choice(SEARCH_WORDS))}" for _ in range(n)]),
            200,
        ),
    }
    phones = org["customer_phones"]
    bodies = []
    for _ in range(m):
        ticket_type = rng.choice(["complaint", "consultation", "repair"])
        title, content, demands, _dept, _category = rng.choice(demo.TEXTS[ticket_type])
        body = {
            "ticket_type": ticket_type, "channel": "phone", "title": title, "content": content,
            "demands": demands, "customer_name": rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN),
            "customer_phone": rng.choice(phones), "category_id": rng.choice(org["categories"][ticket_type]),
        }  # fmt: skip
        bodies.append(("POST", "/api/tickets", json.dumps(body, ensure_ascii=False).encode()))
    targets["api_create"] = ({**api, "Content-Type": "application/json"}, bodies, 201)
    results = {}
    opened0, requests = sessions_opened(), 0
    try:
        for name, (headers, calls, expect) in targets.items():
            ms, bad = timed_http(server.port, calls, headers=headers, expect=expect)
            requests += len(ms) + 10  # the warm-up requests open connections too
            results[name] = summary(ms)
            if bad:
                results[name]["unexpected"] = bad[:5]
            say(f"  http {name}: {results[name]}")
    finally:
        server.stop()
    connection.close()
    opened = sessions_opened()
    if opened0 is not None:
        results["postgresql_connections_opened"] = {"requests": requests, "connections": opened - opened0}
    results["measured"] = f"HTTP/1.1 keep-alive, one request at a time, against kefu web -w {workers}"
    return results


def _backend_cpu_seconds():
    """A function giving the CPU seconds used so far by this connection's PostgreSQL backend
    (from /proc: a server on this machine only), or None when that cannot be read."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    stat = Path(f"/proc/{pid}/stat")

    def read():
        if not stat.exists() or "postgres" not in stat.read_text().split(")", 1)[0]:
            return None  # a server elsewhere: that pid is not its backend
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return read


OTHER_SERVERS: list[int] = []  # pids of private servers on this machine besides PostgreSQL (Redis)


def _other_servers_cpu() -> float | None:
    """CPU seconds used so far by the private Redis (None without --redis)."""
    if not OTHER_SERVERS:
        return None
    total = 0.0
    for pid in OTHER_SERVERS:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _create_worker(raw_token: str, bodies: list[str], barrier, results) -> None:
    """One web process of many: POST its share of work orders once every process is ready."""
    from django.db import connection
    from django.test import Client

    connection.close()  # never share the parent's socket
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")
    client.post("/api/tickets", bodies[0], content_type="application/json")  # warm up
    barrier.wait()
    t0 = time.perf_counter()
    ok = sum(
        client.post("/api/tickets", b, content_type="application/json").status_code == 201 for b in bodies[1:]
    )
    results.put((ok, time.perf_counter() - t0))
    connection.close()


def measure_creation_parallel(*, user, m: int, workers: int, rng: random.Random, org: dict) -> dict:
    """Creation throughput with `workers` processes at once, as production runs several web processes."""
    import multiprocessing

    from django.db import connection

    from kefu.accounts.models import ApiToken
    from kefu.demo import data as demo

    _token, raw = ApiToken.issue(user=user, name="bench-parallel")
    phones = org["customer_phones"]
    bodies = []
    for _ in range(m + workers):
        ticket_type = rng.choice(["complaint", "complaint", "consultation", "repair", "return"])
        title, content, demands, _dept, _category = rng.choice(demo.TEXTS[ticket_type])
        bodies.append(
            json.dumps(
                {
                    "ticket_type": ticket_type,
                    "channel": "phone",
                    "title": title,
                    "content": content,
                    "demands": demands,
                    "customer_name": rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN),
                    "customer_phone": rng.choice(phones)
                    if rng.random() < 0.7
                    else f"177{rng.randrange(10**8):08d}",
                    "category_id": rng.choice(org["categories"][ticket_type]),
                    "location": rng.choice(demo.PLACES),
                },
                ensure_ascii=False,
            )  # fmt: skip
        )
    connection.close()
    if hasattr(connection, "close_pool"):
        # A pool's connections and threads must not be copied into forked children: each child
        # opens its own, and this process a new pool after them.
        connection.close_pool()
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(workers + 1), ctx.Queue()
    share = m // workers
    procs = [
        ctx.Process(
            target=_create_worker,
            args=(raw, bodies[i * (share + 1) : (i + 1) * (share + 1)], barrier, results),
        )
        for i in range(workers)
    ]
    for proc in procs:
        proc.start()
    barrier.wait()
    t0 = time.perf_counter()
    done = [results.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - t0
    for proc in procs:
        proc.join()
    created = sum(ok for ok, _s in done)
    return {
        "workers": workers,
        "created": created,
        "wall_s": round(wall, 2),
        "api_per_s": round(created / wall, 1),
        "per_worker_per_s": [round(ok / s, 1) for ok, s in done],
    }


def measure_sweep(*, now: datetime) -> dict:
    from django.db import connection

    from kefu.tickets.services import sla_sweep

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM tickets_slaclock WHERE state = 'running' AND next_action_at <= %s", [now]
        )
        due = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM tickets_ticket WHERE status = ANY(%s)", [list(OPEN)])
        open_tickets = cur.fetchone()[0]
        base = []
        for _ in range(3):
            t = time.perf_counter()
            cur.execute("SELECT count(*) FROM tickets_slaclock WHERE state = 'running'")
            running = cur.fetchone()[0]
            base.append((time.perf_counter() - t) * 1000)
    queries = {"n": 0}

    def count(execute, sql, params, many, context):
        queries["n"] += 1
        return execute(sql, params, many, context)

    backend_cpu = _backend_cpu_seconds()
    with connection.execute_wrapper(count):
        cpu0, pg0, other0 = time.process_time(), backend_cpu(), _other_servers_cpu()
        t = time.perf_counter()
        first = sla_sweep(now=now)
        first_ms = (time.perf_counter() - t) * 1000
        # CPU of this process, its PostgreSQL backend and a private Redis: unlike the wall time,
        # it does not grow when other programs share the cores.
        first_cpu = {
            "python": (time.process_time() - cpu0) * 1000,
            "postgres": (backend_cpu() - pg0) * 1000 if pg0 is not None else None,
            "redis": (_other_servers_cpu() - other0) * 1000 if other0 is not None else None,
        }
        first_queries = queries["n"]
        queries["n"] = 0
        t = time.perf_counter()
        second = sla_sweep(now=now)
        second_ms = (time.perf_counter() - t) * 1000
    baseline = min(base)
    return {
        "open_tickets": open_tickets,
        "running_clocks": running,
        "due_clocks": due,
        "first_ms": round(first_ms, 1),
        "first_breached": first["breached"],
        "first_escalated": first["escalated"],
        "first_queries": first_queries,
        "first_ms_per_due_clock": round(first_ms / due, 2) if due else None,
        **{f"first_{k}_cpu_ms": round(v, 1) for k, v in first_cpu.items() if v is not None},
        "second_ms": round(second_ms, 2),
        "second_breached": second["breached"],
        "second_escalated": second["escalated"],
        "second_queries": queries["n"],
        "baseline_count_running_ms": round(baseline, 2),
        "ratio_first_to_baseline": round(first_ms / baseline, 1),
        "ratio_second_to_baseline": round(second_ms / baseline, 2),
    }


def wait_for(paths: list[Path], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(p.exists() for p in paths):
        time.sleep(5)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=int, default=1_000_000, help="work orders to load (default 1,000,000)"
    )
    parser.add_argument(
        "--database-url", default="", help="an empty PostgreSQL database (default: a private cluster)"
    )
    parser.add_argument("--port", type=int, default=PG_PORT, help="port of the private cluster")
    parser.add_argument("--keep", action="store_true", help="keep the private cluster running at the end")
    parser.add_argument("--requests", type=int, default=200, help="requests per page measured")
    parser.add_argument("--creates", type=int, default=1000, help="work orders created through the API")
    parser.add_argument(
        "--workers", type=int, default=2, help="processes creating at once (one per core, as in production)"
    )
    parser.add_argument(
        "--due-fraction", type=float, default=0.005, help="open work orders whose clocks are due"
    )
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument(
        "--redis",
        action="store_true",
        help="the production profile: tasks, channel layer and cache on a private Redis (redis-server)",
    )
    parser.add_argument("--redis-port", type=int, default=56433, help="port of the private Redis")
    parser.add_argument("--skip-pages", action="store_true", help="measure creation and the sweep only")
    parser.add_argument(
        "--no-http", dest="http", action="store_false", help="no figures over HTTP (kefu web)"
    )
    parser.add_argument("--web-workers", type=int, default=1, help="kefu web processes for the HTTP figures")
    args = parser.parse_args()

    started = time.perf_counter()
    cluster = None
    url = args.database_url
    if not url:
        cluster = Cluster(args.port)
        atexit.register(cluster.stop, args.keep)
        url = cluster.start()
        say(f"private PostgreSQL on port {args.port} ({cluster.dir}), settings {PG_SETTINGS}")
    data_dir = tempfile.mkdtemp(prefix="kefu-bench-data.")
    atexit.register(shutil.rmtree, data_dir, True)
    if args.redis:
        redis = RedisServer(args.redis_port)
        atexit.register(redis.stop)
        os.environ["KEFU_REDIS_URL"] = redis.start()
        OTHER_SERVERS.append(redis.proc.pid)
        say(f"private Redis on port {args.redis_port}: tasks, channel layer and cache (production profile)")
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
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from kefu.accounts.models import User

    say("migrate")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]
        settings_now = {}
        for name in [*PG_SETTINGS, "work_mem", "effective_cache_size", "random_page_cost", "jit"]:
            cur.execute(f"SHOW {name}")
            settings_now[name] = cur.fetchone()[0]
    rng = random.Random(args.seed)
    now_dt = datetime.now(UTC).replace(microsecond=0)
    say("building the organisation")
    org = build_org(rng)
    db = settings.DATABASES["default"]
    conninfo = {
        "dbname": db["NAME"],
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
        "host": db["HOST"],
        "port": db["PORT"] or 5432,
    }
    conninfo = {k: v for k, v in conninfo.items() if v not in (None, "")}
    say(f"loading {args.scale} work orders with COPY")
    load = Loader(
        scale=args.scale, org=org, now=now_dt.timestamp(), rng=rng, due_fraction=args.due_fraction
    ).run(conninfo)
    connection.close()

    # The views and the search module are written by others at the same time: wait a while for them.
    src = ROOT / "src" / "kefu"
    wait_for(
        [src / "tickets" / "views.py", src / "core" / "search.py"],
        timeout=float(os.environ.get("KEFU_BENCH_WAIT", 0)),
    )
    site_ok = bench_urlconf()
    settings.ROOT_URLCONF = "kefu_bench_urls"
    from django.urls import clear_url_caches

    clear_url_caches()

    # An agent with a realistic queue: the first agent of the first group.
    agent = User.objects.get(pk=org["groups"][0][2][0])
    load_avg = os.getloadavg()
    if args.skip_pages:
        say(f"pages skipped (--skip-pages); load average {load_avg}")
        pages = {"skipped": True}
    else:
        say(f"measuring pages as {agent.username} ({args.requests} requests each); load average {load_avg}")
        pages = measure_pages(user=agent, n=args.requests, rng=rng, site_ok=site_ok)
    say(f"creating {args.creates} work orders through POST /api/tickets")
    creation = measure_creation(user=agent, m=args.creates, rng=rng, org=org)
    say(f"  {creation}")
    say(f"creating {args.creates} more with {args.workers} processes at once")
    creation["parallel"] = measure_creation_parallel(
        user=agent, m=args.creates, workers=args.workers, rng=rng, org=org
    )
    say(f"  {creation['parallel']}")
    http = {"skipped": True}
    if args.http:
        say(f"the same pages and API calls over HTTP against kefu web ({args.requests} requests each)")
        http = measure_http(
            user=agent, n=args.requests, m=min(args.creates, 200), rng=rng, org=org, workers=args.web_workers
        )
    say("SLA sweep")
    sweep = measure_sweep(now=now_dt)
    say(f"  {sweep}")
    result = {
        "bench": "tickets",
        "scale": args.scale,
        "machine": {**machine(), "postgresql": pg_version, "load_average_before_measuring": load_avg},
        "profile": "production (PostgreSQL + Redis)" if args.redis else "PostgreSQL, embedded task queue",
        "postgresql_settings": settings_now,
        "load": load,
        "pages": pages,
        "creation": creation,
        "http": http,
        "sweep": sweep,
        "total_s": round(time.perf_counter() - started, 1),
    }
    connection.close()
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
