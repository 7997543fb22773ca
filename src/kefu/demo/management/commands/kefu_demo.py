from django.core.management.base import BaseCommand

from kefu.demo.data import DEMO_LOGINS, load_demo


class Command(BaseCommand):
    help = "Load the demo service center once (skipped when staff already exist)."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=300)

    def handle(self, *args, tickets: int, **options):
        result = load_demo(tickets=tickets)
        if result.get("skipped"):
            self.stdout.write("Demo data not loaded: the database already has staff.")
            return
        self.stdout.write(
            f"Demo loaded: {result['tickets']} work orders, {result['customers']} customers, "
            f"{result['breached']} SLA breaches, {result['escalated']} escalations."
        )
        for username, password, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<16} {password:<10} {role}")
