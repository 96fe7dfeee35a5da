from django.core.management.base import BaseCommand, CommandError

from actions.demo import DEMO_PASSWORD, DEMO_USERS, DemoRefused, demo_seed


class Command(BaseCommand):
    help = "Load the demo plan (33 actions of the CCC plan, 2019) and the demo users."

    def handle(self, *args, **options):
        try:
            plan = demo_seed()
        except DemoRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Demo plan ready: {plan} ({plan.actions.count()} actions).")
        )
        names = ", ".join(DEMO_USERS)
        self.stdout.write(f"Demo sign-ins: {names}; password {DEMO_PASSWORD}")
