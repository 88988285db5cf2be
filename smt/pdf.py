"""PDF rendering with WeasyPrint (MTR-6, USG-3..5 Print, AGR PDF copies).

Static files (logo, fonts) are read from disk, never fetched over HTTP, and no other URL is
fetched at all: a PDF never depends on the network or leaks a request.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher

_BASE_URL = "https://smt.invalid/"


class StaticFilesFetcher(URLFetcher):
    def fetch(self, url, headers=None):
        prefix = _BASE_URL.rstrip("/") + settings.STATIC_URL
        found = finders.find(url[len(prefix) :]) if url.startswith(prefix) else None
        if not found:
            raise ValueError(f"PDFs load only static files, not {url}")
        return super().fetch(Path(found).as_uri(), headers)


def pdf_from_html(html: str) -> bytes:
    return HTML(string=html, base_url=_BASE_URL, url_fetcher=StaticFilesFetcher()).write_pdf()
