from datetime import date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kefu.core.errors import DomainError
from kefu.quality.models import Rubric
from kefu.quality.services.inspection import reinspect_period


def _day(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = (
        "Re-inspect the conversations of a period (--from and --to, both days included, in the "
        "center's time zone) against their rubric's current version. Older inspections are marked "
        "superseded; their scores never change."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD (included)")
        parser.add_argument("--rubric", type=int, help="only the conversations this rubric (id) scores")

    def handle(self, *args, start: str, end: str, rubric: int | None = None, **options):
        first, last = _day("--from", start), _day("--to", end)
        if last < first:
            raise CommandError("--to: must not be before --from")
        zone = timezone.get_current_timezone()
        since = datetime.combine(first, time.min, tzinfo=zone)
        until = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
        chosen = None
        if rubric is not None:
            chosen = Rubric.objects.filter(pk=rubric).first()
            if chosen is None:
                raise CommandError(f"--rubric: no rubric with id {rubric}")
        try:
            counts = reinspect_period(start=since, end=until, rubric=chosen, by=None)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            "Conversations {transcripts}: inspected {inspected}, already inspected against the current "
            "version {already}, no rubric {unrouted}; older inspections superseded {superseded}.".format(
                **counts
            )
        )
