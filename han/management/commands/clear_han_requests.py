"""OPS-2, HAN-5: the 10-day clean-up of closed HAN requests (also run hourly by beat)."""

from django.core.management.base import BaseCommand

from han.services.jobs import han_requests_clear


class Command(BaseCommand):
    help = (
        "HAN requests closed (Did NOT Initiate, Rejected, Add Rejected, Add Failed) or "
        "removed 10 days ago leave the HAN lists and free their meter slot (HAN-5). Safe to "
        "run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        count = han_requests_clear(dry_run=dry_run)
        prefix = "Would clear" if dry_run else "Cleared"
        self.stdout.write(f"{prefix} {count} HAN request(s) from the lists.")
