"""OPS-2: the 13-month purge of inactive 3rd parties, ACC-21 (also run daily by beat)."""

from django.core.management.base import BaseCommand

from accounts.services.jobs import third_parties_purge_inactive


class Command(BaseCommand):
    help = (
        "Revoke every account of 3rd-party companies nobody signed in to for 13 months and "
        "remove them from every list (ACC-21). Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        count = third_parties_purge_inactive(dry_run=dry_run)
        verb = "Would purge" if dry_run else "Purged"
        self.stdout.write(f"{verb} {count} inactive 3rd-party company(ies).")
