"""Field help and errors are announced (UX-5): every aria-describedby on a form page names an
element of the page, so a screen reader reads the help text and the error with the field."""

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def described(page: str) -> list[tuple[str, str, str]]:
    """(element name, described-by id, the text of the element it names or "") for every
    aria-describedby reference on the page."""
    tree = lxml_html.fromstring(page)
    found = []
    for element in tree.xpath("//*[@aria-describedby]"):
        for ref in element.get("aria-describedby").split():
            target = tree.get_element_by_id(ref, None)
            text = target.text_content().strip() if target is not None else ""
            found.append((element.get("name") or element.tag, ref, text))
    return found


def test_help_text_is_the_inputs_description(client):  # UX-5
    page = client.get(reverse("usage:register_customer", args=["residential"]))
    assert page.status_code == 200
    refs = described(page.content.decode())
    esiid = [(ref, text) for name, ref, text in refs if name == "esiid"]
    assert esiid == [("id_esiid_helptext", "17 to 22 digits, on your electricity bill.")]
    assert all(text for _, _, text in refs), refs


def test_errors_are_the_inputs_description_too(client):  # UX-5
    page = client.post(reverse("usage:register_customer", args=["residential"]), {"esiid": "1"})
    refs = described(page.content.decode())
    assert any(ref.endswith("_error") for _, ref, _ in refs), refs
    assert all(text for _, _, text in refs), refs
    esiid = {ref for name, ref, _ in refs if name == "esiid"}
    assert esiid == {"id_esiid_helptext", "id_esiid_error"}


def test_a_checkbox_list_is_a_fieldset_described_by_its_help(client):  # UX-5
    admin = UserFactory(rep_admin=True)
    member = UserFactory(rep=True, company=admin.company)
    client.force_login(admin)
    page = client.get(reverse("accounts:user_edit", args=[member.pk])).content.decode()
    refs = described(page)
    assert ("fieldset", "id_duns_helptext") in {(name, ref) for name, ref, _ in refs}
    assert all(text for _, _, text in refs), refs
    tree = lxml_html.fromstring(page)
    (legend,) = tree.xpath("//fieldset[@aria-describedby='id_duns_helptext']/legend")
    assert "DUNS" in legend.text_content()
