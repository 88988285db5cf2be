"""Recording and delivering emails (NTF-1, NTF-3).

Callers record an email inside their own transaction with `send_email`; the worker
delivers it after commit. A record is delivered once: delivery locks the row and skips a
record already sent, so a redelivered or duplicated task does nothing; only a crash between
the mail server accepting the message and the commit can send it twice.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from smt.lib.errors import Refused

from .models import STATE_RANK, ComponentDay, ComponentState, OutboundEmail

logger = logging.getLogger(__name__)

EMAIL_MAX_ATTEMPTS = 8  # NTF-3: then Failed, visible to staff, who can resend
# A retry's countdown is spent in the worker holding the task unacknowledged, so the wait
# plus the send (EMAIL_TIMEOUT, 30 s) must stay below the broker's visibility timeout (90 s,
# CELERY_VISIBILITY_TIMEOUT); a longer wait would make Redis hand the task to a second worker.
EMAIL_RETRY_MAX_SECONDS = 45
# A queued email whose task went missing (broker down at commit, lost message) is
# dispatched again by the beat sweep after this long.
EMAIL_STALE_AFTER = timedelta(minutes=15)
LANGUAGES = ("en", "es")  # NTF-1
SECRET_REMOVED = "[removed after sending]"
# Files to attach travel in the stored context under this key, as references to files in
# the default storage ({"path", "filename", "mimetype"}), read when the email is sent.
ATTACHMENTS_KEY = "_attachments"


@dataclass(frozen=True)
class Attachment:
    """A file in the default storage to attach to an email (USG-9)."""

    path: str
    filename: str
    mimetype: str


def send_email(
    *,
    to: str,
    template: str,
    context: dict | None = None,
    language: str = "en",
    related: models.Model | None = None,
    event_key: str | None = None,
    secret_keys: tuple[str, ...] = (),
    attachments: tuple[Attachment, ...] = (),
    sandbox: bool = False,
) -> OutboundEmail:
    """Record an email; the worker sends it once the caller's transaction commits (NTF-3).
    A `sandbox` email (to the test customer of a 3rd party's sandbox, BEY-5) is recorded as
    such and never sent.

    `context` must be JSON-serialisable (it is stored). With `event_key`, a second call for
    the same event returns the first record instead of recording another email.
    `secret_keys` name context values (a temporary password) that are blanked in the record
    as soon as the email is sent, so the log never keeps them. `attachments` name files in
    the default storage; they are read when the email is sent, not copied into the record.
    """
    context = dict(context or {})
    if attachments:
        context[ATTACHMENTS_KEY] = [
            {"path": a.path, "filename": a.filename, "mimetype": a.mimetype} for a in attachments
        ]
    fields: dict[str, Any] = {
        "recipient": to,
        "template": template,
        "language": language if language in LANGUAGES else "en",
        "context": context,
        "secret_keys": list(secret_keys),
        "status": OutboundEmail.Status.SANDBOX if sandbox else OutboundEmail.Status.QUEUED,
    }
    if related is not None:
        fields["related_type"] = ContentType.objects.get_for_model(related)
        fields["related_id"] = str(related.pk)
    if event_key:
        existing = OutboundEmail.objects.filter(event_key=event_key).first()
        if existing:
            return existing
        try:
            with transaction.atomic():
                email = OutboundEmail.objects.create(event_key=event_key, **fields)
        except IntegrityError:  # a concurrent caller recorded the same event first
            return OutboundEmail.objects.get(event_key=event_key)
    else:
        email = OutboundEmail.objects.create(**fields)
    if email.status == OutboundEmail.Status.QUEUED:
        transaction.on_commit(lambda: email_dispatch(email_id=email.pk))
    return email


def email_dispatch(*, email_id: int) -> None:
    """Hand an email to the worker. If the broker is down the beat sweep retries later."""
    from .tasks import email_send_task

    try:
        email_send_task.delay(email_id)
    except Exception:
        logger.exception("Could not queue email %s; the periodic sweep will retry it", email_id)


def _render_plain(name: str, context: dict[str, Any]) -> str:
    """A plain-text template without HTML escaping: a subject is not HTML, so "AT&T" must
    stay "AT&T" (the .txt bodies say `{% autoescape off %}` themselves)."""
    return get_template(name).template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]


def email_render(email: OutboundEmail) -> EmailMultiAlternatives:
    """Build the message from <template>.subject.txt, .txt and .html in its language."""
    context = {
        **{k: v for k, v in email.context.items() if k != ATTACHMENTS_KEY},
        "site_url": settings.SITE_URL,
        "recipient": email.recipient,
    }
    base = f"emails/{email.language}/{email.template}"
    with translation.override(email.language):
        subject = " ".join(_render_plain(f"{base}.subject.txt", context).split())
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[email.recipient])
    message.attach_alternative(html, "text/html")
    for attachment in email.context.get(ATTACHMENTS_KEY, []):
        with default_storage.open(attachment["path"], "rb") as handle:
            message.attach(attachment["filename"], handle.read(), attachment["mimetype"])
    return message


@dataclass(frozen=True)
class DeliveryOutcome:
    sent: bool
    retry: bool


def email_deliver(*, email_id: int) -> DeliveryOutcome:
    """Send one recorded email unless it was sent already (NTF-3, SEC-6).

    The row stays locked while sending, so two deliveries of the same record (a retried or
    redelivered task) are serialised and the second finds it sent.
    """
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != OutboundEmail.Status.QUEUED:
            return DeliveryOutcome(sent=False, retry=False)
        email.attempts += 1
        email.last_attempt_at = timezone.now()
        try:
            message = email_render(email)
            message.send()
        except Exception as exc:  # any failure is recorded and retried, never lost
            logger.warning("Email %s attempt %s failed: %r", email.pk, email.attempts, exc)
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= EMAIL_MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
            email.save(update_fields=["attempts", "last_attempt_at", "last_error", "status"])
            return DeliveryOutcome(sent=False, retry=email.status == OutboundEmail.Status.QUEUED)
        email.status = OutboundEmail.Status.SENT
        email.sent_at = email.last_attempt_at
        email.subject = message.subject[:200]
        email.last_error = ""
        for key in email.secret_keys:
            email.context[key] = SECRET_REMOVED
        email.save(
            update_fields=[
                "context",
                "attempts",
                "last_attempt_at",
                "status",
                "sent_at",
                "subject",
                "last_error",
            ]
        )
        return DeliveryOutcome(sent=True, retry=False)


def email_retry_delay(attempt: int) -> int:
    """Seconds before retry number `attempt` (0-based): 30 s, then EMAIL_RETRY_MAX_SECONDS;
    the 8 attempts span about 5 minutes before the email is Failed for staff to resend."""
    return min(30 * 2**attempt, EMAIL_RETRY_MAX_SECONDS)


class EmailNotResendable(Refused):
    """A sent email whose secret was removed cannot be copied (OPS-1)."""


@transaction.atomic
def email_resend(*, email: OutboundEmail) -> OutboundEmail:
    """Staff resend (OPS-1): a failed email is queued again; a sent one is copied anew.

    A sent email that carried a secret cannot be copied (the secret is gone from the log):
    the secret must be issued again, e.g. a new temporary password.
    """
    if email.status == OutboundEmail.Status.SENT and email.secret_keys:
        raise EmailNotResendable(
            f"Email #{email.pk} carried a secret that was removed after sending; "
            "issue a new one instead of resending."
        )
    if email.status == OutboundEmail.Status.SENT:
        copy = OutboundEmail.objects.create(
            recipient=email.recipient,
            template=email.template,
            language=email.language,
            context=email.context,
            related_type=email.related_type,
            related_id=email.related_id,
        )
    else:
        copy = email
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=OutboundEmail.Status.QUEUED, attempts=0, last_error=""
        )
    transaction.on_commit(lambda: email_dispatch(email_id=copy.pk))
    return copy


def email_dispatch_stale() -> int:
    """Queue again the emails whose task went missing; returns how many (NTF-3)."""
    cutoff = timezone.now() - EMAIL_STALE_AFTER
    stale = OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED).filter(
        Q(last_attempt_at__isnull=True, created_at__lt=cutoff) | Q(last_attempt_at__lt=cutoff)
    )
    ids = list(stale.values_list("pk", flat=True)[:1000])
    for email_id in ids:
        email_dispatch(email_id=email_id)
    return len(ids)


@transaction.atomic
def component_day_record(*, component: str, day: date, state: ComponentState) -> ComponentDay:
    """BEY-6: count one status sample of a component; the day keeps the worst state seen."""
    row, created = ComponentDay.objects.select_for_update().get_or_create(
        component=component, day=day, defaults={"worst_state": state, "samples": 1}
    )
    if created:
        return row
    row.samples += 1
    fields = ["samples", "updated_at"]
    if STATE_RANK[state] > STATE_RANK[ComponentState(row.worst_state)]:
        row.worst_state = state
        fields.append("worst_state")
    row.save(update_fields=fields)
    return row


def component_days_purge(*, before: date) -> int:
    """BEY-6: days older than the status page's history are not kept."""
    deleted, _per_model = ComponentDay.objects.filter(day__lt=before).delete()
    return deleted
