"""HAN-9 by hand: send one status for a HAN device message as the simulated TDSP, through the
TDSP API's message handling, to walk any path of the message statuses in development."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string

from han.models import HanMessage
from han.services.messages import TDSP_MESSAGE_STATUSES
from han.simulated import simulated_message_send


class Command(BaseCommand):
    help = (
        "Report a status for the HAN device message with this id, as its TDSP would through "
        f"the TDSP API. Statuses: {', '.join(TDSP_MESSAGE_STATUSES)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("message_id", type=int, help="the message's id (HAN Device Messages)")
        parser.add_argument("status", choices=list(TDSP_MESSAGE_STATUSES))
        parser.add_argument("--reason", default="", help="why it failed (FAILED)")

    def handle(self, *args, message_id, status, reason, **options):
        message = (
            HanMessage.objects.select_related("device__agreement__premise__tdsp")
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            raise CommandError(f"No HAN device message has id {message_id}.")
        tdsp_message_id = f"manual-{get_random_string(16)}"
        answer = simulated_message_send(
            message, status=status, message_id=tdsp_message_id, reason=reason
        )
        self.stdout.write(f"{tdsp_message_id}: {answer}")
