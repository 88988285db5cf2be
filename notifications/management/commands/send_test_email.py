from django.core.management.base import BaseCommand

from notifications.services import send_email


class Command(BaseCommand):
    help = "Queue a test email to check delivery end to end (web -> worker -> mail server)."

    def add_arguments(self, parser):
        parser.add_argument("address")
        parser.add_argument("--language", choices=["en", "es"], default="en")
        parser.add_argument("--note", default="", help="A line added to the message.")

    def handle(self, *args, address, language, note, **options):
        email = send_email(
            to=address,
            template="notifications/test_message",
            language=language,
            context={"note": note},
        )
        self.stdout.write(f"Queued test email #{email.pk} to {address}; the worker sends it.")
