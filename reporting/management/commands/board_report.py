import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from actions.models import Plan
from reporting.board.content import parse_month
from reporting.board.pdf import render_board_pdf
from reporting.board.services import board_report_document


class Command(BaseCommand):
    help = (
        "Write the board highlight report's PDF for a month, as the plan stood at the "
        "month's end (the same PDF the Generate button makes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="The month, as YYYY-MM.")
        parser.add_argument("--pdf", required=True, metavar="FILE", help="Where to write it.")
        parser.add_argument("--plan", type=int, help="Plan id (needed when there are several).")

    def handle(self, *args, **options):
        plans = Plan.objects.all()
        if options["plan"]:
            plans = plans.filter(pk=options["plan"])
        if plans.count() != 1:
            choices = ", ".join(f"{p.pk}: {p}" for p in Plan.objects.all()) or "none"
            raise CommandError(f"Name the plan with --plan ID. Plans: {choices}")
        plan = plans.get()
        try:
            month: dt.date = parse_month(options["month"])
        except ValueError as bad:
            raise CommandError(str(bad)) from bad
        target = Path(options["pdf"])
        if not target.parent.is_dir():
            raise CommandError(f"No such folder: {target.parent}")
        document = board_report_document(plan=plan, month=month)
        target.write_bytes(render_board_pdf(document))
        self.stdout.write(
            f"Wrote the board report for {document['month']['label']} of {plan} to {target} "
            f"({document['totals']['actions']} actions, as at {document['as_at']['label']})."
        )
