"""Email records (NTF-3) and site notices (NTF-5)."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
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

    class Kind(models.TextChoices):  # BEY-6
        MAINTENANCE = "maintenance", _("Scheduled maintenance")
        INCIDENT = "incident", _("Incident")

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
    # BEY-6: the public status page shows the notices meant for it; a maintenance window or
    # an incident says when it starts and ends (an ended one leaves the page by itself).
    for_status_page = models.BooleanField(
        "for the status page",
        default=False,
        help_text=_("Shown on the public status page (/status/), also to visitors not signed in."),
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, blank=True)
    starts_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the maintenance or incident starts (optional).")
    )
    ends_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When it ends; the status page stops showing the notice then (optional)."),
    )
    published_from = models.DateTimeField()
    published_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="notice_ends_after_it_starts",
            )
        ]

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

    @property
    def is_under_way(self) -> bool:
        """BEY-6: its window has started and not ended (a window without a start: never)."""
        now = timezone.now()
        return bool(self.starts_at and self.starts_at <= now and not self.has_ended)

    @property
    def is_upcoming(self) -> bool:
        """BEY-6: its window starts later."""
        return bool(self.starts_at and self.starts_at > timezone.now())

    @property
    def has_ended(self) -> bool:
        return bool(self.ends_at and self.ends_at <= timezone.now())


class ComponentState(models.TextChoices):
    """The state of one part of the portal on the status page (BEY-6), best first."""

    UP = "up", _("Operational")
    DEGRADED = "degraded", _("Degraded")
    DOWN = "down", _("Down")


# Worse is higher: a day keeps the worst state any of its samples saw.
STATE_RANK = {ComponentState.UP: 0, ComponentState.DEGRADED: 1, ComponentState.DOWN: 2}


class ComponentDay(models.Model):
    """The worst state a status-page component was seen in on one day (Central time), from
    the samples the every-few-minutes beat job records (BEY-6). `component` is the key the
    status page gives it ("database", "tdsp-feed:oncor")."""

    component = models.CharField(max_length=60)
    day = models.DateField()
    worst_state = models.CharField(max_length=10, choices=ComponentState.choices)
    samples = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "status history day"
        ordering = ["component", "day"]
        constraints = [
            models.UniqueConstraint(fields=["component", "day"], name="component_day_once")
        ]
        indexes = [models.Index(fields=["day"], name="component_day_day_idx")]

    def __str__(self) -> str:
        return f"{self.component} {self.day}: {self.worst_state}"
