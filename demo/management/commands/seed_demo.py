import time

from django.core.management.base import BaseCommand, CommandError

from demo.seed import DEMO_PASSWORD, DEMO_USERS, DemoRefused, demo_has_history, demo_seed
from demo.seed004 import build_seed004


class Command(BaseCommand):
    help = (
        "Load the demo plans and users: the CCC plan (33 actions, 2019) with weeks of "
        "updates, locks, exception reports and sign-offs behind it, and the Shrewsbury and "
        "Telford QIP (seed 004: five improvement steering groups, root causes and KPIs)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--without-history",
            action="store_true",
            help="Load the plan as of now, with no past weeks (as a PMO's first import).",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            plan = demo_seed(history=not options["without_history"])
            qip, qip_people = build_seed004()
        except DemoRefused as error:
            raise CommandError(str(error)) from error
        past = plan.periods.filter(locked_at__isnull=False).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo plan ready: {plan} ({plan.actions.count()} actions, "
                f"{past} weeks locked) in {time.monotonic() - started:.1f} s."
            )
        )
        if not options["without_history"] and not demo_has_history(plan):
            self.stdout.write(
                "This demo plan was seeded before it came with a history; its past is "
                "written only when the plan is first created. For the full demo, start "
                "from an empty database."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo plan ready: {qip} ({qip.actions.count()} actions in "
                f"{qip.workstreams.count()} workstreams, {qip.kpis.count()} KPIs)."
            )
        )
        names = ", ".join([*DEMO_USERS, *qip_people])
        self.stdout.write(f"Demo sign-ins: {names}; password {DEMO_PASSWORD}")
