"""UX-2, WCAG 2.2 2.5.8: on a 375 px phone every list is a stack of cards whose actions are in
sight and at least 24 × 24 px, nothing scrolls sideways, and the five tabs are all on the
screen; at 1280 px the REP's Customer Meters table fits without a sideways scroller. One
browser page per role, a screenshot `<list>-cards-phone` of each list."""

from datetime import date

import pytest

from accounts.models import Company, Duns, User
from accounts.services.api_tokens import personal_token_create
from agreements.services.answers import agreement_answer_by_customer
from han.services.answers import han_answer_signed_in
from han.services.messages import MessageDraft, han_messages_compose
from smt.api.thirdparty.webhooks.services import webhook_endpoint_create
from tests.agreements.helpers import details, ongoing
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    CustomerPremiseFactory,
    DunsFactory,
    MeterFactory,
    PremiseFactory,
    RorPeriodFactory,
    UserFactory,
)
from tests.han.helpers import device, provision_registered, registered_customer
from usage.models import CustomerPremise
from usage.services.sharing import meter_share_answer, meter_share_invite

from .conftest import DESKTOP, PHONE
from .test_main_pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = PHONE["width"]
TARGET_MIN = 24  # px, WCAG 2.2 2.5.8 Target Size (Minimum)

# Each card row's visible actions (a link or button not folded in a closed <details>), with
# their boxes, and the row's selection checkbox and its visible label when it has one.
ROW_TARGETS_JS = """() => Array.from(
  document.querySelectorAll("main table.cards tbody tr")).map(tr => {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return {text: (el.innerText || el.value || "").trim(), left: r.left, right: r.right,
            width: r.width, height: r.height};
  };
  const cell = tr.querySelector("td.row-actions");
  const actions = cell ? Array.from(cell.querySelectorAll("a, button, summary")).filter(
    el => el.tagName === "SUMMARY" || !el.closest("details:not([open])")) : [];
  const check = tr.querySelector("td.row-select input[type=checkbox]");
  const label = tr.querySelector("td.row-select .card-label");
  const table = tr.closest("table");
  return {row: tr.innerText.trim().slice(0, 60), actions: actions.map(box),
          acts: !!table.querySelector("td.row-actions, td.row-select"),
          check: check ? box(check) : null, label: label ? box(label) : null};
})"""

# Links and buttons of the page's chrome and tables (WCAG 2.5.8), visible ones only.
TARGETS_JS = """(selector) => Array.from(document.querySelectorAll(selector)).filter(el => {
  const r = el.getBoundingClientRect();
  return r.width > 1 && r.height > 1 && !el.closest("thead[class], table.cards thead");
}).map(el => {
  const r = el.getBoundingClientRect();
  return {text: (el.innerText || "").trim().slice(0, 30), width: r.width, height: r.height};
})"""
CHROME = ".session a, .session button, .breadcrumbs a, .page-help > summary, .pagination a"
TABLE_LINKS = "main td a, main td button, main th a"


