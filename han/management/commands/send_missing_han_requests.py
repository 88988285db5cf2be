"""SEC-6: HAN provision and removal requests whose send task was lost (also run by beat)."""

from django.core.management.base import BaseCommand

from han.services.jobs import han_requests_send_missing


class Command(BaseCommand):
    help = (
        "Queue again the started HAN requests and removals not handed to the TDSP 10 "
        "minutes after their status changed. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        count = han_requests_send_missing(dry_run=dry_run)
        prefix = "Would queue" if dry_run else "Queued"
        self.stdout.write(f"{prefix} {count} HAN request(s) for the TDSP.")
