"""Email recording and delivery (NTF-1, NTF-3). Tasks run in-process here; a real worker
is exercised in test_worker.py."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundEmail
from notifications.services import (
    EMAIL_MAX_ATTEMPTS,
    EMAIL_STALE_AFTER,
    EmailNotResendable,
    email_deliver,
    email_dispatch_stale,
    email_resend,
    send_email,
)
from notifications.tasks import email_send_task
from smt.celery import app as celery_app
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEMPLATE = "notifications/test_message"


def record(**fields):
    return send_email(to=fields.pop("to", "pat@example.com"), template=TEMPLATE, **fields)


def test_email_is_recorded_and_sent_only_after_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        email = record(context={"note": "Hello"})
        assert OutboundEmail.objects.filter(pk=email.pk).exists()
        assert mail.outbox == []
    assert len(callbacks) == 1
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 1
    assert email.sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat@example.com"]
    assert "Hello" in mail.outbox[0].body


def test_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        record()
        raise RuntimeError("the business change failed")
    assert callbacks == []
    assert OutboundEmail.objects.count() == 0
    assert mail.outbox == []


def test_email_has_text_and_branded_html_parts():  # NTF-1
    email = record()
    email_deliver(email_id=email.pk)
    message = mail.outbox[0]
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    assert "SMART METER TEXAS" in html
    assert "Please do not reply" in message.body
    assert message.subject == "Smart Meter Texas test message"


def test_email_is_written_in_the_recipients_language():  # NTF-1
    email = record(language="es")
    email_deliver(email_id=email.pk)
    message = mail.outbox[0]
    assert message.subject == "Mensaje de prueba de Smart Meter Texas"
    assert "Equipo de Smart Meter Texas" in message.body


def test_a_subject_is_plain_text_so_an_ampersand_stays_one():  # NTF-1
    email = send_email(
        to="ana@example.com",
        template="agreements/accepted",
        context={
            "kind_label": "Ongoing Energy Data",
            "kind_article": "an",
            "company_name": "AT&T <Energy>",
        },
    )
    email_deliver(email_id=email.pk)
    assert mail.outbox[0].subject == (
        "Smart Meter Texas - You accepted an Ongoing Energy Data Agreement with AT&T <Energy>"
    )


def test_a_record_is_never_sent_twice():  # NTF-3
    email = record()
    assert email_deliver(email_id=email.pk).sent
    assert not email_deliver(email_id=email.pk).sent
    email_send_task.apply(args=[email.pk])
    assert len(mail.outbox) == 1


def test_the_same_event_records_one_email(django_capture_on_commit_callbacks):  # NTF-3
    with django_capture_on_commit_callbacks(execute=True):
        first = record(event_key="account:7:approved")
        second = record(event_key="account:7:approved")
    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1
    assert len(mail.outbox) == 1


def test_related_object_is_recorded():  # NTF-3
    user = UserFactory()
    email = record(related=user)
    assert email.related == user


@pytest.fixture
def eager_retries():
    """Let in-process retries run (propagating would raise the first Retry to the test)."""
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


@pytest.mark.usefixtures("eager_retries")
def test_failed_send_is_recorded_and_retried_until_it_works():  # NTF-3
    email = record()
    with mock.patch(
        "django.core.mail.EmailMultiAlternatives.send",
        side_effect=[ConnectionRefusedError("mail server down"), ConnectionError("again"), 1],
    ):
        email_send_task.apply(args=[email.pk])
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 3
    assert email.last_error == ""


@pytest.mark.usefixtures("eager_retries")
def test_email_is_marked_failed_after_the_last_attempt():  # NTF-3
    email = record()
    with mock.patch(
        "django.core.mail.EmailMultiAlternatives.send", side_effect=ConnectionError("down")
    ):
        email_send_task.apply(args=[email.pk])
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED
    assert email.attempts == EMAIL_MAX_ATTEMPTS
    assert "ConnectionError: down" in email.last_error
    assert mail.outbox == []


def test_staff_resend_of_a_failed_email_sends_it(django_capture_on_commit_callbacks):  # OPS-1
    email = record()
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.FAILED, attempts=EMAIL_MAX_ATTEMPTS
    )
    email.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        email_resend(email=email)
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert len(mail.outbox) == 1


def test_resend_of_a_sent_email_records_a_new_copy(django_capture_on_commit_callbacks):
    email = record()
    email_deliver(email_id=email.pk)
    email.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        copy = email_resend(email=email)
    assert copy.pk != email.pk
    assert len(mail.outbox) == 2


def test_queued_email_whose_task_was_lost_is_sent_by_the_sweep():  # NTF-3, SEC-6
    with mock.patch("notifications.services.email_dispatch"):  # the broker "loses" the task
        email = send_email(to="pat@example.com", template=TEMPLATE)
    with time_machine.travel(timezone.now() + EMAIL_STALE_AFTER - timedelta(seconds=5)):
        assert email_dispatch_stale() == 0
    with time_machine.travel(timezone.now() + EMAIL_STALE_AFTER + timedelta(seconds=5)):
        assert email_dispatch_stale() == 1
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT


def test_broker_down_at_commit_does_not_break_the_caller(django_capture_on_commit_callbacks):
    with (
        mock.patch("notifications.tasks.email_send_task.delay", side_effect=OSError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        email = record()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.QUEUED


def test_every_email_template_exists_in_english_and_spanish(settings):  # NTF-1
    emails_dir = settings.BASE_DIR / "templates" / "emails"
    names = {
        path.relative_to(emails_dir / lang).as_posix()
        for lang in ("en", "es")
        for path in (emails_dir / lang).rglob("*.*")
    }
    for name in names:
        for lang in ("en", "es"):
            assert (emails_dir / lang / name).exists(), f"emails/{lang}/{name} is missing"


def test_send_test_email_command_queues_and_sends(django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_test_email", "ops@example.com", "--note", "2 a.m. check")
    assert "Queued test email" in capsys.readouterr().out
    assert mail.outbox[0].to == ["ops@example.com"]
    assert "2 a.m. check" in mail.outbox[0].body


def test_secrets_are_removed_from_the_log_once_sent():  # ACC-6: temporary passwords
    email = record(context={"note": "Temporary password: Xy7-secret"}, secret_keys=("note",))
    email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert "Xy7-secret" in mail.outbox[0].body
    assert email.context["note"] == "[removed after sending]"


def test_a_sent_email_that_carried_a_secret_cannot_be_resent():  # ACC-6
    email = record(context={"note": "secret"}, secret_keys=("note",))
    email_deliver(email_id=email.pk)
    email.refresh_from_db()
    with pytest.raises(EmailNotResendable):
        email_resend(email=email)


def test_the_admin_resend_reports_the_refusal_and_queues_the_others(client):  # OPS-1
    secret = record(context={"note": "secret"}, secret_keys=("note",))
    email_deliver(email_id=secret.pk)
    failed = record()
    OutboundEmail.objects.filter(pk=failed.pk).update(status=OutboundEmail.Status.FAILED)
    client.force_login(UserFactory(smt_staff=True))
    response = client.post(
        reverse("admin:notifications_outboundemail_changelist"),
        {"action": "resend", "_selected_action": [secret.pk, failed.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert f"Email #{secret.pk} carried a secret that was removed after sending" in html
    assert "1 email(s) queued again." in html
    failed.refresh_from_db()
    assert failed.status == OutboundEmail.Status.QUEUED


def test_an_attachment_is_read_from_storage_when_the_email_is_sent(
    django_capture_on_commit_callbacks,
):  # USG-9: Green Button results travel with the email
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from notifications.services import Attachment

    path = default_storage.save("reports/test/feed.xml", ContentFile(b"<feed/>"))
    with django_capture_on_commit_callbacks(execute=True):
        email = record(attachments=(Attachment(path, "report.xml", "application/atom+xml"),))
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    [message] = mail.outbox
    assert message.attachments == [("report.xml", b"<feed/>", "application/atom+xml")]
    assert "_attachments" in email.context  # a reference, not the file's bytes
