"""SEC-6: On Demand Reads with no answer become Failed (USG-11; also run every minute by beat)."""

from django.core.management.base import BaseCommand

from usage.services.odr import TIMEOUT_MINUTES, on_demand_reads_fail_stale


class Command(BaseCommand):
    help = (
        f"Mark Failed every On Demand Read still Pending {TIMEOUT_MINUTES} minutes after it "
        "was requested (USG-11, SEC-6). Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        count = on_demand_reads_fail_stale(dry_run=dry_run)
        verb = "Would fail" if dry_run else "Failed"
        self.stdout.write(f"{verb} {count} unanswered On Demand Read(s).")
