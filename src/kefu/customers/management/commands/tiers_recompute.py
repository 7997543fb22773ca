"""`kefu manage tiers_recompute`: place every customer on the value-tier ladder now (客户分级重算)."""

import time

from django.core.management.base import BaseCommand

from kefu.customers.tiers import tiers_recompute


class Command(BaseCommand):
    help = "Recompute every customer's value tier (only the changes are written, with their reasons)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        result = tiers_recompute(by=None)
        tiers = ", ".join(f"{code}: {n}" for code, n in sorted(result.by_tier.items()))
        self.stdout.write(
            f"{result.customers} customers, {result.changed} changed ({tiers}) "
            f"in {time.perf_counter() - started:.1f}s"
        )
