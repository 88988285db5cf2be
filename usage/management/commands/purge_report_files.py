"""OPS-2: report files past their retention are removed with their request (USG-9; also run
nightly by beat)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from usage.services.report_requests import report_files_purge_expired


class Command(BaseCommand):
    help = (
        f"Remove report requests and their files older than REPORT_RETENTION_DAYS "
        f"({settings.REPORT_RETENTION_DAYS} days). Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        count = report_files_purge_expired(dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(f"{verb} {count} report request(s) past retention.")
