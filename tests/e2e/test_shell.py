"""The UI shell in a real browser at desktop and phone width (UX-1, UX-2)."""

import pytest

from tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url, user_id):
    page.goto(f"{base_url}/login/")
    page.get_by_label("User ID").fill(user_id)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log In").click()


@pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_rep_admin_signs_in_finds_the_menu_and_logs_out(
    browser, live_server, screenshot, viewport, label
):
    UserFactory(username="rep.admin", first_name="Rita", last_name="Lopez", rep_admin=True)
    page = browser.new_page(viewport=viewport)
    page.goto(f"{live_server.url}/login/")
    screenshot(page, f"login-{label}")
    sign_in(page, live_server.url, "rep.admin")
    assert page.get_by_text("Welcome, Rita Lopez").is_visible()
    assert page.get_by_role("heading", name="Get started...").is_visible()
    screenshot(page, f"home-{label}")

    page.get_by_role("link", name="My Account").click()
    page.wait_for_load_state()  # the script folds the menu once the page has loaded
    menu = page.locator(".side-menu")
    if label == "desktop":  # UX-1: the section menu sits beside the page, not above it
        box, main = menu.bounding_box(), page.locator("main").bounding_box()
        assert box["x"] + box["width"] <= main["x"] and abs(box["y"] - main["y"]) < 20
    if label == "phone":  # the menu starts folded so the page comes first
        assert not menu.get_by_role("link", name="Company Profile").is_visible()
        menu.get_by_text("Menu").click()
    menu.get_by_role("link", name="Company Profile").click()
    page.get_by_role(
        "heading", name="Company Profile"
    ).wait_for()  # the click does not wait for the page it loads
    # Nothing may stick out sideways on a phone (UX-2).
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, f"company-profile-{label}")

    page.locator("summary[title='Help for this page']").click()
    assert page.get_by_text("Your company's details as registered").is_visible()
    page.get_by_role("button", name="Hide Help").click()
    assert not page.get_by_text("Your company's details as registered").is_visible()

    page.get_by_role("button", name="Log Out").click()
    page.get_by_role(
        "heading", name="Log In"
    ).wait_for()  # the click does not wait for the page it loads
    page.close()


def test_wrong_password_shows_the_error_next_to_the_form(browser, live_server, screenshot):
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User ID").fill("nobody.here")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log In").click()
    page.get_by_text(
        "The User ID or password you entered is incorrect."
    ).wait_for()  # the click does not wait for the page it loads
    assert page.get_by_label("User ID").input_value() == "nobody.here"
    screenshot(page, "login-error-phone")
    page.close()
