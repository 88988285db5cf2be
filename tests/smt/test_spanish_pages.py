"""One language at a time (UX-3, NTF-1): every page type and every email, shown to a reader
whose language is Spanish, has no English sentence left.

The demo is seeded, every demo user's preference set to Spanish, and each role's pages are
visited: Home, every tab and menu item it sees, and one page of each kind linked from those
(a meter's usage, an agreement, a HAN device, a message...). Anonymous pages (log in,
registration, help, terms, the emailed-link pages) are read with the site's language switch
(its cookie). Every email template is rendered in Spanish by the function that renders it for
sending (`notifications.services.email_render`), with the context of a seeded email of that
template when there is one.

Text is read as a person reads it: scripts and styles dropped, each block (paragraph, cell,
heading, button, option...) split into sentences, plus the texts of `title`, `alt`,
`placeholder`, `aria-label` and button values. A sentence of three or more words is English
when at least half of its words are common English words and they outnumber the Spanish
ones; names that stay as they are (ALLOWED, the demo's companies and people) are removed
first. The failure lists each page and each English text left.
"""

import re
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import Company, Tdsp, User
from notifications.models import OutboundEmail
from notifications.services import email_render
from smt.navigation import MENU, TABS

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
WHEN = datetime(2026, 11, 3, 12, 0, tzinfo=CHICAGO)
REPORT = Path(settings.BASE_DIR) / "var" / "spanish_pages_report.txt"

