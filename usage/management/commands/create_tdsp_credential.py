"""API-3: issue (or replace) the API key of a TDSP; the key is shown once."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tdsp
from usage.tdsp.credentials import tdsp_credential_issue


class Command(BaseCommand):
    help = "Issue the TDSP API key of a TDSP (replacing its old one); printed once."

    def add_arguments(self, parser):
        parser.add_argument("tdsp_code", help="e.g. oncor, centerpoint")

    def handle(self, *args, tdsp_code, **options):
        tdsp = Tdsp.objects.filter(code=tdsp_code).first()
        if tdsp is None:
            codes = ", ".join(Tdsp.objects.values_list("code", flat=True)) or "-"
            raise CommandError(f"Unknown TDSP {tdsp_code!r}; choose one of: {codes}.")
        key = tdsp_credential_issue(tdsp=tdsp)
        self.stdout.write(f"API key of {tdsp.name} (keep it secret; shown only now):\n{key}")
