"""Company logos are public through accounts:company_logo, which reads them from the
storage and lets browsers and mail clients cache them (ACC-1, NTF-1); every place that shows
a logo uses its address."""

import io
from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.http import http_date
from PIL import Image

from accounts.views.logos import LOGO_MAX_AGE
from agreements.emails import email_context as agreement_email_context
from tests.agreements.helpers import one_time, third_party_admin
from tests.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE_FIELDS = ("name", "address1", "city", "state", "zip_code", "country", "phone", "email")


def png_bytes(size=(40, 20), color="green") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def company_with_logo(**kwargs):
    company = CompanyFactory(**kwargs)
    company.logo.save("logo.png", ContentFile(png_bytes()))
    return company


def test_logo_is_served_with_caching_headers_to_anyone():  # ACC-1, NTF-1
    company = company_with_logo()
    response = Client().get(company.logo_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == png_bytes()
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and f"max-age={LOGO_MAX_AGE}" in cache_control
    assert response["ETag"].startswith('"') and len(response["ETag"]) > 10
    assert response["Last-Modified"]


def test_logo_address_is_the_view_not_the_storage():  # ACC-1
    company = company_with_logo()
    assert company.logo_url.startswith(reverse("accounts:company_logo", args=[company.pk]))
    assert "/media/" not in company.logo_url and "logo.png" not in company.logo_url


def test_a_new_logo_gets_a_new_address(client):  # ACC-15: caches never show the old one
    admin = UserFactory(rep_admin=True)
    company = admin.company
    client.force_login(admin)
    addresses = []
    for color in ("green", "red"):
        upload = SimpleUploadedFile("logo.png", png_bytes(color=color), "image/png")
        data = {field: getattr(company, field) for field in PROFILE_FIELDS}
        response = client.post(reverse("accounts:company_profile_edit"), {**data, "logo": upload})
        assert response.status_code == 302
        company.refresh_from_db()
        addresses.append(company.logo_url)
    assert addresses[0] != addresses[1]
    assert Client().get(addresses[1]).status_code == 200


def test_unchanged_logo_answers_304():  # ACC-1
    company = company_with_logo()
    first = Client().get(company.logo_url)
    again = Client().get(company.logo_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    later = http_date(datetime(2100, 1, 1, tzinfo=UTC).timestamp())
    since = Client().get(company.logo_url, HTTP_IF_MODIFIED_SINCE=later)
    assert since.status_code == 304


def test_company_without_logo_is_404():  # ACC-1
    company = CompanyFactory()
    assert company.logo_url == ""
    response = Client().get(reverse("accounts:company_logo", args=[company.pk]))
    assert response.status_code == 404
    assert Client().get(reverse("accounts:company_logo", args=[987654])).status_code == 404


def test_a_logo_whose_file_is_gone_is_404():  # ACC-1: never a 500
    company = CompanyFactory(logo="company-logos/missing.png")
    assert Client().get(company.logo_url).status_code == 404


def test_it_rejects_post():
    company = company_with_logo()
    assert Client().post(company.logo_url).status_code == 405


def test_agreement_emails_carry_the_absolute_logo_address(settings):  # NTF-1
    settings.SITE_URL = "https://portal.example"
    user = third_party_admin()
    user.company.logo.save("logo.png", ContentFile(png_bytes()))
    agreement = one_time(user=user)
    context = agreement_email_context(agreement, language="en")
    assert context["logo_url"] == f"https://portal.example{user.company.logo_url}"
    assert Client().get(user.company.logo_url).status_code == 200


def test_company_profile_shows_the_logo_through_the_view(client):  # ACC-15
    admin = UserFactory(third_party_admin=True)
    admin.company.logo.save("logo.png", ContentFile(png_bytes()))
    client.force_login(admin)
    for name in ("accounts:company_profile", "accounts:company_profile_edit"):
        page = client.get(reverse(name)).content.decode()
        assert f'src="{admin.company.logo_url}"' in page
        assert "/media/" not in page


def test_staff_see_the_logo_as_served_and_cannot_upload_an_unchecked_one(client):  # SEC-4
    company = company_with_logo()
    client.force_login(UserFactory(smt_staff=True))
    html = client.get(reverse("admin:accounts_company_change", args=[company.pk])).content.decode()
    assert f'src="{company.logo_url}"'.replace("&", "&amp;") in html
    assert 'name="logo"' not in html and "/media/" not in html
