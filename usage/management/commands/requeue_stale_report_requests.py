"""SEC-6: report requests left Processing by a vanished worker are queued again (USG-7; also
run every few minutes by beat)."""

from django.core.management.base import BaseCommand

from usage.services.report_requests import (
    MAX_ATTEMPTS,
    STALE_MINUTES,
    report_requests_requeue_stale,
)


class Command(BaseCommand):
    help = (
        f"Queue again every report request still Processing {STALE_MINUTES} minutes after it "
        f"started; after {MAX_ATTEMPTS} attempts it becomes Unsuccessful. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        count = report_requests_requeue_stale(dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"Would look at {count} stale report request(s).")
        else:
            self.stdout.write(f"Queued {count} stale report request(s) again.")
