"""Callback plans at scale: periodic care over every customer, the after-resolution plan over the resolved
work orders, and the weekly listening report over a year of reviewed "not satisfied" contacts.

    uv run python bench/callbacks.py [--customers 1000000] [--tickets 200000] [--port 55434]
                                     [--database-url postgres://...]

Without --database-url it starts a private PostgreSQL cluster (bench/tickets.py's Cluster, --port, 55434 by
default, in a fresh temporary data directory)
and stops it at the end. `--sqlite` runs on a throw-away SQLite file instead.

Data: `--customers` customers (a quarter of them VIP), each with a phone; `--tickets` resolved
complaints spread over the last 20 days; a year of reviewed dissatisfied contacts (`--reviews`), each
with one to three reasons of the seeded taxonomy. Loaded with bulk_create (not measured).

Figures, each with a baseline measured in the same run:
  - care: callback_plan_generate for a care plan over every tier (one task per customer), then a
    second run (idempotent: creates nothing). Baseline: SELECT count(*) over the same customers ⋈ phones.
  - resolved: callback_plan_generate for the after-resolution plan (one task per work order, each work
    order moved to "awaiting callback" by the ticket services' bulk transition), then a second run.
    Baseline: the same number of CallbackTask rows written with bare bulk_create.
  - report: weekly_report for one ISO week of the year. Baseline: SELECT count(*) of that week's reviews.
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
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_machine import machine  # noqa: E402

PG_PORT = 55434
BATCH = 5000


def say(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}Z] {message}", flush=True)


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def load(*, customers: int, tickets: int, reviews: int, rng: random.Random, now: datetime) -> dict:
    from kefu.accounts.models import AgentGroup, Department, Role, User
    from kefu.callbacks.models import Reason, Review, Satisfaction
    from kefu.core.models import BusinessCalendar, Shift
    from kefu.customers.models import Customer, CustomerPhone
    from kefu.tickets.models import SlaPolicy, Ticket

    # The work orders carry an SLA policy with a callback target, as in operation: moving them to
    # "awaiting callback" starts their callback clock.
    calendar = BusinessCalendar.objects.create(name="工作日", is_default=True)
    Shift.objects.create(calendar=calendar, name="白班", start=clock_time(9), end=clock_time(18))
    policy = SlaPolicy.objects.create(
        name="默认", calendar=calendar, first_response_minutes=60, resolution_minutes=8 * 60,
        callback_minutes=24 * 60,
    )  # fmt: skip
    center = Department.objects.create(name="客服中心", code="center", is_service_center=True)
    supervisor = User.objects.create(username="sup", role=Role.SUPERVISOR, department=center)
    group = AgentGroup.objects.create(name="热线组", leader=supervisor, department=center)
    team = AgentGroup.objects.create(name="回访组", leader=supervisor, department=center)
    agents = [
        User.objects.create(username=f"a{i}", role=Role.AGENT, superior=supervisor, department=center)
        for i in range(20)
    ]
    group.members.add(*agents)
    say(f"load {customers:,} customers with phones")
    tiers = ["vip", "gold", "silver", "standard"]
    for start in range(0, customers, BATCH):
        rows = Customer.objects.bulk_create(
            [
                Customer(name=f"顾客{i}", tier=tiers[i % 4])
                for i in range(start, min(customers, start + BATCH))
            ]
        )
        CustomerPhone.objects.bulk_create(
            [CustomerPhone(customer=c, number=f"139{c.pk:08d}") for c in rows], batch_size=BATCH
        )
    first_customer = Customer.objects.order_by("id").values_list("id", flat=True).first()
    say(f"load {tickets:,} resolved complaints")
    for start in range(0, tickets, BATCH):
        batch = []
        for i in range(start, min(tickets, start + BATCH)):
            resolved = now - timedelta(minutes=rng.randrange(20 * 24 * 60))
            agent = agents[i % len(agents)]
            batch.append(
                Ticket(
                    number=f"TS-BENCH-{i:07d}", ticket_type="complaint", channel="phone", status="resolved",
                    customer_id=first_customer + (i % customers), customer_name="顾客",
                    customer_phone=f"139{i:08d}", title="投诉", content="快递没有送到", group=group,
                    owner=agent, created_by=agent, created_at=resolved - timedelta(hours=3),
                    updated_at=resolved, accepted_at=resolved - timedelta(hours=2), resolved_at=resolved,
                    resolution="已处理", sla_policy=policy,
                )
            )  # fmt: skip
        Ticket.objects.bulk_create(batch)
    say(f"load a year of {reviews:,} reviewed not-satisfied contacts")
    reasons = list(Reason.objects.all())
    ticket_ids = list(Ticket.objects.values_list("id", flat=True)[:reviews])
    satisfactions = []
    for i, ticket_id in enumerate(ticket_ids):
        when = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
        satisfactions.append(
            Satisfaction(
                ticket_id=ticket_id, round=9, source="survey", score="dissatisfied", agent=agents[i % 20],
                group=group, ticket_type="complaint", channel="phone", created_at=when,
            )
        )  # fmt: skip
    satisfactions = Satisfaction.objects.bulk_create(satisfactions, batch_size=BATCH)
    rows = Review.objects.bulk_create(
        [Review(satisfaction=s, reviewer=supervisor, reviewed_at=s.created_at) for s in satisfactions],
        batch_size=BATCH,
    )
    through = Review.reasons.through
    links = []
    for review in rows:
        for reason in rng.sample(reasons, rng.randint(1, 3)):
            links.append(through(review_id=review.pk, reason_id=reason.pk))
    through.objects.bulk_create(links, batch_size=BATCH)
    return {"team": team, "group": group}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--reviews", type=int, default=50_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--port", type=int, default=PG_PORT, help=f"port of the private PostgreSQL (default {PG_PORT})"
    )
    parser.add_argument(
        "--sqlite", action="store_true", help="a throw-away SQLite file instead of PostgreSQL"
    )
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="kefu-bench-data.")
    atexit.register(shutil.rmtree, data_dir, True)
    url = args.database_url
    if not url and not args.sqlite:
        from tickets import Cluster

        cluster = Cluster(args.port)  # its own fresh data directory under /tmp
        atexit.register(cluster.stop, False)
        url = cluster.start()
        say(f"private PostgreSQL on port {args.port}")
    env = {
        "KEFU_DATA_DIR": data_dir,
        "KEFU_LOG_LEVEL": "WARNING",
        "KEFU_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
    }
    if url:
        env["KEFU_DATABASE_URL"] = url
        env["KEFU_PROFILE"] = "embedded"  # PostgreSQL without the production HTTPS and key rules
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from kefu.callbacks.models import CallbackPlan, CallbackTask, Review, Script, Trigger
    from kefu.callbacks.selectors import iso_week_bounds, weekly_report
    from kefu.callbacks.services import callback_plan_generate
    from kefu.callbacks.services.plans import FIRST_PHONES
    from kefu.customers.models import Customer, CustomerPhone

    say("migrate")
    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    now = timezone.now()
    org = load(customers=args.customers, tickets=args.tickets, reviews=args.reviews, rng=rng, now=now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    script = Script.objects.get(name="投诉回访")
    figures: dict = {"machine": machine(), "database": connection.vendor, "customers": args.customers}

    say("care plan over every customer")
    care = CallbackPlan.objects.create(
        name="关怀", trigger=Trigger.CARE, customer_tiers=["vip", "gold", "silver", "standard"],
        script=script, team=org["team"],
    )  # fmt: skip
    customer, phone = Customer._meta.db_table, CustomerPhone._meta.db_table

    def baseline_care():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {customer} c JOIN ({FIRST_PHONES.format(phone=phone)}) fp "
                f"ON fp.customer_id = c.id JOIN {phone} p ON p.id = fp.id"
            )
            return cursor.fetchone()[0]

    base_s, counted = timed(baseline_care)
    first_s, made = timed(lambda: callback_plan_generate(plan=care, now=now))
    again_s, again = timed(lambda: callback_plan_generate(plan=care, now=now))
    figures["care"] = {
        "tasks": made, "second_run_tasks": again, "seconds": round(first_s, 2), "second_run_seconds": round(again_s, 2),
        "baseline_select_seconds": round(base_s, 2), "ratio": round(first_s / base_s, 2) if base_s else None,
    }  # fmt: skip
    assert made == counted == args.customers and again == 0, (made, counted, again)
    say(f"care: {made:,} tasks in {first_s:.1f} s (baseline {base_s:.1f} s), rerun {again_s:.1f} s")

    say("after-resolution plan over the resolved work orders")
    plan = CallbackPlan.objects.create(
        name="投诉办结回访",
        trigger=Trigger.RESOLVED,
        ticket_types=["complaint"],
        script=script,
        team=org["team"],
    )
    first_s, made = timed(lambda: callback_plan_generate(plan=plan, now=now))
    again_s, again = timed(lambda: callback_plan_generate(plan=plan, now=now))
    scratch = CallbackPlan.objects.create(
        name="基线", trigger=Trigger.RESOLVED, script=script, team=org["team"]
    )
    ids = list(CallbackTask.objects.filter(plan=plan).values_list("ticket_id", flat=True))

    def baseline_resolved():
        for start in range(0, len(ids), BATCH):
            CallbackTask.objects.bulk_create(
                [
                    CallbackTask(
                        plan=scratch,
                        ticket_id=t,
                        subject_key=f"t{t}",
                        period="r0",
                        due_at=now,
                        created_at=now,
                    )
                    for t in ids[start : start + BATCH]
                ]
            )

    base_s, _none = timed(baseline_resolved)
    figures["resolved"] = {
        "tasks": made, "second_run_tasks": again, "seconds": round(first_s, 2), "second_run_seconds": round(again_s, 2),
        "baseline_bulk_insert_seconds": round(base_s, 2), "ratio": round(first_s / base_s, 2) if base_s else None,
    }  # fmt: skip
    assert made == args.tickets and again == 0, (made, again)
    say(f"resolved: {made:,} tasks in {first_s:.1f} s (bare insert {base_s:.1f} s), rerun {again_s:.1f} s")

    say("weekly listening report")
    year, week, _d = (timezone.localdate() - timedelta(days=7)).isocalendar()
    start, end = iso_week_bounds(year, week)
    base_s, n = timed(
        lambda: Review.objects.filter(
            satisfaction__created_at__gte=start, satisfaction__created_at__lt=end
        ).count()
    )
    report_s, report = timed(lambda: weekly_report(year=year, week=week))
    figures["report"] = {
        "reviews_in_year": args.reviews, "reviewed_in_week": report.reviewed, "seconds": round(report_s, 3),
        "baseline_count_seconds": round(base_s, 3), "ratio": round(report_s / base_s, 1) if base_s else None,
    }  # fmt: skip
    assert report.reviewed == n
    say(f"report: {report.reviewed} contacts in {report_s * 1000:.0f} ms (count {base_s * 1000:.0f} ms)")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
