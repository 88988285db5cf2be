"""OPS-2: AGR-14 ongoing agreements past their end date (also run daily by beat)."""

from django.core.management.base import BaseCommand

from agreements.services.jobs import agreement_expire_ended


class Command(BaseCommand):
    help = (
        "Active ongoing agreements whose end date has passed (Central time) become Expired "
        "(AGR-14). Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        count = agreement_expire_ended(dry_run=dry_run)
        prefix = "Would expire" if dry_run else "Expired"
        self.stdout.write(f"{prefix} {count} agreement(s) past their end date.")
