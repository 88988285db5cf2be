"""Company registration, TDSP approvals, Company Profile and DUNS numbers
(ACC-1, ACC-8, ACC-9, ACC-10, ACC-15, ACC-19, SEC-1, SEC-4)."""

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
    "last_name": "Watts",
    "phone": "512-555-0111",
    "email": "wendy@watt.example.com",
    "email2": "wendy@watt.example.com",
    "user_id": "wendy.watts",
    "terms": "on",
}


def png(size_bytes: int | None = None, name="logo.png") -> SimpleUploadedFile:
    """A real PNG; padded with a trailing chunk-free tail to reach `size_bytes`."""
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


def register(client, kind="third-party", company=None, admin=None, files=None):
    client.post(
        reverse("accounts:company_register", args=[kind]),
        {**COMPANY, **(company or {}), **(files or {})},
    )
    return client.post(
        reverse("accounts:company_register_admin", args=[kind]), {**ADMIN, **(admin or {})}
    )


@pytest.fixture
def tdsp_admin():
    return UserFactory(tdsp_admin=True, username="oncor.admin", email="admin@oncor.example")


# --- ACC-1 registration ----------------------------------------------------------------------


@pytest.mark.parametrize("kind, company_kind", [("rep", "rep"), ("third-party", "third_party")])
def test_registration_creates_a_pending_company_admin_and_duns(
    client, tdsp_admin, kind, company_kind
):  # ACC-1
    response = register(client, kind, company={"duns_numbers": "987654321, 1234567890123"})
    assert "waits for a TDSP administrator" in response.content.decode()
    company = Company.objects.get(name="Watt Watchers")
    assert (company.kind, company.status) == (company_kind, "pending")
    assert sorted(company.duns_numbers.values_list("number", "status")) == [
        ("1234567890123", "pending"),
        ("987654321", "pending"),
    ]
    admin = User.objects.get(username="wendy.watts")
    assert (admin.kind, admin.status, admin.is_company_admin) == (company_kind, "pending", True)
    assert admin.duns_grants.count() == 2 and not admin.has_usable_password()
    assert emails_to("accounts/company_registration_received") == ["wendy@watt.example.com"]
    assert emails_to("accounts/company_awaiting_approval") == ["admin@oncor.example"]


def test_page_one_errors_keep_what_was_typed(client):  # ACC-1
    response = client.post(
        reverse("accounts:company_register", args=["rep"]),
        {**COMPANY, "address1": "", "email2": "other@example.com"},
    )
    html = response.content.decode()
    assert "This field is required." in html
    assert "The two email addresses do not match." in html
    assert 'value="Watt Watchers"' in html and 'value="987654321"' in html


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
    ],
)
def test_duns_has_9_or_13_digits(client, duns, accepted):  # ACC-1
    response = client.post(
        reverse("accounts:company_register", args=["rep"]), {**COMPANY, "duns_numbers": duns}
    )
    assert (response.status_code == 302) is accepted
    if not accepted:
        assert "A DUNS number has 9 or 13 digits" in response.content.decode()


def test_registered_duns_and_company_names_are_refused(client):  # ACC-1
    CompanyFactory(name="WATT watchers", kind=Company.Kind.REP)
    DunsFactory(number="987654321")
    html = client.post(reverse("accounts:company_register", args=["rep"]), COMPANY).content
    assert b"A company with this name is already registered." in html
    assert b"Already registered: 987654321." in html


def test_the_same_name_may_exist_for_another_company_kind(client):  # ACC-1
    CompanyFactory(name="Watt Watchers", kind=Company.Kind.REP)
    response = client.post(reverse("accounts:company_register", args=["third-party"]), COMPANY)
    assert response.status_code == 302


@pytest.mark.parametrize("size, accepted", [(LOGO_MAX_BYTES - 1, True), (LOGO_MAX_BYTES, False)])
def test_logo_must_be_under_20_kb(client, size, accepted):  # ACC-1, SEC-4
    response = client.post(
        reverse("accounts:company_register", args=["rep"]), {**COMPANY, "logo": png(size)}
    )
    assert (response.status_code == 302) is accepted
    if not accepted:
        assert "The logo must be smaller than 20 KB" in response.content.decode()


def test_a_file_that_is_not_an_image_is_a_form_error(client):  # ACC-1, SEC-4
    fake = SimpleUploadedFile("logo.png", b"not an image", content_type="image/png")
    response = client.post(
        reverse("accounts:company_register", args=["rep"]), {**COMPANY, "logo": fake}
    )
    assert response.status_code == 200
    assert "Upload a valid image." in response.content.decode()


