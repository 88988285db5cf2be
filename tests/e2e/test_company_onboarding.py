"""A 3rd-party company registers, a TDSP admin approves it, its first admin sets up the
account, a second person asks to join and is approved with the Energy Data permission, and
logs in (ACC-1, ACC-2, ACC-6, ACC-16, ACC-19, UX-2)."""

import re

import pytest
from django.core import mail

from accounts.models import Company, User
from tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def temporary_password_for(address: str) -> str:
    message = next(m for m in reversed(mail.outbox) if address in m.to)
    return re.search(r"temporary password: (\S+)", message.body).group(1)


def log_in(page, base_url, user_id, password):
    page.goto(f"{base_url}/login/")
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log In").click()


def finish_set_up(page, new_password):
    assert page.get_by_role("heading", name="Create your permanent password").is_visible()
    page.locator("#id_new_password1").fill(new_password)
    page.get_by_label("Re-enter new password").fill(new_password)
    page.locator("#id_security_question").select_option(index=1)
    page.get_by_label("Security question answer").fill("Sparky")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Welcome to Smart Meter Texas!").is_visible()


def log_out(page):
    page.get_by_role("button", name="Log Out").click()


def open_menu_item(page, tab: str, item: str):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=tab).click()
    menu = page.locator(".side-menu")
    if not menu.get_by_role("link", name=item).is_visible():
        menu.get_by_text("Menu").click()  # folded on a phone
    menu.get_by_role("link", name=item).click()


def register_company(page, base_url, screenshot):
    """ACC-1: the two pages of Create a New 3rd Party Account."""
    page.goto(f"{base_url}/login/")
    page.get_by_role("link", name="register a company or request access").click()
    page.get_by_role("link", name="Create a New 3rd Party Account").click()
    page.get_by_label("Company name").fill("Watt Watchers")
    page.get_by_label("Address 1").fill("1 Congress Ave")
    page.get_by_label("City").fill("Austin")
    page.get_by_label("ZIP code").fill("78701")
    page.get_by_label("Phone").fill("512-555-0110")
    page.locator("#id_email").fill("smt@wattwatchers.example.com")
    page.locator("#id_email2").fill("smt@wattwatchers.example.com")
    page.get_by_label("DUNS numbers").fill("987654321")
    screenshot(page, "company-register-desktop")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("First name").fill("Wendy")
    page.get_by_label("Last name").fill("Watts")
    page.get_by_label("Phone").fill("512-555-0111")
    page.locator("#id_email").fill("wendy@wattwatchers.example.com")
    page.locator("#id_email2").fill("wendy@wattwatchers.example.com")
    page.get_by_label("User ID").fill("wendy.watts")
    page.get_by_label("I accept the Smart Meter Texas Terms of Use").check()
    page.get_by_role("button", name="Finish").click()
    assert page.get_by_role("heading", name="Registration received").is_visible()


def test_third_party_company_from_registration_to_a_second_user(browser, live_server, screenshot):
    base = live_server.url
    UserFactory(username="oncor.admin", tdsp_admin=True, email="admin@oncor.example.com")
    page = browser.new_page(viewport=DESKTOP)

    register_company(page, base, screenshot)

    # ACC-1: a TDSP admin approves the company.
    log_in(page, base, "oncor.admin", DEFAULT_PASSWORD)
    open_menu_item(page, "My Account", "TDSP Approvals")
    screenshot(page, "tdsp-approvals-desktop")
    row = page.get_by_role("row").filter(has_text="Watt Watchers")
    row.get_by_role("button", name="Approve").click()
    assert page.get_by_text("Watt Watchers").first.is_visible()
    log_out(page)
    assert Company.objects.get(name="Watt Watchers").status == Company.Status.APPROVED

    # ACC-6: the first admin logs in with the emailed temporary password.
    log_in(page, base, "wendy.watts", temporary_password_for("wendy@wattwatchers.example.com"))
    finish_set_up(page, "Watt-Watch-2026")
    log_out(page)
    assert Company.objects.get(name="Watt Watchers").status == Company.Status.ACTIVE

    # ACC-2: a second person finds the company on a phone and asks to join as a user.
    phone = browser.new_page(viewport=PHONE)
    phone.goto(f"{base}/register/")
    phone.get_by_role("link", name="Request Access to an Existing 3rd Party Account").click()
    phone.get_by_role("radio").first.check()
    phone.get_by_role("button", name="Register as a User").click()
    phone.get_by_label("First name").fill("Omar")
    phone.get_by_label("Last name").fill("Diaz")
    phone.get_by_label("Phone").fill("512-555-0112")
    phone.locator("#id_email").fill("omar@wattwatchers.example.com")
    phone.get_by_label("Re-enter email").fill("omar@wattwatchers.example.com")
    phone.get_by_label("User ID").fill("omar.diaz")
    phone.get_by_label("I accept the Smart Meter Texas Terms of Use").check()
    screenshot(phone, "join-company-phone")
    phone.get_by_role("button", name="Finish").click()
    assert phone.get_by_text("has been sent to its administrators").is_visible()
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    phone.close()

    # ACC-16: the admin approves with Energy Data through Edit Permissions.
    log_in(page, base, "wendy.watts", "Watt-Watch-2026")
    open_menu_item(page, "My Account", "Pending Approval")
    screenshot(page, "pending-approval-desktop")
    page.get_by_label("Omar Diaz").check()
    page.get_by_role("button", name="Edit Permissions").click()
    page.get_by_label("3rd Party – Access to Energy Data").check()
    page.get_by_label("Access to SMT Portal").select_option("approve")
    page.get_by_label("Comments").fill("Welcome, Omar")
    page.get_by_role("button", name="Save Account").click()
    assert page.get_by_text("omar.diaz is approved").is_visible()
    open_menu_item(page, "My Account", "Manage Users")
    assert page.get_by_role("cell", name="omar.diaz", exact=True).is_visible()
    screenshot(page, "manage-users-desktop")
    log_out(page)

    # The new user logs in and has the Energy Data permission (ACC-19).
    log_in(page, base, "omar.diaz", temporary_password_for("omar@wattwatchers.example.com"))
    finish_set_up(page, "Omar-Data-2026")
    open_menu_item(page, "My Account", "My Profile")
    assert page.get_by_text("Energy Data").first.is_visible()
    screenshot(page, "new-user-profile-desktop")
    omar = User.objects.get(username="omar.diaz")
    assert omar.status == User.Status.ACTIVE and omar.can_energy_data
    page.close()
