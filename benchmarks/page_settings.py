"""Settings for the `page` benchmark's gunicorn only (benchmarks/page_load.py): the
portal's settings plus a URL module with a bare reference view. Never used in production."""

from smt.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.page_urls"
