import json

from django.core.management.base import BaseCommand, CommandError

from smt.health import health_report


class Command(BaseCommand):
    help = "Print the health of database, broker and worker (as /healthz); exit 1 if unwell."

    def handle(self, *args, **options):
        report = health_report()
        self.stdout.write(json.dumps(report, indent=2))
        if report["status"] != "ok":
            failing = ", ".join(name for name, check in report["checks"].items() if not check["ok"])
            raise CommandError(f"unhealthy: {failing}")
