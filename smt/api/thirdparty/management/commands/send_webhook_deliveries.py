"""BEY-2: queue the webhook deliveries that are due (the beat job `webhooks-send-due`)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from smt.api.thirdparty.webhooks.services import webhook_deliveries_send_due


class Command(BaseCommand):
    help = "Queue the webhook deliveries that are due (first attempts and retries)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count them, send none.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = webhook_deliveries_send_due(dry_run=options["dry_run"])
        verb = "would queue" if options["dry_run"] else "queued"
        self.stdout.write(f"{verb} {count} webhook deliveries")
