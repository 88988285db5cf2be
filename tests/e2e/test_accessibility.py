"""Accessibility as a gate (UX-5): axe-core's WCAG 2.1 A and AA rules find nothing on any page
reachable from the navigation of any demo role, at desktop and phone width, nor on the
anonymous pages and the pages the emailed links open.

The pages are found by crawling, not listed: for each role the home page, every tab and
side-menu link, and the links of the first row of every list page (one level deep, one page
per kind). axe-core comes from the `axe-playwright-python` package (a pinned build, no download
at run time); it is injected into each browser context and run once per page. Each role's test
seeds the demo with 40 days of data (about 2 s): the live server needs a transactional database,
which is emptied after every test. A screenshot is saved only for a page that fails.
"""

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.urls import reverse
from django.utils.text import slugify

from smt.demo import DEMO_PASSWORD, seed_demo
from tests.factories import DEFAULT_PASSWORD, CustomerPremiseFactory, MeterFactory, UserFactory
from usage.services.sharing import meter_share_invite

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = (
    "() => axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']})"
    ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
    " targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length})))"
)
WIDTHS = [(DESKTOP, "desktop"), (PHONE, "phone")]
DEMO_DAYS = 40  # enough for this month vs last month; the full two years only slow the seed
ROLES = [
    "rep.admin",
    "rep.user",
    "tp.admin",
    "tp.user",
    "oncor.admin",
    "smt.staff",
    "maria.garcia",
    "john.smith",
    "acme.business",
]
# Not pages to check: leaving the session, Django's admin, and files to download.
SKIP = re.compile(r"/logout/|^/admin/|\.(pdf|csv|xml|zip|png)$|/download/?$", re.IGNORECASE)
NAV_LINKS = "nav.tabs a[href], nav.side-menu a[href]"
FIRST_ROW_LINK = "main table tbody tr:first-child a[href]"
ANONYMOUS_PAGES = [
    "/login/",
    "/register/",
    "/register/residential/",
    "/register/business/",
    "/register/company/third-party/",
    "/register/company/rep/",
    "/register/join/rep/",
    "/register/join/third-party/",
    "/forgot-password/",
    "/forgot-user-id/",
    "/help/",
]


def axe_script() -> str:
    return Axe().axe_script


def new_context(browser, viewport):
    context = browser.new_context(viewport=viewport)
    context.add_init_script(script=axe_script())
    return context


def violations_on(page) -> list[dict]:
    return page.evaluate(AXE_RUN % WCAG_TAGS)


def log_in(page, base, user_id, password=DEMO_PASSWORD):
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(user_id)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/login/" not in page.url, f"{user_id} could not log in"