def test_the_logo_travels_to_the_registered_company(client, tdsp_admin):  # ACC-1
    register(client, files={"logo": png()})
    company = Company.objects.get(name="Watt Watchers")
    assert company.logo and company.logo.size > 0


def test_back_from_page_two_shows_page_one_as_typed(client):  # ACC-1
    client.post(reverse("accounts:company_register", args=["rep"]), COMPANY)
    html = client.get(reverse("accounts:company_register", args=["rep"])).content.decode()
    assert 'value="Watt Watchers"' in html and 'value="1 Congress Ave"' in html


def test_page_two_without_page_one_goes_back_to_page_one(client):  # ACC-1
    response = client.get(reverse("accounts:company_register_admin", args=["rep"]))
    assert response.url == reverse("accounts:company_register", args=["rep"])


def test_page_two_refuses_a_taken_user_id_and_keeps_the_rest(client):  # ACC-1, ACC-4
    UserFactory(username="Wendy.Watts")
    html = register(client).content.decode()
    assert "That user ID is already taken." in html and 'value="Watts"' in html
    assert not Company.objects.filter(name="Watt Watchers").exists()


# --- ACC-1 TDSP approval ---------------------------------------------------------------------


@pytest.fixture
def pending_company(client, tdsp_admin):
    register(client)
    client.logout()
    return Company.objects.get(name="Watt Watchers")


def test_only_tdsp_admins_see_the_approvals(client, pending_company):  # ACC-19
    for user in (UserFactory(rep_admin=True), UserFactory(tdsp_admin=True, is_company_admin=False)):
        client.force_login(user)
        assert client.get(reverse("accounts:tdsp_approvals")).status_code == 404
        url = reverse("accounts:tdsp_company_decide", args=[pending_company.pk])
        assert client.post(url, {"approve": "1"}).status_code == 404
    pending_company.refresh_from_db()
    assert pending_company.status == Company.Status.PENDING


def test_approving_a_company_sends_the_temporary_password(
    client, tdsp_admin, pending_company
):  # ACC-1, ACC-6
    client.force_login(tdsp_admin)
    assert "Watt Watchers" in client.get(reverse("accounts:tdsp_approvals")).content.decode()
    url = reverse("accounts:tdsp_company_decide", args=[pending_company.pk])
    client.post(url, {"approve": "1"})
    pending_company.refresh_from_db()
    admin = User.objects.get(username="wendy.watts")
    assert pending_company.status == Company.Status.APPROVED
    assert admin.status == User.Status.APPROVED and admin.must_change_password
    assert set(pending_company.duns_numbers.values_list("status", flat=True)) == {"active"}
    assert emails_to("accounts/temporary_password_approved") == ["wendy@watt.example.com"]
    # A second click (or a second TDSP admin) changes nothing and sends nothing.
    response = client.post(url, {"approve": "1"}, follow=True)
    assert "no longer waiting for approval" in response.content.decode()
    assert len(emails_to("accounts/temporary_password_approved")) == 1


def test_declining_needs_a_comment_then_deletes_everything(
    client, tdsp_admin, pending_company
):  # ACC-1
    client.force_login(tdsp_admin)
    url = reverse("accounts:tdsp_company_decide", args=[pending_company.pk])
    response = client.post(url, {"decline": "1", "comment": ""}, follow=True)
    assert "Enter a comment saying why you decline." in response.content.decode()
    assert Company.objects.filter(pk=pending_company.pk).exists()
    client.post(url, {"decline": "1", "comment": "Unknown company"})
    assert not Company.objects.filter(pk=pending_company.pk).exists()
    assert not User.objects.filter(username="wendy.watts").exists()
    assert not Duns.objects.filter(number="987654321").exists()
    email = OutboundEmail.objects.get(template="accounts/company_declined")
    assert (email.recipient, email.context["comment"]) == (
        "wendy@watt.example.com",
        "Unknown company",
    )
    assert StatusChange.objects.filter(subject_label="Watt Watchers", to_status="declined").exists()


# --- ACC-15 Company Profile and ACC-9 DUNS -----------------------------------------------------


@pytest.fixture
def rep_admin():
    return UserFactory(rep_admin=True, username="rep.admin")


