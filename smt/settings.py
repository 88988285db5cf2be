"""Settings for the SMT portal, read from the environment (django-environ).

Every variable has a safe local default, so a newcomer's laptop runs on the embedded
default: a SQLite file under var/, a filesystem Celery broker and emails written to
var/mail/. Setting DATABASE_URL, REDIS_URL and EMAIL_URL switches to PostgreSQL, Redis and
SMTP. DJANGO_ENV=production refuses to start without a real SECRET_KEY and an EMAIL_URL
and turns on secure cookies, HSTS and the HTTPS redirect. `.env.example` lists every
variable.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from PIL import Image

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}"
    )
PRODUCTION = DJANGO_ENV == "production"

VAR_DIR = Path(env.str("SMT_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=not PRODUCTION)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
if (PRODUCTION or not DEBUG) and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "Production needs SECRET_KEY set in the environment (at least 50 random characters)."
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"],
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Absolute address of the portal, for links in emails.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",  # API-2: the 3rd-party API (docs/decisions.md)
    "drf_spectacular",  # its OpenAPI 3 document
    "drf_spectacular_sidecar",  # the docs page's assets, self-hosted (no CDN)
    "smt",
    "accounts",
    "usage",
    "agreements",
    "han",
    "notifications",
    "smt.api.thirdparty.apps.ThirdPartyApiConfig",  # API-2's own rows: webhooks (BEY-2)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "smt.middleware.BadUrlMiddleware",  # a NUL or non-UTF-8 URL is a 400 (API-4)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.AccountAccessMiddleware",  # ACC-10 on every request
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.TemporaryPasswordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # BEY-3, SEC-5: per-token limits and RateLimit-* headers (+ Idempotency-Key on the
    # 3rd-party API); innermost, so a replayed answer still gets every header above.
    "smt.api.thirdparty.limits.ThirdPartyLimitMiddleware",
    "smt.api.compat.limits.CompatLimitMiddleware",
]

ROOT_URLCONF = "smt.urls"
WSGI_APPLICATION = "smt.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "smt.navigation.navigation_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'smt.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Web, worker and beat share the file: WAL lets readers run beside one writer, and
    # IMMEDIATE transactions take the write lock up front instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared by web and worker processes: rate limits live here) -----------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "smt",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "smt.lib.cache.FileCache",  # Django's, culled less eagerly
            "LOCATION": str(VAR_DIR / "cache"),
            # Sessions and the Daily Usage page's day HTML live here too: at Django's default
            # of 300 entries a third would be culled at random, rate-limit counters and the
            # worker heartbeat with them.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UserIdBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ACC-5: 8 to 128 characters (the seeds' 6-24 is widened).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.NotUserIdValidator"},
]

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
# Sessions are read from the cache (Redis, or the file cache of the embedded default) and
# written through to the database, which stays the record: a lost cache entry is read back
# from it, and accounts.services.sessions can still find and end a user's sessions (ACC-10).
# Every signed-in request reads its session; from the cache that costs no query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# SEC-5: behind our TLS proxy the client address is the X-Forwarded-For hop it added;
# without it that header is ignored (anyone can send it).
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Chicago"
USE_I18N = True
# UX-3: one format per language for dates, times and numbers, written in one place.
FORMAT_MODULE_PATH = ["smt.formats"]
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Outside production, serve static files straight from the app folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_URL = "/media/"  # no URL serves it (smt/urls.py); logos: accounts:company_logo
MEDIA_ROOT = VAR_DIR / "media"
# SEC-4: Pillow's decompression-bomb guard for every image this process opens (logo uploads,
# the logos WeasyPrint draws into PDFs): it warns above this many pixels and refuses twice as
# many before decoding. Logos themselves are refused above 1 megapixel at upload
# (accounts.validators.LOGO_MAX_PIXELS); 4 MP leaves room and stays ~16 MB decoded.
IMAGE_MAX_PIXELS = 4_000_000
Image.MAX_IMAGE_PIXELS = IMAGE_MAX_PIXELS
# Stored files (report files, agreement PDF copies, company logos, TDSP uploads, email
# attachments) go through Django's storage API only, never a local path, so web and workers
# may run on different machines. Embedded default: MEDIA_ROOT on this machine. With
# SMT_S3_BUCKET set: a private bucket of S3 or an S3-compatible store (MinIO in
# docker-compose.yml). No address of the bucket is ever shown (no signed URLs): downloads
# stream through the views that check who asks.
S3_BUCKET = env.str("SMT_S3_BUCKET", default="")
if S3_BUCKET:
    _S3_ENDPOINT_URL = env.str("SMT_S3_ENDPOINT_URL", default="") or None  # None: AWS itself
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": _S3_ENDPOINT_URL,
            "region_name": env.str("SMT_S3_REGION", default="us-east-1"),
            # Unset: boto3 finds credentials itself (an instance or task role).
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": "private",
            "querystring_auth": False,
            "file_overwrite": False,  # a second upload of the same name gets a new name
            "addressing_style": "path" if _S3_ENDPOINT_URL else None,
            # A file read from the bucket is held in memory up to this size, then on disk.
            "max_memory_size": 8 * 1024 * 1024,
        },
    }
else:
    _DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Email ----------------------------------------------------------------------------
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
elif PRODUCTION:
    raise ImproperlyConfigured(
        "Production needs EMAIL_URL (for example smtp+tls://user:pw@host:587)."
    )
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Smart Meter Texas <no-reply@smt.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# --- Celery ---------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # SEC-6: a task whose worker died is redelivered after this many seconds, so a killed
    # worker's job is back within 2 minutes (timeout + the 10 s look below; measured 94 s
    # with a 1 s look). It must stay above a task run, countdown included, or Redis hands
    # the running task to a second worker: report parts stop after 20 s
    # (usage.services.report_requests), email retries wait at most 45 s in the worker
    # (notifications.services.EMAIL_RETRY_MAX_SECONDS) plus EMAIL_TIMEOUT, a TDSP day file
    # of 100,000 meters (70 MB) loads in 6-15 s. Only an upload near the 512 MB limit may
    # take longer; its second delivery is harmless (the load is idempotent and waits for
    # the first on its advisory lock, and a run finding the file loaded stops at once).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=90),
        # kombu looks for a dead worker's tasks only every interval x throttle seconds
        # (10 x 10 by default); look every 10 s so recovery is bounded by the timeout.
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
else:
    # Embedded default: messages are files under var/broker, no server needed.
    _BROKER_DIR = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
    # kombu's filesystem transport does not create its folders; web, worker and beat may
    # each be the first to start.
    for _folder in ("queue", "control"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# Queues per job kind (docs/scaling.md, docs/decisions.md): loads and report builds run for
# seconds to minutes and come in bursts; on queues of their own they never hold up an email,
# a webhook or a TDSP call, and each kind gets as many workers as it needs. Everything not
# routed (TDSP sends, the beat sweeps, the heartbeat) stays on the default queue `celery`.
# A worker started without --queues consumes every queue listed here (the embedded default
# and the Procfile run one worker for all).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES: dict[str, dict] = {
    name: {} for name in ("celery", "ingest", "reports", "email", "webhooks")
}
CELERY_TASK_ROUTES = {
    "usage.tasks.tdsp_file_load_task": {"queue": "ingest"},  # USG-2
    "usage.tasks.meters_freshness_refresh_task": {"queue": "ingest"},  # BEY-4, every meter
    "usage.tasks.interval_partitions_ensure_task": {"queue": "ingest"},  # USG-2, DDL
    "usage.tasks.report_request_build_task": {"queue": "reports"},  # USG-7
    "agreements.tasks.agreement_copy_send_task": {"queue": "reports"},  # AGR-10: a PDF
    "notifications.tasks.email_send_task": {"queue": "email"},
    "smt.api.thirdparty.tasks.webhook_delivery_send_task": {"queue": "webhooks"},  # BEY-2
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # OPS-4: proves beat -> broker -> worker -> database end to end.
    "worker-heartbeat": {
        "task": "smt.tasks.worker_heartbeat_task",
        "schedule": 30.0,
    },
    # BEY-6: one sample of each component for the status page's 30-day history.
    "status-record": {
        "task": "smt.tasks.status_record_task",
        "schedule": crontab(minute="*/5"),
    },
    "notifications-resend-stale": {
        "task": "notifications.tasks.email_dispatch_pending_task",
        "schedule": crontab(minute="*/5"),
    },
    # ACC-7, ACC-8, ACC-9: hourly, so nothing outlives its 14 days by more than an hour.
    "accounts-delete-unapproved": {
        "task": "accounts.tasks.accounts_delete_unapproved_task",
        "schedule": crontab(minute=17),
    },
    # SEC-6: report requests whose worker vanished are queued again.
    "usage-report-requests-requeue": {
        "task": "usage.tasks.report_requests_requeue_stale_task",
        "schedule": crontab(minute="*/5"),
    },
    # OPS-2: report files past their retention.
    "usage-report-files-purge": {
        "task": "usage.tasks.report_files_purge_task",
        "schedule": crontab(hour=4, minute=13),
    },
    # OPS-2: uploaded TDSP files past their retention.
    "usage-tdsp-files-purge": {
        "task": "usage.tasks.tdsp_files_purge_task",
        "schedule": crontab(hour=4, minute=29),
    },
    # USG-11, SEC-6: an On Demand Read with no answer becomes Failed.
    "usage-on-demand-reads-timeout": {
        "task": "usage.tasks.on_demand_reads_fail_stale_task",
        "schedule": crontab(minute="*"),
    },
    # USG-2: the interval table's monthly partitions, kept months ahead (PostgreSQL).
    "usage-interval-partitions": {
        "task": "usage.tasks.interval_partitions_ensure_task",
        "schedule": crontab(hour=1, minute=7),
    },
    # BEY-4: every meter's freshness, just after midnight Central (the gap window moved).
    "usage-meters-freshness-refresh": {
        "task": "usage.tasks.meters_freshness_refresh_task",
        "schedule": crontab(hour=0, minute=19),
    },
    # ACC-21: daily, at night (Central time is the server's business day).
    "third-parties-purge-inactive": {
        "task": "accounts.tasks.third_parties_purge_inactive_task",
        "schedule": crontab(hour=3, minute=41),
    },
    # AGR-9, AGR-14: hourly, so no invitation outlives its 30 days by more than an hour.
    "sandbox-prepare-all": {  # BEY-5: the sandboxes' new day of data
        "task": "smt.tasks.sandbox_prepare_all_task",
        "schedule": crontab(hour=5, minute=11),
    },
    "agreements-expire-pending": {
        "task": "agreements.tasks.agreement_expire_pending_task",
        "schedule": crontab(minute=23),
    },
    # AGR-14: just after midnight Central, the day after an ongoing agreement's end date.
    "agreements-expire-ended": {
        "task": "agreements.tasks.agreement_expire_ended_task",
        "schedule": crontab(hour=0, minute=7),
    },
    # BEY-1: the 30-day and 7-day reminders of an ongoing agreement's end date, each sent on
    # its Central-time day (after the expiry job, in the morning of the customer's day).
    "agreements-reminders-send": {
        "task": "agreements.tasks.agreement_reminders_send_task",
        "schedule": crontab(hour=8, minute=17),
    },
    # AGR-10 EM204: finished One-Time reports are announced to the 3rd party.
    "agreements-reports-notify-ready": {
        "task": "agreements.tasks.agreement_reports_notify_ready_task",
        "schedule": crontab(minute="*/5"),
    },
    # HAN-5: "you have N days" reminders (their day is the one to send on; hourly is enough).
    "han-reminders-send": {
        "task": "han.tasks.han_reminders_send_task",
        "schedule": crontab(minute=33),
    },
    # HAN-5: 35 days without an answer; Meter Ready pairing windows that closed. Hourly, so
    # nothing outlives its deadline by more than an hour.
    "han-requests-expire": {
        "task": "han.tasks.han_requests_expire_task",
        "schedule": crontab(minute=27),
    },
    # HAN-5: closed requests leave the HAN lists and free their slot 10 days later.
    "han-requests-clear": {
        "task": "han.tasks.han_requests_clear_task",
        "schedule": crontab(minute=43),
    },
    # SEC-6: a started request or removal whose send task went missing is queued again.
    "han-requests-send-missing": {
        "task": "han.tasks.han_requests_send_missing_task",
        "schedule": crontab(minute="*/15"),
    },
    # HAN-9: Queued messages whose start time came (and sends that went missing) go out.
    "han-messages-send-due": {
        "task": "han.tasks.han_messages_send_due_task",
        "schedule": crontab(minute="*"),
    },
    # AGR-10, SEC-6: an EM203 whose task went missing (broker down at commit) is queued again.
    "agreements-copies-send-missing": {
        "task": "agreements.tasks.agreement_copies_send_missing_task",
        "schedule": crontab(minute="*/15"),
    },
    # BEY-2: webhook retries that came due, and first sends whose task went missing.
    "webhooks-send-due": {
        "task": "smt.api.thirdparty.tasks.webhook_deliveries_send_due_task",
        "schedule": crontab(minute="*"),
    },
}

# MTR-2: what else a Move-Out ends, called in the TDSP's transaction (usage imports no app).
ROR_MOVE_OUT_HOOKS = [
    "agreements.services.jobs.agreements_end_for_move_out",
    "han.services.jobs.han_messaging_end_for_move_out",  # HAN-8
]
# ACC-21, ACC-8, BEY-1: what else closing a 3rd party (purge or revoke) ends, called with
# `company_id=` in the transaction that closes it (accounts imports no app above it).
COMPANY_CLOSED_HOOKS = [
    "agreements.services.jobs.agreements_end_for_closed_company",
    "han.services.jobs.han_end_for_closed_company",  # HAN-5, HAN-9
]
# API-3: TDSP message types a higher app handles (usage.tdsp.messages imports no app above).
TDSP_MESSAGE_HANDLERS = {
    "han_status": "han.tdsp.han_status_message",  # HAN-7
    "han_message_status": "han.tdsp.han_message_status_message",  # HAN-9
}
# BEY-2: who hears of a status change published with smt.lib.events.event_publish (lower
# apps import no app above them): the 3rd-party API's webhooks.
EVENT_SUBSCRIBERS = [
    "smt.api.thirdparty.webhooks.services.webhook_event_record",
    "smt.sandbox.sandbox_on_event",  # BEY-5: a test token's company gets its sandbox
]
# BEY-2 (SSRF): webhooks may go to private, loopback and link-local addresses, and over http,
# only outside production (a receiver on the laptop, the tests' receiver on 127.0.0.1).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=not PRODUCTION)
# USG-12, AGR-14: which meters (and days) a 3rd party's agreements open, answered by the
# agreements app for usage.selectors (usage imports no app above it).
USAGE_AGREEMENT_ACCESS = "agreements.selectors.agreement_usage_access"

# OPS-2: days a usage file uploaded by a TDSP is kept (the loaded rows are the record after).
TDSP_FILE_RETENTION_DAYS = env.int("TDSP_FILE_RETENTION_DAYS", default=90)
# USG-9: days a finished report file stays downloadable.
REPORT_RETENTION_DAYS = env.int("REPORT_RETENTION_DAYS", default=30)
# USG-9 decision: a Green Button result up to this size is also emailed as an attachment;
# a larger one is only linked (mail servers commonly refuse messages over ~10 MB).
REPORT_EMAIL_ATTACHMENT_MAX_BYTES = env.int(
    "REPORT_EMAIL_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024
)

# USG-11: how the portal talks to each TDSP (usage.tdsp.adapter). TDSP_ADAPTERS maps a TDSP
# code to an adapter class; every other TDSP uses TDSP_ADAPTER (the simulated TDSP).
TDSP_ADAPTER = env.str("TDSP_ADAPTER", default="han.simulated.SimulatedTdsp")
TDSP_ADAPTERS: dict[str, str] = {}
# BEY-5: the sandbox's TDSP is always simulated, so a test token never reaches a real utility.
SANDBOX_TDSP_ADAPTER = "han.simulated.SimulatedTdsp"
# BEY-5: a sandbox test customer answers an invitation this many seconds after it is sent;
# the ESIID that never answers lets it lapse to Not Accepted after SANDBOX_NO_ANSWER_SECONDS.
SANDBOX_ANSWER_SECONDS = env.float("SANDBOX_ANSWER_SECONDS", default=5.0)
SANDBOX_NO_ANSWER_SECONDS = env.float("SANDBOX_NO_ANSWER_SECONDS", default=120.0)
SANDBOX_DAYS = 730  # BEY-5: two years of synthetic data on each test meter
# The simulated TDSP answers On Demand Reads this many seconds later, failing this share.
SIMULATED_TDSP_ODR_DELAY_SECONDS = env.float("SIMULATED_TDSP_ODR_DELAY_SECONDS", default=5.0)
SIMULATED_TDSP_ODR_FAILURE_RATE = env.float("SIMULATED_TDSP_ODR_FAILURE_RATE", default=0.1)
# HAN-7: the simulated TDSP reports each HAN status this many seconds after the last, and
# Device Added this long after Meter Ready (the customer pairing); test MACs walk the other
# paths (han.simulated).
SIMULATED_TDSP_HAN_DELAY_SECONDS = env.float("SIMULATED_TDSP_HAN_DELAY_SECONDS", default=5.0)
SIMULATED_TDSP_HAN_PAIRING_SECONDS = env.float("SIMULATED_TDSP_HAN_PAIRING_SECONDS", default=20.0)
SIMULATED_TDSP_HAN_REJECT_MACS = env.list(
    "SIMULATED_TDSP_HAN_REJECT_MACS", default=["000D6F0000DEAD01"]
)
SIMULATED_TDSP_HAN_FAIL_MACS = env.list(
    "SIMULATED_TDSP_HAN_FAIL_MACS", default=["000D6F0000FA1101"]
)
SIMULATED_TDSP_HAN_SETUP_ISSUE_MACS = env.list(
    "SIMULATED_TDSP_HAN_SETUP_ISSUE_MACS", default=["000D6F0000FA1102"]
)
# HAN-9: the simulated TDSP delivers a HAN device message (after the delay above); the
# customer "confirms" it on these devices (when it asks for confirmation); it fails on these.
SIMULATED_TDSP_HAN_CONFIRM_MACS = env.list(
    "SIMULATED_TDSP_HAN_CONFIRM_MACS", default=["000D6F00000D0006"]
)
SIMULATED_TDSP_HAN_MESSAGE_FAIL_MACS = env.list(
    "SIMULATED_TDSP_HAN_MESSAGE_FAIL_MACS", default=["000D6F00000D0005"]
)

# --- The 3rd-party API (API-2, smt/api/thirdparty/) ---------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["smt.api.thirdparty.auth.PersonalTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "smt.api.thirdparty.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Smart Meter Texas portal: 3rd-party API",
    "DESCRIPTION": (
        "What a 3rd party does in the portal, as an API (API-2). Authenticate with a personal "
        "token made under My Profile / API Tokens: `Authorization: Bearer smt_live_…`. The "
        "token acts with exactly its user's permissions. Errors are JSON: `code`, `message` "
        "and, when one input is at fault, `field`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/tp-api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AgreementStatusEnum": "agreements.models.Agreement.Status",
        "AgreementKindEnum": "agreements.models.Agreement.Kind",
        "HanMessageStatusEnum": "han.models.HanMessage.Status",
        "HanMessagePriorityEnum": "han.models.HanMessage.Priority",
    },
    "PREPROCESSING_HOOKS": ["smt.api.thirdparty.schema.only_this_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "smt.api.thirdparty.limits.document_limits",  # BEY-3 limits, API-2 Idempotency-Key
    ],
}

# A worker that has not beaten for this long is reported down by /healthz.
WORKER_HEARTBEAT_STALE_SECONDS = env.int("WORKER_HEARTBEAT_STALE_SECONDS", default=120)

# --- Security (SEC-3) -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# SEC-3: Content-Security-Policy (django-csp 4), on every page including the staff admin.
# Scripts and styles come only from static/: no inline <script>, <style>, style= or on…=
# handler (tests/smt/test_csp.py scans the templates). A page that ever needs an inline block
# writes nonce="{{ request.csp_nonce }}" and the header then carries that request's nonce.
# Django 5.2's admin, with this project's ModelAdmins (select2, calendars, actions), runs
# under the same policy without a violation (tests/e2e/test_csp.py walks it), so it gets no
# exception. Chromium's viewer shows the inline PDFs under it; emails are not pages.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and its font tools narrate every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
