"""BEY-6: one sample of each component for the status page's history (also run every 5
minutes by beat)."""

from django.core.management.base import BaseCommand

from smt.status import status_record


class Command(BaseCommand):
    help = (
        "Check every component of the status page and record its state in today's history "
        "(the day keeps the worst state seen). Safe to run any time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="check and print, record nothing"
        )

    def handle(self, *args, dry_run=False, **options):
        sampled = status_record(dry_run=dry_run)
        for component in sampled:
            self.stdout.write(f"{component.key}: {component.state}")
        verb = "Would record" if dry_run else "Recorded"
        self.stdout.write(f"{verb} {len(sampled)} components.")
