from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from actions.importer import plan_import
from actions.models import Plan


class Command(BaseCommand):
    help = "Import a plan from .xlsx or .csv: preview with --dry-run, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Show what would change.")
        parser.add_argument("--plan", type=int, help="Plan id (needed when there are several).")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}")
        plans = Plan.objects.all()
        if options["plan"]:
            plans = plans.filter(pk=options["plan"])
        if plans.count() != 1:
            choices = ", ".join(f"{p.pk}: {p}" for p in Plan.objects.all()) or "none yet"
            raise CommandError(f"Name the plan with --plan ID. Plans: {choices}")
        report = plan_import(
            plan=plans.get(),
            data=path.read_bytes(),
            filename=path.name,
            dry_run=options["dry_run"],
        )
        for row in report.rows:
            if row.outcome != "skip":
                detail = "; ".join(f"{k}: {b} → {a}" for k, (b, a) in row.changes.items())
                self.stdout.write(f"Row {row.line} {row.ref}: {row.outcome} {detail}".rstrip())
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(report.errors)} error(s); nothing was saved.")
        prefix = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{prefix}: {report.summary()}."))
