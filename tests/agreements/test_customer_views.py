"""The customer's pages: the emailed Accept / Reject link (AGR-8..AGR-12, SEC-2), the
registration hand-off (AGR-12), My Account / 3rd Party Agreements (AGR-14..AGR-16, AGR-18)
and EM203's PDF copy (AGR-10)."""

import io
import re
import zlib
from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine
from celery import current_task
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from agreements.emails import answer_url
from agreements.models import Agreement, AgreementHistory, AgreementInvitation
from agreements.selectors import agreement_list_for_customer
from agreements.services.actions import agreement_request_extension, agreement_resend
from agreements.services.answers import (
    COPY_SWEEP_AFTER,
    COPY_SWEEP_WITHIN,
    INVITATION_EXPIRED,
    LINK_NOT_VALID,
    agreement_accept,
    agreement_answer_by_customer,
    agreement_reject,
)
from agreements.services.core import STATUS_CHANGED, AgreementRefused
from agreements.tasks import agreement_copies_send_missing_task, agreement_copy_send_task
from tests.factories import (
    AgreementFactory,
    CustomerPremiseFactory,
    MeterFactory,
    UserFactory,
)

from .helpers import (
    CUSTOMER_EMAIL,
    active_ongoing,
    details,
    emails,
    one_time,
    ongoing,
    third_party_admin,
    token_of,
)

pytestmark = pytest.mark.django_db

ANSWERED = reverse("agreements:answered")
MY_AGREEMENTS = reverse("agreements:my_agreement_list")


def link(agreement: Agreement, action: str = "accept") -> str:
    return f"{reverse('agreements:answer', args=[token_of(agreement)])}?action={action}"


def post_answer(client, agreement: Agreement, answer: str, token: str | None = None):
    token = token or token_of(agreement)
    return client.post(reverse("agreements:answer", args=[token]), {"answer": answer})


def registered_customer(**kwargs):
    """A customer with a meter attached, and the meter."""
    customer = UserFactory(**kwargs)
    meter = MeterFactory()
    CustomerPremiseFactory(customer=customer, premise=meter.premise)
    return customer, meter


def registered_one_time(customer, meter) -> Agreement:
    return one_time(meter=meter, customer=details(registered=True, email=customer.email))


