"""Settings switch from the embedded default to PostgreSQL / Redis / SMTP by environment,
and production refuses unsafe configuration (SEC-3). Each case loads the settings in a
fresh process, as the web, worker and beat processes do."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
from django.conf import settings
django.setup()
from smt.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST", ""),
    "broker": app.conf.broker_url, "cache": settings.CACHES["default"]["BACKEND"],
    "email": settings.EMAIL_BACKEND, "email_path": getattr(settings, "EMAIL_FILE_PATH", ""),
    "email_host": getattr(settings, "EMAIL_HOST", ""), "debug": settings.DEBUG,
    "secure_cookies": getattr(settings, "SESSION_COOKIE_SECURE", False),
    "hsts": getattr(settings, "SECURE_HSTS_SECONDS", 0),
}))
"""
SWITCHES = ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_ENV", "SECRET_KEY", "DEBUG")
# Set by the browser tests for their own process; a deployment must not have it.
TEST_ONLY = ("DJANGO_ALLOW_ASYNC_UNSAFE",)
STRONG_KEY = "k3y-" + "x9Q!z" * 12


def run_python(code: str, env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SWITCHES + TEST_ONLY}
    clean.update({"DJANGO_SETTINGS_MODULE": "smt.settings", **env})
    return subprocess.run(
        [sys.executable, *args] if args else [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def load_settings(env: dict) -> dict:
    result = run_python(PROBE, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_uses_sqlite_file_filesystem_broker_and_file_email(tmp_path):
    loaded = load_settings({"SMT_VAR_DIR": str(tmp_path)})
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"] == str(tmp_path / "smt.sqlite3")
    assert loaded["broker"].startswith("filesystem://")
    assert loaded["cache"] == "smt.lib.cache.FileCache"  # Django's file cache
    assert loaded["email"].endswith("filebased.EmailBackend")
    assert loaded["email_path"] == str(tmp_path / "mail")
    assert loaded["debug"] is True


def test_environment_switches_to_postgresql_redis_and_smtp():
    loaded = load_settings(
        {
            "DATABASE_URL": "postgres://smt:pw@db.internal:5432/smt",
            "REDIS_URL": "redis://cache.internal:6379/2",
            "EMAIL_URL": "smtp+tls://mailer:pw@mail.internal:587",
        }
    )
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert (loaded["name"], loaded["host"]) == ("smt", "db.internal")
    assert loaded["broker"] == "redis://cache.internal:6379/2"
    assert loaded["cache"].endswith("RedisCache")
    assert loaded["email"].endswith("smtp.EmailBackend")
    assert loaded["email_host"] == "mail.internal"


def test_production_refuses_to_start_without_a_secret_key():  # SEC-3
    result = run_python(PROBE, {"DJANGO_ENV": "production", "EMAIL_URL": "smtp://mail:25"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_an_email_server():
    result = run_python(PROBE, {"DJANGO_ENV": "production", "SECRET_KEY": STRONG_KEY})
    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr


def test_production_turns_on_secure_cookies_and_hsts():  # SEC-3
    loaded = load_settings(
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": STRONG_KEY,
            "EMAIL_URL": "smtp://mail:25",
        }
    )
    assert loaded["debug"] is False
    assert loaded["secure_cookies"] is True
    assert loaded["hsts"] >= 31536000


@pytest.mark.slow
def test_production_settings_pass_check_deploy():  # SEC-3
    result = run_python(
        "",
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": STRONG_KEY,
            "EMAIL_URL": "smtp://mail:25",
            "ALLOWED_HOSTS": "smt.example.com",
        },
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


STORAGE_PROBE = """
import json, django
django.setup()
from django.core.files.storage import default_storage, storages
print(json.dumps({
    "backend": type(storages["default"]).__name__,
    "bucket": getattr(default_storage, "bucket_name", None),
    "endpoint": getattr(default_storage, "endpoint_url", None),
    "acl": getattr(default_storage, "default_acl", None),
    "signed_urls": getattr(default_storage, "querystring_auth", None),
    "overwrite": getattr(default_storage, "file_overwrite", None),
}))
"""
S3_VARIABLES = ("SMT_S3_BUCKET", "SMT_S3_ENDPOINT_URL", "SMT_S3_REGION")


def test_stored_files_stay_on_the_local_disk_by_default():
    result = run_python(STORAGE_PROBE, {name: "" for name in S3_VARIABLES})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["backend"] == "FileSystemStorage"


def test_a_bucket_in_the_environment_moves_stored_files_to_a_private_s3_bucket():
    env = {
        "SMT_S3_BUCKET": "smt-files",
        "SMT_S3_ENDPOINT_URL": "http://minio:9000",
        "AWS_ACCESS_KEY_ID": "smt",
        "AWS_SECRET_ACCESS_KEY": "smt-minio-password",
    }
    result = run_python(STORAGE_PROBE, env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "backend": "S3Storage",
        "bucket": "smt-files",
        "endpoint": "http://minio:9000",
        "acl": "private",
        "signed_urls": False,  # never a bucket address for users: views stream the files
        "overwrite": False,
    }
