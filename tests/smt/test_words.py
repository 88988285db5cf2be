"""Words on pages (UX-3): articles, list titles, the Terms a registration asks to accept,
the extension page's new end date."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.forms import RegistrantForm
from agreements.services.actions import agreement_request_extension
from tests.agreements.helpers import active_ongoing, ongoing, token_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")

REGISTRATIONS = [
    "/register/residential/",
    "/register/business/",
]


@pytest.mark.parametrize("path", REGISTRATIONS)
def test_every_registration_links_the_terms_it_asks_to_accept(client, path):  # ACC-1, ACC-3
    html = client.get(path).content.decode()
    assert "I accept the Smart Meter Texas Terms of Use" in html
    assert f'href="{reverse("terms")}"' in html
    # The link is the checkbox's announced help (UX-5).
    assert 'id="id_terms_helptext"' in html


def test_every_registrant_form_links_the_terms():  # ACC-1, ACC-2: company and join forms
    for form_class in [RegistrantForm, *RegistrantForm.__subclasses__()]:
        html = str(form_class.base_fields["terms"].help_text)
        assert f'href="{reverse("terms")}"' in html, form_class


def test_the_terms_page_has_real_terms_in_both_languages(client):  # ACC-1
    html = client.get(reverse("terms")).content.decode()
    assert "Smart Meter Texas Terms of Use" in html
    assert "Your user ID and password are yours alone" in html
    client.cookies["django_language"] = "es"
    assert 'lang="es"' in client.get(reverse("terms")).content.decode()


def test_an_ongoing_invitation_says_an_not_a(client):  # UX-3 words
    agreement = ongoing()
    html = client.get(reverse("agreements:answer", args=[token_of(agreement)])).content.decode()
    assert "would like to initiate an Ongoing Energy Data Agreement." in html
    assert "a Ongoing" not in html


def test_the_customer_agreements_list_is_titled_as_a_list(client):  # AGR-2, UX-3
    user = UserFactory(third_party_admin=True)
    client.force_login(user)
    html = client.get(reverse("agreements:company_list")).content.decode()
    assert "<h1>Customer Agreements</h1>" in html
    assert "View &amp; Edit Customer Agreement<" not in html


def test_the_customers_agreements_list_is_titled_as_a_list(client):  # AGR-16, UX-3
    client.force_login(UserFactory())
    html = client.get(reverse("agreements:my_agreement_list")).content.decode()
    assert "<h1>3rd Party Agreements</h1>" in html


@time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=CHICAGO), tick=False)
def test_the_extension_invitation_page_states_the_new_end_date(client):  # AGR-14, UX-3
    agreement = active_ongoing(months=6)  # ends 09/02/2026
    agreement_request_extension(
        agreement=agreement, user=agreement.initiated_by, new_end_date=date(2026, 12, 2)
    )
    html = client.get(reverse("agreements:answer", args=[token_of(agreement)])).content.decode()
    assert "would like to extend your Ongoing Energy Data Agreement until 12/02/2026." in html
    assert "If you accept, this Agreement ends on 12/02/2026 instead of 09/02/2026" in html
    assert "6 months from the day you accept" not in html
