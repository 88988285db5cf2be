"""HAN-9, OPS-2: send the Queued HAN device messages whose start time came (also run by beat)."""

from django.core.management.base import BaseCommand

from han.services.messages import han_messages_send_due


class Command(BaseCommand):
    help = (
        "Queue the send of every Queued HAN device message whose start time has come (and "
        "of those whose send task went missing). Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        count = han_messages_send_due(dry_run=dry_run)
        prefix = "Would send" if dry_run else "Sending"
        self.stdout.write(f"{prefix} {count} HAN device message(s) to the TDSP.")
