"""BEY-2: the email to a company's admins when one of its webhook endpoints is disabled
(recorded with the notifications app, sent by the worker; English and Spanish)."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from notifications.services import send_email

from ..models import WebhookEndpoint


def endpoint_disabled(*, endpoint: WebhookEndpoint) -> None:
    """Each working admin of the endpoint's company, once per disabling (the event key)."""
    admins = User.objects.filter(
        company_id=endpoint.company_id, is_company_admin=True, status=User.Status.ACTIVE
    ).order_by("username")
    disabled_at = endpoint.disabled_at or timezone.now()
    context = {
        "company_name": endpoint.company.name,
        "url": endpoint.url,
        "description": endpoint.description,
        "reason": endpoint.disabled_reason,
        "page_url": settings.SITE_URL + reverse("tp_api_web:webhook", args=[endpoint.pk]),
    }
    for admin in admins:
        send_email(
            to=admin.email,
            template="webhooks/endpoint_disabled",
            language=admin.language,
            related=endpoint,
            context={**context, "first_name": admin.first_name},
            event_key=f"webhook-disabled-{endpoint.pk}-{disabled_at.timestamp():.0f}-{admin.pk}",
        )
