"""Scoped reads for accounts."""

from django.db.models import QuerySet

from .models import Duns, User


def duns_granted_to_user(*, user: User) -> QuerySet[Duns]:
    return user.duns_grants.order_by("number")
