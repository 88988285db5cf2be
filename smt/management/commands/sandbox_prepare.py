from django.core.management.base import BaseCommand, CommandError

from accounts.models import Company
from smt.sandbox import sandbox_prepare, sandbox_prepare_all


class Command(BaseCommand):
    help = (
        "BEY-5: prepare 3rd-party sandboxes (test meters and two years of synthetic data): "
        "one company's with --company, else every company that has a test token. Safe to "
        "run again; only missing meters and days are added."
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", type=int, help="the company's id")
        parser.add_argument("--days", type=int, help="days of data (default: SANDBOX_DAYS)")

    def handle(self, *args, company=None, days=None, **options):
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        if company is not None:
            if not Company.objects.filter(pk=company).exists():
                raise CommandError(f"No company has id {company}.")
            summary = sandbox_prepare(company_id=company, days=days)
        else:
            summary = sandbox_prepare_all(days=days)
        self.stdout.write(
            f"{summary.companies} sandbox(es): {summary.premises_created} test meters and "
            f"{summary.interval_days_created} interval days added."
        )