def test_users_read_the_company_profile_and_cannot_edit_it(client, rep_admin):  # ACC-15
    user = UserFactory(rep=True, company=rep_admin.company)
    client.force_login(user)
    assert "Edit Profile" not in client.get(reverse("accounts:company_profile")).content.decode()
    assert client.get(reverse("accounts:company_profile_edit")).status_code == 404
    assert (
        client.post(
            reverse("accounts:company_profile_duns_add"), {"number": "555555555"}
        ).status_code
        == 404
    )


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


def test_admin_edits_the_company_profile(client, rep_admin):  # ACC-15
    client.force_login(rep_admin)
    assert "Edit Profile" in client.get(reverse("accounts:company_profile")).content.decode()
    company = rep_admin.company
    client.post(
        reverse("accounts:company_profile_edit"),
        profile_data(
            company,
            phone="512-555-9999",
            url="https://watt.example.com",
            has_privacy_seal="on",
            logo=png(),
        ),
    )
    company.refresh_from_db()
    assert company.phone == "512-555-9999" and company.has_privacy_seal and company.logo


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


def test_a_too_large_logo_is_a_field_error_on_the_profile(client, rep_admin):  # ACC-15
    client.force_login(rep_admin)
    html = client.post(
        reverse("accounts:company_profile_edit"),
        profile_data(rep_admin.company, logo=png(LOGO_MAX_BYTES)),
    ).content.decode()
    assert "The logo must be smaller than 20 KB" in html


def test_an_added_duns_waits_for_a_tdsp_admin(client, rep_admin, tdsp_admin):  # ACC-9
    client.force_login(rep_admin)
    client.post(reverse("accounts:company_profile_duns_add"), {"number": "555555555"})
    duns = Duns.objects.get(number="555555555")
    assert (duns.company, duns.status) == (rep_admin.company, Duns.Status.PENDING)
    assert emails_to("accounts/duns_awaiting_approval") == ["admin@oncor.example"]
    response = client.post(
        reverse("accounts:company_profile_duns_add"), {"number": "555555555"}, follow=True
    )
    assert "Already registered: 555555555." in response.content.decode()


def test_approving_a_duns_grants_it_to_every_admin_not_to_users(
    client, rep_admin, tdsp_admin
):  # ACC-9, seed 003 §5.5
    user = UserFactory(rep=True, company=rep_admin.company)
    duns = DunsFactory(company=rep_admin.company, status=Duns.Status.PENDING)
    client.force_login(tdsp_admin)
    client.post(reverse("accounts:tdsp_duns_decide", args=[duns.pk]), {"approve": "1"})
    duns.refresh_from_db()
    assert duns.status == Duns.Status.ACTIVE
    assert DunsGrant.objects.filter(user=rep_admin, duns=duns).exists()
    assert not DunsGrant.objects.filter(user=user, duns=duns).exists()
    email = OutboundEmail.objects.get(template="accounts/duns_decided")
    assert email.recipient == rep_admin.company.email and email.context["approved"]


def test_declining_a_duns_removes_it_with_the_reason(client, rep_admin, tdsp_admin):  # ACC-9
    duns = DunsFactory(company=rep_admin.company, status=Duns.Status.PENDING)
    client.force_login(tdsp_admin)
    client.post(
        reverse("accounts:tdsp_duns_decide", args=[duns.pk]),
        {"decline": "1", "comment": "Not ERCOT"},
    )
    assert not Duns.objects.filter(pk=duns.pk).exists()
    email = OutboundEmail.objects.get(template="accounts/duns_decided")
    assert not email.context["approved"] and email.context["comment"] == "Not ERCOT"


def test_removing_a_duns_removes_every_users_access(client, rep_admin):  # ACC-9
    kept = rep_admin.duns_grants.get()
    removed = DunsFactory(company=rep_admin.company)
    user = UserFactory(rep=True, company=rep_admin.company, with_active_duns=False)
    DunsGrant.objects.create(user=user, duns=removed)
    DunsGrant.objects.create(user=rep_admin, duns=removed)
    client.force_login(rep_admin)
    client.post(reverse("accounts:company_profile_duns_remove", args=[removed.pk]))
    assert not Duns.objects.filter(pk=removed.pk).exists()
    assert list(rep_admin.duns_grants.all()) == [kept]
    assert not user.duns_grants.exists()


def test_the_last_duns_cannot_be_removed(client, rep_admin):  # ACC-1, ACC-9
    only = rep_admin.duns_grants.get()
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
