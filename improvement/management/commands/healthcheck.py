"""``manage.py healthcheck beat``: compose's health check of the one beat process."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from improvement import selectors


class Command(BaseCommand):
    help = "Exit 0 if beat has sent a task lately (BEAT_STALE_SECONDS), 1 if not."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["beat"])

    def handle(self, *args, **options):
        now = timezone.now()
        beat = selectors.beat_heartbeat()
        if selectors.is_beat_stale(beat, now):
            since = f"since {beat.at:%Y-%m-%d %H:%M:%S %Z}" if beat else "ever"
            raise CommandError(f"Beat has not sent a task {since}.")
        self.stdout.write(f"Beat last sent a task at {beat.at:%Y-%m-%d %H:%M:%S %Z}.")
