from datetime import date

from django.core.management.base import BaseCommand, CommandError

from kefu.reports import rollups


def _day(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = (
        "Rebuild the interval rollups of a period (--from and --to, both days included, in the "
        "center's time zone) from the raw records: after a bulk correction, a restore, or to build "
        "them the first time. Without --family, every family that rolls up."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD (included)")
        parser.add_argument("--family", help="only this family (e.g. calls)")

    def handle(self, *args, start: str, end: str, family: str | None = None, **options):
        first, last = _day("--from", start), _day("--to", end)
        if last < first:
            raise CommandError("--to: must not be before --from")
        families = rollups.rolled_up()
        if family is not None:
            families = [f for f in families if f.code == family]
            if not families:
                names = ", ".join(f.code for f in rollups.rolled_up())
                raise CommandError(f"--family: {family!r} does not roll up (these do: {names})")
        for chosen in families:
            written = rollups.rebuild(chosen, first=first, last=last)
            self.stdout.write(f"{chosen.code}: {first} to {last}, {written} rollup rows written.")
