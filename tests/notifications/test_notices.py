"""The Notices tab (NTF-5)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make_notice(title, **fields):
    return Notice.objects.create(
        title=title, body="Body text", published_from=timezone.now() - timedelta(days=1), **fields
    )


def test_notices_show_only_current_ones_for_the_users_audience(client):
    make_notice("For everyone")
    make_notice("For REPs only", for_customers=False, for_third_parties=False, for_tdsps=False)
    make_notice("Expired", published_until=timezone.now() - timedelta(hours=1))
    Notice.objects.create(
        title="Future", body="x", published_from=timezone.now() + timedelta(days=1)
    )
    client.force_login(UserFactory())
    html = client.get(reverse("notices")).content.decode()
    assert "For everyone" in html
    assert "For REPs only" not in html
    assert "Expired" not in html
    assert "Future" not in html

    client.force_login(UserFactory(rep=True))
    assert "For REPs only" in client.get(reverse("notices")).content.decode()


def test_notices_page_says_when_there_are_none(client):
    client.force_login(UserFactory())
    assert "There are no notices right now." in client.get(reverse("notices")).content.decode()


def test_notices_are_paginated_by_25(client, django_assert_max_num_queries):
    for number in range(26):
        make_notice(f"Notice {number}")
    client.force_login(UserFactory())
    with django_assert_max_num_queries(6):
        response = client.get(reverse("notices"))
    assert len(response.context["page"].object_list) == 25
    assert "Page 1 of 2" in response.content.decode()


def test_a_spanish_reader_sees_the_spanish_text(client):  # NTF-1, NTF-5, UX-3
    make_notice("Planned maintenance", title_es="Mantenimiento programado", body_es="Texto")
    client.force_login(UserFactory(language="es"))
    html = client.get(reverse("notices")).content.decode()
    assert "Mantenimiento programado" in html
    assert "<p>Texto</p>" in html
    assert "Planned maintenance" not in html
    assert "Body text" not in html


def test_an_english_reader_sees_the_english_text(client):  # NTF-1, NTF-5
    make_notice("Planned maintenance", title_es="Mantenimiento programado", body_es="Texto")
    client.force_login(UserFactory(language="en"))
    html = client.get(reverse("notices")).content.decode()
    assert "Planned maintenance" in html
    assert "Mantenimiento programado" not in html


def test_spanish_falls_back_to_english_when_left_empty(client):  # NTF-1, NTF-5
    make_notice("Only in English", title_es="", body_es="  ")
    client.force_login(UserFactory(language="es"))
    html = client.get(reverse("notices")).content.decode()
    assert "Only in English" in html
    assert "<p>Body text</p>" in html


def test_the_admin_form_edits_both_languages(client):  # NTF-1
    client.force_login(UserFactory(smt_staff=True))
    html = client.get(reverse("admin:notifications_notice_add")).content.decode()
    assert 'name="title_es"' in html
    assert 'name="body_es"' in html
