"""Migration 0003: the fixed tiers move into the ladder without losing a customer's tier."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("customers", "0002_phone_numbers"), ("tickets", "0008_ticket_customer_reply")]


@pytest.mark.django_db(transaction=True)
def test_standard_becomes_c_and_the_other_fixed_tiers_stay_as_rungs_of_their_own():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    for name, tier in [("甲", "vip"), ("乙", "standard"), ("丙", "gold")]:
        old.get_model("customers", "Customer").objects.create(name=name, tier=tier)
    calendar = old.get_model("core", "BusinessCalendar").objects.create(name="标准工作日")
    old.get_model("tickets", "SlaPolicy").objects.create(
        name="普通客户", customer_tier="standard", calendar=calendar
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)

    with connection.cursor() as cursor:
        cursor.execute("SELECT name, tier FROM customers_customer ORDER BY name")
        tiers = dict(cursor.fetchall())
        cursor.execute("SELECT code, rank, is_fallback FROM customers_tierlevel ORDER BY rank DESC")
        ladder = cursor.fetchall()
        cursor.execute("SELECT customer_tier FROM tickets_slapolicy WHERE name = '普通客户'")
        policy_tier = cursor.fetchone()[0]
    assert tiers == {"甲": "vip", "乙": "C", "丙": "gold"}
    assert [(code, rank, bool(fallback)) for code, rank, fallback in ladder] == [
        ("vip", 6, False), ("gold", 5, False), ("A", 3, False), ("B", 2, False), ("C", 1, True),
    ]  # fmt: skip
    assert policy_tier == "C"