def normalized(response) -> str:
    """The page without what legitimately differs per request: the CSRF token and the
    language switch's return path."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return re.sub(r'name="next" type="hidden" value="[^"]*"', "", text)


def pdf_streams(pdf: bytes) -> bytes:
    """The inflated content of every FlateDecode stream (WeasyPrint compresses them)."""
    found = b""
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            found += zlib.decompress(match.group(1))
        except zlib.error:
            continue
    return found


# --- AGR-8, SEC-2: the link's page -------------------------------------------------------------


def test_answer_url_is_the_named_confirmation_page():  # AGR-8
    assert answer_url("abc", accept=False).endswith("/agreements/answer/abc/?action=reject")


def test_get_of_the_link_shows_the_agreement_and_changes_nothing(client):  # AGR-8, SEC-2
    agreement = one_time()
    company = agreement.company
    company.privacy_policy_url = "https://green.example/privacy"
    company.has_privacy_seal = True
    company.save()
    response = client.get(link(agreement))
    assert response.status_code == 200
    page = response.content.decode()
    assert company.name in page
    assert "https://green.example/privacy" in page
    assert "Privacy seal" in page
    assert agreement.premise.esiid[-7:] in page
    assert agreement.premise.esiid not in page  # masked but for the last seven digits
    assert "Interval csv" in page and "3 months" in page
    assert "Accept this agreement?" in page
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.PENDING
    assert not AgreementInvitation.objects.filter(used_at__isnull=False).exists()
    assert emails("accepted") == []


def test_privacy_policy_not_provided_text(client):  # AGR-8, NTF-1
    agreement = one_time()
    response = client.get(link(agreement))
    assert "The Privacy Policy has not been provided." in response.content.decode()


def test_the_emailed_action_preselects_the_confirmation(client):  # AGR-8
    agreement = one_time()
    page = client.get(link(agreement, "reject")).content.decode()
    assert "Reject this agreement?" in page
    assert 'value="accept"' not in page
    page = client.get(link(agreement, "accept")).content.decode()
    assert 'value="reject"' not in page


def test_ongoing_link_shows_the_duration(client):  # AGR-14
    agreement = ongoing(months=6)
    page = client.get(link(agreement)).content.decode()
    assert "for 6 months from the day you accept" in page


# --- AGR-10, AGR-11: answering ------------------------------------------------------------------


def test_accept_completes_and_congratulates_offering_registration(client):  # AGR-10, AGR-12
    agreement = one_time()
    response = post_answer(client, agreement, "accept")
    assert response.status_code == 302 and response.url == ANSWERED
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.COMPLETE
    page = client.get(ANSWERED).content.decode()
    assert "Congratulations! You have accepted the One-Time Energy Data Agreement" in page
    assert reverse("usage:register_customer", args=["residential"]) in page


def test_reject_shows_the_seed_confirmation(client):  # AGR-11
    agreement = one_time()
    post_answer(client, agreement, "reject")
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.REJECTED
    page = client.get(ANSWERED).content.decode()
    assert (
        f"This confirms your rejection of the agreement invitation from {agreement.company.name}"
        in page
    )
    assert "please contact" in page
    assert len(emails("rejected")) == 1  # EM205


def test_registered_customer_is_offered_log_in_not_registration(client):  # AGR-10
    customer, meter = registered_customer()
    agreement = registered_one_time(customer, meter)
    post_answer(client, agreement, "accept")
    page = client.get(ANSWERED).content.decode()
    assert reverse("accounts:login") in page
    assert "register" not in page.split("<main", 1)[1].lower().split("</main>")[0]
    assert "registration_initial" not in client.session


def test_outcome_page_without_an_answer_goes_home(client):
    assert client.get(ANSWERED).url == reverse("home")


def test_double_click_on_accept_changes_once_and_emails_once(
    client, django_capture_on_commit_callbacks
):  # AGR-10, SEC-2
    agreement = one_time()
    with django_capture_on_commit_callbacks(execute=True):
        first = post_answer(client, agreement, "accept")
        second = post_answer(client, agreement, "accept")
    assert first.url == second.url == ANSWERED
    assert (
        AgreementHistory.objects.filter(
            agreement=agreement, to_status=Agreement.Status.COMPLETE
        ).count()
        == 1
    )
    assert len(emails("accepted")) == 1
    assert [m.to for m in mail.outbox].count([CUSTOMER_EMAIL]) == 1


def test_extension_link_answers_the_extension(client):  # AGR-14
    agreement = active_ongoing()
    new_end = agreement.end_date + relativedelta(months=2)
    agreement_request_extension(
        agreement=agreement, user=agreement.initiated_by, new_end_date=new_end
    )
    page = client.get(link(agreement)).content.decode()
    assert "would like to extend your Ongoing Energy Data Agreement until" in page
    post_answer(client, agreement, "accept")
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE
    assert agreement.end_date == new_end
    assert "new end date" in client.get(ANSWERED).content.decode()


# --- AGR-9: expired and changed -----------------------------------------------------------------


def test_link_works_through_day_30_and_has_expired_on_day_31(client):  # AGR-9
    with time_machine.travel("2026-03-02 15:00 -0600", tick=False) as traveller:
        agreement = one_time()
        traveller.move_to(agreement.invited_at + timedelta(days=30) - timedelta(minutes=1))
        assert "Accept this agreement?" in client.get(link(agreement)).content.decode()
        traveller.move_to(agreement.invited_at + timedelta(days=30, minutes=1))
        response = client.get(link(agreement))
        assert response.status_code == 200
        assert INVITATION_EXPIRED in response.content.decode()
        assert agreement.company.name not in response.content.decode()
        response = post_answer(client, agreement, "accept")
        assert INVITATION_EXPIRED in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.PENDING


def test_status_changed_meanwhile_sends_to_my_account(client):  # AGR-9, seed FR 14
    agreement = one_time()
    old_token = token_of(agreement)
    agreement_resend(agreement=agreement, user=agreement.initiated_by)
    post_answer(client, agreement, "reject")  # with the newer link
    for response in (
        client.get(reverse("agreements:answer", args=[old_token])),
        post_answer(client, agreement, "accept", token=old_token),
    ):
        page = response.content.decode()
        assert STATUS_CHANGED in page
        assert MY_AGREEMENTS in page
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.REJECTED


def test_unknown_and_tampered_links_get_the_same_page(client):  # SEC-2
    agreement = one_time()
    token = token_of(agreement)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    responses = [
        client.get(reverse("agreements:answer", args=[value]))
        for value in ("x" * len(token), tampered)
    ]
    assert {r.status_code for r in responses} == {404}
    assert len({normalized(r) for r in responses}) == 1
    page = responses[0].content.decode()
    assert LINK_NOT_VALID in page
    assert agreement.company.name not in page
    assert agreement.agreement_number not in page


def test_a_used_link_says_what_was_answered_and_when(client):  # UX-3, SEC-2
    with time_machine.travel("2026-12-03 15:00 -0600", tick=False):
        agreement = one_time()
        token = token_of(agreement)
        post_answer(client, agreement, "accept")
    client.session.flush()
    response = client.get(reverse("agreements:answer", args=[token]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "You accepted this agreement on 12/03/2026." in page
    assert "already answered" in page
    assert LINK_NOT_VALID not in page
    assert agreement.company.name not in page  # SEC-2: still nothing of the agreement
    assert agreement.agreement_number not in page
    # The same link answered the other way says the same.
    other = post_answer(client, agreement, "reject", token=token)
    assert "You accepted this agreement on 12/03/2026." in other.content.decode()
    agreement.refresh_from_db()
    assert agreement.status != Agreement.Status.REJECTED


def test_a_rejected_link_says_rejected_in_the_customers_language(client):  # UX-3, NTF-1
    with time_machine.travel("2026-12-04 10:00 -0600", tick=False):
        agreement = one_time(customer=details(language="es"))
        token = token_of(agreement)
        post_answer(client, agreement, "reject")
    client.session.flush()
    page = client.get(reverse("agreements:answer", args=[token])).content.decode()
    assert 'lang="es"' in page
    assert "04/12/2026" in page


def test_an_expired_link_says_since_when(client):  # AGR-9, UX-3
    with time_machine.travel("2026-03-02 15:00 -0600", tick=False) as traveller:
        agreement = one_time()
        traveller.move_to(agreement.invited_at + timedelta(days=30, minutes=1))
        page = client.get(link(agreement)).content.decode()
    assert "This invitation expired on 04/01/2026." in page


# --- AGR-12: registration hand-off --------------------------------------------------------------


def test_registration_form_is_prefilled_from_the_request(client):  # AGR-12, seed FR 15
    agreement = one_time(customer=details(middle_initial="Q", language="es"))
    post_answer(client, agreement, "reject")
    handoff = client.session["registration_initial"]
    assert handoff["agreement_number"] == agreement.agreement_number
    response = client.get(reverse("usage:register_customer", args=["residential"]))
    form = response.context["form"]
    assert form["first_name"].value() == "Chika"
    assert form["middle_initial"].value() == "Q"
    assert form["last_name"].value() == "Akin"
    assert form["email"].value() == form["email2"].value() == CUSTOMER_EMAIL
    assert form["phone"].value() == "214-555-0100"
    assert form["esiid"].value() == agreement.premise.esiid
    assert form["meter_number"].value() == agreement.meter_number
    assert form["language"].value() == "es"
    # Only the registration page of the request's kind starts from it.
    other = client.get(reverse("usage:register_customer", args=["business"]))
    assert other.context["form"]["first_name"].value() is None


def test_business_request_hands_off_to_business_registration(client):  # AGR-12, seed FR 6
    agreement = one_time(
        customer=details(kind=Agreement.CustomerKind.BUSINESS, company_name="Akin Bakery")
    )
    post_answer(client, agreement, "accept")
    page = client.get(ANSWERED).content.decode()
    assert reverse("usage:register_customer", args=["business"]) in page
    response = client.get(reverse("usage:register_customer", args=["business"]))
    assert response.context["form"]["business_name"].value() == "Akin Bakery"


def test_the_hand_off_never_travels_in_the_url(client):  # AGR-12
    agreement = one_time()
    post_answer(client, agreement, "accept")
    page = client.get(ANSWERED).content.decode()
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert not [h for h in hrefs if "Chika" in h or agreement.premise.esiid in h]


# --- SEC-2, AGR-12: a used link reveals nothing ------------------------------------------------

CUSTOMER_DETAILS = ("Chika", "Akin", "214-555-0100", CUSTOMER_EMAIL)
REGISTER = reverse("usage:register_customer", args=["residential"])


def registration_reveals(client, agreement: Agreement) -> list[str]:
    """What of the request's details the registration page shows this browser."""
    response = client.get(REGISTER)
    page = response.content.decode()
    form = response.context["form"]
    shown = [value for value in CUSTOMER_DETAILS if value in page]
    shown += [v for v in (agreement.premise.esiid, agreement.meter_number) if v in page]
    shown += [f for f in ("first_name", "email", "esiid", "meter_number") if form[f].value()]
    return shown


