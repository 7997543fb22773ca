from django.core.management.base import BaseCommand
from django.utils import timezone

from kefu.customers.loyalty.services import points_expire_sweep, points_year_end_clear


class Command(BaseCommand):
    help = (
        "Clear every loyalty points balance to 0 with one clearing entry per customer (年终清零), as "
        "the worker does in the last hour of 12-31. Expired points are written off first. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="the year being cleared (default: this year)")

    def handle(self, *args, year: int | None = None, **options):
        year = year or timezone.localdate().year
        expired = points_expire_sweep()
        cleared = points_year_end_clear(year=year)
        self.stdout.write(f"{year}: {expired} expiry entries, {cleared} balances cleared.")
