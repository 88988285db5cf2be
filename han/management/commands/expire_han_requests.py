"""OPS-2, HAN-5: unanswered HAN provision requests and closed pairing windows (also run
hourly by beat)."""

from django.core.management.base import BaseCommand

from han.services.jobs import han_pairing_windows_close, han_requests_expire


class Command(BaseCommand):
    help = (
        "HAN provision requests not started within 35 days become Customer Did NOT Initiate "
        "Pairing Window; Meter Ready requests not paired within 14 days become Add Failed "
        "(HAN-5). Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        expired = han_requests_expire(dry_run=dry_run)
        closed = han_pairing_windows_close(dry_run=dry_run)
        prefix = "Would close" if dry_run else "Closed"
        self.stdout.write(
            f"{prefix} {expired} unanswered HAN request(s) and {closed} pairing window(s)."
        )
