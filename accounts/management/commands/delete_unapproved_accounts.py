"""OPS-2: the 14-day deletions of ACC-7, ACC-8 and ACC-9 (also run hourly by beat)."""

from django.core.management.base import BaseCommand

from accounts.services.jobs import accounts_delete_unapproved


class Command(BaseCommand):
    help = (
        "Delete, with an email, accounts, companies and DUNS numbers that waited 14 days for "
        "an approval or a first log in (ACC-7, ACC-8, ACC-9). Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        summary = accounts_delete_unapproved(dry_run=dry_run)
        prefix = "Would delete" if dry_run else "Deleted"
        self.stdout.write(str(summary).replace("Deleted", prefix, 1))
