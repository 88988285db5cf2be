"""PDF rendering with WeasyPrint (MTR-6, USG-3..5 Print, AGR PDF copies).

Static files (logo, fonts) are read from disk and uploaded media (a company's logo) from the
default storage (an S3 bucket or MEDIA_ROOT, smt/settings.py), never fetched over HTTP; no
other URL is fetched at all: a PDF never depends on the network or leaks a request.
"""

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

_BASE_URL = "https://smt.invalid/"


class StaticFilesFetcher(URLFetcher):
    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        static = self._static(url)
        if static:
            return super().fetch(Path(static).as_uri(), headers)
        media = self._media(url)
        if media is None:
            raise ValueError(f"PDFs load only static and uploaded files, not {url}")
        return media

    @staticmethod
    def _static(url: str) -> str | None:
        prefix = _BASE_URL.rstrip("/") + settings.STATIC_URL
        return finders.find(url[len(prefix) :]) if url.startswith(prefix) else None

    @staticmethod
    def _media(url: str) -> URLFetcherResponse | None:
        """An uploaded file's bytes, read through the storage API (the file may live in a
        bucket, not on this machine)."""
        prefix = _BASE_URL.rstrip("/") + settings.MEDIA_URL
        if not url.startswith(prefix):
            return None
        name = unquote(url[len(prefix) :])
        if ".." in name.split("/") or not default_storage.exists(name):
            return None
        with default_storage.open(name, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, headers={"Content-Type": content_type})


def pdf_media_src(name: str) -> str:
    """The address a PDF template gives a stored file (`<img src>`), which the renderer
    resolves in the storage; whatever address the storage itself would give (a bucket's) is
    neither used nor shown."""
    return settings.MEDIA_URL + quote(name)


def pdf_from_html(html: str) -> bytes:
    return HTML(string=html, base_url=_BASE_URL, url_fetcher=StaticFilesFetcher()).write_pdf()
