"""HAN-7 by hand: send one HAN status for a request as the simulated TDSP, through the TDSP
API's message handling, to walk any path of the status table in development."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string

from han.models import HanProvisionRequest
from han.services.tdsp import TDSP_STATUSES
from han.simulated import simulated_han_send


class Command(BaseCommand):
    help = (
        "Report a HAN status for the request with this agreement number, as its TDSP would "
        f"through the TDSP API. Statuses: {', '.join(TDSP_STATUSES)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("agreement_number")
        parser.add_argument("status", choices=list(TDSP_STATUSES))

    def handle(self, *args, agreement_number, status, **options):
        request = (
            HanProvisionRequest.objects.select_related("agreement__premise__tdsp")
            .filter(agreement__agreement_number=agreement_number)
            .first()
        )
        if request is None:
            raise CommandError(f"No HAN request has agreement number {agreement_number}.")
        message_id = f"manual-{get_random_string(16)}"
        answer = simulated_han_send(request, status=status, message_id=message_id)
        self.stdout.write(f"{message_id}: {answer}")