def test_the_answering_browser_gets_the_hand_off_for_30_minutes(client):  # AGR-12, SEC-2
    with time_machine.travel("2026-03-02 15:00 -0600", tick=False) as traveller:
        agreement = one_time()
        post_answer(client, agreement, "accept")
        traveller.shift(timedelta(minutes=29))
        assert "Chika" in registration_reveals(client, agreement)
        traveller.shift(timedelta(minutes=2))
        assert registration_reveals(client, agreement) == []
        assert "registration_initial" not in client.session


@pytest.mark.parametrize(
    "same_browser, later",
    [
        (True, timedelta(minutes=31)),
        (True, timedelta(days=31)),
        (False, timedelta(0)),
        (False, timedelta(days=31)),
    ],
)
def test_a_used_link_posted_again_reveals_nothing(client, same_browser, later):  # SEC-2, AGR-12
    with time_machine.travel("2026-03-02 15:00 -0600", tick=False) as traveller:
        agreement = one_time()
        token = token_of(agreement)
        post_answer(client, agreement, "accept")
        traveller.shift(later)
        browser = client if same_browser else Client()
        response = post_answer(browser, agreement, "accept", token=token)
        page = response.content.decode()
        assert response.status_code == 200 and "You accepted this agreement on" in page
        assert agreement.company.name not in page and "Chika" not in page
        assert registration_reveals(browser, agreement) == []
        if not same_browser:
            assert browser.get(ANSWERED).url == reverse("home")
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.COMPLETE
    assert AgreementHistory.objects.filter(agreement=agreement).count() == 2


