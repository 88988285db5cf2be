from typing import Protocol

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Notice


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