def local_paths(page, selector: str, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIP.search(parts.path) and path not in paths:
            paths.append(path)
    return paths


class Checker:
    """Visits pages in one browser page and keeps what axe found, per page."""

    def __init__(self, page, base: str, label: str, screenshot):
        self.page, self.base, self.label, self.screenshot = page, base, label, screenshot
        self.problems: dict[str, list[str]] = {}
        self.checked: list[str] = []

    def check(self, path: str, status: int = 200) -> bool:
        """Open and check one page; False when it is not an HTML page to check."""
        response = self.page.goto(f"{self.base}{path}")
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            return False
        where = f"{self.label} {path}"
        if response.status != status:
            self.problems[where] = [f"HTTP {response.status}"]
            return True
        self.record(path)
        return True

    def record(self, path: str) -> None:
        """Check the page as it is now (after a form post, say)."""
        where = f"{self.label} {path}"
        self.checked.append(path)
        found = violations_on(self.page)
        if found:
            self.problems[where] = [
                f"{v['id']} ({v['impact']}, {v['count']}x): {v['help']} -> "
                + " | ".join(v["targets"])
                for v in found
            ]
            self.screenshot(self.page, f"axe-{self.label}-{slugify(path)}".replace(" ", "-"))


def crawl(checker: Checker) -> list[str]:
    """Home, then every tab and side-menu link, then the links of the first row of the list
    pages found there (one page per kind): each checked once. Returns the pages checked."""
    base, page = checker.base, checker.page
    seen: set[str] = set()
    nav_queue = ["/"]
    details: list[str] = []
    while nav_queue:
        path = nav_queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        if not checker.check(path):
            continue
        nav_queue += [p for p in local_paths(page, NAV_LINKS, base) if p not in seen]
        details += local_paths(page, FIRST_ROW_LINK, base)
    shapes = {shape(path) for path in seen}
    for path in details:
        # One page of each kind: /usage/meters/<esiid>/usage/ once, whichever list links it.
        if shape(path) not in shapes:
            shapes.add(shape(path))
            checker.check(path)
    return checker.checked


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def report(problems: dict[str, list[str]]) -> str:
    lines = []
    for where, found in problems.items():
        lines.append(where)
        lines += [f"    {line}" for line in found]
    return "\n".join(lines)


@pytest.fixture
def demo():
    seed_demo(days=DEMO_DAYS)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_passes_axe(browser, live_server, demo, screenshot, role):  # UX-5
    """Every page the role's navigation reaches, at 1280 and 375 px: 0 axe violations."""
    problems: dict[str, list[str]] = {}
    pages: list[str] = []
    for viewport, width in WIDTHS:
        context = new_context(browser, viewport)
        page = context.new_page()
        log_in(page, live_server.url, role)
        checker = Checker(page, live_server.url, f"{role} {width}", screenshot)
        if not pages:
            pages = crawl(checker)
        else:
            for path in pages:
                checker.check(path)
        problems.update(checker.problems)
        context.close()
    print(f"\n{role}: {len(pages)} pages checked at each width: {' '.join(pages)}")
    assert len(pages) >= 3, f"{role}: the crawl found only {pages}"
    assert not problems, f"axe-core found WCAG 2.1 A/AA violations:\n{report(problems)}"


def test_anonymous_pages_pass_axe(browser, live_server, screenshot):  # UX-5
    """The pages before logging in, and those they link to, at both widths."""
    base = live_server.url
    problems: dict[str, list[str]] = {}
    for viewport, width in WIDTHS:
        context = new_context(browser, viewport)
        page = context.new_page()
        checker = Checker(page, base, f"anonymous {width}", screenshot)
        for path in ANONYMOUS_PAGES:
            checker.check(path)
        # The second step of Forgot Password, reached through its form, then with an error.
        page.goto(f"{base}/forgot-password/")
        page.locator("#id_username").fill("nobody.here")
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        checker.check(urlsplit(page.url).path)
        page.locator("main form input[type=text], main form input[type=password]").first.fill("x")
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        checker.record("/forgot-password/answer/ (wrong answer)")
        problems.update(checker.problems)
        context.close()
    assert not problems, f"axe-core found WCAG 2.1 A/AA violations:\n{report(problems)}"


def emailed_path(pattern: str) -> str:
    """The path of the link in the latest email that has one (the log keeps no token: SEC-2)."""
    found = (re.search(pattern, message.body) for message in reversed(mail.outbox))
    return next(match for match in found if match).group(1)


def emailed_links() -> Iterator[tuple[str, str, int]]:
    """(who opens it, path, HTTP status) for each emailed-link page: agreement Accept/Reject,
    HAN Start/Reject, a link that is no longer valid, and a meter-share invitation."""
    from tests.agreements.helpers import one_time
    from tests.han.helpers import one_request

    one_time()
    answer = emailed_path(r"(/agreements/answer/[^/\s?]+/)")
    yield "", f"{answer}?action=accept", 200
    yield "", f"{answer}?action=reject", 200
    yield "", reverse("agreements:answer", args=["x" * 43]), 404  # used, expired or unknown
    one_request()
    pairing = emailed_path(r"(/han/pairing/[^/\s?]+/)")
    yield "", f"{pairing}?action=start", 200
    yield "", f"{pairing}?action=reject", 200
    yield "", reverse("han:answer", args=["x" * 43]), 404
    owner = CustomerPremiseFactory(premise=MeterFactory().premise)
    friend = UserFactory(username="friend.user", email="friend@example.com")
    meter_share_invite(link=owner, friend_email=friend.email)
    yield friend.username, emailed_path(r"(/shared-meter/[^/\s]+/)"), 200


def test_emailed_link_pages_pass_axe(browser, live_server, screenshot):  # UX-5
    """The pages the emails' links open, at both widths."""
    base = live_server.url
    links = list(emailed_links())
    problems: dict[str, list[str]] = {}
    for viewport, width in WIDTHS:
        context = new_context(browser, viewport)
        page = context.new_page()
        checker = Checker(page, base, f"emailed link {width}", screenshot)
        for who, path, status in links:
            if who:
                log_in(page, base, who, DEFAULT_PASSWORD)
            assert checker.check(path, status), path
        problems.update(checker.problems)
        context.close()
    assert not problems, f"axe-core found WCAG 2.1 A/AA violations:\n{report(problems)}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_skip_link_shows_on_focus_and_moves_to_the_content(browser, live_server, viewport):
    """UX-5 keyboard: the first Tab reaches the skip link, which is then on screen with a
    focus ring; Enter moves focus to the main content, and the next Tab lands inside it."""
    page = browser.new_page(viewport=viewport)
    page.goto(f"{live_server.url}/login/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const e = document.activeElement, r = e.getBoundingClientRect(),"
        " s = getComputedStyle(e);"
        " return {cls: e.className, left: r.left, top: r.top, width: r.width,"
        " outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth)}; }"
    )
    assert focused["cls"] == "skip-link"
    assert focused["left"] >= 0 and focused["top"] >= 0 and focused["width"] > 0
    assert focused["outline"] != "none" and focused["outlineWidth"] >= 2
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")
    page.close()


def test_the_gate_sees_a_violation(browser, live_server):  # UX-5
    """The check itself works: an image without a text alternative is reported."""
    context = new_context(browser, DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/help/")
    assert violations_on(page) == []
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    assert [v["id"] for v in violations_on(page)] == ["image-alt"]
    context.close()
