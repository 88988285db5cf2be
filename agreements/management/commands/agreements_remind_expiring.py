"""OPS-2, BEY-1: reminders of ongoing agreements' end dates (also run daily by beat)."""

from django.core.management.base import BaseCommand

from agreements.services.jobs import agreement_reminders_send


class Command(BaseCommand):
    help = (
        "Send the 30-day and 7-day reminders of ongoing agreements' end dates (Central time) "
        "to the customer and the 3rd party (BEY-1). Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, send nothing")

    def handle(self, *args, dry_run=False, **options):
        summary = agreement_reminders_send(dry_run=dry_run)
        prefix = "Would send" if dry_run else "Sent"
        self.stdout.write(f"{prefix} {summary}")
