import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from actions import services as plan_services
from actions.models import Plan
from reporting import selectors, services
from reporting.pdf import render_pdf


class Command(BaseCommand):
    help = (
        "Write the PDF of the newest locked period's exception report: the issued one, "
        "else the draft (built first if the sweep has not yet run)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period",
            default="latest",
            help="'latest' (the default), or the deadline's date as YYYY-MM-DD.",
        )
        parser.add_argument("--pdf", required=True, metavar="FILE", help="Where to write it.")
        parser.add_argument("--plan", type=int, help="Plan id (needed when there are several).")
        parser.add_argument(
            "--for", dest="exec_code", default="", help="An exec lead's copy, e.g. DoN."
        )

    def handle(self, *args, **options):
        plans = Plan.objects.all()
        if options["plan"]:
            plans = plans.filter(pk=options["plan"])
        if plans.count() != 1:
            choices = ", ".join(f"{p.pk}: {p}" for p in Plan.objects.all()) or "none"
            raise CommandError(f"Name the plan with --plan ID. Plans: {choices}")
        plan = plans.get()
        plan_services.plan_lock_due(plan=plan)
        locked = plan.periods.filter(locked_at__isnull=False).order_by("-deadline")
        if options["period"] == "latest":
            period = locked.first()
        else:
            try:
                day = dt.date.fromisoformat(options["period"])
            except ValueError as error:
                raise CommandError("--period is 'latest' or a date as YYYY-MM-DD.") from error
            period = next((p for p in locked if p.local_deadline.date() == day), None)
        if period is None:
            raise CommandError(f"No locked period of {plan} matches --period {options['period']}.")
        period.plan = plan
        report = selectors.report_current(period)
        if report is None:
            try:
                report = services.report_build(period=period)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            self.stdout.write(f"Built the draft of {period.label}.")
        codes = [options["exec_code"]] if options["exec_code"] else []
        pdf = render_pdf(selectors.report_document(report), first_codes=codes)
        path = Path(options["pdf"])
        path.write_bytes(pdf)
        state = "issued" if report.is_issued else "draft"
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {path} ({len(pdf):,} bytes): {report.title}, {state}.")
        )
