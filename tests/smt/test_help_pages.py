"""The pages every email's sign-off links (NTF-1, seed 000): Help with its FAQs, the tour
("watch a demo") and the Smart Meter Texas Security & Privacy Policy."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import resolve, reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = ("help", "help_demo", "privacy")


def ids_and_anchors(html: str) -> tuple[set[str], list[str]]:
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    anchors = re.findall(r'href="#([^"]+)"', html)
    return ids, anchors


@pytest.mark.parametrize("name", PAGES)
def test_the_page_opens_for_anyone(client, name):  # NTF-1: emailed links work signed out
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b"Log Out" not in response.content


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("kind", ["customer", "third_party_admin"])
def test_the_page_opens_signed_in(client, name, kind):  # NTF-1
    user = UserFactory() if kind == "customer" else UserFactory(third_party_admin=True)
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b"Log Out" in response.content


def test_help_has_at_least_twelve_faqs_each_with_its_anchor(client):  # seed 000 "FAQs"
    html = client.get(reverse("help")).content.decode()
    ids, anchors = ids_and_anchors(html)
    assert "faq" in ids  # the emails link /help/#faq
    questions = re.findall(r'<h3 id="(faq-[a-z0-9-]+)">', html)
    assert len(questions) >= 12
    assert set(questions) <= set(anchors)  # the index lists every question
    assert set(anchors) <= ids  # and every index link lands on one
    for topic in (
        "faq-availability",
        "faq-15-minute",
        "faq-on-demand-read",
        "faq-add-meter",
        "faq-share",
        "faq-agreements",
        "faq-revoke",
        "faq-han",
        "faq-roles",
        "faq-languages",
        "faq-contact",
    ):
        assert topic in questions


def test_the_faqs_state_the_portals_own_rules(client):  # USG-6, USG-11, AGR-5, AGR-14
    html = " ".join(client.get(reverse("help")).content.decode().split())
    assert "A day's usage is available 2 days after that day" in html
    assert "once an hour and at most 24 times a day" in html
    assert "at most three per meter per year" in html
    assert "1 to 12 months" in html
    assert "One-Time Energy Data" in html and "Ongoing HAN Services" in html


def test_the_privacy_policy_says_what_is_stored_who_sees_it_and_for_how_long(client):  # USG-12
    html = " ".join(client.get(reverse("privacy")).content.decode().split())
    ids, _ = ids_and_anchors(html)
    assert {"stored", "who-sees-what", "retention", "security", "emails", "contact"} <= ids
    assert f"can be downloaded for {settings.REPORT_RETENTION_DAYS} days" in html
    assert "only while it is that meter's current provider" in html
    assert 'src="/static/img/privacy-seal.svg" alt="Privacy seal"' in html


@pytest.mark.parametrize("name", PAGES)
def test_every_link_on_the_page_leads_to_a_page(client, name):  # NTF-1
    html = client.get(reverse(name)).content.decode()
    ids, _ = ids_and_anchors(html)
    for href in re.findall(r"<main.*?</main>", html, re.S)[0].split('href="')[1:]:
        href = href.split('"')[0]
        if href.startswith(("tel:", "#")):
            assert not href.startswith("#") or href[1:] in ids
            continue
        resolve(urlsplit(href).path)  # Resolver404 for a dead link


def test_the_help_pages_link_each_other(client):  # seed 000 sign-off targets
    demo = client.get(reverse("help_demo")).content.decode()
    assert f'href="{reverse("help")}#faq"' in demo
    assert f'href="{reverse("privacy")}"' in demo
    assert f'href="{reverse("accounts:register")}"' in demo
    help_page = client.get(reverse("help")).content.decode()
    assert f'href="{reverse("privacy")}"' in help_page
    assert f'href="{reverse("help_demo")}"' in help_page