# Words that stay as they are in Spanish text (SPEC glossary, product and format names).
ALLOWED = [
    "Smart Meter Texas",
    "Green Button",
    "Connect My Data",
    "Download My Data",
    "ESI ID",
    "ESIID",
    "SMT",
    "kWh",
    "kW",
    "HAN",
    "DUNS",
    "ROR",
    "REP",
    "TDSP",
    "ZigBee",
    "EUI-64",
    "MAC",
    "CSV",
    "XML",
    "PDF",
    "API",
    "N/A",
    "English",
    "Español",
    "Oncor",
    "CenterPoint",
    "AEP Texas",
    "TNMP",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ENGLISH = _words(
    """
    the and you your to of for this is are with on in not be has have will can click please
    here page an or from by at it its that was were been all any each more may must if when
    there their they we our us what which who how only new view show see enter select choose
    request requests report reports usage meter meters account accounts agreement agreements
    date dates data day days search user users company companies details status name number
    send sent back next previous submit cancel save edit delete add remove yes help home log
    password email address phone my me do does use used about after before until than then
    as so also first last time start end into out up down other same list lists message
    messages device devices customer customers third party parties read reads file files
    energy monthly daily interval intervals current version versions type should would could
    there been being because while no none every one two three month months year years
    approved pending active expired rejected accepted terminated complete failed waiting
    """
)
SPANISH = _words(
    """
    de la el los las y en que su sus para por con un una es se del al lo este esta estos
    estas no o a como más sin sobre entre hasta desde cuando si sí ya usted ustedes le les
    medidor medidores cuenta cuentas datos informe informes fecha fechas día días mes meses
    acuerdo acuerdos consumo solicitud solicitudes usuario usuarios compañía correo nuevo
    nueva ver buscar enviar volver siguiente anterior guardar cancelar eliminar agregar
    """
)
WORD = re.compile(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ']+")
EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+|/[\w\-/.?=&%]+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
BLOCKS = {
    "p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "div", "dt", "dd", "label",
    "button", "option", "title", "legend", "caption", "figcaption", "section", "article",
    "header", "footer", "nav", "ul", "ol", "table", "tr", "form", "br", "select", "summary",
    "details", "main", "aside", "fieldset", "blockquote", "pre", "textarea",
}  # fmt: skip
SKIPPED = {"script", "style", "template", "noscript", "textarea"}
ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
# Links not followed: machine files, state changes behind a GET confirmation, other sites.
NOT_FOLLOWED = re.compile(
    r"logout|/i18n/|/admin/|export|print|download|green-button|\.csv|\.pdf|\.png|/api/|"
    r"tp-api|/healthz|/static/|/media/|/logos/|/compat/"
)
PAGES_PER_USER = 60
SEEN_AS: dict[str, str] = {}  # a page's path → who read it first (for the report)


class _Text(HTMLParser):
    """The blocks of text a person reads on a page, and the texts of some attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.skipping = 0

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skipping += 1
            return
        if tag in BLOCKS:
            self._flush()
        values = dict(attrs)
        for name in ATTRIBUTES:
            if values.get(name):
                self.blocks.append(values[name])
        if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
            self.blocks.append(values["value"])

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
            return
        if tag in BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(data)

    def close(self):
        super().close()
        self._flush()


def _allowed_names() -> list[str]:
    names = set(ALLOWED)
    names |= set(Company.objects.values_list("name", flat=True))
    names |= set(Tdsp.objects.values_list("name", flat=True))
    for first, last, business in User.objects.values_list(
        "first_name", "last_name", "business_name"
    ):
        names |= {f"{first} {last}", first, last, business}
    return sorted((n for n in names if n), key=len, reverse=True)


def english_sentences(blocks: list[str], allowed: list[str]) -> Iterator[str]:
    """The sentences of `blocks` that read as English (see the module's docstring)."""
    for block in blocks:
        for sentence in SENTENCE_END.split(block):
            cleaned = EMAIL_OR_URL.sub(" ", sentence)
            for name in allowed:
                cleaned = cleaned.replace(name, " ")
            words = [w.lower().strip("'") for w in WORD.findall(cleaned)]
            words = [w for w in words if w]
            if len(words) < 3:
                continue
            english = sum(w in ENGLISH for w in words)
            spanish = sum(w in SPANISH or bool(re.search("[áéíóúüñ]", w)) for w in words)
            if english * 2 >= len(words) and english > spanish:
                yield sentence.strip()


def page_blocks(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.blocks


def text_blocks(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def page_kind(path: str) -> str:
    """A page's kind: its path with the link tokens, ids, numbers and ESIIDs blanked."""
    path = re.sub(r"/[\w-]{40,}/", "/<token>/", urlsplit(path).path)
    return re.sub(r"\d+", "N", path)


# --- the demo, in Spanish ---------------------------------------------------------------------


@pytest.fixture
def demo():
    with time_machine.travel(WHEN, tick=False):
        call_command("seed_demo", "--days", "2", stdout=StringIO())
    User.objects.update(language="es", must_change_password=False)
    from agreements.models import Agreement

    Agreement.objects.update(customer_language="es")


def _links(html: str) -> list[str]:
    return re.findall(r'<a\b[^>]*\bhref="(/[^"#]*)"', html)


def _visit(client: Client, path: str, found: dict[str, list[str]], allowed: list[str], label: str):
    """Read one page; its English texts go under its kind (each text once, whoever saw it)."""
    response = client.get(path)
    where = page_kind(path)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        if response.status_code >= 500:
            found[where] = [f"HTTP {response.status_code}"]
        return ""
    html = response.content.decode()
    if 'lang="es"' not in html:
        found.setdefault(where, []).append('the page is not marked lang="es"')
    english = list(dict.fromkeys(english_sentences(page_blocks(html), allowed)))
    if english:
        texts = found.setdefault(where, [])
        texts.extend(text for text in english if text not in texts)
        SEEN_AS.setdefault(where, f"{label} {path}")
    return html


def _crawl(client: Client, starts: list[str], found, allowed, label: str) -> int:
    """Visit the start pages, then one page of each kind they link to."""
    seen_kinds: set[str] = set()
    queue = list(dict.fromkeys(starts))
    followed: list[str] = []
    visited = 0
    for path in queue:
        seen_kinds.add(page_kind(path))
    for path in queue:
        html = _visit(client, path, found, allowed, label)
        visited += 1
        for link in _links(html):
            link = link.replace("&amp;", "&")
            kind = page_kind(link)
            if kind in seen_kinds or NOT_FOLLOWED.search(link):
                continue
            seen_kinds.add(kind)
            followed.append(link)
    for path in followed[:PAGES_PER_USER]:
        _visit(client, path, found, allowed, label)
        visited += 1
    return visited


def _menu_paths(user: User) -> list[str]:
    paths = ["/"]
    for item in MENU:
        if item.is_visible_to(user):
            paths.append(reverse(item.url_name))
    for tab in TABS:
        if tab.url_name:
            paths.append(reverse(tab.url_name))
    return paths


def _link_pages_from_emails() -> list[str]:
    """The emailed Accept / Start the Pairing Process links of the seeded emails: one of each
    kind of page and email (an invitation, an extension request, a pairing request...)."""
    kinds: dict[tuple, str] = {}
    emails = OutboundEmail.objects.values_list("template", "context")
    for template, context in emails:
        for key in ("accept_url", "reject_url", "start_url", "accept_path"):
            value = context.get(key) if isinstance(context, dict) else None
            if not value or value.startswith("["):
                continue
            parts = urlsplit(value)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            kinds.setdefault((page_kind(path), template, bool(context.get("extension"))), path)
    return list(kinds.values())


PUBLIC = [
    "/login/",
    "/help/",
    "/help/demo/",
    "/terms/",
    "/privacy/",
    "/forgot-password/",
    "/forgot-user-id/",
    "/register/residential/",
    "/register/business/",
]


def _write_report(title: str, found: dict[str, list[str]]) -> str:
    lines = [f"{title}: {sum(len(v) for v in found.values())} English texts on {len(found)} pages"]
    for where, texts in sorted(found.items()):
        seen_as = SEEN_AS.get(where, "")
        lines.append(f"\n{where}" + (f"  (as {seen_as})" if seen_as else ""))
        lines.extend(f"    - {text}" for text in texts)
    report = "\n".join(lines)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    with REPORT.open("a" if title.startswith("Emails") else "w", encoding="utf-8") as handle:
        handle.write(report + "\n\n")
    return report


def test_every_page_type_is_in_spanish(demo):  # UX-3, NTF-1
    allowed = _allowed_names()
    found: dict[str, list[str]] = {}
    visited = 0
    with time_machine.travel(WHEN, tick=False):
        anonymous = Client()
        anonymous.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        starts = PUBLIC + _link_pages_from_emails()
        visited += _crawl(anonymous, starts, found, allowed, "[anonymous]")
        for user in User.objects.filter(status=User.Status.ACTIVE).exclude(
            kind=User.Kind.SMT_STAFF
        ):
            client = Client()
            client.force_login(user)
            visited += _crawl(client, _menu_paths(user), found, allowed, f"[{user.username}]")
    assert visited > 50  # every role's pages were read
    report = _write_report("Pages", found)
    assert not found, report


def _email_templates() -> list[str]:
    root = Path(settings.BASE_DIR) / "templates" / "emails" / "en"
    return sorted(
        str(path.relative_to(root)).removesuffix(".subject.txt")
        for path in root.rglob("*.subject.txt")
    )


def test_every_email_is_in_spanish(demo):  # NTF-1, UX-3
    allowed = _allowed_names()
    found: dict[str, list[str]] = {}
    templates = _email_templates()
    assert len(templates) > 30
    for template in templates:
        seeded = OutboundEmail.objects.filter(template=template).order_by("-pk").first()
        email = OutboundEmail(
            recipient="maria@example.com",
            template=template,
            language="es",
            context=seeded.context if seeded else {},
        )
        try:
            message = email_render(email)
        except Exception as error:  # a missing Spanish template is a finding, not a crash
            found[f"email {template}"] = [f"cannot render in Spanish: {error!r}"]
            continue
        blocks = [message.subject, *text_blocks(message.body)]
        blocks += page_blocks(message.alternatives[0][0])
        english = list(dict.fromkeys(english_sentences(blocks, allowed)))
        if english:
            found[f"email {template}"] = english
    report = _write_report("Emails", found)
    assert not found, report
