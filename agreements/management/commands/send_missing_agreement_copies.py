"""OPS-2, AGR-10: EM203s (the accepted agreement with its PDF copy) whose worker task went
missing are queued again (also run every 15 minutes by beat)."""

from django.core.management.base import BaseCommand

from agreements.services.answers import agreement_copies_send_missing


class Command(BaseCommand):
    help = (
        "Agreements accepted recently whose EM203 email with the PDF copy was never recorded "
        "get it queued again (AGR-10). Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        count = agreement_copies_send_missing(dry_run=dry_run)
        prefix = "Would queue" if dry_run else "Queued"
        self.stdout.write(f"{prefix} {count} agreement copy email(s).")
