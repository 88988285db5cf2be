"""BEY-4, the TDSP side: per TDSP, the meters without interval data for N days or more."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tdsp
from usage.services.freshness import (
    STALE_DAYS_DEFAULT,
    premise_freshness,
    stale_meter_counts,
    stale_meters,
)


class Command(BaseCommand):
    help = "List, per TDSP, the meters without interval data for N days or more (BEY-4)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=STALE_DAYS_DEFAULT, help="N (default 3)")
        parser.add_argument("--tdsp", default="", help="only this TDSP (its name or code)")

    def handle(self, *args, days=STALE_DAYS_DEFAULT, tdsp="", **options):
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        tdsp_id = None
        if tdsp:
            found = Tdsp.objects.filter(name__iexact=tdsp) | Tdsp.objects.filter(code__iexact=tdsp)
            chosen = found.first()
            if chosen is None:
                raise CommandError(f"No TDSP named {tdsp!r}.")
            tdsp_id = chosen.pk
        premises = stale_meters(days=days, tdsp_id=tdsp_id)
        counts = stale_meter_counts(premises)
        self.stdout.write(
            f"Meters without interval data for {days} day(s) or more: "
            f"{sum(count for _name, count in counts)}"
        )
        esiids: dict[str, list[str]] = {}
        for premise in premises.order_by("tdsp__name", "esiid"):
            freshness = premise_freshness(premise)
            stale = freshness.stale_days if freshness else None
            through = "no data" if stale is None else f"stale {stale} day(s)"
            esiids.setdefault(premise.tdsp.name, []).append(f"{premise.esiid}  {through}")
        for name, count in counts:
            self.stdout.write(f"{name}: {count}")
            for esiid in esiids.get(name, []):
                self.stdout.write(f"  {esiid}")
