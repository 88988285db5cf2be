"""BEY-2: every write about webhooks: endpoints (create, update, delete, rotate the
secret), deliveries (record, send, retry, give up), the test event, and disabling an
endpoint that keeps failing. Each refusal names its field.

Retry schedule: after the first attempt fails the delivery is tried again after RETRY_DELAYS
(1 min, 5 min, 30 min, 2 h, 3 h, 6 h, 12 h: 8 attempts, the last 23 h 36 min after the
first), then it is Given up. An endpoint whose attempts have all failed for DISABLE_AFTER
(3 days, at least one failed attempt at the end of them) is disabled, and the company's
admins are emailed.
"""

import base64
import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from accounts.models import User
from accounts.permissions import Capability, user_has_capability
from smt.lib.errors import Refused

from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from . import emails
from .events import EVENT_TYPES, TEST_EVENT, event_choices_for, event_payload
from .targets import PostResult, webhook_post, webhook_url_check

logger = logging.getLogger(__name__)
S = WebhookDelivery.Status

SECRET_BYTES = 32  # Standard Webhooks: 24 to 64 bytes
ENDPOINTS_MAX = 20  # BEY-2 decision: per company
DESCRIPTION_MAX = 200
URL_MAX = 2000
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
DISABLE_AFTER = timedelta(days=3)
# A delivery being sent is claimed for this long (the attempt takes at most ~10 s), so a
# second task or beat run skips it; a worker that died mid-attempt leaves it due again.
CLAIM_FOR = timedelta(minutes=2)
MANAGE = Capability.THIRD_PARTY_AGREEMENTS  # either 3rd-party function (ACC-19)


class WebhookRefused(Refused):
    """A webhook request the rules refuse; the message is for the user."""


def webhooks_allowed(user: Any) -> bool:
    """BEY-2 decision: the company's admins and users with either 3rd-party function."""
    return bool(getattr(user, "company_id", None)) and user_has_capability(user, MANAGE)


def _check_user(user: User) -> int:
    """The user's company id, or a refusal."""
    if not webhooks_allowed(user) or user.company_id is None:
        raise WebhookRefused(_("You cannot manage webhooks."))
    return user.company_id


def _check_mine(user: User, endpoint: WebhookEndpoint) -> None:
    _check_user(user)
    if endpoint.company_id != user.company_id:
        refusal = WebhookRefused(_("No such webhook endpoint."))
        refusal.not_found = True  # type: ignore[attr-defined]
        raise refusal


def secret_generate() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _clean_events(user: User, events: Any) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise WebhookRefused(_("Choose at least one event."), "events")
    allowed = {kind for kind, _label in event_choices_for(user)}
    chosen: list[str] = []
    for kind in events:
        if kind not in EVENT_TYPES:
            raise WebhookRefused(
                _("%(event)s is not an event; choose from: %(events)s.")
                % {"event": kind, "events": ", ".join(EVENT_TYPES)},
                "events",
            )
        if kind not in allowed:
            raise WebhookRefused(
                _("Your user does not have the function the %(event)s event needs.")
                % {"event": kind},
                "events",
            )
        if kind not in chosen:
            chosen.append(kind)
    return chosen


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise WebhookRefused(_("Enter the URL that receives the events."), "url")
    if len(url) > URL_MAX:
        raise WebhookRefused(
            _("The URL is longer than %(max)d characters.") % {"max": URL_MAX}, "url"
        )
    return webhook_url_check(url)


def _clean_description(description: str) -> str:
    description = " ".join((description or "").split())
    if len(description) > DESCRIPTION_MAX:
        raise WebhookRefused(
            _("The description is longer than %(max)d characters.") % {"max": DESCRIPTION_MAX},
            "description",
        )
    return description


