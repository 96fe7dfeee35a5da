from django.core.management.base import BaseCommand

from reporting import services


class Command(BaseCommand):
    help = "Send the reminders due now (the plans' reminder times); nobody gets one twice."

    def handle(self, *args, **options):
        run = services.reminders_send()
        self.stdout.write(self.style.SUCCESS(f"{run.sent} reminder(s) sent."))
        if run.failed:
            self.stderr.write(f"{run.failed} reminder(s) failed; they are tried again.")
