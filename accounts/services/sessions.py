"""Ending people's web sessions (ACC-10), in whichever session store the settings name."""

from collections.abc import Collection
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone


def sessions_delete_for_users(*, user_ids: Collection[int]) -> int:
    """Delete every live session signed in as one of these users; returns how many.

    A session row does not say whose it is until decoded, so the live sessions are read
    (at most `SESSION_COOKIE_AGE` old). Only a store kept in the database can be searched
    so (the default, `db`, and `cached_db`); with another store the sessions stay, and the
    per-request access check (`AccountAccessMiddleware`) signs them out at their next use.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not user_ids or not hasattr(store_class, "get_model_class"):
        return 0
    wanted = {str(pk) for pk in user_ids}
    store = store_class()
    live = (
        store_class.get_model_class()
        .objects.filter(expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
    )
    doomed = [
        key
        for key, data in live.iterator()
        if str(store.decode(data).get(SESSION_KEY, "")) in wanted
    ]
    for key in doomed:
        store.delete(key)  # through the store, so `cached_db` forgets its cached copy too
    return len(doomed)
