"""`kefu manage quality_sample [--plan ID ...] [--seed N]`: run the sampling plans now (抽检)."""

import random

from django.core.management.base import BaseCommand, CommandError

from kefu.quality.models import SamplingPlan
from kefu.quality.services.sampling import sampling_plan_run


class Command(BaseCommand):
    help = "Run the active sampling plans (or the ones named) once: pick inspections for review."

    def add_arguments(self, parser):
        parser.add_argument(
            "--plan", type=int, action="append", help="a plan id (repeatable); default: every active plan"
        )
        parser.add_argument("--seed", type=int, help="seed the random choices (reproducible runs)")

    def handle(self, *args, **options):
        plans = SamplingPlan.objects.filter(is_active=True).order_by("name")
        if options["plan"]:
            plans = SamplingPlan.objects.filter(pk__in=options["plan"]).order_by("name")
            missing = set(options["plan"]) - set(plans.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"no sampling plan with id {', '.join(map(str, sorted(missing)))}")
        rng = random.Random(options["seed"]) if options["seed"] is not None else None
        total = 0
        for plan in plans:
            picked = sampling_plan_run(plan=plan, rng=rng)
            total += len(picked)
            self.stdout.write(f"{plan.name}: {len(picked)} picked")
        self.stdout.write(f"{total} inspections picked for review")
