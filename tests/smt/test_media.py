"""No URL serves MEDIA_ROOT, not even with DEBUG (`./dev run`): report files, agreement PDF
copies and TDSP uploads are reached only through views that check who asks, and company
logos, the one public kind, through accounts:company_logo (SEC-1, SEC-2, ACC-1)."""

import importlib.util
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

import smt.urls
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

STORED = {
    "reports": "reports/2026/03/interval-1044372000000000000.csv",
    "agreement copies": "agreements/copies/agreement-202603020001.pdf",
    "TDSP uploads": "tdsp-files/oncor/2026/03/LP-1.csv",
    "logos": "company-logos/logo.png",
}


@pytest.fixture
def debug_urls(settings):
    """The project's URLs as `./dev run` builds them: smt/urls.py executed with DEBUG on (a
    fresh module, so the imported one stays as the other tests know it)."""
    settings.DEBUG = True
    spec = importlib.util.spec_from_file_location("smt_urls_debug", Path(smt.urls.__file__))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    settings.ROOT_URLCONF = module
    return module


@pytest.fixture
def stored_files():
    for name in STORED.values():
        default_storage.save(name, ContentFile(b"private bytes"))


@pytest.mark.parametrize("what", list(STORED))
def test_stored_files_have_no_public_url_even_in_debug(
    debug_urls, stored_files, what
):  # SEC-1, SEC-2
    assert default_storage.exists(STORED[what])
    response = Client().get(f"/media/{STORED[what]}")
    assert response.status_code == 404
    assert b"private bytes" not in response.content


@pytest.mark.parametrize("what", list(STORED))
def test_stored_files_have_no_public_url_in_production(stored_files, what):  # SEC-1
    response = Client().get(f"/media/{STORED[what]}")
    assert response.status_code == 404


def test_a_logo_is_public_through_its_view_even_in_debug(debug_urls):  # ACC-1, NTF-1
    company = CompanyFactory()
    company.logo.save("logo.png", ContentFile(b"\x89PNG\r\n\x1a\n logo"))
    response = Client().get(company.logo_url)
    assert response.status_code == 200
    assert response.content == b"\x89PNG\r\n\x1a\n logo"


def test_report_files_still_need_the_checking_view(client):  # USG-9, SEC-1
    response = client.get(reverse("usage:report_request_download", args=[1]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
