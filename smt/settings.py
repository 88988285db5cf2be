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
from django.core.exceptions import ImproperlyConfigured

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
    "smt",
    "accounts",
    "usage",
    "agreements",
    "han",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.TemporaryPasswordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
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

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Chicago"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Outside production, serve static files straight from the app folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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
    # A task whose worker died is redelivered after this many seconds: a few minutes above
    # the longest task (exports are chunked to stay short).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
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
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # OPS-4: proves beat -> broker -> worker -> database end to end.
    "worker-heartbeat": {
        "task": "smt.tasks.worker_heartbeat_task",
        "schedule": 30.0,
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
    # ACC-21: daily, at night (Central time is the server's business day).
    "third-parties-purge-inactive": {
        "task": "accounts.tasks.third_parties_purge_inactive_task",
        "schedule": crontab(hour=3, minute=41),
    },
    # AGR-9, AGR-14: hourly, so no invitation outlives its 30 days by more than an hour.
    "agreements-expire-pending": {
        "task": "agreements.tasks.agreement_expire_pending_task",
        "schedule": crontab(minute=23),
    },
    # AGR-14: just after midnight Central, the day after an ongoing agreement's end date.
    "agreements-expire-ended": {
        "task": "agreements.tasks.agreement_expire_ended_task",
        "schedule": crontab(hour=0, minute=7),
    },
    # AGR-10 EM204: finished One-Time reports are announced to the 3rd party.
    "agreements-reports-notify-ready": {
        "task": "agreements.tasks.agreement_reports_notify_ready_task",
        "schedule": crontab(minute="*/5"),
    },
}

# MTR-2: what else a Move-Out ends, called in the TDSP's transaction (usage imports no app).
ROR_MOVE_OUT_HOOKS = ["agreements.services.jobs.agreements_end_for_move_out"]
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
TDSP_ADAPTER = env.str("TDSP_ADAPTER", default="usage.tdsp.simulated.SimulatedTdsp")
TDSP_ADAPTERS: dict[str, str] = {}
# The simulated TDSP answers On Demand Reads this many seconds later, failing this share.
SIMULATED_TDSP_ODR_DELAY_SECONDS = env.float("SIMULATED_TDSP_ODR_DELAY_SECONDS", default=5.0)
SIMULATED_TDSP_ODR_FAILURE_RATE = env.float("SIMULATED_TDSP_ODR_FAILURE_RATE", default=0.1)

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
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

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
