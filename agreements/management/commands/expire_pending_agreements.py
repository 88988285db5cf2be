"""OPS-2: AGR-9 and AGR-14 invitation expiry (also run hourly by beat)."""

from django.core.management.base import BaseCommand

from agreements.services.jobs import agreement_expire_pending


class Command(BaseCommand):
    help = (
        "Invitations unanswered for 30 days become Not Accepted (AGR-9); extension requests "
        "unanswered for 30 days return to Active with the old end date (AGR-14). Safe to run "
        "twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        summary = agreement_expire_pending(dry_run=dry_run)
        text = str(summary)
        self.stdout.write(text.replace("Expired", "Would expire", 1) if dry_run else text)
