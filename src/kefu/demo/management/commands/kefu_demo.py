from django.core.management.base import BaseCommand

from kefu.demo.data import demo_logins, load_demo


class Command(BaseCommand):
    help = "Load the demo service center once (skipped when staff already exist)."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=300)
        parser.add_argument(
            "--no-logins",
            dest="logins",
            action="store_false",
            help="do not list the demo logins (`kefu run` lists them in its banner)",
        )

    def handle(self, *args, tickets: int, logins: bool = True, **options):
        result = load_demo(tickets=tickets)
        if result.get("skipped"):
            self.stdout.write("Demo data not loaded: the database already has staff.")
            return
        self.stdout.write(
            f"Demo loaded: {result['tickets']} work orders, {result['customers']} customers, "
            f"{result['breached']} SLA breaches, {result['escalated']} escalations, "
            f"{result['callbacks']} callbacks and {result['surveys']} surveys answered, "
            f"{result['calls']} calls imported."
        )
        if logins:
            for username, password, role in demo_logins():
                self.stdout.write(f"  {username:<16} {password:<10} {role}")