@pytest.fixture
def lists(settings):
    """A few rows in every list: a REP admin (its meters and people), a 3rd-party admin
    (agreements, meters, HAN devices and messages, tokens, webhooks), a customer (meters,
    shares, agreements, HAN devices and messages) and a TDSP admin (approvals)."""
    rep = UserFactory(username="rep.admin", rep_admin=True)
    UserFactory(rep=True, company=rep.company, username="rep.user")
    UserFactory(rep=True, company=rep.company, status=User.Status.PENDING, username="rep.ask")
    rep_duns = rep.duns_grants.get().number
    for n, street in enumerate(("Demo", "Bluebonnet Ridge Boulevard Apartment", "Elm")):
        premise = PremiseFactory(street_name=street, city="Round Rock" if n else "Dallas")
        MeterFactory(premise=premise, installed_on=date(2019, 5, 1))
        RorPeriodFactory(premise=premise, ror_duns=rep_duns)
        if n != 1:
            CustomerPremiseFactory(
                premise=premise,
                customer=UserFactory(
                    first_name="Maximiliano",
                    last_name="Villarreal-Montgomery",
                    email=f"maximiliano.villarreal.montgomery{n}@example.com",
                ),
            )

    third_party = UserFactory(username="tp.admin", third_party_admin=True)
    # As tests/e2e/test_han_messages.py: the simulated TDSP pairs at once (Celery is eager).
    settings.SIMULATED_TDSP_HAN_DELAY_SECONDS = 0
    settings.SIMULATED_TDSP_HAN_PAIRING_SECONDS = 0
    meter = MeterFactory()
    customer = registered_customer(meter, username="cust.omer", email="cust.omer@example.com")
    devices = provision_registered(customer, meter, user=third_party, devices=[device(), device()])
    han_answer_signed_in(user=customer, request=devices[0], start=True)
    accepted(third_party, meter, customer, kind="ongoing_han")
    draft = MessageDraft(text="Peak pricing 4-7 PM today", duration_minutes=60)
    han_messages_compose(user=third_party, draft=draft, devices=[number_of(devices[0])])
    for _n in range(2):  # Active Ongoing Energy Data agreements: Customer Meters (3rd Party)
        other = MeterFactory()
        accepted(third_party, other, registered_customer(other))
    AgreementFactory(initiated_by=third_party, premise=meter.premise, customer=customer)
    personal_token_create(user=third_party, name="Billing sync")
    personal_token_create(user=third_party, name="Sandbox tests", sandbox=True)
    webhook_endpoint_create(
        user=third_party,
        url="http://127.0.0.1:9/hooks/smart-meter-texas/agreements",
        events=["agreement.status_changed"],
        description="billing",
    )

    link = CustomerPremise.objects.get(customer=customer)
    meter_share_invite(link=link, friend_email="family@example.com")
    owner_link = CustomerPremiseFactory(customer=UserFactory(first_name="Rosa"))
    MeterFactory(premise=owner_link.premise)
    share = meter_share_invite(link=owner_link, friend_email=customer.email)
    meter_share_answer(share=share, user=customer, accept=True)

    UserFactory(username="oncor.admin", tdsp_admin=True)
    waiting = CompanyFactory(status=Company.Status.PENDING, name="Watt Watchers")
    DunsFactory(company=waiting, status=Duns.Status.PENDING)
    UserFactory(rep_admin=True, company=waiting, status=User.Status.PENDING, with_active_duns=False)
    DunsFactory(status=Duns.Status.PENDING)


def number_of(request) -> str:
    return request.agreement.agreement_number


def accepted(user, meter, customer, kind="ongoing"):
    """An ongoing agreement the registered customer accepted signed in (AGR-14, AGR-17)."""
    agreement = ongoing(
        user=user, meter=meter, customer=details(registered=True, email=customer.email), kind=kind
    )
    return agreement_answer_by_customer(agreement=agreement, user=customer, accept=True)


def visit_list(page, base, path, name, screenshot) -> list[dict]:
    """Open a list at phone width; nothing sticks out sideways, every row is a card whose
    actions (and checkbox) are on the screen and at least 24 × 24 px."""
    response = page.goto(f"{base}{path}")
    assert response.status == 200, path
    screenshot(page, f"{name}-cards-phone")  # -cards: not to overwrite test_main_pages.py
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is wider than the phone by {overflow}px"
    rows = page.evaluate(ROW_TARGETS_JS)
    assert any(row["acts"] for row in rows), f"{path} shows no rows with actions"
    for row in rows:
        # Tables with an actions or selection column (not an information-only table).
        assert row["actions"] or row["check"] or not row["acts"], f"{path}: {row['row']!r}"
        targets = row["actions"] + ([row["check"]] if row["check"] else [])
        for target in targets:
            where = f"{path}: {target['text']!r} in {row['row']!r}"
            assert target["left"] >= 0 and target["right"] <= PHONE_WIDTH, where
            assert target["width"] >= TARGET_MIN and target["height"] >= TARGET_MIN, where
        if row["check"]:
            assert row["label"] and row["label"]["width"] > 1, f"{path}: unlabelled checkbox"
    small = [
        t
        for t in page.evaluate(TARGETS_JS, f"{CHROME}, {TABLE_LINKS}")
        if t["width"] < TARGET_MIN or t["height"] < TARGET_MIN
    ]
    assert not small, f"{path}: targets under 24 × 24 px: {small}"
    return rows


