"""Settings for the `page` benchmark's gunicorn only (benchmarks/page_load.py): the
portal's settings plus a URL module with a bare reference view. Never used in production."""

import os

from smt.settings import *  # noqa: F403
from smt.settings import STORAGES

ROOT_URLCONF = "benchmarks.page_urls"

# The smoke run (benchmarks/run.py --smoke) keeps the hashed file names but skips
# WhiteNoise's compression of every static file: ~30 s, more than the rest of the smoke run.
if os.environ.get("SMT_BENCH_SMOKE"):
    STORAGES = {
        **STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