def test_a_double_click_writes_no_second_hand_off(client):  # AGR-12, SEC-2
    agreement = one_time()
    post_answer(client, agreement, "accept")
    session = client.session
    del session["registration_initial"]  # as a finished registration drops it
    session.save()
    response = post_answer(client, agreement, "accept")
    assert response.url == ANSWERED
    assert "registration_initial" not in client.session
    assert registration_reveals(client, agreement) == []


def test_an_expired_link_reveals_nothing_either(client):  # AGR-9, SEC-2
    with time_machine.travel("2026-03-02 15:00 -0600", tick=False) as traveller:
        agreement = one_time()
        traveller.shift(timedelta(days=31))
        response = post_answer(client, agreement, "accept")
        assert INVITATION_EXPIRED in response.content.decode()
        assert registration_reveals(client, agreement) == []


# --- AGR-10: EM203's PDF copy -------------------------------------------------------------------


def test_acceptance_email_carries_the_agreement_as_pdf(
    client, django_capture_on_commit_callbacks
):  # AGR-10, EM203
    agreement = one_time()
    with django_capture_on_commit_callbacks(execute=True):
        post_answer(client, agreement, "accept")
    [message] = [m for m in mail.outbox if m.to == [CUSTOMER_EMAIL] and m.attachments]
    [(filename, content, mimetype)] = message.attachments
    assert filename == f"agreement-{agreement.agreement_number}.pdf"
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    # The number is in the document's title (metadata), inside WeasyPrint's compressed
    # object stream; the page text itself is glyph ids, not readable bytes.
    assert agreement.agreement_number.encode() in pdf_streams(content)


