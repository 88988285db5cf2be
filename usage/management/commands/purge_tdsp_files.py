"""OPS-2: usage files uploaded through the TDSP API are removed after their retention (also
run nightly by beat); the message and its outcome stay."""

from django.conf import settings
from django.core.management.base import BaseCommand

from usage.tdsp.files import tdsp_files_purge_expired


class Command(BaseCommand):
    help = (
        f"Remove uploaded TDSP files older than TDSP_FILE_RETENTION_DAYS "
        f"({settings.TDSP_FILE_RETENTION_DAYS} days). Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        count = tdsp_files_purge_expired(dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(f"{verb} {count} uploaded TDSP file(s) past retention.")
