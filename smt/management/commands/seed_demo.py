import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from smt.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load demo companies, users of every role and meters with usage data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=730, help="Days of interval data per meter (730)."
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even with production settings."
        )

    def handle(self, *args, days, force, **options):
        if settings.PRODUCTION and not force:
            raise CommandError(
                "Refusing to load demo data with production settings (DJANGO_ENV=production); "
                "add --force if you really mean it."
            )
        if days < 1:
            raise CommandError("--days must be at least 1.")
        started = time.monotonic()
        summary = seed_demo(days=days)
        self.stdout.write(
            f"Demo data ready: {summary.premises} meters, {days} days each, "
            f"{summary.interval_days_created} new interval days, "
            f"{summary.agreements} new agreements, "
            f"{summary.han_messages} new HAN device messages "
            f"({time.monotonic() - started:.1f} s)."
        )
        self.stdout.write(f"\nDemo logins for {settings.SITE_URL} (password: {DEMO_PASSWORD})\n")
        self.stdout.write(f"  {'User ID':<15} {'Role':<24} Notes")
        for user in summary.users:
            self.stdout.write(f"  {user.user_id:<15} {user.role:<24} {user.note}")
