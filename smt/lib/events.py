"""Events a lower app publishes for a higher one (BEY-2 webhooks), without importing it.

`event_publish` is called from the one place each status moves (an agreement's transition, a
HAN message's, a report announced ready, a token revoked). It calls every subscriber named in
`settings.EVENT_SUBSCRIBERS` (dotted paths, loaded with `import_string`, like
`ROR_MOVE_OUT_HOOKS`) inside the caller's transaction, so what a subscriber records (a webhook
delivery row) commits or rolls back with the change itself; a subscriber does its outside work
(sending) after commit. A subscriber that raises is logged and does not undo the change.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

Subscriber = Callable[..., None]


def event_subscribers() -> list[Subscriber]:
    return [import_string(path) for path in getattr(settings, "EVENT_SUBSCRIBERS", [])]


def event_publish(*, kind: str, company_id: int | None, data: dict[str, Any]) -> None:
    """Tell the subscribers that `kind` happened for `company_id`. `data` is JSON: ids and
    the new state only (BEY-2), never a customer's personal data."""
    if not company_id:
        return
    occurred_at = timezone.now()
    for subscriber in event_subscribers():
        try:
            with transaction.atomic():  # a savepoint: a failing subscriber leaves no half rows
                subscriber(kind=kind, company_id=company_id, data=data, occurred_at=occurred_at)
        except Exception:
            logger.exception("Event subscriber %r failed for %s", subscriber, kind)