def test_the_pdf_copy_shows_the_third_partys_logo(
    client, django_capture_on_commit_callbacks
):  # AGR-10, NTF-1
    user = third_party_admin()
    picture = io.BytesIO()
    Image.new("RGB", (40, 20), "green").save(picture, format="PNG")
    user.company.logo.save("logo.png", ContentFile(picture.getvalue()))
    agreement = one_time(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        post_answer(client, agreement, "accept")
    [message] = [m for m in mail.outbox if m.to == [CUSTOMER_EMAIL] and m.attachments]
    content = message.attachments[0][1]

    assert b"/Subtype /Image" in content or b"/Subtype/Image" in content


def test_accepting_renders_no_pdf_in_the_request(
    client, django_capture_on_commit_callbacks
):  # AGR-10, SEC-4
    agreement = one_time()
    rendered_in = []

    def pdf_from_html(html):
        rendered_in.append(current_task.name if current_task else "the request")
        return b"%PDF-1.7 test"

    with mock.patch("agreements.documents.pdf_from_html", side_effect=pdf_from_html):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = post_answer(client, agreement, "accept")
        assert response.url == ANSWERED
        assert rendered_in == [] and emails("accepted") == []  # nothing rendered yet
        for callback in callbacks:  # the commit: the worker's turn
            callback()
    assert rendered_in == ["agreements.tasks.agreement_copy_send_task"]
    [email] = emails("accepted")
    [copy] = email.context["_attachments"]
    assert copy["path"].startswith("agreements/copies/")
    assert default_storage.open(copy["path"]).read() == b"%PDF-1.7 test"


def test_a_twin_run_of_the_copy_task_sends_one_email_and_keeps_one_copy(
    django_capture_on_commit_callbacks,
):  # AGR-10, NTF-3
    agreement = one_time()
    with django_capture_on_commit_callbacks(execute=True):
        agreement_accept(token=token_of(agreement))
    assert len(emails("accepted")) == 1
    assert agreement_copy_send_task(agreement.pk) is False  # a redelivered task
    # A twin that raced the first (both saw no email yet) renders, then drops its copy.
    with mock.patch("agreements.emails.accepted_recorded", return_value=set()):
        assert agreement_copy_send_task(agreement.pk) is False
    assert len(emails("accepted")) == 1
    _, copies = default_storage.listdir("agreements/copies")
    assert copies == [f"agreement-{agreement.agreement_number}.pdf"]


def test_a_lost_copy_task_is_queued_again_by_the_sweep(
    django_capture_on_commit_callbacks,
):  # AGR-10, SEC-6
    with time_machine.travel("2026-03-02 15:00 -0600", tick=False) as traveller:
        agreement = one_time()
        with (
            mock.patch("agreements.tasks.agreement_copy_send_task.delay") as lost,
            django_capture_on_commit_callbacks(execute=True),
        ):
            agreement_accept(token=token_of(agreement))
        assert lost.call_count == 1 and emails("accepted") == []
        traveller.shift(COPY_SWEEP_AFTER - timedelta(seconds=1))
        assert agreement_copies_send_missing_task() == 0  # the worker may still be on it
        traveller.shift(timedelta(seconds=2))
        assert agreement_copies_send_missing_task() == 1
        assert len(emails("accepted")) == 1
        assert agreement_copies_send_missing_task() == 0  # sent: never again
        traveller.shift(COPY_SWEEP_WITHIN)
        assert agreement_copies_send_missing_task() == 0


def test_the_sweep_leaves_rejected_agreements_alone():  # AGR-11
    with time_machine.travel("2026-03-02 15:00 -0600", tick=False) as traveller:
        agreement = one_time()
        agreement_reject(token=token_of(agreement))
        traveller.shift(timedelta(hours=1))
        assert agreement_copies_send_missing_task() == 0
    assert emails("accepted") == []


def test_beat_runs_the_copy_sweep(settings):  # OPS-2
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "agreements.tasks.agreement_copies_send_missing_task" in tasks


# --- AGR-15, AGR-16, AGR-18: My Account / 3rd Party Agreements ----------------------------------


def test_list_shows_only_my_agreements(client, django_assert_max_num_queries):  # AGR-16, SEC-1
    customer, meter = registered_customer()
    mine = registered_one_time(customer, meter)
    theirs = registered_one_time(*registered_customer())
    more = []
    for _ in range(3):
        other_meter = MeterFactory()
        CustomerPremiseFactory(customer=customer, premise=other_meter.premise)
        more.append(registered_one_time(customer, other_meter))
    client.force_login(customer)
    with django_assert_max_num_queries(10):
        page = client.get(MY_AGREEMENTS).content.decode()
    assert all(a.agreement_number in page for a in [mine, *more])
    assert theirs.agreement_number not in page


def test_another_customers_agreement_is_a_404(client):  # SEC-1
    customer, _meter = registered_customer()
    theirs = registered_one_time(*registered_customer())
    client.force_login(customer)
    number = theirs.agreement_number
    for name in ("my_agreement_detail", "my_agreement_terminate"):
        assert client.get(reverse(f"agreements:{name}", args=[number])).status_code == 404
    response = client.post(
        reverse("agreements:my_agreement_answer", args=[number]), {"answer": "accept"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Agreement.Status.PENDING


def test_third_party_users_cannot_open_the_customer_pages(client):  # SEC-1
    agreement = one_time()
    client.force_login(agreement.initiated_by)
    assert client.get(MY_AGREEMENTS).status_code == 404


def test_agreements_made_before_registration_are_mine_by_meter_and_email():  # AGR-16
    agreement = one_time()  # non-registered, sent to CUSTOMER_EMAIL
    newcomer = UserFactory(email=CUSTOMER_EMAIL.upper())
    stranger = UserFactory()
    CustomerPremiseFactory(customer=newcomer, premise=agreement.premise)
    assert list(agreement_list_for_customer(customer=newcomer)) == [agreement]
    assert list(agreement_list_for_customer(customer=stranger)) == []


def test_previous_occupants_invitations_stay_hidden():  # AGR-16
    agreement = one_time()  # to CUSTOMER_EMAIL
    next_occupant = UserFactory(email="someone.else@example.com")
    CustomerPremiseFactory(customer=next_occupant, premise=agreement.premise)
    assert list(agreement_list_for_customer(customer=next_occupant)) == []


def test_detail_shows_fields_history_and_pending_actions(client):  # AGR-15, AGR-18
    customer, meter = registered_customer()
    agreement = registered_one_time(customer, meter)
    client.force_login(customer)
    page = client.get(
        reverse("agreements:my_agreement_detail", args=[agreement.agreement_number])
    ).content.decode()
    assert agreement.premise.esiid in page
    assert "Accept Agreement" in page and "Reject Agreement" in page
    assert "Terminate Agreement" not in page
    assert "Invitation sent." in page


@pytest.mark.parametrize(
    ("answer", "status"),
    [("accept", Agreement.Status.COMPLETE), ("reject", Agreement.Status.REJECTED)],
)
def test_customer_answers_a_pending_agreement_from_my_account(client, answer, status):  # AGR-16
    customer, meter = registered_customer()
    agreement = registered_one_time(customer, meter)
    token = token_of(agreement)
    client.force_login(customer)
    url = reverse("agreements:my_agreement_answer", args=[agreement.agreement_number])
    response = client.post(url, {"answer": answer}, follow=True)
    assert f"You {answer}ed agreement {agreement.agreement_number}." in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == status
    last = agreement.history.order_by("pk").last()
    assert last.actor == customer and last.actor_label == customer.username  # AGR-18
    # The emailed link now says the agreement changed (AGR-9).
    client.logout()
    page = client.get(reverse("agreements:answer", args=[token])).content.decode()
    assert STATUS_CHANGED in page


def test_get_of_the_my_account_answer_is_refused(client):
    customer, meter = registered_customer()
    agreement = registered_one_time(customer, meter)
    client.force_login(customer)
    url = reverse("agreements:my_agreement_answer", args=[agreement.agreement_number])
    assert client.get(url).status_code == 405


def test_expired_pending_agreement_cannot_be_accepted_from_my_account(client):  # AGR-9
    customer, meter = registered_customer()
    with time_machine.travel("2026-03-02 15:00 -0600", tick=False) as traveller:
        agreement = registered_one_time(customer, meter)
        traveller.move_to(agreement.expires_at + timedelta(minutes=1))
        client.force_login(customer)
        url = reverse("agreements:my_agreement_answer", args=[agreement.agreement_number])
        response = client.post(url, {"answer": "accept"}, follow=True)
    assert INVITATION_EXPIRED in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.PENDING


def test_customer_answers_an_extension_from_my_account(client):  # AGR-14, AGR-16
    customer, meter = registered_customer()
    agreement = active_ongoing(meter=meter, customer=details(registered=True, email=customer.email))
    new_end = agreement.end_date + relativedelta(months=1)
    agreement_request_extension(
        agreement=agreement, user=agreement.initiated_by, new_end_date=new_end
    )
    extension_token = token_of(agreement)
    client.force_login(customer)
    detail = reverse("agreements:my_agreement_detail", args=[agreement.agreement_number])
    assert "Accept Extension" in client.get(detail).content.decode()
    url = reverse("agreements:my_agreement_answer", args=[agreement.agreement_number])
    client.post(url, {"answer": "accept"})
    agreement.refresh_from_db()
    assert (agreement.status, agreement.end_date) == (Agreement.Status.ACTIVE, new_end)
    assert AgreementInvitation.objects.get(agreement=agreement, purpose="extension").used_at
    client.logout()
    page = client.get(reverse("agreements:answer", args=[extension_token])).content.decode()
    assert STATUS_CHANGED in page


def test_terminate_needs_a_reason_and_a_confirmation(client):  # AGR-14, AGR-16
    customer, meter = registered_customer()
    agreement = active_ongoing(meter=meter, customer=details(registered=True, email=customer.email))
    client.force_login(customer)
    url = reverse("agreements:my_agreement_terminate", args=[agreement.agreement_number])
    assert "Terminate agreement #" in client.get(url).content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE  # the GET only asks
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE
    response = client.post(url, {"reason": "Moving to another provider"}, follow=True)
    assert "has been terminated" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    assert agreement.termination_reason == "Moving to another provider"
    assert len(emails("terminated")) == 1  # the 3rd party is told


def test_a_pending_agreement_cannot_be_terminated(client):  # AGR-15
    customer, meter = registered_customer()
    agreement = registered_one_time(customer, meter)
    client.force_login(customer)
    url = reverse("agreements:my_agreement_terminate", args=[agreement.agreement_number])
    response = client.post(url, {"reason": "No"}, follow=True)
    assert "This agreement cannot be terminated." in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.PENDING


def test_customers_get_the_menu_item(client):  # AGR-16, UX-1
    customer, _meter = registered_customer()
    client.force_login(customer)
    page = client.get(MY_AGREEMENTS).content.decode()
    assert f'href="{MY_AGREEMENTS}" aria-current="page"' in page


def test_my_agreements_speak_spanish_for_a_spanish_customer(client):  # UX-3
    customer, meter = registered_customer(language="es")
    registered_one_time(customer, meter)
    client.force_login(customer)
    page = client.get(MY_AGREEMENTS).content.decode()
    assert "Mi cuenta" in page
    assert "Pendiente" in page


# --- the service behind My Account's answers ----------------------------------------------------


def test_answer_by_customer_refuses_what_is_not_waiting_for_an_answer():  # AGR-15
    customer, meter = registered_customer()
    agreement = registered_one_time(customer, meter)
    agreement_answer_by_customer(agreement=agreement, user=customer, accept=True)
    with pytest.raises(AgreementRefused, match="not waiting for your answer"):
        agreement_answer_by_customer(agreement=agreement, user=customer, accept=False)
    assert agreement.history.count() == 2  # sent, accepted


def test_answer_by_customer_is_for_the_customer_only():  # AGR-15, SEC-1
    customer, meter = registered_customer()
    agreement = registered_one_time(customer, meter)
    for other in (agreement.initiated_by, UserFactory()):
        with pytest.raises(AgreementRefused):
            agreement_answer_by_customer(agreement=agreement, user=other, accept=True)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.PENDING


# --- NTF-1, UX-3: the emailed-link pages speak the agreement's language ------------------------


def test_link_pages_speak_the_customers_language_preference(client):  # NTF-1, UX-3
    spanish = one_time(customer=details(language="es"))
    english = one_time(meter=MeterFactory())
    page = client.get(link(spanish)).content.decode()
    assert 'lang="es"' in page and "Aceptar" in page
    assert "Aceptar" not in client.get(link(english)).content.decode()
    post_answer(client, spanish, "accept")
    assert 'lang="es"' in client.get(ANSWERED).content.decode()
    # A used link says what was answered, in the customer's language (UX-3).
    assert 'lang="es"' in client.get(link(spanish)).content.decode()
    response = client.get(reverse("agreements:answer", args=["no-such-token"]))
    assert 'lang="en"' in response.content.decode()


def test_an_expired_link_says_so_in_the_customers_language(client):  # AGR-9, NTF-1
    with time_machine.travel("2026-03-02 15:00 -0600", tick=False) as traveller:
        agreement = one_time(customer=details(language="es"))
        traveller.move_to(agreement.invited_at + timedelta(days=30, minutes=1))
        page = client.get(link(agreement)).content.decode()
    assert "La invitación venció" in page


def test_a_language_the_visitor_chose_wins_over_the_agreement(client, settings):  # UX-3
    agreement = one_time(customer=details(language="es"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(link(agreement)).content.decode()
    assert 'lang="en"' in page and "Aceptar" not in page
    customer, _meter = registered_customer(language="en")
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    client.force_login(customer)  # signed in: the profile's language
    assert "Aceptar" not in client.get(link(agreement)).content.decode()


def test_the_language_is_for_that_response_only(client):  # UX-3
    agreement = one_time(customer=details(language="es"))
    client.get(link(agreement))
    assert 'lang="en"' in client.get(reverse("accounts:login")).content.decode()


# --- AGR-16: My Account / 3rd Party Agreements sorts and paginates ------------------------------


def many_agreements(customer, count: int) -> list[Agreement]:
    """`count` agreements of the customer, started on successive days, oldest first."""
    rows = []
    for n in range(count):
        meter = MeterFactory()
        CustomerPremiseFactory(customer=customer, premise=meter.premise)
        rows.append(
            AgreementFactory(
                customer=customer,
                customer_email=customer.email,
                premise=meter.premise,
                meter_number=meter.meter_number,
                status="complete" if n % 2 else "pending",
                start_date=date(2026, 1, 1) + timedelta(days=n),
                created_at=timezone.now() + timedelta(minutes=n),
            )
        )
    return rows


def numbers_in(page: str, agreements: list[Agreement]) -> list[str]:
    found = [(page.find(a.agreement_number), a.agreement_number) for a in agreements]
    return [number for position, number in sorted(found) if position >= 0]


def test_my_agreements_are_paginated_25_a_page_newest_first(
    client, django_assert_max_num_queries
):  # AGR-16, ACC-20
    customer, _meter = registered_customer()
    rows = many_agreements(customer, 27)
    client.force_login(customer)
    with django_assert_max_num_queries(10):
        page = client.get(MY_AGREEMENTS, {"show_all": "1"}).content.decode()
    newest = [a.agreement_number for a in reversed(rows)]
    assert numbers_in(page, rows) == newest[:25]
    assert "Page 1 of 2" in page
    with django_assert_max_num_queries(10):
        page = client.get(MY_AGREEMENTS, {"show_all": "1", "page": 2}).content.decode()
    assert numbers_in(page, rows) == newest[25:]


def test_more_than_25_agreements_offer_the_search_screen(client):  # AGR-16, ACC-20
    customer, _meter = registered_customer()
    rows = many_agreements(customer, 26)
    client.force_login(customer)
    page = client.get(MY_AGREEMENTS).content.decode()
    assert "Show All" in page and not numbers_in(page, rows)
    assert "Customer Last Name" not in page  # always the customer's own
    page = client.get(
        MY_AGREEMENTS,
        {"search": "1", "search_by": "agreement_number", "values": rows[3].agreement_number},
    ).content.decode()
    assert numbers_in(page, rows) == [rows[3].agreement_number]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("start", lambda rows: rows),
        ("-start", lambda rows: rows[::-1]),
        ("status", lambda rows: rows[1::2] + rows[0::2]),  # complete before pending
        ("-status", lambda rows: rows[0::2] + rows[1::2]),
    ],
)
def test_my_agreements_sort_by_start_date_and_status(client, sort, expected):  # AGR-16
    customer, _meter = registered_customer()
    rows = many_agreements(customer, 4)
    client.force_login(customer)
    page = client.get(MY_AGREEMENTS, {"sort": sort}).content.decode()
    # Within a status the rows keep their pk order (the tie-breaker).
    assert numbers_in(page, rows) == [a.agreement_number for a in expected(rows)]
    key = sort.lstrip("-")
    arrow = "▼" if sort.startswith("-") else "▲"
    assert re.search(rf'href="\?sort=-?{key}"[^>]*>[^<]*<span aria-hidden="true">{arrow}', page)


def test_the_copy_sweep_is_a_command_with_a_dry_run():  # OPS-2, AGR-10
    with time_machine.travel("2026-03-02 15:00 -0600", tick=False) as traveller:
        agreement = one_time()
        with mock.patch("agreements.tasks.agreement_copy_send_task.delay"):
            agreement_accept(token=token_of(agreement))
        traveller.shift(COPY_SWEEP_AFTER + timedelta(seconds=1))
        out = io.StringIO()
        call_command("send_missing_agreement_copies", "--dry-run", stdout=out)
        assert "Would queue 1 agreement copy email(s)." in out.getvalue()
        assert emails("accepted") == []
        call_command("send_missing_agreement_copies", stdout=io.StringIO())
        assert len(emails("accepted")) == 1
