"""Emails as seed 000 lays them out (NTF-1, NTF-2; EM201–EM205, account emails, issue 15).

Every email, in English and Spanish, links the Smart Meter Texas Security & Privacy Policy and
carries the seed's sign-off links (register, demo, FAQs); every customer email about a 3rd
party carries its privacy-policy disclaimer and link (or "The Privacy Policy has not been
provided."); every link is absolute and leads to a real page of the portal.
"""

import io
import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import resolve
from PIL import Image

from accounts.emails import temporary_password, user_id_reminder
from agreements import emails as agreement_emails
from agreements.services.actions import agreement_request_extension, agreement_terminate
from agreements.services.answers import agreement_accept, agreement_reject
from notifications.models import OutboundEmail
from notifications.services import email_render
from tests.agreements.helpers import (
    active_ongoing,
    details,
    one_time,
    ongoing,
    third_party_admin,
    token_of,
)
from tests.factories import MeterFactory, UserFactory
from tests.han.helpers import one_request
from usage.services.meters import customer_register
from usage.services.sharing import meter_share_invite

pytestmark = pytest.mark.django_db

POLICY_URL = "https://green.example/privacy?lang=en&x=1"
# Pages anyone may open: an emailed link to them must answer 200 without signing in.
PUBLIC_VIEWS = {
    "privacy",
    "help",
    "help_demo",
    "accounts:register",
    "accounts:login",
    "agreements:answer",
    "han:answer",
    "accounts:company_logo",
}
SIGN_OFF_VIEWS = ("accounts:register", "help_demo", "help")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.images: list[dict[str, str | None]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []
        elif tag == "img":
            self.images.append(dict(attrs))

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def view_name(url: str) -> str:
    return resolve(urlsplit(url).path).view_name


def _png() -> ContentFile:
    picture = io.BytesIO()
    Image.new("RGB", (40, 20), "green").save(picture, format="PNG")
    return ContentFile(picture.getvalue())


@pytest.fixture
def company_user():
    """A 3rd party with a logo, a privacy seal and a privacy-policy address (NTF-1)."""
    user = third_party_admin()
    user.company.privacy_policy_url = POLICY_URL
    user.company.has_privacy_seal = True
    user.company.logo.save("logo.png", _png())
    user.company.save()
    return user


@pytest.fixture
def every_email(company_user, django_capture_on_commit_callbacks):
    """One email of each kind a customer or a 3rd party gets, recorded by the services."""
    one = one_time(user=company_user)  # EM201 + the AGR-7 confirmation
    agreement_emails.invitation(agreement=one, token="resent-token", resent=True)  # EM202
    with django_capture_on_commit_callbacks(execute=True):  # EM203 comes from the worker
        agreement_accept(token=token_of(one))
    one.refresh_from_db()
    agreement_emails.report_ready(agreement=one)  # EM204
    agreement_reject(token=token_of(one_time(user=company_user)))  # EM205
    extended = active_ongoing(user=company_user)
    agreement_request_extension(
        agreement=extended,
        user=extended.initiated_by,
        new_end_date=extended.end_date + timedelta(days=5),
    )
    ended = active_ongoing()  # a 3rd party without a privacy policy
    agreement_terminate(agreement=ended, user=ended.initiated_by, reason="Done")
    ongoing(customer=details(language="es"))  # an invitation to a Spanish customer
    one_request(user=company_user)  # HAN: request sent to the customer and the 3rd party
    # Account emails: a self-registered customer's welcome and a forgotten user ID.
    customer = customer_register(
        account={
            "kind": "residential",
            "user_id": "chika.akin",
            "email": "chika@example.com",
            "first_name": "Chika",
            "last_name": "Akin",
            "phone": "",
        },
        esiid=(meter := MeterFactory()).premise.esiid,
        meter_number=meter.meter_number,
    )
    meter_share_invite(link=customer.premise_links.get(), friend_email="friend@example.com")
    user = UserFactory(third_party_admin=True)
    user_id_reminder(email=user.email, users=[user])
    return list(OutboundEmail.objects.order_by("pk"))


CUSTOMER_TEMPLATES = {
    "agreements/invitation",
    "agreements/accepted",
    "agreements/terminated",
    "han/request_sent_customer",
}


def rendered(every_email):
    for record in every_email:
        for language in ("en", "es"):
            record.language = language
            yield record, language, email_render(record)


def test_every_kind_of_email_is_covered(every_email):  # NTF-2, EM201–EM205
    templates = {record.template for record in every_email}
    assert {
        "agreements/invitation",  # EM201, EM202
        "agreements/accepted",  # EM203
        "agreements/report_ready",  # EM204
        "agreements/rejected",  # EM205
        "agreements/invitation_sent",
        "agreements/terminated",
        "han/request_sent_customer",
        "han/request_sent_third_party",
        "accounts/temporary_password_welcome",
        "accounts/user_id_reminder",
        "usage/meter_share_invitation",
    } <= templates


def test_every_email_links_the_privacy_policy_and_the_seed_sign_off(every_email):  # NTF-1
    for record, language, message in rendered(every_email):
        html = message.alternatives[0][0]
        links = parse(html).links
        names = [view_name(href) for href, _ in links if href.startswith(settings.SITE_URL)]
        where = f"{record.template} ({language})"
        assert "privacy" in names, where
        for name in SIGN_OFF_VIEWS:
            assert name in names, (where, name)
        assert any(href.endswith("/help/#faq") for href, _ in links), where
        policy = next(text for href, text in links if view_name_or_none(href) == "privacy")
        if language == "en":
            assert policy == "Click to Review the Smart Meter Texas Security & Privacy Policy"
        else:
            assert "Política de Seguridad y Privacidad de Smart Meter Texas" in policy
        assert f'lang="{language}"' in html, where


def view_name_or_none(href: str) -> str | None:
    if not href.startswith(settings.SITE_URL):
        return None
    return view_name(href)


def test_every_link_is_absolute_and_opens_a_real_page(every_email, client):  # NTF-1
    seen: set[str] = set()
    for record, language, message in rendered(every_email):
        parsed = parse(message.alternatives[0][0])
        addresses = [href for href, _ in parsed.links] + [img["src"] for img in parsed.images]
        for href in addresses:
            assert href and re.match(r"https?://", href), (record.template, language, href)
            if not href.startswith(settings.SITE_URL):
                assert href == POLICY_URL  # the one address outside the portal
                continue
            path = href[len(settings.SITE_URL) :]
            if path.startswith(settings.STATIC_URL):
                if path not in seen:
                    seen.add(path)
                    assert client.get(path).status_code == 200, href  # whitenoise serves it
                continue
            name = view_name(href)  # raises Resolver404 for a link to no page
            if name in PUBLIC_VIEWS and path not in seen:
                seen.add(path)
                response = client.get(path.split("#")[0])
                assert response.status_code == 200, (record.template, href)
    assert "/static/img/privacy-seal.png" in seen


def test_the_text_version_carries_the_same_links(every_email):  # NTF-1
    for record, language, message in rendered(every_email):
        hrefs = {
            href.replace("&amp;", "&")
            for href, _ in parse(message.alternatives[0][0]).links
            if not href.startswith("tel:")
        }
        for href in hrefs:
            assert href in message.body, (record.template, language, href)


def test_customer_emails_carry_the_third_partys_privacy_policy_link(every_email):  # NTF-1
    customer_records = [r for r in every_email if r.template in CUSTOMER_TEMPLATES]
    assert {r.template for r in customer_records} == CUSTOMER_TEMPLATES
    for record, language, message in rendered(customer_records):
        html = message.alternatives[0][0]
        company = record.context["company_name"]
        policy_links = [href for href, _ in parse(html).links if href == POLICY_URL]
        if record.context.get("privacy_policy_url"):
            assert len(policy_links) == 1, (record.template, language)
            assert POLICY_URL in message.body
        else:
            expected = {
                "en": "The Privacy Policy has not been provided.",
                "es": "No se ha proporcionado la Política de Privacidad.",
            }[language]
            assert expected in html and expected in message.body
        reviewed = {
            "en": "Neither Smart Meter Texas nor any regulatory agency has reviewed",
            "es": "Ni Smart Meter Texas ni ninguna agencia reguladora ha revisado",
        }[language]
        assert html.count(reviewed) == 1, (record.template, language)
        assert company.split()[0] in html


def test_third_party_and_account_emails_carry_no_customer_disclaimer(every_email):  # NTF-1
    others = [
        r
        for r in every_email
        if r.template in {"agreements/invitation_sent", "agreements/rejected"}
        or r.template.startswith("accounts/")
    ]
    for _record, _language, message in rendered(others):
        assert "has reviewed" not in message.body and "ha revisado" not in message.body


def test_a_missing_privacy_policy_is_said_in_every_customer_email(every_email):  # NTF-1
    record = next(r for r in every_email if r.template == "agreements/terminated")
    assert not record.context["privacy_policy_url"]  # active_ongoing() without a policy
    message = email_render(record)
    assert "Their privacy policy can be viewed at: The Privacy Policy has not been provided." in (
        " ".join(message.body.split())
    )


def test_em201_accept_sentence_is_a_link_to_the_accept_page(every_email):  # seed 000 EM201
    invitations = [r for r in every_email if r.template == "agreements/invitation"]
    english = invitations[0]  # the One-Time invitation
    spanish = next(r for r in invitations if r.language == "es")  # recorded in Spanish
    for record, sentence in (
        (english, "Click Accept to enter a One-Time Energy Data Agreement with {company}"),
        (spanish, "Haga clic en Aceptar para celebrar un Acuerdo de {kind} con {company}"),
    ):
        sentence = sentence.format(
            company=record.context["company_name"], kind=record.context["kind_label"]
        )
        accept_url = record.context["accept_url"]
        assert view_name(accept_url) == "agreements:answer"
        message = email_render(record)
        links = parse(message.alternatives[0][0]).links
        assert (accept_url, sentence) in links  # besides the Accept button itself
        assert f"{sentence}: {accept_url}" in message.body


def test_ongoing_invitation_says_an_ongoing(every_email):  # seed 000, issue 15
    record = next(
        r
        for r in every_email
        if r.template == "agreements/invitation" and r.context["kind"] == "ongoing"
    )
    record.language = "en"
    message = email_render(record)
    text = " ".join(message.body.split())
    assert "for an Ongoing Energy Data Agreement for you to review" in text
    assert "Click Accept to enter an Ongoing Energy Data Agreement with" in text
    assert " a Ongoing" not in text and " a Ongoing" not in message.alternatives[0][0]


def test_the_extension_request_states_the_new_end_date(every_email):  # AGR-14, issue 15
    record = next(r for r in every_email if r.context.get("extension"))
    for language, wording in (
        ("en", "until {new} instead of {old}"),
        ("es", "hasta el {new} en lugar del {old}"),
    ):
        record.language = language
        text = " ".join(email_render(record).body.split())
        assert (
            wording.format(new=record.context["requested_end_date"], old=record.context["end_date"])
            in text
        )
        assert "month(s) from the day you accept" not in text
        assert "mes(es) a partir" not in text


def test_the_privacy_seal_and_the_logo_are_absolute_images_with_alt_text(every_email):  # NTF-1
    record = next(r for r in every_email if r.template == "agreements/accepted")
    for language, alt in (("en", "Privacy seal"), ("es", "Sello de privacidad")):
        record.language = language
        images = parse(email_render(record).alternatives[0][0]).images
        seal = next(img for img in images if "privacy-seal" in (img["src"] or ""))
        assert seal["src"] == f"{settings.SITE_URL}/static/img/privacy-seal.png"
        assert seal["alt"] == alt
        logo = next(img for img in images if "logos" in (img["src"] or ""))
        assert logo["src"].startswith(f"{settings.SITE_URL}/logos/")
        assert logo["alt"] == record.context["company_name"]


def test_a_self_registered_customer_is_welcomed_not_approved(every_email):  # ACC-3, issue 15
    record = next(r for r in every_email if r.template == "accounts/temporary_password_welcome")
    record.context["temporary_password"] = "Temp-Pass-1!"
    for language, welcome in (("en", "Welcome to Smart Meter Texas"), ("es", "Bienvenido")):
        record.language = language
        message = email_render(record)
        assert message.subject.startswith(welcome)
        assert "approv" not in message.body.lower() and "aprob" not in message.body.lower()


def test_a_company_user_still_gets_the_approval_email():  # ACC-6
    from django.utils import timezone

    user = UserFactory(third_party_admin=True)
    temporary_password(user=user, password="x", expires_at=timezone.now(), purpose="approved")
    assert OutboundEmail.objects.get(recipient=user.email).template == (
        "accounts/temporary_password_approved"
    )
