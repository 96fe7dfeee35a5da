import time

from django.core.management.base import BaseCommand, CommandError

from demo.seed import DEMO_PASSWORD, DEMO_USERS, DemoRefused, demo_has_history, demo_seed


class Command(BaseCommand):
    help = (
        "Load the demo plan (33 actions of the CCC plan, 2019) and the demo users, with "
        "weeks of updates, locks, exception reports and sign-offs behind it."
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
        names = ", ".join(DEMO_USERS)
        self.stdout.write(f"Demo sign-ins: {names}; password {DEMO_PASSWORD}")
