"""Company logos, the one kind of uploaded file that is public (ACC-1, NTF-1): agreement pages
and emails show them to customers who are not signed in. Every other stored file (report
files, agreement PDF copies, TDSP uploads) is served only by a view that checks who asks;
nothing serves MEDIA_ROOT as such.

The view reads the logo from the default storage, so it works wherever the portal runs
(runserver, gunicorn, docker compose), and lets browsers and mail clients cache it.
"""

import hashlib

from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from ..models import Company

LOGO_MAX_AGE = 24 * 60 * 60  # a day: a replaced logo also gets a new address (logo_url)
# Stored logos are PNG (accounts.validators.logo_normalise); older uploads may be JPEG or
# GIF. Recognised by their first bytes, without decoding anything.
LOGO_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def _public_logo(company_id: int) -> tuple[bytes, str, int | None]:
    """The logo's bytes, type and modification time, or 404. Logos are public by design
    (ACC-1: shown on agreement pages and in emails); a purged company has none."""
    company = Company.objects.filter(pk=company_id, purged_at__isnull=True).first()
    if company is None or not company.logo:
        raise Http404
    name = company.logo.name
    try:
        with default_storage.open(name, "rb") as handle:
            content = handle.read()
    except FileNotFoundError as error:
        raise Http404 from error
    content_type = next((kind for magic, kind in LOGO_TYPES if content.startswith(magic)), "")
    if not content_type:
        raise Http404
    return content, content_type, _modified_time(name)


def _modified_time(name: str) -> int | None:
    """When the stored logo was written, for Last-Modified. A storage that keeps no such
    time (Django's base Storage raises NotImplementedError) leaves it out: the ETag and the
    versioned address still let caches revalidate."""
    try:
        return int(default_storage.get_modified_time(name).timestamp())
    except (NotImplementedError, OSError):
        return None


@require_safe
def company_logo(request: HttpRequest, company_id: int) -> HttpResponse:
    """ACC-1, NTF-1: a company's logo, with Cache-Control, ETag and Last-Modified; 404 for
    a company without one."""
    content, content_type, modified = _public_logo(company_id)
    etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
    response = get_conditional_response(request, etag=etag, last_modified=modified)
    if response is None:
        response = HttpResponse(content, content_type=content_type)
    response.headers["ETag"] = etag
    if modified is not None:
        response.headers["Last-Modified"] = http_date(modified)
    patch_cache_control(response, public=True, max_age=LOGO_MAX_AGE)
    return response
