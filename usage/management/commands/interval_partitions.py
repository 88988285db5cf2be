"""The interval table's monthly partitions on PostgreSQL (USG-2; docs/scaling.md "Retention").

    manage.py interval_partitions                  list them, with PostgreSQL's row estimates
    manage.py interval_partitions --ahead          create the missing ones, this month to 3 ahead
    manage.py interval_partitions --detach 2024-01 detach a past month (retention)

Also run daily by beat (`usage.tasks.interval_partitions_ensure_task`). On SQLite the table is
one table and there is nothing to do.
"""

import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from smt.lib.errors import Refused
from usage.services import partitions


def _month(text: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise CommandError(f"--detach takes a month as YYYY-MM, not {text!r}") from None


class Command(BaseCommand):
    help = "List, create ahead or detach the monthly partitions of the interval data table."

    def add_arguments(self, parser):
        parser.add_argument(
            "--ahead",
            action="store_true",
            help=f"create the missing partitions, this month and {partitions.MONTHS_AHEAD} ahead",
        )
        parser.add_argument("--detach", metavar="YYYY-MM", help="detach this past month")

    def handle(self, *args, ahead=False, detach=None, **options):
        if not partitions.partitioned():
            self.stdout.write("This database keeps interval data in one table (no partitions).")
            return
        if ahead:
            created = partitions.interval_partitions_ensure()
            self.stdout.write(f"Created {len(created)} partition(s): {', '.join(created) or '-'}")
        if detach:
            try:
                name = partitions.interval_partition_detach(_month(detach))
            except Refused as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                f"Detached {name}. It is still in the database, out of every query: archive it "
                f"(pg_dump -t {name}) and drop it (DROP TABLE {name})."
            )
        if not (ahead or detach):
            for partition in partitions.interval_partitions():
                month = f"{partition.month:%Y-%m}" if partition.month else "other days"
                rows = f"~{partition.rows:,} rows" if partition.rows >= 0 else "not analysed"
                self.stdout.write(f"{partition.name}  {month}  {rows}")
