from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from actions import services
from actions.models import Plan


class Command(BaseCommand):
    help = "Lock a plan's open period now, with a reason (the PMO's 'Lock plan now')."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", required=True, help="Lock it now.")
        parser.add_argument("--reason", required=True, help="Why it is locked early.")
        parser.add_argument("--plan", type=int, help="Plan id (needed when there are several).")

    def handle(self, *args, **options):
        plans = Plan.objects.all()
        if options["plan"]:
            plans = plans.filter(pk=options["plan"])
        if plans.count() != 1:
            choices = ", ".join(f"{p.pk}: {p}" for p in Plan.objects.all()) or "none"
            raise CommandError(f"Name the plan with --plan ID. Plans: {choices}")
        try:
            period = services.plan_lock_now(plan=plans.get(), by=None, reason=options["reason"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except services.PeriodAlreadyLocked as already:  # run twice: the first lock stands
            self.stdout.write(self.style.WARNING(str(already)))
            return
        self.stdout.write(self.style.SUCCESS(f"Locked {period.label} at {period.locked_at}."))