@transaction.atomic
def webhook_endpoint_create(
    *, user: User, url: str, events: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """BEY-2: a new endpoint of the user's company and its secret, to show once."""
    company_id = _check_user(user)
    url = _clean_url(url)
    chosen = _clean_events(user, events)
    description = _clean_description(description)
    if WebhookEndpoint.objects.filter(company_id=company_id).count() >= ENDPOINTS_MAX:
        raise WebhookRefused(
            _("Your company has %(max)d webhook endpoints, the most allowed.")
            % {"max": ENDPOINTS_MAX}
        )
    secret = secret_generate()
    endpoint = WebhookEndpoint.objects.create(
        company_id=company_id,
        url=url,
        events=chosen,
        description=description,
        secret=secret,
        created_by=user,
        created_at=timezone.now(),
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *,
    user: User,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given; `active=True` enables a disabled endpoint again (its failure
    count starts over), `active=False` pauses it."""
    _check_mine(user, endpoint)
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    fields: list[str] = []
    if url is not None:
        locked.url = _clean_url(url)
        fields.append("url")
    if events is not None:
        locked.events = _clean_events(user, events)
        fields.append("events")
    if description is not None:
        locked.description = _clean_description(description)
        fields.append("description")
    if active is not None and active != locked.is_active:
        locked.is_active = active
        locked.disabled_at = None if active else timezone.now()
        locked.disabled_reason = "" if active else _("Paused by %(user)s.") % {"user": user}
        locked.consecutive_failures = 0
        locked.failing_since = None
        fields += [
            "is_active",
            "disabled_at",
            "disabled_reason",
            "consecutive_failures",
            "failing_since",
        ]
    if fields:
        locked.save(update_fields=fields)
    return locked


@transaction.atomic
def webhook_endpoint_delete(*, user: User, endpoint: WebhookEndpoint) -> None:
    """The endpoint and its delivery log go."""
    _check_mine(user, endpoint)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


@transaction.atomic
def webhook_secret_rotate(*, user: User, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """A new secret at once (the old one stops signing); shown once."""
    _check_mine(user, endpoint)
    secret = secret_generate()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        secret=secret, secret_rotated_at=timezone.now()
    )
    endpoint.refresh_from_db()
    return endpoint, secret


# --- deliveries ---------------------------------------------------------------------------


def _message_id() -> str:
    return f"msg_{secrets.token_urlsafe(18)}"


def webhook_delivery_record(
    *, endpoint: WebhookEndpoint, kind: str, payload: dict[str, Any]
) -> WebhookDelivery:
    """A delivery due now, sent by the worker once the caller's transaction commits."""
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type=kind,
        message_id=_message_id(),
        payload=payload,
        status=S.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    transaction.on_commit(lambda: webhook_delivery_dispatch(delivery_id=delivery.pk))
    return delivery


def webhook_delivery_dispatch(*, delivery_id: int) -> None:
    """Hand a delivery to the worker; if the broker is down the beat job sends it later."""
    from ..tasks import webhook_delivery_send_task

    try:
        webhook_delivery_send_task.delay(delivery_id)
    except Exception:
        logger.exception("Could not queue webhook delivery %s", delivery_id)


def webhook_event_record(
    *, kind: str, company_id: int, data: dict[str, Any], occurred_at: datetime
) -> None:
    """The subscriber in `settings.EVENT_SUBSCRIBERS` (smt.lib.events): one delivery per
    active endpoint of the company subscribed to `kind`."""
    if kind not in EVENT_TYPES:
        return
    payload = event_payload(kind=kind, occurred_at=occurred_at, data=data)
    for endpoint in WebhookEndpoint.objects.filter(company_id=company_id, is_active=True):
        if kind in endpoint.events:
            webhook_delivery_record(endpoint=endpoint, kind=kind, payload=payload)


@transaction.atomic
def webhook_test_send(*, user: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """ "Send test event": a `webhook.test` delivery to this endpoint only."""
    _check_mine(user, endpoint)
    if not endpoint.is_active:
        raise WebhookRefused(_("The endpoint is disabled; enable it first."))
    payload = event_payload(
        kind=TEST_EVENT,
        occurred_at=timezone.now(),
        data={"endpoint_id": endpoint.pk, "sent_by": user.username},
    )
    return webhook_delivery_record(endpoint=endpoint, kind=TEST_EVENT, payload=payload)


@transaction.atomic
def webhook_delivery_retry(*, user: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Manual retry: a Failed or Given-up delivery is due now (one more attempt; a Given-up
    one that fails again stays Given up)."""
    _check_mine(user, delivery.endpoint)
    if not delivery.endpoint.is_active:
        raise WebhookRefused(_("The endpoint is disabled; enable it first."))
    now = timezone.now()
    if not WebhookDelivery.objects.filter(pk=delivery.pk, status__in=(S.FAILED, S.GIVEN_UP)).update(
        status=S.PENDING, next_attempt_at=now
    ):
        raise WebhookRefused(_("Only a failed or given-up delivery can be retried."))
    delivery.refresh_from_db()
    transaction.on_commit(lambda: webhook_delivery_dispatch(delivery_id=delivery.pk))
    return delivery


def delivery_body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def delivery_headers(*, secret: str, message_id: str, at: datetime, body: bytes) -> dict[str, str]:
    """Standard Webhooks' three headers, signed with the endpoint's secret."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def webhook_delivery_send(*, delivery_id: int) -> str | None:
    """One attempt of a due delivery, or nothing (not due, done, claimed by another run, or
    its endpoint disabled). Idempotent: safe from a task, the beat job, twice. Returns the
    new status."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status__in=(S.PENDING, S.FAILED),
        next_attempt_at__lte=now,
        endpoint__is_active=True,
    ).update(next_attempt_at=now + CLAIM_FOR)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    body = delivery_body(delivery)
    headers = delivery_headers(
        secret=delivery.endpoint.secret, message_id=delivery.message_id, at=now, body=body
    )
    result = webhook_post(url=delivery.endpoint.url, body=body, headers=headers)
    return _attempt_record(delivery_id=delivery_id, at=now, result=result)


@transaction.atomic
def _attempt_record(*, delivery_id: int, at: datetime, result: PostResult) -> str:
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=at,
        response_code=result.response_code,
        duration_ms=result.duration_ms,
        error=result.error,
    )
    attempts = delivery.attempt_count + 1
    if result.succeeded:
        status, next_at = S.SUCCEEDED, None
    elif attempts >= MAX_ATTEMPTS:
        status, next_at = S.GIVEN_UP, None
    else:
        status, next_at = S.FAILED, at + RETRY_DELAYS[attempts - 1]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        attempt_count=attempts,
        next_attempt_at=next_at,
        last_attempt_at=at,
        last_response_code=result.response_code,
        last_duration_ms=result.duration_ms,
    )
    if result.succeeded:
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
        endpoint.save(update_fields=["consecutive_failures", "failing_since"])
    else:
        _failure_record(endpoint, at=at)
    return status


def _failure_record(endpoint: WebhookEndpoint, *, at: datetime) -> None:
    """Count a failed attempt; disable the endpoint when every attempt failed for
    DISABLE_AFTER, and email the company's admins (once: the event key)."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    if endpoint.failing_since is None:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=at)
        return
    if not endpoint.is_active or at - endpoint.failing_since < DISABLE_AFTER:
        return
    days = DISABLE_AFTER.days
    reason = _("Every delivery failed for %(days)d days.") % {"days": days}
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_at=at, disabled_reason=reason
    )
    endpoint.refresh_from_db()
    emails.endpoint_disabled(endpoint=endpoint)


def webhook_deliveries_due(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status__in=(S.PENDING, S.FAILED), next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )


def webhook_deliveries_send_due(*, dry_run: bool = False) -> int:
    """The every-minute beat job: queue each due delivery (first attempts whose task went
    missing, and retries). Safe to run twice: a delivery is claimed before it is sent."""
    due = webhook_deliveries_due()
    if not dry_run:
        for delivery_id in due:
            webhook_delivery_dispatch(delivery_id=delivery_id)
    return len(due)
