"""Settings for the Celery worker started by tests/notifications/test_worker.py.

The real settings (the environment gives the test database, Redis and a short visibility
timeout), with emails written as files to the folder the test reads.
"""

import os

from smt.settings import *  # noqa: F403
from smt.settings import CELERY_BROKER_TRANSPORT_OPTIONS

EMAIL_BACKEND = "tests.support.mail.SlowFileEmailBackend"
EMAIL_FILE_PATH = os.environ["SMT_TEST_MAIL_DIR"]
EMAIL_SEND_DELAY = float(os.environ.get("SMT_TEST_EMAIL_DELAY", "0"))

# The real settings look for a dead worker's messages every 10 s; looking every second keeps
# the killed-worker test short (the killed task comes back ~6 s after the kill).
CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "unacked_restore_interval": 1}

# Report files go where the test process looks for them.
MEDIA_ROOT = os.environ.get("SMT_TEST_MEDIA_ROOT", MEDIA_ROOT)  # noqa: F405
