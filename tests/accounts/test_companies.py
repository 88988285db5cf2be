"""Company registration, Company Profile and its DUNS numbers
(ACC-1, ACC-9, ACC-15, ACC-19, SEC-1, SEC-4). TDSP approvals: test_tdsp_approvals.py;
Django admin actions: test_company_admin.py."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import Company, Duns, DunsGrant, StatusChange, User
from accounts.services.companies import LOGO_MAX_BYTES
from notifications.models import OutboundEmail
from tests.factories import CompanyFactory, DunsFactory, UserFactory

pytestmark = pytest.mark.django_db

COMPANY = {
    "name": "Watt Watchers",
    "address1": "1 Congress Ave",
    "city": "Austin",
    "state": "TX",
    "zip_code": "78701",
    "country": "United States",
    "phone": "512-555-0110",
    "email": "smt@watt.example.com",
    "email2": "smt@watt.example.com",
    "duns_numbers": "987654321",
}
ADMIN = {
    "first_name": "Wendy",
    "middle_initial": "Q",
    "last_name": "Watts",
    "suffix": "Jr",
    "phone": "512-555-0111",
    "email": "wendy@watt.example.com",
    "email2": "wendy@watt.example.com",
    "user_id": "wendy.watts",
    "terms": "on",
}


def png(size_bytes: int | None = None, name="logo.png") -> SimpleUploadedFile:
    """A real PNG, padded with trailing bytes (Pillow ignores them) to reach `size_bytes`."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "PNG")
    content = buffer.getvalue()
    if size_bytes:
        content += b"\0" * (size_bytes - len(content))
    return SimpleUploadedFile(name, content, content_type="image/png")


def emails_to(template: str) -> list[str]:
    return sorted(
        OutboundEmail.objects.filter(template=template).values_list("recipient", flat=True)
    )


def page_one(client, kind="rep", **changes):
    return client.post(reverse("accounts:company_register", args=[kind]), {**COMPANY, **changes})


def page_two(client, kind="rep", **changes):
    return client.post(
        reverse("accounts:company_register_admin", args=[kind]), {**ADMIN, **changes}, follow=True
    )


def register(client, kind="third-party", company=None, admin=None, files=None):
    """Both pages of ACC-1; returns the page shown after Finish."""
    page_one(client, kind, **(company or {}), **(files or {}))
    return page_two(client, kind, **(admin or {}))


@pytest.fixture
def tdsp_admin():
    return UserFactory(tdsp_admin=True, username="oncor.admin", email="admin@oncor.example")


# --- ACC-1 registration ----------------------------------------------------------------------


@pytest.mark.parametrize("kind, company_kind", [("rep", "rep"), ("third-party", "third_party")])
def test_registration_creates_a_pending_company_admin_and_duns(
    client, tdsp_admin, kind, company_kind
):  # ACC-1
    UserFactory(tdsp_admin=True, status=User.Status.SUSPENDED, email="away@tnmp.example")
    UserFactory(tdsp_admin=True, is_company_admin=False, email="user@tnmp.example")
    response = register(client, kind, company={"duns_numbers": "987654321, 1234567890123"})
    assert response.redirect_chain[-1][0] == reverse("accounts:company_register_done", args=[kind])
    assert "waits for a TDSP administrator" in response.content.decode()
    company = Company.objects.get(name="Watt Watchers")
    assert (company.kind, company.status) == (company_kind, "pending")
    assert sorted(company.duns_numbers.values_list("number", "status")) == [
        ("1234567890123", "pending"),
        ("987654321", "pending"),
    ]
    admin = User.objects.get(username="wendy.watts")
    assert (admin.kind, admin.status, admin.is_company_admin) == (company_kind, "pending", True)
    assert (admin.middle_initial, admin.suffix, admin.company) == ("Q", "Jr", company)
    assert admin.terms_accepted_at is not None
    assert admin.duns_grants.count() == 2 and not admin.has_usable_password()
    assert emails_to("accounts/company_registration_received") == ["wendy@watt.example.com"]
    # Only Active TDSP administrators approve companies.
    assert emails_to("accounts/company_awaiting_approval") == ["admin@oncor.example"]
    assert set(
        StatusChange.objects.filter(to_status="pending").values_list("subject_label", flat=True)
    ) == {"Watt Watchers", "wendy.watts"}


