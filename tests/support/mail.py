"""Emails as the test worker writes them: Django's file backend, optionally slowed down.

The worker (tests/worker_settings.py) writes here; the test process reads the same folder.
"""

import time
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.core.mail.backends import filebased

ATTEMPTS_FILE = "attempts.txt"
# Django's file backend ends every message with this line; one file may hold several
# messages (its file name is not unique per message), so messages are split, not files counted.
MESSAGE_END = b"\n" + b"-" * 79 + b"\n"


class SlowFileEmailBackend(filebased.EmailBackend):
    """Django's file backend, pausing EMAIL_SEND_DELAY seconds before writing each message.

    The pause stands in for a slow SMTP server, so a test can kill the worker mid-send. Each
    send that begins is noted in attempts.txt first, so the test knows when one is in flight.
    """

    def send_messages(self, email_messages):
        for message in email_messages:
            with open(Path(self.file_path) / ATTEMPTS_FILE, "a") as attempts:
                attempts.write(f"{', '.join(message.to)}\n")
            time.sleep(settings.EMAIL_SEND_DELAY)
        return super().send_messages(email_messages)


def read_messages(folder: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted(folder.glob("*.log")):
        for raw in path.read_bytes().split(MESSAGE_END):
            if raw.strip():
                messages.append(message_from_bytes(raw, policy=policy.default))
    return messages


def delivered_count(folder: Path) -> Counter[str]:
    """How many messages each recipient got."""
    return Counter(message["To"] for message in read_messages(folder))


def attempted_recipients(folder: Path) -> list[str]:
    """Recipients whose send began, in order (a killed send is listed, never delivered)."""
    path = folder / ATTEMPTS_FILE
    return path.read_text().splitlines() if path.exists() else []
