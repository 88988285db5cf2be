"""BEY-4: recompute every meter's data freshness (also run nightly by beat: the 90-day gap
window moves every day)."""

from django.core.management.base import BaseCommand

from usage.services.freshness import REFRESH_CHUNK, meters_freshness_refresh_all


class Command(BaseCommand):
    help = "Recompute the data freshness (last days received, gaps) of every meter. Safe to rerun."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="compute and count, write nothing"
        )
        parser.add_argument("--chunk", type=int, default=REFRESH_CHUNK, help="premises per query")

    def handle(self, *args, dry_run=False, chunk=REFRESH_CHUNK, **options):
        done = meters_freshness_refresh_all(dry_run=dry_run, chunk=chunk)
        verb = "Would refresh" if dry_run else "Refreshed"
        self.stdout.write(
            f"{verb} the freshness of {done.premises} meter(s): {done.stale} without data or "
            f"stale, {done.with_gaps} with gaps in the last 90 days."
        )