def test_the_confirmation_survives_a_refresh_and_registers_nothing_twice(client):  # ACC-1
    register(client)
    done = reverse("accounts:company_register_done", args=["third-party"])
    assert "Watt Watchers" in client.get(done).content.decode()
    # Finish again (back button, double click): page 1 is empty again, nothing is created.
    response = page_two(client, "third-party")
    assert response.redirect_chain[-1][0] == reverse(
        "accounts:company_register", args=["third-party"]
    )
    assert Company.objects.filter(name="Watt Watchers").count() == 1


def test_the_confirmation_without_a_registration_goes_to_page_one(client):  # ACC-1
    response = client.get(reverse("accounts:company_register_done", args=["rep"]))
    assert response.url == reverse("accounts:company_register", args=["rep"])


def test_an_unknown_company_kind_is_not_found(client):
    assert client.get(reverse("accounts:company_register", args=["tdsp"])).status_code == 404


def test_page_one_offers_texas_and_the_united_states(client):  # ACC-1
    html = client.get(reverse("accounts:company_register", args=["rep"])).content.decode()
    assert '<option value="TX" selected>' in html
    assert '<option value="United States" selected>' in html


@pytest.mark.parametrize(
    "field",
    ["name", "address1", "city", "state", "zip_code", "country", "phone", "email", "email2"]
    + ["duns_numbers"],
)
def test_every_required_company_field_is_required_and_the_rest_is_kept(client, field):  # ACC-1
    response = page_one(client, **{field: ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html or "Enter at least one DUNS number." in html
    kept = [value for name, value in COMPANY.items() if name not in {field, "state", "country"}]
    for value in kept:
        assert f'value="{value}"' in html


def test_page_one_errors_keep_what_was_typed(client):  # ACC-1
    html = page_one(client, address1="", email2="other@example.com").content.decode()
    assert "This field is required." in html
    assert "The two email addresses do not match." in html
    assert 'value="Watt Watchers"' in html and 'value="987654321"' in html


def test_an_empty_post_of_page_one_is_a_form_error(client):  # ACC-1
    response = client.post(reverse("accounts:company_register", args=["rep"]), {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_the_optional_company_fields_may_be_left_empty(client):  # ACC-1
    response = page_one(client, address2="", url="", privacy_policy_url="")
    assert response.status_code == 302


@pytest.mark.parametrize(
    "duns, accepted",
    [
        ("12345678", False),
        ("123456789", True),
        ("1234567890", False),
        ("123456789012", False),
        ("1234567890123", True),
        ("12345678901234", False),
        ("12345678a", False),
        ("١٢٣٤٥٦٧٨٩", False),  # Arabic-Indic digits are not a DUNS number
        ("123456789, 1234567890123", True),
        ("123456789 987654321;555555555", True),
        ("123456789, 12345", False),
    ],
)
def test_duns_has_9_or_13_digits(client, duns, accepted):  # ACC-1
    response = page_one(client, duns_numbers=duns)
    assert (response.status_code == 302) is accepted
    if not accepted:
        assert "A DUNS number has 9 or 13 digits" in response.content.decode()


def test_a_duns_typed_twice_is_registered_once(client, tdsp_admin):  # ACC-1
    register(client, company={"duns_numbers": "987654321, 987654321"})
    assert Duns.objects.filter(number="987654321").count() == 1


def test_registered_duns_and_company_names_are_refused(client):  # ACC-1
    CompanyFactory(name="WATT watchers", kind=Company.Kind.REP)
    DunsFactory(number="987654321")
    html = page_one(client).content
    assert b"A company with this name is already registered." in html
    assert b"Already registered: 987654321." in html


def test_the_same_name_may_exist_for_another_company_kind(client):  # ACC-1
    CompanyFactory(name="Watt Watchers", kind=Company.Kind.REP)
    assert page_one(client, "third-party").status_code == 302


def test_a_name_taken_before_finish_sends_back_to_page_one_with_the_error(client):  # ACC-1
    page_one(client)
    CompanyFactory(name="Watt Watchers", kind=Company.Kind.REP)
    response = page_two(client)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("accounts:company_register", args=["rep"])
    assert "A company with this name is already registered." in html
    assert 'value="1 Congress Ave"' in html
    assert not User.objects.filter(username="wendy.watts").exists()


@pytest.mark.parametrize("size, accepted", [(LOGO_MAX_BYTES - 1, True), (LOGO_MAX_BYTES, False)])
def test_logo_must_be_under_20_kb(client, size, accepted):  # ACC-1, SEC-4
    response = page_one(client, logo=png(size))
    assert (response.status_code == 302) is accepted
    if not accepted:
        assert "The logo must be smaller than 20 KB" in response.content.decode()


def test_a_file_that_is_not_an_image_is_a_form_error(client):  # ACC-1, SEC-4
    fake = SimpleUploadedFile("logo.png", b"not an image", content_type="image/png")
    response = page_one(client, logo=fake)
    assert response.status_code == 200
    assert "Upload a valid image." in response.content.decode()


def test_the_logo_travels_to_the_registered_company(client, tdsp_admin):  # ACC-1
    register(client, files={"logo": png(LOGO_MAX_BYTES - 1)})
    company = Company.objects.get(name="Watt Watchers")
    # Stored re-encoded (SEC-4): the padding of the upload is gone, the picture is kept.
    assert company.logo and company.logo.name.endswith(".png")
    with company.logo.open("rb") as handle, Image.open(handle) as stored:
        assert (stored.format, stored.size) == ("PNG", (8, 8))


def image_upload(size, mode="1", fmt="PNG", name="logo.png", **save) -> SimpleUploadedFile:
    """An image of `size` pixels; a one-bit blank one compresses to almost nothing."""
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, fmt, **save)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


LOGO_TOO_LARGE = (
    "The logo may have at most 1,000,000 pixels (for example 1,000 × 1,000 pixels); "
    "choose a smaller image."
)


def test_a_decompression_bomb_logo_is_refused_with_a_clear_message(client):  # ACC-1, SEC-4
    bomb = image_upload((12_500, 12_500), optimize=True)
    assert bomb.size < LOGO_MAX_BYTES  # 19 KB on disk, 156 megapixels decoded
    response = page_one(client, logo=bomb)
    assert response.status_code == 200
    assert LOGO_TOO_LARGE in response.content.decode()
    assert "Upload a valid image." not in response.content.decode()
    assert not client.session.get("company_registration", {}).get("logo")


@pytest.mark.parametrize(
    "size, accepted", [((1000, 1000), True), ((1001, 1000), False), ((1, 1_000_001), False)]
)
def test_a_logo_has_at_most_one_megapixel(client, size, accepted):  # ACC-1, SEC-4
    response = page_one(client, logo=image_upload(size, mode="RGB"))
    assert (response.status_code == 302) is accepted
    if not accepted:
        assert LOGO_TOO_LARGE in response.content.decode()


@pytest.mark.parametrize(
    "size, fmt, mode, stored_size",
    [
        ((600, 300), "PNG", "RGB", (300, 150)),
        ((1000, 1000), "PNG", "RGBA", (150, 150)),
        ((400, 50), "JPEG", "RGB", (300, 38)),
        ((120, 60), "GIF", "P", (120, 60)),  # never scaled up
    ],
)
def test_the_logo_is_stored_as_a_png_within_300_by_150(
    client, tdsp_admin, size, fmt, mode, stored_size
):  # ACC-1, SEC-4
    upload = image_upload(size, mode=mode, fmt=fmt, name=f"Our Logo.{fmt.lower()}")
    register(client, files={"logo": upload})
    company = Company.objects.get(name="Watt Watchers")
    assert company.logo.name.startswith("company-logos/our-logo-")
    assert company.logo.name.endswith(".png")
    with company.logo.open("rb") as handle, Image.open(handle) as stored:
        assert stored.format == "PNG"
        assert stored.size == stored_size
        assert stored.mode == ("RGBA" if mode == "RGBA" else "RGB")


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "WEBP"])
def test_a_logo_is_a_png_jpeg_or_gif(client, fmt):  # ACC-1, SEC-4
    upload = image_upload((40, 20), mode="RGB", fmt=fmt, name=f"logo.{fmt.lower()}")
    response = page_one(client, logo=upload)
    assert response.status_code == 200
    assert "The logo must be a PNG, JPEG or GIF image." in response.content.decode()


def test_a_truncated_image_is_a_form_error_not_a_500(client):  # SEC-4
    whole = image_upload((200, 100), mode="RGB", fmt="JPEG").read()
    broken = SimpleUploadedFile("logo.jpg", whole[: len(whole) // 2], content_type="image/jpeg")
    response = page_one(client, logo=broken)
    assert response.status_code == 200
    assert "Upload a valid image." in response.content.decode()


def test_a_valid_logo_is_kept_when_another_field_has_an_error(client, tdsp_admin):  # ACC-1
    html = page_one(client, city="", logo=png()).content.decode()
    assert "The logo you chose before is kept" in html
    page_one(client)  # corrected, without choosing the file again
    page_two(client)
    assert Company.objects.get(name="Watt Watchers").logo


def test_a_logo_chosen_before_can_be_removed(client, tdsp_admin):  # ACC-1
    page_one(client, logo=png())
    html = client.get(reverse("accounts:company_register", args=["rep"])).content.decode()
    assert "Remove the logo chosen before" in html
    page_one(client, remove_logo="on")
    page_two(client)
    assert not Company.objects.get(name="Watt Watchers").logo


def test_back_from_page_two_shows_page_one_as_typed(client):  # ACC-1
    page_one(client, has_privacy_seal="on", url="https://watt.example.com")
    page_two_html = client.get(reverse("accounts:company_register_admin", args=["rep"]))
    assert reverse("accounts:company_register", args=["rep"]) in page_two_html.content.decode()
    html = client.get(reverse("accounts:company_register", args=["rep"])).content.decode()
    assert 'value="Watt Watchers"' in html and 'value="1 Congress Ave"' in html
    assert 'value="https://watt.example.com"' in html
    assert 'name="has_privacy_seal" id="id_has_privacy_seal" checked' in html


def test_the_other_kind_of_registration_starts_empty(client):  # ACC-1
    page_one(client, "rep")
    html = client.get(reverse("accounts:company_register", args=["third-party"])).content
    assert b"Watt Watchers" not in html


def test_page_two_without_page_one_goes_back_to_page_one(client):  # ACC-1
    response = client.get(reverse("accounts:company_register_admin", args=["rep"]))
    assert response.url == reverse("accounts:company_register", args=["rep"])


@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "email2", "user_id"])
def test_every_required_administrator_field_is_required(client, field):  # ACC-1
    page_one(client)
    html = page_two(client, **{field: ""}).content.decode()
    assert "This field is required." in html
    kept = [v for k, v in ADMIN.items() if k not in {field, "terms"}]
    for value in kept:
        assert f'value="{value}"' in html
    assert not Company.objects.filter(name="Watt Watchers").exists()


def test_the_terms_must_be_accepted(client):  # ACC-1
    page_one(client)
    html = page_two(client, terms="").content.decode()
    assert "You must accept the Terms of Use to register." in html
    assert not Company.objects.exists()


def test_the_administrators_phone_is_optional(client, tdsp_admin):  # seed 003 §2.1 step 24
    page_one(client)
    page_two(client, phone="")
    assert User.objects.get(username="wendy.watts").phone == ""


def test_the_administrators_emails_must_match(client):  # ACC-1
    page_one(client)
    html = page_two(client, email2="wendy@other.example.com").content.decode()
    assert "The two email addresses do not match." in html


@pytest.mark.parametrize("user_id", ["Wendy.Watts", "WENDY.WATTS"])
def test_page_two_refuses_a_taken_user_id_and_keeps_the_rest(client, user_id):  # ACC-1, ACC-4
    UserFactory(username=user_id)
    page_one(client)
    html = page_two(client).content.decode()
    assert "That user ID is already taken." in html and 'value="Watts"' in html
    assert not Company.objects.filter(name="Watt Watchers").exists()


@pytest.mark.parametrize("user_id", ["abcd", "a/bcde", "ab'cde", 'ab"cde'])
def test_page_two_applies_the_user_id_rules(client, user_id):  # ACC-4
    page_one(client)
    response = page_two(client, user_id=user_id)
    assert response.redirect_chain == []
    assert not Company.objects.exists()


# --- ACC-15 Company Profile ----------------------------------------------------------------


@pytest.fixture
def rep_admin():
    return UserFactory(rep_admin=True, username="rep.admin")


def profile_data(company, **changes):
    fields = [
        "name",
        "address1",
        "address2",
        "city",
        "state",
        "zip_code",
        "country",
        "phone",
        "email",
        "url",
        "privacy_policy_url",
    ]
    return {**{f: getattr(company, f) for f in fields}, **changes}


def test_users_read_the_company_profile_and_cannot_edit_it(client, rep_admin):  # ACC-15, ACC-19
    user = UserFactory(rep=True, company=rep_admin.company)
    duns = rep_admin.duns_grants.get()
    client.force_login(user)
    assert "Edit Profile" not in client.get(reverse("accounts:company_profile")).content.decode()
    assert client.get(reverse("accounts:company_profile_edit")).status_code == 404
    assert client.post(reverse("accounts:company_profile_edit"), {}).status_code == 404
    add = reverse("accounts:company_profile_duns_add")
    assert client.post(add, {"number": "555555555"}).status_code == 404
    remove = reverse("accounts:company_profile_duns_remove", args=[duns.pk])
    assert client.post(remove).status_code == 404
    assert Duns.objects.filter(pk=duns.pk).exists()


def test_signing_in_is_needed_to_edit(client):  # ACC-15
    response = client.get(reverse("accounts:company_profile_edit"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_admin_edits_the_company_profile(client, rep_admin):  # ACC-15
    client.force_login(rep_admin)
    assert "Edit Profile" in client.get(reverse("accounts:company_profile")).content.decode()
    company = rep_admin.company
    html = client.get(reverse("accounts:company_profile_edit")).content.decode()
    assert f'value="{company.name}"' in html
    response = client.post(
        reverse("accounts:company_profile_edit"),
        profile_data(
            company,
            name="Renamed Power",
            phone="512-555-9999",
            url="https://watt.example.com",
            privacy_policy_url="https://watt.example.com/privacy",
            has_privacy_seal="on",
            logo=png(),
        ),
        follow=True,
    )
    assert "The company profile has been saved." in response.content.decode()
    company.refresh_from_db()
    assert (company.name, company.phone) == ("Renamed Power", "512-555-9999")
    assert company.privacy_policy_url == "https://watt.example.com/privacy"
    assert company.has_privacy_seal and company.logo


def test_errors_on_the_profile_keep_what_was_typed(client, rep_admin):  # ACC-15
    client.force_login(rep_admin)
    company = rep_admin.company
    html = client.post(
        reverse("accounts:company_profile_edit"),
        profile_data(company, city="", phone="512-555-7777"),
    ).content.decode()
    assert "This field is required." in html and 'value="512-555-7777"' in html
    company.refresh_from_db()
    assert company.phone != "512-555-7777"


def test_a_company_cannot_take_another_companys_name(client, rep_admin):  # ACC-1, ACC-15
    CompanyFactory(name="Taken Power", kind=Company.Kind.REP)
    client.force_login(rep_admin)
    html = client.post(
        reverse("accounts:company_profile_edit"),
        profile_data(rep_admin.company, name="TAKEN power"),
    ).content.decode()
    assert "A company with this name is already registered." in html


def test_a_new_company_email_must_be_re_entered(client, rep_admin):  # ACC-15
    client.force_login(rep_admin)
    company = rep_admin.company
    html = client.post(
        reverse("accounts:company_profile_edit"), profile_data(company, email="new@example.com")
    ).content.decode()
    assert "The two email addresses do not match." in html
    client.post(
        reverse("accounts:company_profile_edit"),
        profile_data(company, email="new@example.com", email2="new@example.com"),
    )
    company.refresh_from_db()
    assert company.email == "new@example.com"


@pytest.mark.parametrize("size, accepted", [(LOGO_MAX_BYTES - 1, True), (LOGO_MAX_BYTES, False)])
def test_the_profile_logo_must_be_under_20_kb(client, rep_admin, size, accepted):  # ACC-15
    client.force_login(rep_admin)
    response = client.post(
        reverse("accounts:company_profile_edit"),
        profile_data(rep_admin.company, logo=png(size)),
    )
    assert (response.status_code == 302) is accepted
    if not accepted:
        assert "The logo must be smaller than 20 KB" in response.content.decode()


def test_the_logo_can_be_replaced_and_removed(client, rep_admin):  # ACC-15
    client.force_login(rep_admin)
    company = rep_admin.company
    url = reverse("accounts:company_profile_edit")
    client.post(url, profile_data(company, logo=png(name="first.png")))
    company.refresh_from_db()
    first = company.logo.name
    client.post(url, profile_data(company, logo=png(name="second.png")))
    company.refresh_from_db()
    assert company.logo and company.logo.name != first
    assert "Remove the current logo" in client.get(url).content.decode()
    client.post(url, profile_data(company, remove_logo="on"))
    company.refresh_from_db()
    assert not company.logo


def test_a_non_image_logo_is_refused_on_the_profile(client, rep_admin):  # ACC-15, SEC-4
    client.force_login(rep_admin)
    fake = SimpleUploadedFile("logo.gif", b"GIF89a-not-really", content_type="image/gif")
    html = client.post(
        reverse("accounts:company_profile_edit"), profile_data(rep_admin.company, logo=fake)
    ).content.decode()
    assert "Upload a valid image." in html


# --- ACC-9 DUNS add and remove ---------------------------------------------------------------


def test_an_added_duns_waits_for_a_tdsp_admin(client, rep_admin, tdsp_admin):  # ACC-9
    client.force_login(rep_admin)
    response = client.post(
        reverse("accounts:company_profile_duns_add"), {"number": "555555555"}, follow=True
    )
    assert "waits for a TDSP administrator" in response.content.decode()
    duns = Duns.objects.get(number="555555555")
    assert (duns.company, duns.status) == (rep_admin.company, Duns.Status.PENDING)
    assert not DunsGrant.objects.filter(duns=duns).exists()  # granted once approved
    assert emails_to("accounts/duns_awaiting_approval") == ["admin@oncor.example"]
    response = client.post(
        reverse("accounts:company_profile_duns_add"), {"number": "555555555"}, follow=True
    )
    assert "Already registered: 555555555." in response.content.decode()
    assert Duns.objects.filter(number="555555555").count() == 1


@pytest.mark.parametrize("number", ["", "12345678", "1234567890", "12345678901234", "١٢٣٤٥٦٧٨٩"])
def test_an_added_duns_has_9_or_13_digits(client, rep_admin, number):  # ACC-9
    client.force_login(rep_admin)
    client.post(reverse("accounts:company_profile_duns_add"), {"number": number})
    assert rep_admin.company.duns_numbers.count() == 1


def test_removing_a_duns_removes_every_users_access(client, rep_admin):  # ACC-9
    kept = rep_admin.duns_grants.get()
    removed = DunsFactory(company=rep_admin.company)
    user = UserFactory(rep=True, company=rep_admin.company, with_active_duns=False)
    DunsGrant.objects.create(user=user, duns=removed)
    DunsGrant.objects.create(user=rep_admin, duns=removed)
    client.force_login(rep_admin)
    response = client.post(
        reverse("accounts:company_profile_duns_remove", args=[removed.pk]), follow=True
    )
    assert f"DUNS {removed.number} was removed." in response.content.decode()
    assert not Duns.objects.filter(pk=removed.pk).exists()
    assert list(rep_admin.duns_grants.all()) == [kept]
    assert not user.duns_grants.exists()
    assert StatusChange.objects.filter(subject_label=removed.number, to_status="removed").exists()


def test_a_pending_duns_can_be_removed(client, rep_admin):  # ACC-9
    pending = DunsFactory(company=rep_admin.company, status=Duns.Status.PENDING)
    client.force_login(rep_admin)
    client.post(reverse("accounts:company_profile_duns_remove", args=[pending.pk]))
    assert not Duns.objects.filter(pk=pending.pk).exists()


def test_the_last_duns_cannot_be_removed(client, rep_admin):  # ACC-1, ACC-9
    only = rep_admin.duns_grants.get()
    DunsFactory(company=rep_admin.company, status=Duns.Status.REVOKED)  # not a usable one
    client.force_login(rep_admin)
    response = client.post(
        reverse("accounts:company_profile_duns_remove", args=[only.pk]), follow=True
    )
    assert "A company needs at least one DUNS number" in response.content.decode()
    assert Duns.objects.filter(pk=only.pk).exists()


def test_another_companys_duns_is_not_found(client, rep_admin):  # SEC-1
    stranger = DunsFactory()
    DunsFactory(company=stranger.company)
    client.force_login(rep_admin)
    response = client.post(reverse("accounts:company_profile_duns_remove", args=[stranger.pk]))
    assert response.status_code == 404
    assert Duns.objects.filter(pk=stranger.pk).exists()


def test_an_admin_only_ever_edits_their_own_company(client, rep_admin):  # SEC-1
    other = UserFactory(rep_admin=True).company
    client.force_login(rep_admin)
    forged = {"company": other.pk, "pk": other.pk, "id": other.pk}
    client.post(
        reverse("accounts:company_profile_edit"),
        {**profile_data(rep_admin.company, phone="512-555-4242"), **forged},
    )
    other.refresh_from_db()
    rep_admin.company.refresh_from_db()
    assert other.phone != "512-555-4242" and rep_admin.company.phone == "512-555-4242"
    client.post(reverse("accounts:company_profile_duns_add"), {"number": "777777777"})
    assert Duns.objects.get(number="777777777").company == rep_admin.company


def test_a_third_party_admin_edits_their_company_too(client):  # ACC-15
    admin = UserFactory(third_party_admin=True)
    client.force_login(admin)
    assert client.get(reverse("accounts:company_profile_edit")).status_code == 200


def test_an_admin_without_a_company_gets_not_found(client):  # ACC-15
    # SMT staff sign in without a company (a TDSP admin without one is signed out, ACC-10).
    admin = UserFactory(kind=User.Kind.SMT_STAFF, is_company_admin=True, company=None)
    client.force_login(admin)
    assert client.get(reverse("accounts:company_profile_edit")).status_code == 404
