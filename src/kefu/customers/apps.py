from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

#: The seed's value-tier ladder (code, name, rank, fallback, responsible person): what a new install has.
SEED_LADDER = [
    ("A", "A 类客户", 3, False, True),
    ("B", "B 类客户", 2, False, False),
    ("C", "C 类客户", 1, True, False),
]


def ensure_tier_ladder(apps=None, using="default", **kwargs):
    """post_migrate: an empty ladder gets the seed's A / B / C, so a new customer always has a tier.

    The first migration creates them too; this one also runs after a test database is flushed.
    `apps` is the state the migrations reached: a database migrated only part of the way has no ladder.
    """
    from django.apps import apps as installed

    from kefu.customers.tiers import SEED_CONDITIONS, SEED_ROUTING_PRIORITY

    try:
        TierLevel = (apps or installed).get_model("customers", "TierLevel")
    except LookupError:
        return
    if not TierLevel.objects.using(using).exists():
        TierLevel.objects.using(using).bulk_create(
            TierLevel(
                code=code,
                name=name,
                rank=rank,
                is_fallback=fallback,
                needs_responsible=responsible,
                conditions=SEED_CONDITIONS.get(code, []),
                routing_priority=SEED_ROUTING_PRIORITY.get(code, 0),
            )
            for code, name, rank, fallback, responsible in SEED_LADDER
        )


class CustomersConfig(AppConfig):
    name = "kefu.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        post_migrate.connect(ensure_tier_ladder, sender=self)
        # Loyalty card: a new order earns its points in the transaction that records it.
        from django.db.models.signals import post_save

        from kefu.customers.loyalty.services import order_saved
        from kefu.customers.models import Order

        post_save.connect(order_saved, sender=Order, dispatch_uid="customers.loyalty.order_saved")
