from django.core.management.base import BaseCommand

from actions import services


class Command(BaseCommand):
    help = "Lock every reporting period whose deadline has passed (safe to run any time)."

    def handle(self, *args, **options):
        locked = services.periods_lock_due()
        for period in locked:
            self.stdout.write(f"Locked {period.plan}: {period.label}")
        self.stdout.write(self.style.SUCCESS(f"{len(locked)} period(s) locked."))
