"""`kefu manage rfm_recompute [--as-of DATE] [--window DAYS]`: the RFM snapshot of a day, on demand."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from kefu.core.errors import ValidationError
from kefu.customers import rfm


class Command(BaseCommand):
    help = (
        "Score every customer with an order in the window by RFM and store the snapshot of the day "
        "(a rerun for the same day replaces it). The nightly task does the same for today."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", dest="as_of", help="the snapshot's day, YYYY-MM-DD (default: today, local)"
        )
        parser.add_argument(
            "--window",
            dest="window",
            default=str(rfm.DEFAULT_WINDOW_DAYS),
            help=f"days up to and including --as-of (default {rfm.DEFAULT_WINDOW_DAYS})",
        )

    def handle(self, *args, as_of: str | None = None, window: str = "", **options):
        day = None
        if as_of:
            try:
                day = date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(f"--as-of: not a date (YYYY-MM-DD): {as_of!r}") from None
        try:
            window_days = int(window)
        except ValueError:
            raise CommandError(f"--window: not a whole number of days: {window!r}") from None
        try:
            run = rfm.rfm_recompute(as_of=day, window_days=window_days)
        except ValidationError as exc:
            field = {"window_days": "--window", "as_of": "--as-of"}
            raise CommandError(
                "; ".join(f"{field.get(k, k)}: {' '.join(map(str, v))}" for k, v in exc.errors.items())
            ) from None
        self.stdout.write(
            f"RFM {run.as_of} over {run.window_days} days: {run.scored} customers scored "
            f"(means R {run.means[0]:.2f}, F {run.means[1]:.2f}, M {run.means[2]:.2f})."
        )
