"""Migration 0005: the seed's conditions on the A and B rungs, legacy rungs kept by an override."""

import importlib

import pytest
from django.apps import apps

from kefu.customers.models import Customer, TierLevel, TierOverride
from kefu.customers.tiers import SEED_CONDITIONS, tiers_recompute
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
migration = importlib.import_module("kefu.customers.migrations.0005_tiers_orders")


def test_legacy_customers_keep_their_rung_and_empty_seed_rungs_get_the_seed_conditions():
    TierLevel.objects.filter(code__in=["A", "B"]).update(conditions=[], routing_priority=0)
    TierLevel.objects.create(code="gold", name="金卡客户 · Gold", rank=5)
    gold = CustomerFactory(tier_id="gold")
    plain = CustomerFactory()
    migration.seed_conditions_and_keep_legacy(apps, None)
    a, b = TierLevel.objects.get(code="A"), TierLevel.objects.get(code="B")
    assert (a.conditions, b.conditions) == (SEED_CONDITIONS["A"], SEED_CONDITIONS["B"])
    assert (a.routing_priority, b.routing_priority) == (1, 0)
    (kept,) = TierOverride.objects.all()
    assert (kept.customer, kept.tier_id, kept.expires_on) == (gold, "gold", None)
    assert kept.reason == "原固定等级 · kept from the fixed tier"
    tiers_recompute()
    assert Customer.objects.get(pk=gold.pk).tier_id == "gold"  # the recompute respects it
    assert Customer.objects.get(pk=plain.pk).tier_id == "C"
    migration.seed_conditions_and_keep_legacy(apps, None)  # twice: nothing more
    assert TierOverride.objects.count() == 1


def test_an_edited_ladder_is_left_as_it_is():
    TierLevel.objects.filter(code="A").update(conditions=[{"flag": "deputy"}], routing_priority=2)
    migration.seed_conditions_and_keep_legacy(apps, None)
    a = TierLevel.objects.get(code="A")
    assert (a.conditions, a.routing_priority) == ([{"flag": "deputy"}], 2)
