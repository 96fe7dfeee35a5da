import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kpis.series import SeriesError, read_series_csv
from kpis.spc import ASSURANCE_LABELS, POINT_TYPE_LABELS, Direction, xmr_chart


class Command(BaseCommand):
    help = (
        "The XmR chart of one series (a CSV with columns date,value) in the NHS Making Data "
        "Count conventions: mean, process limits, special causes, variation and assurance."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file with the columns date,value.")
        parser.add_argument(
            "--direction",
            choices=[d.value for d in Direction],
            default=Direction.INCREASE.value,
            help="Which way is better: increase (default) or decrease.",
        )
        parser.add_argument("--target", type=float, help="The target, for the assurance icon.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            series = read_series_csv(path.read_bytes())
            chart = xmr_chart(series, direction=options["direction"], target=options["target"])
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except (SeriesError, ValueError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(chart.as_json(), indent=2))
            return
        fmt = "{:.4g}".format
        if chart.lpl is not None:
            self.stdout.write(
                f"Mean {fmt(chart.mean)}, process limits {fmt(chart.lpl)} to {fmt(chart.upl)}."
            )
        for point in chart.points:
            rule = f" ({point.rule})" if point.rule else ""
            self.stdout.write(f"{point.date}  {fmt(point.value):>10}  {point.type}{rule}")
        if chart.variation:
            self.stdout.write(f"Variation: {POINT_TYPE_LABELS[chart.variation]}.")
        if chart.assurance:
            self.stdout.write(f"Assurance: {ASSURANCE_LABELS[chart.assurance]}.")
        for warning in chart.warnings:
            self.stdout.write(self.style.WARNING(warning))
