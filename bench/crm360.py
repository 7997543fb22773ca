"""The customer 360 page of a customer with 1,000 contacts: how long the timeline takes to answer.

    uv run python bench/crm360.py [--contacts 1000] [--others 20000] [--runs 200] [--database-url postgres://...]

Runs alone (bench/crm.py, the issue's full CRM benchmark, is not on main yet): on a throw-away SQLite
file unless --database-url names a PostgreSQL database (it is migrated, and the rows it loads are
left there). In-process, like the tests: no HTTP server.

Data: one customer with `--contacts` contacts across every source of the timeline — work orders
(recorded through the ticket service, most of them closed), calls, chats, mails, callbacks, survey
answers, orders (each earning points through the loyalty card: a points entry each) and payments —
and `--others` calls and orders of other customers around them, so the indexes have to do the work.

Figures (milliseconds, over `--runs` runs after one warm-up):
  - timeline: crm.timeline.customer_timeline, page 1 (the open matters and 30 rows), p50 / p95;
  - page: GET /customers/<id>/ through Django's test client (the 360 rendered), p50 / p95;
  - page 5: the timeline's fifth page (each source read to 151 rows), p95;
  - baseline: one indexed query, the customer's newest 31 calls, p95;
  - sources_p95_ms: each timeline source alone (its first page and its open matters), p95.
The target (issue 14): the page at p95 under 80 ms. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_machine import machine  # noqa: E402


def say(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}Z] {message}", flush=True)


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2)}


def measure(fn, runs: int) -> dict:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def load(*, contacts: int, others: int, rng: random.Random, now: datetime):
    from tests.org import build_org
    from tests.tickets.helpers import new_ticket

    from kefu.callbacks.models import CallbackPlan, CallbackTask, Satisfaction, Script, Trigger
    from kefu.callcenter.models import CallRecord
    from kefu.core.models import BusinessCalendar
    from kefu.customers.loyalty import services as loyalty
    from kefu.customers.models import CardLevel, Customer, Order, Payment, PointsRule
    from kefu.intake.chat.models import ChatSession
    from kefu.intake.email.models import InboundMail
    from kefu.tickets.models import Ticket

    org = build_org()
    # The shares of each source in the customer's contacts (they add up to 1).
    share = {
        "ticket": 0.13,
        "call": 0.26,
        "chat": 0.09,
        "mail": 0.04,
        "callback": 0.09,
        "satisfaction": 0.09,
        "order": 0.13,
        "points": 0.13,
        "payment": 0.04,
    }
    n = {k: max(1, int(contacts * v)) for k, v in share.items()}
    first = new_ticket(
        org, now=now - timedelta(days=400), customer_phone="13912345678", customer_name="王大伟"
    )
    customer = first.customer
    tickets = [first] + [
        new_ticket(org, now=now - timedelta(days=rng.randint(1, 400)), customer_phone="13912345678")
        for _ in range(n["ticket"] - 1)
    ]
    # Most work orders are long finished; three are still open.
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[3:]]).update(status="closed")
    at = lambda: now - timedelta(minutes=rng.randint(1, 400 * 24 * 60))  # noqa: E731
    CallRecord.objects.bulk_create(
        CallRecord(
            source="cti",
            external_id=f"me-{i}",
            arrived_at=(t := at()),
            created_at=t,
            outcome="answered",
            talk_seconds=rng.randint(30, 600),
            customer=customer,
        )
        for i in range(n["call"])
    )
    ChatSession.objects.bulk_create(
        ChatSession(token=f"chat-{i}", state="ended", requested_at=at(), ticket=rng.choice(tickets))
        for i in range(n["chat"])
    )
    InboundMail.objects.bulk_create(
        InboundMail(
            raw=b"",
            subject=f"来信 {i}",
            sender="wang@example.com",
            ticket=rng.choice(tickets),
            received_at=at(),
        )
        for i in range(n["mail"])
    )
    script = Script.objects.create(name="bench")
    plan = CallbackPlan.objects.create(
        name="关怀回访",
        trigger=Trigger.CARE,
        script=script,
        team=org.group,
        calendar=BusinessCalendar.objects.get(is_default=True),
    )
    CallbackTask.objects.bulk_create(
        CallbackTask(
            plan=plan,
            customer=customer,
            subject_key=f"c{customer.pk}",
            period=f"p{i}",
            state="done",
            created_at=(t := at()),
            completed_at=t + timedelta(hours=2),
        )
        for i in range(n["callback"])
    )
    Satisfaction.objects.bulk_create(
        Satisfaction(
            ticket=t,
            source="callback",
            score="satisfied",
            ticket_type="complaint",
            channel="phone",
            created_at=at(),
        )
        for t in tickets[: n["satisfaction"]]
    )
    level = CardLevel.objects.create(code="normal", name="普通卡", rank=1)
    PointsRule.objects.create(level=level, points_per_yuan=Decimal("1"))
    loyalty.card_request(customer=customer, level=level, by=org.agent, now=now - timedelta(days=500))
    for i in range(n["order"]):  # one by one: each earns its points (a points entry) as it is recorded
        Order.objects.create(
            customer=customer,
            source="shop",
            external_id=f"me-{i}",
            amount=Decimal(rng.randint(20, 900)),
            placed_at=at(),
        )
    Payment.objects.bulk_create(
        Payment(customer=customer, source="shop", external_id=f"me-{i}", amount=Decimal(100), paid_at=at())
        for i in range(n["payment"])
    )
    # Everybody else.
    people = Customer.objects.bulk_create(Customer(name=f"顾客{i}") for i in range(max(1, others // 10)))
    CallRecord.objects.bulk_create(
        (
            CallRecord(
                source="cti",
                external_id=f"o-{i}",
                arrived_at=(t := at()),
                created_at=t,
                outcome="answered",
                customer=rng.choice(people),
            )
            for i in range(others)
        ),
        batch_size=5000,
    )
    Order.objects.bulk_create(
        (
            Order(
                customer=rng.choice(people),
                source="shop",
                external_id=f"o-{i}",
                amount=Decimal(50),
                placed_at=at(),
            )
            for i in range(others)
        ),
        batch_size=5000,
    )
    return org, customer


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--others", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="kefu-bench-data.")
    env = {
        "KEFU_DATA_DIR": data_dir,
        "KEFU_LOG_LEVEL": "WARNING",
        "KEFU_PROFILE": "embedded",
        "KEFU_HUEY_IMMEDIATE": "1",
        "KEFU_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
    }
    if args.database_url:
        env["KEFU_DATABASE_URL"] = args.database_url
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment
        from django.utils import timezone

        from kefu.callcenter.models import CallRecord
        from kefu.crm.timeline import customer_timeline

        setup_test_environment()
        settings.ALLOWED_HOSTS = ["*"]
        say("migrate")
        call_command("migrate", verbosity=0)
        rng = random.Random(args.seed)
        say(f"load: one customer with {args.contacts} contacts, {args.others} calls and orders of others")
        org, customer = load(contacts=args.contacts, others=args.others, rng=rng, now=timezone.now())
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elif connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        first = customer_timeline(user=org.supervisor, customer=customer)
        total, page = 0, 1
        while True:
            got = customer_timeline(user=org.supervisor, customer=customer, page=page, size=200)
            total += len(got.rows)
            if not got.has_next:
                break
            page += 1
        say(f"the customer's timeline: {len(first.open)} open, {total} in the history")
        client = Client()
        client.force_login(org.supervisor)
        url = f"/customers/{customer.pk}/"
        assert client.get(url).status_code == 200
        figures = {
            "machine": machine(),
            "database": connection.vendor,
            "contacts": len(first.open) + total,
            "others": args.others,
            "runs": args.runs,
            "timeline": measure(lambda: customer_timeline(user=org.supervisor, customer=customer), args.runs),
            "page": measure(lambda: client.get(url), args.runs),
            "page_5": measure(
                lambda: customer_timeline(user=org.supervisor, customer=customer, page=5), args.runs
            ),
            "baseline": measure(
                lambda: list(CallRecord.objects.filter(customer=customer).order_by("-arrived_at")[:31]),
                args.runs,
            ),
        }
        from kefu.crm.timeline import SOURCES, Viewer

        viewer = Viewer.of(org.supervisor, customer)
        figures["sources_p95_ms"] = {
            source.name: measure(
                lambda source=source: (source.history(viewer, 31), source.open and source.open(viewer)),
                max(10, args.runs // 4),
            )["p95_ms"]
            for source in SOURCES.values()
        }
        figures["page_p95_over_baseline"] = round(
            figures["page"]["p95_ms"] / max(figures["baseline"]["p95_ms"], 0.001), 1
        )
        say(f"timeline p95 {figures['timeline']['p95_ms']} ms; page p95 {figures['page']['p95_ms']} ms")
        print(json.dumps(figures, ensure_ascii=False))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
