import pytest
from django.core.cache import cache
from django.utils import translation

from smt.celery import app as celery_app

# The TDSP and its API key, for the usage and TDSP API tests.
pytest_plugins = ["tests.support.tdsp_fixtures"]


@pytest.fixture(autouse=True)
def _test_defaults(settings, tmp_path, request):
    """Fast hashing, files in a temp folder, and (except for real-worker tests) tasks run
    in-process and a private cache."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    translation.deactivate()  # a Spanish page in an earlier test must not leak into this one
    if "worker" in request.keywords:
        # A worker test sends every task to a queue of its own (`task_default_queue`), which
        # the per-kind routes (CELERY_TASK_ROUTES) would bypass.
        routes = celery_app.conf.task_routes
        celery_app.conf.update(task_routes=None)
        yield
        celery_app.conf.update(task_routes=routes)
        return
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()  # local-memory caches share storage; rate-limit counts must not leak
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def password():
    return "Correct-Horse-42"
