from datetime import date
from typing import Protocol

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .models import ComponentDay, Notice


class NoticeReader(Protocol):
    """What the notices need of a user (accounts' User; a lower layer cannot import it)."""

    kind: str
    is_staff: bool


# User kind -> the Notice flag that addresses it (NTF-5).
_AUDIENCE_FLAG = {
    "residential": "for_customers",
    "business": "for_customers",
    "rep": "for_reps",
    "third_party": "for_third_parties",
    "tdsp": "for_tdsps",
}


def notices_for_user(*, user: NoticeReader) -> QuerySet[Notice]:
    """Notices published now for the user's audience; SMT staff see every one."""
    now = timezone.now()
    notices = Notice.objects.filter(published_from__lte=now).filter(
        Q(published_until__isnull=True) | Q(published_until__gt=now)
    )
    flag = _AUDIENCE_FLAG.get(user.kind)
    if flag:
        notices = notices.filter(**{flag: True})
    elif not user.is_staff:
        notices = notices.none()
    return notices


def notices_for_status_page() -> QuerySet[Notice]:
    """BEY-6: notices published now for the status page whose window has not ended; the
    soonest window first, then the newest notice."""
    now = timezone.now()
    return (
        Notice.objects.filter(for_status_page=True, published_from__lte=now)
        .filter(Q(published_until__isnull=True) | Q(published_until__gt=now))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by(F("starts_at").asc(nulls_last=True), "-published_from")
    )


def component_days_between(*, first_day: date, last_day: date) -> dict[tuple[str, date], str]:
    """BEY-6: the worst state of each component on each day recorded in the range."""
    rows = ComponentDay.objects.filter(day__gte=first_day, day__lte=last_day).values_list(
        "component", "day", "worst_state"
    )
    return {(component, day): state for component, day, state in rows}