def test_lists_are_cards_with_their_actions_in_sight_on_a_phone(
    browser, live_server, screenshot, lists
):
    base = live_server.url
    page = browser.new_page(viewport=PHONE)

    log_in(page, base, "rep.admin")
    # The five tabs all on the screen, wrapped if need be, with no hidden sideways scroller.
    tabs = page.evaluate(
        """() => Array.from(document.querySelectorAll("nav.tabs a")).map(a => {
          const r = a.getBoundingClientRect();
          return {left: r.left, right: r.right, height: r.height};
        })"""
    )
    assert len(tabs) == 5
    assert all(t["left"] >= 0 and t["right"] <= PHONE_WIDTH and t["height"] >= 24 for t in tabs)
    assert page.evaluate(
        "(() => { const ul = document.querySelector('nav.tabs ul');"
        " return ul.scrollWidth <= ul.clientWidth; })()"
    )
    rows = visit_list(page, base, "/my-account/customer-meters/", "customer-meters-ror", screenshot)
    assert len(rows) == 3 and all(row["check"] for row in rows)  # MTR-4: ticked to export
    visit_list(page, base, "/usage/customer-meters/", "customer-meters-ror-usage", screenshot)
    visit_list(page, base, "/my-account/users/", "manage-users", screenshot)
    visit_list(page, base, "/my-account/pending-approval/", "pending-approval", screenshot)

    # The same REP list fits 1280 px: no sideways scroller on its table (MTR-4, UX-2).
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}/my-account/customer-meters/")
    fit = page.evaluate(
        """() => { const wrap = document.querySelector("table.ror-meters").closest(".table-wrap");
          return {scroll: wrap.scrollWidth, width: wrap.clientWidth}; }"""
    )
    assert fit["scroll"] <= fit["width"], fit
    small = [
        t
        for t in page.evaluate(TARGETS_JS, f"{CHROME}, {TABLE_LINKS}")
        if t["width"] < TARGET_MIN or t["height"] < TARGET_MIN
    ]
    assert not small, f"targets under 24 × 24 px at 1280 px: {small}"
    # MTR-5: the search by file is below the list, folded.
    folded = page.locator("details.import-search")
    assert folded.get_attribute("open") is None
    assert page.evaluate(
        """() => document.querySelector("table.ror-meters")
          .compareDocumentPosition(document.querySelector("details.import-search"))
          & Node.DOCUMENT_POSITION_FOLLOWING"""
    )
    screenshot(page, "customer-meters-ror-fit-desktop")
    page.set_viewport_size(PHONE)
    page.context.clear_cookies()

    log_in(page, base, "tp.admin")
    for path, name in [
        ("/my-account/customer-agreements/", "customer-agreements"),
        ("/my-account/customer-meters-3rd-party/", "customer-meters-3rd-party"),
        ("/my-account/customer-meters-3rd-party/han-devices/", "han-devices-company"),
        ("/my-account/han-device-messages/", "han-messages-company"),
        ("/my-account/profile/api-tokens/", "api-tokens"),
        ("/my-account/webhooks/", "webhooks"),
    ]:
        visit_list(page, base, path, name, screenshot)
    page.context.clear_cookies()

    log_in(page, base, "cust.omer")
    for path, name in [
        ("/my-account/meters/", "my-smart-meters"),
        ("/my-account/friends-meters/", "friends-meters"),
        ("/my-account/3rd-party-agreements/", "my-agreements"),
        ("/my-account/han-devices/", "han-devices-customer"),
        ("/my-account/han-device-messages/", "han-messages-customer"),
    ]:
        visit_list(page, base, path, name, screenshot)
    page.context.clear_cookies()

    log_in(page, base, "oncor.admin")
    visit_list(page, base, "/my-account/approvals/", "tdsp-approvals", screenshot)
    page.close()
