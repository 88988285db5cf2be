"""OPS-2, HAN-5: the "you have N days to start pairing" reminders (also run hourly by beat)."""

from django.core.management.base import BaseCommand

from han.services.jobs import han_reminders_send


class Command(BaseCommand):
    help = (
        "Send the 14- and 3-day reminders of HAN provision requests the customer has not "
        "answered (HAN-5), once each. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        count = han_reminders_send(dry_run=dry_run)
        prefix = "Would remind" if dry_run else "Reminded"
        self.stdout.write(f"{prefix} {count} HAN provision request(s).")
