"""PDF rendering with WeasyPrint (MTR-6, USG-3..5 Print, AGR PDF copies).

Static files (logo, fonts) and uploaded media (a company's logo) are read from disk, never
fetched over HTTP, and no other URL is fetched at all: a PDF never depends on the network or
leaks a request.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from weasyprint import HTML
from weasyprint.urls import URLFetcher

_BASE_URL = "https://smt.invalid/"


class StaticFilesFetcher(URLFetcher):
    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        found = self._static(url) or self._media(url)
        if not found:
            raise ValueError(f"PDFs load only static and uploaded files, not {url}")
        return super().fetch(Path(found).as_uri(), headers)

    @staticmethod
    def _static(url: str) -> str | None:
        prefix = _BASE_URL.rstrip("/") + settings.STATIC_URL
        return finders.find(url[len(prefix) :]) if url.startswith(prefix) else None

    @staticmethod
    def _media(url: str) -> str | None:
        prefix = _BASE_URL.rstrip("/") + settings.MEDIA_URL
        if not url.startswith(prefix):
            return None
        name = url[len(prefix) :]
        if ".." in name.split("/") or not default_storage.exists(name):
            return None
        return default_storage.path(name)


def pdf_from_html(html: str) -> bytes:
    return HTML(string=html, base_url=_BASE_URL, url_fetcher=StaticFilesFetcher()).write_pdf()
