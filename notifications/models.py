"""Email records (NTF-3) and site notices (NTF-5)."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """One email the portal sends: recorded with the event, sent by the worker (NTF-3).

    `event_key`, when given, names the event ("agreement:12:accepted"), so the same event
    never records a second email.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SANDBOX = "sandbox", _("Sandbox: not sent")  # BEY-5: to a test customer

    recipient = models.EmailField()
    template = models.CharField(max_length=100)
    language = models.CharField(max_length=2, default="en")
    context = models.JSONField(default=dict, blank=True)
    related_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    related_id = models.CharField(max_length=64, blank=True)
    related = GenericForeignKey("related_type", "related_id")
    event_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # Context keys holding a secret (a temporary password): blanked once the email is sent.
    secret_keys = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    subject = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="email_status_created_idx"),
            models.Index(fields=["related_type", "related_id"], name="email_related_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.recipient} ({self.status})"


class Notice(models.Model):
    """A site notice written by SMT staff for the audiences chosen (NTF-5)."""

    class Level(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")

    title = models.CharField(_("title (English)"), max_length=150)
    body = models.TextField(
        _("body (English)"), help_text=_("Plain text; blank lines separate paragraphs.")
    )
    # NTF-1, UX-3: the Spanish text; a reader whose language is Spanish sees it, or the
    # English when it is left empty.
    title_es = models.CharField(_("title (Spanish)"), max_length=150, blank=True)
    body_es = models.TextField(
        _("body (Spanish)"),
        blank=True,
        help_text=_("Plain text; blank lines separate paragraphs. Empty: the English is shown."),
    )
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    for_customers = models.BooleanField(default=True)
    for_reps = models.BooleanField("for REPs", default=True)
    for_third_parties = models.BooleanField(default=True)
    for_tdsps = models.BooleanField("for TDSPs", default=True)
    published_from = models.DateTimeField()
    published_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_from"]

    def __str__(self) -> str:
        return self.title

    def _in_language(self, english: str, spanish: str) -> str:
        if (get_language() or "en").startswith("es") and spanish.strip():
            return spanish
        return english

    @property
    def shown_title(self) -> str:
        """The title in the active language, falling back to English (NTF-1)."""
        return self._in_language(self.title, self.title_es)

    @property
    def shown_body(self) -> str:
        """The body in the active language, falling back to English (NTF-1)."""
        return self._in_language(self.body, self.body_es)
