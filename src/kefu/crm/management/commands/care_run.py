from datetime import date

from django.core.management.base import BaseCommand, CommandError

from kefu.crm.care import care_run


class Command(BaseCommand):
    help = (
        "Run the care calendar (客户关怀) for a day: record and send the birthday and holiday greetings, "
        "regular touches and renewal reminders due. Safe to run twice: nothing is sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="The day to run for, YYYY-MM-DD (default: today in the center's zone)."
        )

    def handle(self, *args, date: str | None = None, **options):
        day = None
        if date:
            try:
                day = _parse(date)
            except ValueError:
                raise CommandError(f"--date: {date!r} is not a date like 2026-09-25.") from None
        run = care_run(day=day)
        counts = ", ".join(f"{status} {n}" for status, n in sorted(run.counts.items())) or "nothing new"
        self.stdout.write(f"Care run {run.day}: {run.created} recorded ({counts}); {run.sent} sent.")


def _parse(value: str) -> date:
    return date.fromisoformat(value)
