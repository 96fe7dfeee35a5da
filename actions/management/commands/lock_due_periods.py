from django.core.management.base import BaseCommand, CommandError

from actions import services


class Command(BaseCommand):
    help = "Lock every reporting period whose deadline has passed (safe to run any time)."

    def handle(self, *args, **options):
        try:
            locked = services.periods_lock_due()
        except services.LockSweepIncomplete as incomplete:
            self._report(incomplete.locked)
            raise CommandError(f"{incomplete} (see the log for the errors)") from incomplete
        self._report(locked)

    def _report(self, locked):
        for period in locked:
            self.stdout.write(f"Locked {period.plan}: {period.label}")
        self.stdout.write(self.style.SUCCESS(f"{len(locked)} period(s) locked."))
